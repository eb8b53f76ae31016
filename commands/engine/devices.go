package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/updateservice/updateservice/domain"
)

// DeviceGroups is the Device Registry (adapters/ota's *Registry, behind a
// thin adapter): the members of a device group, page by page. An error
// that is not the context's is the Registry's failure after the client's
// own retries; the engine tries the page again with backoff, so it only
// delays the campaign.
type DeviceGroups interface {
	// GroupDevices returns at most limit of group's devices from offset,
	// in the Registry's order; none past the group's end (an unknown
	// group has none).
	GroupDevices(ctx context.Context, account domain.AccountID, group string, offset, limit int) ([]domain.DeviceID, error)
}

// devicePage is one page of a campaign's devices, where the next starts,
// and, for a page read from the Registry, the group it belongs to.
type devicePage struct {
	devices []domain.DeviceID
	cursor  string
	last    bool
	group   string
}

// deviceSource pages a campaign's devices from the cursor its batch
// record keeps: the catalog (catalogPage) or the Registry (registryPage).
type deviceSource func(ctx context.Context, d *driver, cp *domain.Campaign) (devicePage, error)

// sourceOf is where the campaign's devices come from: the Registry for a
// campaign with groups when one is configured, else the catalog.
func (e *Engine) sourceOf(cp *domain.Campaign) deviceSource {
	if e.cfg.Registry != nil && len(cp.DeviceSelection().Groups) > 0 {
		return registryPage
	}
	return catalogPage
}

// catalogPage reads the page of the catalog's devices that the campaign's
// selection matches after the cursor, a device id.
func catalogPage(ctx context.Context, d *driver, cp *domain.Campaign) (devicePage, error) {
	devices, err := d.e.reads.MatchingDevices(ctx, d.account, cp.DeviceSelection(), domain.DeviceID(cp.Cursor()), d.e.cfg.BatchSize)
	if err != nil {
		return devicePage{}, err
	}
	p := devicePage{devices: devices, cursor: cp.Cursor(), last: len(devices) < d.e.cfg.BatchSize}
	if len(devices) > 0 {
		p.cursor = string(devices[len(devices)-1])
	}
	return p, nil
}

// registryPage reads the campaign's groups from the Registry one after
// the other (in the campaign's sorted order), each until the Registry
// answers an empty page, as Campaigner read them. A page holds devices
// of one group only, so that each device is registered in the group it
// came from. The cursor is the group's index and the offset in it, so a
// restart resumes exactly where the last recorded page ended; the last
// page is the empty one after the last group.
func registryPage(ctx context.Context, d *driver, cp *domain.Campaign) (devicePage, error) {
	groups := cp.DeviceSelection().Groups
	g, offset, err := parseRegistryCursor(cp.Cursor())
	if err != nil {
		return devicePage{}, err
	}
	for ; g < len(groups); g, offset = g+1, 0 {
		devices, err := d.e.cfg.Registry.GroupDevices(ctx, d.account, groups[g], offset, d.e.cfg.BatchSize)
		if err != nil {
			return devicePage{}, err
		}
		if len(devices) > 0 {
			return devicePage{devices: devices, cursor: registryCursor(g, offset+len(devices)), group: groups[g]}, nil
		}
	}
	return devicePage{cursor: registryCursor(len(groups), 0), last: true}, nil
}

// registryCursorPrefix marks a cursor into the Registry's groups.
const registryCursorPrefix = "registry:"

// registryCursor is the cursor at offset in the campaign's group g.
func registryCursor(g, offset int) string {
	return registryCursorPrefix + strconv.Itoa(g) + ":" + strconv.Itoa(offset)
}

// parseRegistryCursor reads a cursor registryCursor made; "" is the
// start. Another (a catalog device id, recorded before a Registry was
// configured) is refused: resuming from the Registry's start would enrol
// and count the pages taken again.
func parseRegistryCursor(s string) (g, offset int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	gs, offs, ok := strings.Cut(strings.TrimPrefix(s, registryCursorPrefix), ":")
	g, err1 := strconv.Atoi(gs)
	offset, err2 := strconv.Atoi(offs)
	if !strings.HasPrefix(s, registryCursorPrefix) || !ok || err1 != nil || err2 != nil || g < 0 || offset < 0 {
		return 0, 0, domain.InvalidError{Field: "cursor", Reason: fmt.Sprintf("%q is not a position in the Device Registry's groups: the campaign began paging the catalog", s)}
	}
	return g, offset, nil
}
