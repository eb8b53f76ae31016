package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// openBus connects to Kafka when KAFKA_HOST is set, else makes the
// in-process bus.
func openBus(cfg Config, log *slog.Logger) (*bus.PubSub, error) {
	if cfg.KafkaHost == "" {
		return bus.NewInProcess(log), nil
	}
	var brokers []string
	for _, b := range strings.Split(cfg.KafkaHost, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	ps, err := bus.NewKafka(brokers, bus.KafkaConfig{ClientID: "update-service"}, log)
	if err != nil {
		return nil, fmt.Errorf("KAFKA_HOST: %w", err)
	}
	return ps, nil
}

// busReadModels are the read-model operations of the queue handlers.
type busReadModels struct {
	*projections.EngineQueries
	*projections.CampaignRebuilder
}

// queuedDeviceSide gives the connector webhook's async responses and
// device reports to the original queues, so that they reach the same
// handlers as messages from integrators; registrations have no queue of
// their own and go to the commands directly.
type queuedDeviceSide struct {
	*commands.Handlers
	publisher *bus.Publisher
}

// HandleAsyncResponse puts the response on connector-channel-handle-async-response.
func (q queuedDeviceSide) HandleAsyncResponse(ctx context.Context, c commands.HandleAsyncResponse) (commands.Result, error) {
	status := c.Status
	return q.publisher.Send(ctx, bus.AsyncResponse{Account: bus.Account{AccountID: c.Account}, AsyncID: c.AsyncID,
		Status: &status, Error: c.Error}, sendOptions(c.Meta)...)
}

// HandleDeviceNotification puts an update state on
// deployment-service-campaign-device-state and an update result on
// deployment-service-update-deployment-device; other resources are applied
// directly.
func (q queuedDeviceSide) HandleDeviceNotification(ctx context.Context, c commands.HandleDeviceNotification) (commands.Result, error) {
	n, err := strconv.Atoi(strings.TrimSpace(c.Payload))
	if err != nil {
		return q.Handlers.HandleDeviceNotification(ctx, c) // the command names the bad payload
	}
	account := bus.Account{AccountID: c.Account}
	switch c.Path {
	case commands.UpdateStatePath:
		return q.publisher.Send(ctx, bus.CampaignDeviceState{Account: account, DeviceID: c.DeviceID, LwM2MState: &n}, sendOptions(c.Meta)...)
	case commands.UpdateResultPath:
		return q.publisher.Send(ctx, bus.UpdateDeploymentDevice{Account: account, DeviceID: c.DeviceID, UpdateResult: &n}, sendOptions(c.Meta)...)
	}
	return q.Handlers.HandleDeviceNotification(ctx, c)
}

func sendOptions(meta commands.Meta) []bus.SendOption {
	var opts []bus.SendOption
	if meta.CorrelationID != "" {
		opts = append(opts, bus.WithCorrelationID(meta.CorrelationID))
	}
	return opts
}

// queuedCommands are the command handlers with the steps the original
// service ran through queues put on them: campaign start and stop (from
// HTTP), the manifest check and the timed start (from the engine).
type queuedCommands struct {
	*commands.Handlers
	publisher *bus.Publisher
}

// StartCampaign puts the start on deployment-service-apply-firmware-update.
func (q queuedCommands) StartCampaign(ctx context.Context, c commands.StartCampaign) (commands.Result, error) {
	return q.send(ctx, c.Meta, bus.ApplyFirmwareUpdate{Account: bus.Account{AccountID: c.Account}, CampaignID: c.CampaignID})
}

// StopCampaign puts the stop on deployment-service-campaign-engine-stop-campaign.
func (q queuedCommands) StopCampaign(ctx context.Context, c commands.StopCampaign) (commands.Result, error) {
	return q.send(ctx, c.Meta, bus.StopCampaign{Account: bus.Account{AccountID: c.Account}, CampaignID: c.CampaignID})
}

// CheckCampaignManifest puts the check on deployment-service-check-manifest.
func (q queuedCommands) CheckCampaignManifest(ctx context.Context, c commands.CheckCampaignManifest) (commands.Result, error) {
	return q.send(ctx, c.Meta, bus.CheckManifest{Account: bus.Account{AccountID: c.Account}, CampaignID: c.CampaignID})
}

// AdvanceCampaign puts a timed start on
// deployment-service-campaign-manager-with-retry; other steps apply directly.
func (q queuedCommands) AdvanceCampaign(ctx context.Context, c commands.AdvanceCampaign) (commands.Result, error) {
	if c.Step != commands.StepBeginTimedStart {
		return q.Handlers.AdvanceCampaign(ctx, c)
	}
	return q.send(ctx, c.Meta, bus.CampaignManager{Account: bus.Account{AccountID: c.Account}, CampaignID: c.CampaignID})
}

// send publishes a command's message. The command id becomes the message
// id, so a step repeated after a crash is the same message.
func (q queuedCommands) send(ctx context.Context, meta commands.Meta, m bus.Message) (commands.Result, error) {
	opts := sendOptions(meta)
	if meta.CommandID != "" {
		opts = append(opts, bus.WithMessageID(meta.CommandID))
	}
	return q.publisher.Send(ctx, m, opts...)
}

// queuedManifests puts the engine's manifest writes on
// connector-channel-send-manifest.
type queuedManifests struct{ publisher *bus.Publisher }

// SendManifest publishes one device's manifest write.
func (q queuedManifests) SendManifest(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, device domain.DeviceID) error {
	_, err := q.publisher.Send(ctx, bus.SendManifest{Account: bus.Account{AccountID: account}, CampaignID: campaign, DeviceID: device},
		bus.WithCorrelationID(string(campaign)))
	return err
}
