package graph

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestFieldTellsAbsentFromNull(t *testing.T) {
	tests := []struct {
		name        string
		json        string
		wantPresent bool
		wantNull    bool
		wantValue   string
	}{
		{"absent", `{"id":"u1"}`, false, false, ""},
		{"null", `{"id":"u1","jobTitle":null}`, true, true, ""},
		{"empty string", `{"id":"u1","jobTitle":""}`, true, false, ""},
		{"value", `{"id":"u1","jobTitle":"Retail Manager"}`, true, false, "Retail Manager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			if err := json.Unmarshal([]byte(tt.json), &u); err != nil {
				t.Fatal(err)
			}
			f := u.JobTitle
			if f.Present != tt.wantPresent || f.Null != tt.wantNull || f.Value != tt.wantValue {
				t.Fatalf("jobTitle = %+v", f)
			}
			if _, ok := f.Get(); ok != (tt.wantPresent && !tt.wantNull) {
				t.Fatalf("Get ok = %v", ok)
			}
		})
	}
}

func TestFieldReplacesEarlierValue(t *testing.T) {
	// Decoding into a reused value must not leave the old value behind a null.
	f := Field[[]string]{Value: []string{"old"}, Present: true}
	if err := json.Unmarshal([]byte(`null`), &f); err != nil {
		t.Fatal(err)
	}
	if !f.Null || f.Value != nil {
		t.Fatalf("after null: %+v", f)
	}
	if err := json.Unmarshal([]byte(`["+1 425 555 0109"]`), &f); err != nil {
		t.Fatal(err)
	}
	if f.Null || len(f.Value) != 1 {
		t.Fatalf("after value: %+v", f)
	}
}

func TestFieldRoundTrip(t *testing.T) {
	const in = `{"id":"u1","displayName":"Adele Vance","jobTitle":null,"businessPhones":[],"accountEnabled":false}`
	var u User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("round trip:\n got %s\nwant %s", out, in)
	}
}

func TestFieldRejectsWrongType(t *testing.T) {
	var u User
	if err := json.Unmarshal([]byte(`{"id":"u1","accountEnabled":"yes"}`), &u); err == nil {
		t.Fatal("a string decoded into a bool field")
	}
}

// The $select lists must name exactly the typed properties, or a property
// would be decoded but never asked for (or asked for and dropped).
func TestSelectListsMatchTypes(t *testing.T) {
	tests := []struct {
		name       string
		typ        reflect.Type
		selectList string
		extra      map[string]string // JSON key → the name selected for it
	}{
		{"users", reflect.TypeFor[User](), userSelect, nil},
		{"groups", reflect.TypeFor[Group](), groupSelect, map[string]string{"members@delta": "members"}},
	}
	for _, tt := range tests {
		var fromTags []string
		for field := range tt.typ.Fields() {
			key, _, _ := strings.Cut(field.Tag.Get("json"), ",")
			if selected, ok := tt.extra[key]; ok {
				key = selected
			}
			if !strings.HasPrefix(key, "@") {
				fromTags = append(fromTags, key)
			}
		}
		if got := strings.Join(fromTags, ","); got != tt.selectList {
			t.Errorf("%s: fields %s\n  but $select %s", tt.name, got, tt.selectList)
		}
	}
}
