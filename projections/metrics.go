package projections

import "time"

// Metrics are Pelion's deprecated campaign metrics, with the API's names: a
// coarse view of the counters, in one place so that the API and an
// auditor's recount (updatectl verify-export) read the counters alike.
type Metrics struct {
	Total   int64 `json:"total_count"`   // every device of the campaign
	Success int64 `json:"success_count"` // deployed
	Failed  int64 `json:"failed_count"`  // failed, delivery failures and timeouts included
	Pending int64 `json:"pending_count"` // pending, or still updating
	Skipped int64 `json:"skipped_count"` // skipped or rejected: not affected
	// At is when the counters last moved (Pelion calls it created_at).
	At time.Time `json:"created_at"`
}

// Metrics returns the counters' metrics.
func (k Counters) Metrics() Metrics {
	return Metrics{Total: k.Targeted, Success: k.Deployed, Failed: k.FailedTotal, Pending: k.Pending + k.InProgress,
		Skipped: k.Skipped + k.Rejected, At: k.UpdatedAt}
}
