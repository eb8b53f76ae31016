package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/updateservice/updateservice/adapters/postgres"
	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/internal/wiring"
	"github.com/updateservice/updateservice/projections"
)

// previewScenario times the preview of a draft campaign over a catalog of
// b.opts.previewed devices, next to a baseline measured in the same run:
// the same rows read by the same query without judging them. The catalog
// is seeded straight into the read model by one INSERT, a mix of every
// verdict: 85% to update, 5% of another class, 5% up to date, 3%
// deregistered, 2% in another campaign.
func (b *bench) previewScenario(ctx context.Context, _ rate) error {
	pool, err := b.database(ctx, "preview", 0)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return err
	}
	if err := projections.Migrate(ctx, pool); err != nil {
		return err
	}
	store := postgres.NewEventStore(pool)
	defer store.Close()
	cmds := commands.New(store, time.Now)
	if err := draftOverCatalog(ctx, cmds); err != nil {
		return err
	}
	seeded := time.Now()
	if err := seedCatalog(ctx, pool, b.opts.previewed); err != nil {
		return fmt.Errorf("seeding the catalog: %w", err)
	}
	fmt.Fprintf(b.out, "\npreview: a draft campaign over %d catalog devices (seeded in %s)\n", b.opts.previewed,
		time.Since(seeded).Round(time.Millisecond))
	raw, err := stopwatch(func() error { return readFacts(ctx, pool) })
	if err != nil {
		return err
	}
	previews := wiring.Previews{Commands: cmds, Catalog: projections.NewQueries(pool), BatchSize: 200, BatchDelay: 10 * time.Second}
	var p *domain.CampaignPreview
	took, err := stopwatch(func() (err error) { p, err = previews.PreviewCampaign(ctx, previewAccount, "preview"); return err })
	if err != nil {
		return err
	}
	b.reportAgainst("raw read of the catalog rows (baseline)", "devices", rate{b.opts.previewed, raw}, rate{}, "")
	b.reportAgainst("preview", "devices", rate{b.opts.previewed, took}, rate{b.opts.previewed, raw}, "the raw read")
	fmt.Fprintf(b.out, "  targeted %d, skipped %v, waves %d, estimated %s\n", p.Targeted, p.Skipped, len(p.Waves), p.EstimatedDuration)
	return nil
}

// previewAccount owns the preview scenario's objects.
const previewAccount = domain.AccountID("acc1")

// draftOverCatalog registers manifest m1 (class sensor, payload digest-2)
// and draft campaign "preview" over the registered devices, in two waves.
func draftOverCatalog(ctx context.Context, cmds *commands.Handlers) error {
	meta := commands.Meta{Account: previewAccount}
	if _, err := cmds.RegisterManifest(ctx, commands.RegisterManifest{Meta: meta, ManifestID: "m1", Spec: domain.ManifestSpec{
		Name: "fw 2", DeviceClass: "sensor", PayloadType: domain.PayloadFull, PayloadURL: "https://fw.example/2.bin",
		PayloadDigest: "digest-2", PayloadSize: 100, Timestamp: time.Now()}}); err != nil {
		return err
	}
	policy := domain.RolloutPolicy{Waves: []domain.Wave{{Percent: 1, SoakSeconds: 600}, {Percent: 100}},
		Rate: &domain.RatePolicy{PerMinute: 10_000}}
	_, err := cmds.CreateCampaign(ctx, commands.CreateCampaign{Meta: meta, CampaignID: "preview", Spec: domain.CampaignSpec{
		Name: "preview", ManifestID: "m1", DeviceFilter: "mechanism__eq=connector", Rollout: &policy}})
	return err
}

// seedCatalog inserts n devices of previewAccount into the catalog read
// model in one statement, then analyzes it as autovacuum would.
func seedCatalog(ctx context.Context, pool *pgxpool.Pool, n int) error {
	_, err := pool.Exec(ctx, `INSERT INTO devices (account_id, device_id, name, description, device_class, vendor_id,
		firmware_checksum, groups, mechanism, mechanism_url, state, subscribed, active_campaign_id, created_at, updated_at)
		SELECT $1, 'dev-' || lpad(i::text, 8, '0'), '', '', CASE WHEN i % 100 < 5 THEN 'camera' ELSE 'sensor' END, 'v1',
			CASE WHEN i % 100 BETWEEN 5 AND 9 THEN 'digest-2' ELSE 'digest-1' END, '{}', 'connector', '',
			CASE WHEN i % 100 BETWEEN 10 AND 12 THEN 'deregistered' ELSE 'registered' END, true,
			CASE WHEN i % 100 BETWEEN 13 AND 14 THEN 'other' END, now(), now()
		FROM generate_series(1, $2) AS i`, previewAccount, n)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, `VACUUM ANALYZE devices`)
	return err
}

// readFacts reads the rows a preview reads, as MatchingDeviceFacts's
// query does, and nothing else.
func readFacts(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT d.device_id, d.state, d.device_class, d.firmware_checksum,
		coalesce(d.active_campaign_id, '') FROM devices d WHERE d.account_id = $1 AND d.state IS NOT NULL
		AND d.mechanism = 'connector' ORDER BY d.device_id`, previewAccount)
	if err != nil {
		return err
	}
	var id, state, class, firmware, active string
	_, err = pgx.ForEachRow(rows, []any{&id, &state, &class, &firmware, &active}, func() error { return nil })
	return err
}

// stopwatch runs f and returns how long it took.
func stopwatch(f func() error) (time.Duration, error) {
	started := time.Now()
	err := f()
	return time.Since(started), err
}
