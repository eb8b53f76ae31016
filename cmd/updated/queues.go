package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/updateservice/updateservice/adapters/bus"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// openBus connects to Kafka when KAFKA_HOST is set, else makes the
// in-process bus.
func openBus(cfg Config, log *slog.Logger) (*bus.PubSub, error) {
	if cfg.KafkaHost == "" {
		return bus.NewInProcess(log), nil
	}
	ps, err := bus.NewKafka(wiring.KafkaBrokers(cfg.KafkaHost), bus.KafkaConfig{ClientID: "update-service"}, log)
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

func sendOptions(meta commands.Meta) []bus.SendOption {
	var opts []bus.SendOption
	if meta.CorrelationID != "" {
		opts = append(opts, bus.WithCorrelationID(meta.CorrelationID))
	}
	return opts
}

// queuedCommands are the command handlers with the engine's steps that
// the original service ran through queues put on them: the manifest check
// and the timed start.
type queuedCommands struct {
	*commands.Handlers
	publisher *bus.Publisher
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
// connector-channel-send-manifest, a message per batch of devices.
type queuedManifests struct{ publisher *bus.Publisher }

// SendManifests publishes the devices' manifest writes.
func (q queuedManifests) SendManifests(ctx context.Context, account domain.AccountID, campaign domain.CampaignID, wave int, devices []domain.DeviceID) (commands.Result, error) {
	return q.publisher.Send(ctx, bus.SendManifest{Account: bus.Account{AccountID: account}, CampaignID: campaign, DeviceIDs: devices, Wave: wave},
		bus.WithCorrelationID(string(campaign)))
}
