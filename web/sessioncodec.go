package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec stores a session's values as JSON. scs's default gob codec
// builds a new decoder, compiling its type description, on every request:
// a tenth of a page view's CPU. Connect keeps only strings and int64s in a
// session, so a map per type round-trips them exactly. Sessions written by
// the gob codec before an upgrade are still read.
type sessionCodec struct{}

type sessionRecord struct {
	Deadline time.Time         `json:"deadline"`
	Strings  map[string]string `json:"strings,omitempty"`
	Ints     map[string]int64  `json:"ints,omitempty"`
}

// Encode implements scs.Codec.
func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	rec := sessionRecord{Deadline: deadline}
	for k, v := range values {
		switch x := v.(type) {
		case string:
			if rec.Strings == nil {
				rec.Strings = map[string]string{}
			}
			rec.Strings[k] = x
		case int64:
			if rec.Ints == nil {
				rec.Ints = map[string]int64{}
			}
			rec.Ints[k] = x
		default:
			return nil, fmt.Errorf("encode session value %q: %T is not a string or int64", k, v)
		}
	}
	return json.Marshal(rec)
}

// Decode implements scs.Codec.
func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != '{' {
		return scs.GobCodec{}.Decode(b)
	}
	var rec sessionRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return time.Time{}, nil, fmt.Errorf("decode session: %w", err)
	}
	values := make(map[string]any, len(rec.Strings)+len(rec.Ints))
	for k, v := range rec.Strings {
		values[k] = v
	}
	for k, v := range rec.Ints {
		values[k] = v
	}
	return rec.Deadline, values, nil
}
