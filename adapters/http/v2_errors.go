package http

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/updateservice/updateservice/domain"
)

// campaignerPrefix starts every Campaigner-compatible route. Its answers,
// errors included, are Campaigner's, whatever part of the API answers
// them (authentication, the rate limit, a handler).
const campaignerPrefix = "/api/v2/"

// isCampaigner reports whether r is a request of the Campaigner API.
func isCampaigner(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, campaignerPrefix) }

// campaignerErrorObject is Campaigner's error object (libats'
// ErrorRepresentation). errorId is new for each error; an internal
// error's log line carries it beside the request id, so an operator finds
// the failure a caller reports.
type campaignerErrorObject struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Cause       any    `json:"cause"`
	ErrorID     string `json:"errorId"`
}

// campaignerCodes maps the error types of Pelion's error object onto
// libats' generic codes; a type outside it (Campaigner's own codes, such
// as campaign_already_exists, and unauthorized, too_many_requests, ...)
// is the code itself.
var campaignerCodes = map[string]string{
	"validation_error": "invalid_entity",
	"not_found":        "missing_entity",
	"conflict":         "conflicting_entity",
}

// campaignerError renders an error already described as Pelion's error
// object in Campaigner's shape: one description of the error, two
// shapes, so the two APIs never disagree about a status.
func campaignerError(body errorObject, errorID string) campaignerErrorObject {
	code, ok := campaignerCodes[body.Type]
	if !ok {
		code = body.Type
	}
	return campaignerErrorObject{Code: code, Description: body.Message, ErrorID: errorID}
}

// The errors of Campaigner's own codes, answered on /api/v2.
var (
	errCampaignWithoutDevices = statusError{http.StatusBadRequest, "campaign_without_devices",
		"the campaign's groups hold no registered device"}
	errCampaignExists = statusError{http.StatusConflict, "campaign_already_exists",
		"a campaign with that name already exists"}
	errMissingUpdateSource = statusError{http.StatusPreconditionFailed, "missing_update_source",
		"the update does not exist, or its source is not a manifest of the account"}
	errCampaignLaunched = statusError{http.StatusConflict, "campaign_already_launched",
		"the campaign was launched before"}
	errUpdateExists = statusError{http.StatusConflict, "update_already_exists",
		"an update with that source id already exists"}
)

// v2CampaignID reads the {id} of a Campaigner route: a UUID in its dashed
// form, the same campaign as the 32 hex digits of /v3. Anything else
// names no campaign: 404.
func v2CampaignID(r *http.Request) (domain.CampaignID, error) {
	id, err := fromV2ID(chi.URLParam(r, "id"), "campaign")
	return domain.CampaignID(id), err
}

// fromV2ID turns a Campaigner id into ours: a UUID's 32 hex digits. It
// takes the dashed form, and the 32 digits /v3 shows (so an id read there
// works here); not the braced or urn: forms.
func fromV2ID(s, object string) (string, error) {
	u, err := uuid.Parse(s)
	if err != nil || (len(s) != 36 && len(s) != 32) {
		return "", domain.NotFoundError{Object: object, ID: s}
	}
	return strings.ReplaceAll(u.String(), "-", ""), nil
}

// toV2ID shows one of our ids the way Campaigner does: a UUID's dashed
// form. An id that is no UUID (made through the queues) is shown as it is.
func toV2ID(id string) string {
	if len(id) != 32 {
		return id
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return id
	}
	return u.String()
}

// errMissingFailedDevices answers a retry-failed that finds no device of
// the campaign whose update failed with the code.
var errMissingFailedDevices = statusError{http.StatusPreconditionFailed, "missing_failed_devices",
	"no device of the campaign failed with that failure code"}
