package projections

import (
	"time"

	"github.com/updateservice/updateservice/domain"
)

// updateRow is a row of the updates table; the json tags are its columns.
type updateRow struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	SourceID    string    `json:"source_id"`
	SourceType  string    `json:"source_type"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Etag        string    `json:"etag"`
}

var updatesTable = newTableSpec[updateRow]("updates", "id")

// updatesProjection maintains Campaigner's updates from update streams.
type updatesProjection struct {
	rows *rowSet[updateRow]
}

func newUpdatesProjection() *updatesProjection {
	return &updatesProjection{rows: newRowSet(updatesTable, func(r *updateRow) string { return r.ID })}
}

// OnUpdateCreated writes the update's row.
func (p *updatesProjection) OnUpdateCreated(env envelope, e domain.UpdateCreated) {
	at := env.at(e.At)
	p.rows.put(string(env.updateID), &updateRow{ID: string(env.updateID), AccountID: string(e.AccountID),
		SourceID: e.SourceID, SourceType: e.SourceType, Name: e.UpdateName, Description: e.Description,
		CreatedAt: at, UpdatedAt: at, Etag: env.etag()})
}
