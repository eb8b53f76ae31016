package projections

import "time"

// Metrics are Pelion's deprecated campaign metrics: a coarse view of the
// counters, in one place so that the API and an auditor's recount
// (updatectl verify-export) read the counters alike.
type Metrics struct {
	Total   int64 // every device of the campaign
	Success int64 // deployed
	Failed  int64 // failed, delivery failures and timeouts included
	Pending int64 // pending, or still updating
	Skipped int64 // skipped or rejected: not affected
	// At is when the counters last moved (Pelion calls it created_at).
	At time.Time
}

// Metrics returns the counters' metrics.
func (k Counters) Metrics() Metrics {
	return Metrics{Total: k.Targeted, Success: k.Deployed, Failed: k.FailedTotal, Pending: k.Pending + k.InProgress,
		Skipped: k.Skipped + k.Rejected, At: k.UpdatedAt}
}
