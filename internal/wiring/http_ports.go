package wiring

import (
	httpapi "github.com/updateservice/updateservice/adapters/http"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/projections"
)

// HTTPPorts returns the HTTP API's dependencies on the command handlers
// and the read-model queries, every port filled: the webhook's reports go
// straight to the commands, which the service replaces with its queues.
// The caller adds keys, waiting, readiness, the blob store and the rest,
// and the engine's paging to the previews (without it a preview's
// estimate leaves out the pauses between pages).
func HTTPPorts(cmds *commands.Handlers, queries *projections.Queries, history *projections.History) httpapi.Deps {
	return httpapi.Deps{
		Campaigns: cmds, CampaignReads: queries, Statistics: queries, Metadata: queries,
		Updates: cmds, UpdateReads: queries, CampaignerReads: queries,
		Devices: cmds, DeviceReads: queries, Manifests: cmds, ManifestReads: queries,
		FirmwareImages: cmds, FirmwareImageReads: queries,
		UploadJobs: cmds, UploadJobReads: queries,
		Webhooks: cmds, WebhookReads: queries,
		Connector: cmds, Reports: cmds, History: history,
		Previews: Previews{Commands: cmds, Catalog: queries},
	}
}
