package graph

import (
	"bytes"
	"encoding/json"
)

// Field is one property of a directory object as Graph sent it. Delta pages
// represent an updated object "by its id with at least the properties that
// have been updated" (Graph delta query docs), so a property missing from the
// JSON means "unchanged, keep what you have", while null means "cleared".
// Field tells the three apart: absent (!Present), null (Present && Null) and a
// value.
type Field[T any] struct {
	Value   T
	Present bool
	Null    bool
}

// Get returns the value and whether Graph sent a non-null value.
func (f Field[T]) Get() (T, bool) { return f.Value, f.Present && !f.Null }

// IsZero reports an absent field, so `omitzero` leaves it out when encoding.
func (f Field[T]) IsZero() bool { return !f.Present }

// UnmarshalJSON is called only for keys present in the object, which is what
// makes Present mean "Graph sent it"; encoding/json passes a JSON null here
// too, since Field is not a pointer.
func (f *Field[T]) UnmarshalJSON(data []byte) error {
	var zero T
	f.Present, f.Value = true, zero
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		f.Null = true
		return nil
	}
	f.Null = false
	return json.Unmarshal(data, &f.Value)
}

// MarshalJSON writes null for a null field and the value otherwise.
func (f Field[T]) MarshalJSON() ([]byte, error) {
	if f.Null {
		return []byte("null"), nil
	}
	return json.Marshal(f.Value)
}
