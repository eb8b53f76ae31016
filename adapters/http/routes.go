package http

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/updateservice/updateservice/domain"
)

// NewHandler returns the service's whole HTTP API. Every route but health,
// readiness, the OpenAPI document, the operator's console and the
// connector's notification channel needs an API key; the channel needs an
// account's webhook secret. Paths
// are taken with or without a trailing slash. openapi.yaml describes every
// route.
func NewHandler(d Deps) http.Handler {
	d.writes = newAccountWrites()
	d.apiKeys = newAPIKeys(d.APIKeys)
	d.webhookSecrets = newWebhookSecrets(d.WebhookSecrets)
	d.streams = newOpenStreams()
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer, middleware.StripSlashes)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, d.Log, domain.NotFoundError{Object: "route", ID: r.Method + " " + r.URL.Path})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, d.Log, statusError{http.StatusMethodNotAllowed, "method_not_allowed", r.Method + " is not allowed on " + r.URL.Path})
	})
	// The rate limit counts per account, so it follows authenticate; a
	// refused read does not wait for the account's writes. One limiter
	// for every keyed route, streams included.
	keyed := chi.Chain(d.authenticate, d.authorize, d.rateLimited(), d.checkPathParams, d.readYourWrites)

	// A progress stream lasts as long as its client watches: it is the
	// one route without the request timeout below.
	r.With(keyed...).Get("/v3/update-campaigns/{id}/progress", d.campaignProgress)

	r.Group(func(r chi.Router) {
		r.Use(middleware.Timeout(30 * time.Second))
		d.routes(r, keyed)
	})
	return r
}

