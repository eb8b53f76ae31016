package http

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/updateservice/updateservice/commands"
	"github.com/updateservice/updateservice/domain"
	"github.com/updateservice/updateservice/projections"
)

// ManifestCommands are the manifest writes the manifest routes send:
// *commands.Handlers.
type ManifestCommands interface {
	RegisterManifest(context.Context, commands.RegisterManifest) (commands.Result, error)
	DeleteManifest(context.Context, commands.DeleteManifest) (commands.Result, error)
}

// ManifestReads are the manifest routes' reads of the read models:
// *projections.Queries.
type ManifestReads interface {
	Manifest(ctx context.Context, account domain.AccountID, id domain.ManifestID) (projections.Manifest, error)
	ListManifests(ctx context.Context, account domain.AccountID, req projections.ListRequest) (projections.Page[projections.Manifest], error)
}

// manifestJSON is Pelion's firmware manifest object.
type manifestJSON struct {
	Object                 string    `json:"object"`
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Description            string    `json:"description"`
	Datafile               string    `json:"datafile"`
	DatafileSize           int64     `json:"datafile_size"`
	DeviceClass            string    `json:"device_class"`
	DeviceVendor           string    `json:"device_vendor"`
	Timestamp              time.Time `json:"timestamp"`
	ManifestSchemaVersion  string    `json:"manifest_schema_version"`
	DeliveredPayloadType   string    `json:"delivered_payload_type"`
	DeliveredPayloadURL    string    `json:"delivered_payload_url"`
	DeliveredPayloadDigest string    `json:"delivered_payload_digest"`
	DeliveredPayloadSize   int64     `json:"delivered_payload_size"`
	KeyTable               string    `json:"key_table"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
	Etag                   string    `json:"etag"`
}

func manifestObject(m projections.Manifest) manifestJSON {
	return manifestJSON{Object: "firmware-manifest", ID: string(m.ID), Name: m.Name, Description: m.Description,
		Datafile: m.Datafile, DatafileSize: m.DatafileSize, DeviceClass: m.DeviceClass, DeviceVendor: m.DeviceVendor,
		Timestamp: utc(m.Timestamp), ManifestSchemaVersion: m.SchemaVersion, DeliveredPayloadType: string(m.DeliveredPayloadType),
		DeliveredPayloadURL: m.DeliveredPayloadURL, DeliveredPayloadDigest: m.DeliveredPayloadDigest,
		DeliveredPayloadSize: m.DeliveredPayloadSize, KeyTable: m.KeyTable, CreatedAt: utc(m.CreatedAt),
		UpdatedAt: utc(m.UpdatedAt), Etag: m.Etag}
}

// manifestInput is a manifest registration: the fields a manifest file
// and its upload tell, as JSON.
type manifestInput struct {
	Name                   string       `json:"name"`
	Description            string       `json:"description"`
	Datafile               string       `json:"datafile"`
	DatafileSize           int64        `json:"datafile_size"`
	DeviceClass            string       `json:"device_class"`
	DeviceVendor           string       `json:"device_vendor"`
	Timestamp              optionalTime `json:"timestamp"`
	ManifestSchemaVersion  string       `json:"manifest_schema_version"`
	DeliveredPayloadType   string       `json:"delivered_payload_type"`
	DeliveredPayloadURL    string       `json:"delivered_payload_url"`
	DeliveredPayloadDigest string       `json:"delivered_payload_digest"`
	DeliveredPayloadSize   int64        `json:"delivered_payload_size"`
	KeyTable               string       `json:"key_table"`
}

// spec is the input as a manifest spec; a manifest without a timestamp
// gets the time of the upload.
func (in manifestInput) spec(now time.Time) (domain.ManifestSpec, error) {
	ts := now.UTC()
	if in.Timestamp.present() {
		t, err := in.Timestamp.parse("timestamp")
		if err != nil {
			return domain.ManifestSpec{}, err
		}
		if !t.IsZero() {
			ts = t
		}
	}
	return domain.ManifestSpec{Name: in.Name, Description: in.Description, DeviceClass: in.DeviceClass, Vendor: in.DeviceVendor,
		Timestamp: ts, SchemaVersion: in.ManifestSchemaVersion, PayloadType: domain.PayloadType(in.DeliveredPayloadType),
		PayloadURL: in.DeliveredPayloadURL, PayloadDigest: in.DeliveredPayloadDigest, PayloadSize: in.DeliveredPayloadSize,
		DatafileURL: in.Datafile, DatafileSize: in.DatafileSize, KeyTableURL: in.KeyTable}, nil
}

func manifestID(r *http.Request) domain.ManifestID { return domain.ManifestID(chi.URLParam(r, "id")) }

// createManifest registers a manifest from its fields as JSON: 201 with
// the manifest. Multipart uploads of the manifest file are not taken.
func (d Deps) createManifest(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		writeError(w, r, d.Log, domain.InvalidError{Field: "body", Reason: "multipart uploads are not supported: send the manifest's fields as a JSON object"})
		return
	}
	var in manifestInput
	if err := decode(r, &in); err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	spec, err := in.spec(time.Now())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	id := domain.ManifestID(newID(r, "manifest"))
	res, err := d.Manifests.RegisterManifest(r.Context(), commands.RegisterManifest{Meta: commandMeta(r), ManifestID: id, Spec: spec})
	if err == nil {
		err = d.settle(r.Context(), res.Position)
	}
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	m, err := d.ManifestReads.Manifest(r.Context(), accountOf(r.Context()), id)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, manifestObject(m))
}

// getManifest answers one manifest of the account.
func (d Deps) getManifest(w http.ResponseWriter, r *http.Request) {
	m, err := d.ManifestReads.Manifest(r.Context(), accountOf(r.Context()), manifestID(r))
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, manifestObject(m))
}

// listManifests answers a page of the account's manifests.
func (d Deps) listManifests(w http.ResponseWriter, r *http.Request) {
	req, err := projections.ParseListRequest(r.URL.Query())
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	page, err := d.ManifestReads.ListManifests(r.Context(), accountOf(r.Context()), req)
	if err != nil {
		writeError(w, r, d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(page, manifestObject))
}

// deleteManifest deletes a manifest: 204. Campaigns using it stop.
func (d Deps) deleteManifest(w http.ResponseWriter, r *http.Request) {
	res, err := d.Manifests.DeleteManifest(r.Context(), commands.DeleteManifest{Meta: commandMeta(r), ManifestID: manifestID(r)})
	d.answerNoContent(w, r, res, err)
}
