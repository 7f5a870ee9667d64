package store

import (
	"testing"
	"time"
)

func TestSessionCommitSkipsExpiryOnlyWrites(t *testing.T) {
	s := openTest(t)
	ss := s.Sessions(0)
	expiryOf := func(token string) float64 {
		var e float64
		if err := s.Reader.QueryRow(`SELECT expiry FROM sessions WHERE token = ?`, token).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	t0 := time.Now().Add(30 * time.Minute)
	steps := []struct {
		name      string
		data      string
		expiry    time.Time
		wantWrite bool
	}{
		{"first commit", "a", t0, true},
		{"same data, expiry 10 s later", "a", t0.Add(10 * time.Second), false},
		{"same data, expiry 2 min later", "a", t0.Add(2 * time.Minute), true},
		{"changed data", "b", t0.Add(2*time.Minute + time.Second), true},
	}
	var last float64
	for _, st := range steps {
		if err := ss.Commit("tok", []byte(st.data), st.expiry); err != nil {
			t.Fatal(err)
		}
		got := expiryOf("tok")
		if wrote := got != last; wrote != st.wantWrite {
			t.Fatalf("%s: wrote = %v, want %v", st.name, wrote, st.wantWrite)
		}
		last = got
		data, found, err := ss.Find("tok")
		if err != nil || !found || string(data) != st.data {
			t.Fatalf("%s: Find = %q %v %v", st.name, data, found, err)
		}
	}
	if err := ss.Delete("tok"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.Find("tok"); found {
		t.Fatal("deleted session still found")
	}
	// After a delete, the same data is written again, not skipped.
	if err := ss.Commit("tok", []byte("b"), t0.Add(2*time.Minute+2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.Find("tok"); !found {
		t.Fatal("a commit after delete was skipped")
	}
}
