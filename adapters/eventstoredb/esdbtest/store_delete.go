package esdbtest

import (
	"encoding/json"

	"github.com/google/uuid"
)

// versionAllows is the expectation check of a delete or tombstone.
func (s *store) versionAllows(name string, st *stream, expected int64) (bool, outcome) {
	cur := st.last()
	switch expected {
	case expectAny:
		return true, written
	case expectStreamExists:
		if st.softDeleted() {
			return false, streamDeleted
		}
		return cur >= 0 || s.streams[metastream(name)].last() >= 0, wrongVersion
	case expectNoStream:
		return cur < 0 || st.softDeleted(), wrongVersion
	}
	return expected == cur, wrongVersion
}

// delete soft-deletes (hard false) or tombstones a stream and returns the
// position of the record that says so.
func (s *store) delete(name string, expected int64, hard bool) (appendResult, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	if st != nil && st.tombstone != nil {
		return appendResult{outcome: streamDeleted}, 0
	}
	if ok, why := s.versionAllows(name, st, expected); !ok {
		return appendResult{outcome: why, revision: st.last()}, 0
	}
	var r *record
	if hard {
		r = s.add(&record{stream: name, revision: deletedStream, id: uuid.New(), eventType: "$streamDeleted",
			contentType: "application/octet-stream", data: []byte{}, metadata: []byte{}})
		s.stream(name).tombstone = r
	} else {
		r = s.writeMetadata(name, "$tb", deletedStream)
	}
	s.notify()
	return appendResult{outcome: written, revision: st.last()}, r.position
}

// writeMetadata sets one key of a stream's metadata, keeping the others,
// with a "$metadata" event in its metastream.
func (s *store) writeMetadata(name, key string, value int64) *record {
	meta := s.stream(metastream(name))
	doc := map[string]any{}
	if n := len(meta.events); n > 0 {
		_ = json.Unmarshal(meta.events[n-1].data, &doc)
	}
	doc[key] = value
	data, _ := json.Marshal(doc)
	r := s.add(&record{stream: metastream(name), revision: uint64(len(meta.events)), id: uuid.New(),
		eventType: "$metadata", contentType: "application/json", data: data, metadata: []byte{}})
	meta.events = append(meta.events, r)
	s.applyMetadata(name, data)
	return r
}

// applyMetadata takes the truncate-before ($tb) of a stream from the
// metadata just written to its metastream.
func (s *store) applyMetadata(name string, data []byte) {
	var doc struct {
		TruncateBefore *uint64 `json:"$tb"`
	}
	_ = json.Unmarshal(data, &doc)
	st := s.stream(name)
	st.truncateBefore = 0
	if doc.TruncateBefore != nil {
		st.truncateBefore = *doc.TruncateBefore
	}
}
