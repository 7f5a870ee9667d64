package web

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 12, 2, 16, 30, 0, 0, time.UTC)
	values := map[string]any{sessionUserID: int64(42), sessionFlashKind: "success", sessionFlashText: `Saved "x" <b>`}
	gob, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"written by this codec", ours},
		{"written by scs's gob codec before an upgrade", gob},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gotDeadline, got, err := sessionCodec{}.Decode(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
				t.Fatalf("decoded %v %#v, want %v %#v", gotDeadline, got, deadline, values)
			}
		})
	}
	if _, err := (sessionCodec{}).Encode(deadline, map[string]any{"n": 3}); err == nil || !strings.Contains(err.Error(), `"n"`) {
		t.Fatalf("an int (not int64) must be refused with its key, got %v", err)
	}
	if _, _, err := (sessionCodec{}).Decode([]byte("{broken")); err == nil {
		t.Fatal("broken JSON decoded without error")
	}
}