// routes adds every route that answers within the request timeout.
func (d Deps) routes(r chi.Router, keyed chi.Middlewares) {
	r.Get("/healthz", health)
	r.Get("/readyz", d.ready)
	r.Get("/openapi.json", d.serveOpenAPI)
	// The operator's console: pages and script without data, so without
	// a key; the script reads the API with the key the operator enters.
	r.Get("/console", d.consolePage)
	r.Get("/console/campaigns/{id}", d.consolePage)
	r.Get("/console/console.js", consoleAsset)
	r.Get("/console/console.css", consoleAsset)

	// The device connector's notification channel: a large body, a
	// batch of notifications.
	r.With(d.authenticateConnector, limitBody(bulkBodyLimit)).Post("/v3/connector/notifications", d.connectorNotifications)

	r.Group(func(r chi.Router) {
		// The connector's channel above is not limited: it carries the
		// fleet's reports, which a 429 would only delay (the connector
		// delivers them again, adding load) until devices time out; its
		// bodies are bounded by maxBodyItems and the report queues instead.
		r.Use(keyed...)
		// Large bodies: a bulk import.
		r.With(limitBody(bulkBodyLimit), d.idempotent).Post("/v3/devices/bulk", d.importDevices)
		// Firmware images stream in and out, bounded by the image limits
		// rather than a body limit; an Idempotency-Key is not taken, as
		// it would fingerprint (read) the whole body first. Without a blob
		// store they are not served.
		if d.Blobs != nil {
			r.Post("/v3/firmware-images", d.createFirmwareImage)
			r.Get("/v3/firmware-images", d.listFirmwareImages)
			r.Get("/v3/firmware-images/{id}", d.getFirmwareImage)
			r.Delete("/v3/firmware-images/{id}", d.deleteFirmwareImage)
			r.Get("/v3/firmware-images/{id}/datafile", d.downloadFirmwareImage)
			// Upload jobs: their chunks stream as the images do.
			r.With(limitBody(bodyLimit), d.idempotent).Post("/v3/firmware-images/upload-jobs", d.createUploadJob)
			r.Get("/v3/firmware-images/upload-jobs", d.listUploadJobs)
			r.Get("/v3/firmware-images/upload-jobs/{id}", d.getUploadJob)
			r.With(limitBody(bodyLimit), d.idempotent).Put("/v3/firmware-images/upload-jobs/{id}", d.editUploadJob)
			r.Delete("/v3/firmware-images/upload-jobs/{id}", d.deleteUploadJob)
			r.Post("/v3/firmware-images/upload-jobs/{id}/chunks", d.postUploadJobChunk)
			r.Get("/v3/firmware-images/upload-jobs/{id}/chunks", d.listUploadJobChunks)
			r.Get("/v3/firmware-images/upload-jobs/{id}/chunks/{chunk}", d.getUploadJobChunk)
		}

		r.Group(func(r chi.Router) {
			r.Use(limitBody(bodyLimit), d.idempotent)

			r.Post("/v3/devices", d.createDevice)
			r.Get("/v3/devices", d.listDevices)
			r.Get("/v3/devices/{id}", d.getDevice)
			r.Put("/v3/devices/{id}", d.updateDevice)
			r.Delete("/v3/devices/{id}", d.deleteDevice)

			r.Post("/v3/firmware-manifests", d.createManifest)
			r.Get("/v3/firmware-manifests", d.listManifests)
			r.Get("/v3/firmware-manifests/{id}", d.getManifest)
			r.Delete("/v3/firmware-manifests/{id}", d.deleteManifest)
			r.Get("/v3/firmware-manifests/{id}/datafile", d.getManifestDatafile)
			r.Get("/v3/firmware-manifests/{id}/key_table", d.getManifestKeyTable)

			r.Post("/v3/update-campaigns", d.createCampaign)
			r.Get("/v3/update-campaigns", d.listCampaigns)
			r.Get("/v3/update-campaigns/{id}", d.asOf(d.getCampaignAsOf, d.getCampaign))
			r.Put("/v3/update-campaigns/{id}", d.updateCampaign)
			r.Delete("/v3/update-campaigns/{id}", d.deleteCampaign)
			r.Post("/v3/update-campaigns/{id}/start", d.startCampaign)
			r.Post("/v3/update-campaigns/{id}/stop", d.stopCampaign)
			r.Post("/v3/update-campaigns/{id}/archive", d.archiveCampaign)
			r.Post("/v3/update-campaigns/{id}/preview", d.previewCampaign)
			r.Post("/v3/update-campaigns/{id}/approve", d.approveCampaign)
			r.Post("/v3/update-campaigns/{id}/pause", d.pauseCampaign)
			r.Post("/v3/update-campaigns/{id}/resume", d.resumeCampaign)
			r.Get("/v3/update-campaigns/{id}/campaign-device-metadata", d.asOf(d.listCampaignDeviceMetadataAsOf, d.listCampaignDeviceMetadata))
			r.Get("/v3/update-campaigns/{id}/campaign-device-metadata/{metadata_id}", d.asOf(d.getCampaignDeviceMetadataAsOf, d.getCampaignDeviceMetadata))
			r.Get("/v3/update-campaigns/{id}/statistics", d.asOf(d.statisticsAsOf(d.listStatisticsAsOf), d.listStatistics))
			r.Get("/v3/update-campaigns/{id}/statistics/{summary}", d.asOf(d.statisticsAsOf(d.getStatisticAsOf), d.getStatistic))
			r.Get("/v3/update-campaigns/{id}/statistics/{summary}/event_types", d.asOf(d.statisticsAsOf(d.listEventTypesAsOf), d.listEventTypes))
			r.Get("/v3/update-campaigns/{id}/statistics/{summary}/event_types/{event_type}", d.asOf(d.statisticsAsOf(d.getEventTypeAsOf), d.getEventType))
			r.Get("/v3/update-campaigns/{id}/metrics", d.asOf(d.getMetricsAsOf, d.getMetrics))

			// Outgoing webhooks: signed deliveries of the campaigns' events.
			r.Post("/v3/webhooks", d.createWebhook)
			r.Get("/v3/webhooks", d.listWebhooks)
			r.Get("/v3/webhooks/{id}", d.getWebhook)
			r.Delete("/v3/webhooks/{id}", d.deleteWebhook)
			r.Get("/v3/webhooks/{id}/deliveries", d.listWebhookDeliveries)

			// Campaigner's API v2: the same campaigns, its updates.
			r.Post("/api/v2/updates", d.createUpdate)
			r.Get("/api/v2/updates", d.listUpdates)
			r.Get("/api/v2/updates/{id}", d.getUpdate)
			r.Post("/api/v2/campaigns", d.createV2Campaign)
			r.Get("/api/v2/campaigns", d.listV2Campaigns)
			r.Get("/api/v2/campaigns/count", d.countV2Campaigns)
			r.Get("/api/v2/campaigns/{id}", d.getV2Campaign)
			r.Put("/api/v2/campaigns/{id}", d.updateV2Campaign)
			r.Get("/api/v2/campaigns/{id}/stats", d.asOf(d.getCampaignerStatsAsOf, d.getCampaignerStats))
			r.Post("/api/v2/campaigns/{id}/launch", d.launchV2Campaign)
			r.Post("/api/v2/campaigns/{id}/retry-failed", d.retryFailed)
			r.Post("/api/v2/campaigns/{id}/cancel", d.cancelV2Campaign)
			r.Delete("/api/v2/campaigns/{id}/devices/{device}", d.cancelV2Device)
			r.Post("/api/v2/campaigns/{id}/devices/{device}/accept", d.acceptV2Device)
			r.Get("/api/v2/campaigns/{id}/failed-installations.csv", d.getFailedInstallationsCSV)
			r.Get("/api/v2/device/{device}/campaigns", d.getV2DeviceCampaigns)

			// Audit: histories in the global order.
			r.Get("/v3/update-campaigns/{id}/events", d.listCampaignEvents)
			r.Get("/v3/devices/{id}/events", d.listDeviceEvents)
		})
	})
}

// health answers 200 while the process serves requests.
func health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready answers 200 when every readiness check passes, else 503 with the
// failing checks' reasons.
func (d Deps) ready(w http.ResponseWriter, r *http.Request) {
	status, checks, degraded := http.StatusOK, map[string]string{}, false
	for name, check := range d.Ready {
		if err := check(r.Context()); err != nil {
			status, checks[name] = http.StatusServiceUnavailable, err.Error()
			continue
		}
		checks[name] = "ok"
	}
	for name, check := range d.Degraded {
		if err := check(r.Context()); err != nil {
			degraded, checks[name] = true, err.Error()
			continue
		}
		checks[name] = "ok"
	}
	text := http.StatusText(status)
	if status == http.StatusOK && degraded {
		text = "degraded"
	}
	writeJSON(w, status, map[string]any{"status": text, "checks": checks})
}
