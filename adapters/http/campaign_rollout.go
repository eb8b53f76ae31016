package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// rolloutJSON is the rollout part of the campaign object: the policy,
// normalized (null without one), the pause, the current wave (1-based; 0
// before the first) and each wave's size over the devices enrolled so far
// (null before any). A paused campaign keeps its Pelion phase and state.
type rolloutJSON struct {
	RolloutPolicy *domain.RolloutPolicy `json:"rollout_policy"`
	Paused        bool                  `json:"paused"`
	PauseCause    string                `json:"pause_cause"`
	PauseReason   string                `json:"pause_reason"`
	PausedAt      *time.Time            `json:"paused_at"`
	Wave          int                   `json:"wave"`
	Waves         []int                 `json:"waves"`
}

// optionalPolicy is the rollout_policy of a request: absent (nil), null
// (on PUT: remove the policy) or an object.
type optionalPolicy struct {
	json.RawMessage
}

// present reports whether the field was sent, null included.
func (o optionalPolicy) present() bool { return len(o.RawMessage) > 0 }

// parse returns the policy sent; null is the zero policy, which the domain
// records as none. Unlike the campaign's own fields, an unknown field of
// the policy is refused: a misspelt rule would silently not guard the
// rollout. The domain checks the values and names each field that is wrong.
func (o optionalPolicy) parse() (*domain.RolloutPolicy, error) {
	var p domain.RolloutPolicy
	if string(o.RawMessage) == "null" {
		return &p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(o.RawMessage))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, policyDecodeError(err)
	}
	return &p, nil
}

// policyDecodeError names the policy's field a decoding error is about.
func policyDecodeError(err error) error {
	var invalid domain.InvalidError
	if errors.As(decodeError(err), &invalid) && invalid.Field != "body" {
		invalid.Field = "rollout_policy." + invalid.Field
		return invalid
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return domain.InvalidError{Field: "rollout_policy." + strings.Trim(name, `"`), Reason: "is not a field of a rollout policy"}
	}
	return domain.InvalidError{Field: "rollout_policy", Reason: "must be a rollout policy object or null"}
}

// pauseInput is the optional body of a pause.
type pauseInput struct {
	Reason string `json:"reason"`
}

// approveCampaign approves a campaign that awaits approval: 202 with the
// campaign, which goes on to timed or starting.
func (d Deps) approveCampaign(w http.ResponseWriter, r *http.Request) {
	id := campaignID(r)
	res, err := d.Campaigns.ApproveCampaign(r.Context(), commands.ApproveCampaign{Meta: commandMeta(r), CampaignID: id})
	d.answerCampaign(w, r, res, err, id, http.StatusAccepted)
}

// pauseCampaign pauses a starting or active campaign: 202 with the
// campaign. The body, {"reason": "…"}, may be left out.
func (d Deps) pauseCampaign(w http.ResponseWriter, r *http.Request) {
	var in pauseInput
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil && !emptyBody(err) {
			writeError(w, r, d.Log, err)
			return
		}
	}
	id := campaignID(r)
	res, err := d.Campaigns.PauseCampaign(r.Context(), commands.PauseCampaign{Meta: commandMeta(r), CampaignID: id, Reason: in.Reason})
	d.answerCampaign(w, r, res, err, id, http.StatusAccepted)
}

// emptyBody reports whether decode failed only because no body was sent
// (a chunked request without a length).
func emptyBody(err error) bool {
	var invalid domain.InvalidError
	return errors.As(err, &invalid) && invalid.Field == "body" && strings.HasPrefix(invalid.Reason, "is empty")
}

// resumeCampaign resumes a paused campaign: 202 with the campaign.
func (d Deps) resumeCampaign(w http.ResponseWriter, r *http.Request) {
	id := campaignID(r)
	res, err := d.Campaigns.ResumeCampaign(r.Context(), commands.ResumeCampaign{Meta: commandMeta(r), CampaignID: id})
	d.answerCampaign(w, r, res, err, id, http.StatusAccepted)
}
