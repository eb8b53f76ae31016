package http

import (
	"context"
	"encoding/json"
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
	ManifestFiles(ctx context.Context, account domain.AccountID, id domain.ManifestID) (projections.ManifestFiles, error)
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
	PrecursorPayloadDigest string    `json:"precursor_payload_digest"`
	UpdatePriority         int64     `json:"update_priority"`
	// ComponentName and PayloadVersion are a v3 manifest file's, beyond
	// Pelion's fields.
	ComponentName     string          `json:"component_name,omitempty"`
	PayloadVersion    string          `json:"payload_version,omitempty"`
	ParsedRawManifest json.RawMessage `json:"parsed_raw_manifest,omitempty"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	// Etag is a date-time, as Pelion's clients parse it: updated_at.
	Etag string `json:"etag"`
}

func manifestObject(m projections.Manifest) manifestJSON {
	out := manifestJSON{Object: "firmware-manifest", ID: string(m.ID), Name: m.Name, Description: m.Description,
		Datafile: m.Datafile, DatafileSize: m.DatafileSize, DeviceClass: m.DeviceClass, DeviceVendor: m.DeviceVendor,
		Timestamp: utc(m.Timestamp), ManifestSchemaVersion: m.SchemaVersion, DeliveredPayloadType: string(m.DeliveredPayloadType),
		DeliveredPayloadURL: m.DeliveredPayloadURL, DeliveredPayloadDigest: m.DeliveredPayloadDigest,
		DeliveredPayloadSize: m.DeliveredPayloadSize, KeyTable: m.KeyTable,
		PrecursorPayloadDigest: m.PrecursorPayloadDigest, UpdatePriority: m.UpdatePriority, ComponentName: m.ComponentName,
		PayloadVersion: m.PayloadVersion, CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt),
		Etag: utc(m.UpdatedAt).Format(time.RFC3339Nano)}
	if m.ParsedRawManifest != "" {
		out.ParsedRawManifest = json.RawMessage(m.ParsedRawManifest)
	}
	return out
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

// createManifest registers a manifest: from its file, uploaded as
// multipart/form-data (uploadManifest), or from its fields as JSON. 201
// with the manifest. A JSON manifest without a name is "manifest <id>".
func (d Deps) createManifest(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		d.uploadManifest(w, r)
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
	spec.Name = nameOr(spec.Name, "manifest", string(id))
	d.registerManifest(w, r, id, spec)
}

// registerManifest registers the manifest id with spec and answers 201
// with it as the read models show it.
func (d Deps) registerManifest(w http.ResponseWriter, r *http.Request, id domain.ManifestID, spec domain.ManifestSpec) {
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
	answerList(d, w, r, d.ManifestReads.ListManifests, manifestObject)
}

// deleteManifest deletes a manifest: 204. Campaigns using it stop.
func (d Deps) deleteManifest(w http.ResponseWriter, r *http.Request) {
	res, err := d.Manifests.DeleteManifest(r.Context(), commands.DeleteManifest{Meta: commandMeta(r), ManifestID: manifestID(r)})
	d.answerNoContent(w, r, res, err)
}
