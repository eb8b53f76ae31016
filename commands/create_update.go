package commands

import (
	"context"
	"fmt"

	"github.com/updateservice/updateservice/domain"
)

// CreateUpdate creates a Campaigner update. An update id that is taken
// answers domain.ConflictError.
type CreateUpdate struct {
	Meta
	UpdateID domain.UpdateID
	Spec     domain.UpdateSpec
}

// CreateUpdate handles CreateUpdate. It reads the update's stream only to
// tell a retry of this command from a taken id.
func (h *Handlers) CreateUpdate(ctx context.Context, c CreateUpdate) (Result, error) {
	us := domain.UpdateStream(c.UpdateID)
	res, err := retry(ctx, func() (Result, error) {
		streams, err := h.store.ReadStreams(ctx, []string{us})
		if err != nil {
			return Result{}, err
		}
		existing, err := rebuild(us, streams[us], domain.LoadUpdate)
		if err != nil {
			return Result{}, err
		}
		if pos, ok := existing.handledBefore(c.Meta); ok {
			return Result{Position: pos}, nil
		}
		u, err := domain.NewUpdate(c.UpdateID, c.Account, c.Spec, h.now())
		if err != nil {
			return Result{}, err
		}
		if existing.exists() {
			return Result{}, domain.ConflictError{Reason: fmt.Sprintf("update %s already exists", c.UpdateID)}
		}
		return h.saveAll(ctx, c.Meta, nil, existing.as(u))
	})
	return res, failed("CreateUpdate", err)
}
