package http

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// Campaigner's paging: limit defaults to 50, and a larger one than 1,000
// is taken as 1,000, as Pelion's lists clamp theirs.
const (
	defaultOffsetLimit = 50
	maxOffsetLimit     = 1000
)

// offsetPageJSON is Campaigner's page: {"values","total","offset","limit"}.
type offsetPageJSON[J any] struct {
	Values []J   `json:"values"`
	Total  int64 `json:"total"`
	Offset int   `json:"offset"`
	Limit  int   `json:"limit"`
}

// offsetPageOf renders a page of read-model items as Campaigner's page.
func offsetPageOf[T, J any](p projections.OffsetPage[T], render func(T) J) offsetPageJSON[J] {
	out := offsetPageJSON[J]{Values: make([]J, len(p.Values)), Total: p.Total, Offset: p.Offset, Limit: p.Limit}
	for i, v := range p.Values {
		out.Values[i] = render(v)
	}
	return out
}

// parseOffsetRequest reads offset and limit: non-negative integers, limit
// at least 1 and at most 1,000.
func parseOffsetRequest(q url.Values) (projections.OffsetRequest, error) {
	req := projections.OffsetRequest{Limit: defaultOffsetLimit}
	for name, to := range map[string]*int{"offset": &req.Offset, "limit": &req.Limit} {
		s := q.Get(name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return req, domain.InvalidError{Field: name, Reason: fmt.Sprintf("%q is not a non-negative integer", s)}
		}
		*to = n
	}
	if req.Limit == 0 {
		return req, domain.InvalidError{Field: "limit", Reason: "must be at least 1"}
	}
	req.Limit = min(req.Limit, maxOffsetLimit)
	return req, nil
}

// parseCampaignerList reads Campaigner's campaign list parameters:
// status, nameContains, withErrors=true (which takes neither of the
// others), sortBy name or createdAt, offset and limit.
func parseCampaignerList(q url.Values) (projections.CampaignerListRequest, error) {
	page, err := parseOffsetRequest(q)
	req := projections.CampaignerListRequest{OffsetRequest: page, NameContains: q.Get("nameContains")}
	if err != nil {
		return req, err
	}
	if s := q.Get("status"); s != "" {
		status, err := domain.ParseCampaignStatus(s)
		if err != nil {
			return req, err
		}
		req.Status = &status
	}
	switch s := q.Get("withErrors"); s {
	case "", "false":
	case "true":
		if req.Status != nil || req.NameContains != "" {
			return req, domain.InvalidError{Field: "withErrors", Reason: "takes neither status nor nameContains"}
		}
		req.WithErrors = true
	default:
		return req, domain.InvalidError{Field: "withErrors", Reason: fmt.Sprintf("%q is not true or false", s)}
	}
	switch s := q.Get("sortBy"); s {
	case "", "createdAt":
	case "name":
		req.ByName = true
	default:
		return req, domain.InvalidError{Field: "sortBy", Reason: fmt.Sprintf("%q is not name or createdAt", s)}
	}
	return req, domain.CheckText("nameContains", req.NameContains, 128, false)
}
