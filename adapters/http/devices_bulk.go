package http

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
)

// bulkInput is a bulk import: device objects as POST /v3/devices takes them.
type bulkInput struct {
	Devices []deviceInput `json:"devices"`
}

// bulkJSON says what a bulk import did.
type bulkJSON struct {
	Registered int           `json:"registered"`
	Failed     []bulkFailure `json:"failed"`
}

// bulkFailure is a device of the import that was not registered, by its
// index in the request.
type bulkFailure struct {
	Index   int    `json:"index"`
	ID      string `json:"id"`
	Message string `json:"message"`
}

// importDevices registers many devices in one command (chunked appends):
// 202 with the count registered and each failure. It answers once the
// catalog shows them, so a campaign created next finds them.
func (d Deps) importDevices(w http.ResponseWriter, r *http.Request) {
	var in bulkInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	if len(in.Devices) > maxBodyItems {
		writeError(w, r, d.Log, tooManyItems(len(in.Devices)))
		return
	}
	out := bulkJSON{Failed: []bulkFailure{}}
	regs := make([]commands.DeviceRegistration, 0, len(in.Devices))
	index := make([]int, 0, len(in.Devices)) // index in the request of each registration
	for i, dev := range in.Devices {
		id, err := dev.deviceID()
		if err != nil {
			out.Failed = append(out.Failed, bulkFailure{Index: i, Message: errorMessage(err)})
			continue
		}
		regs = append(regs, commands.DeviceRegistration{DeviceID: id, Attributes: dev.patch().Over(domain.DeviceAttributes{})})
		index = append(index, i)
	}
	res, err := d.Devices.RegisterDevices(r.Context(), commands.RegisterDevices{Meta: commandMeta(r), Devices: regs})
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	out.Registered = res.Registered
	for _, i := range slices.Sorted(maps.Keys(res.Failed)) {
		out.Failed = append(out.Failed, bulkFailure{Index: index[i], ID: string(regs[i].DeviceID), Message: errorMessage(res.Failed[i])})
	}
	slices.SortFunc(out.Failed, func(a, b bulkFailure) int { return a.Index - b.Index })
	writeJSON(w, http.StatusAccepted, out)
}

// errorMessage is what a caller is told of err within a response that is
// not an error object: the domain's words, never an internal error's.
func errorMessage(err error) string {
	if domain.KindOf(err) == domain.KindInternal {
		return "internal error"
	}
	var reasons []string
	for _, ie := range invalidErrors(err) {
		reasons = append(reasons, ie.Error())
	}
	if len(reasons) > 0 {
		return strings.Join(reasons, "; ")
	}
	return domainMessage(err)
}
