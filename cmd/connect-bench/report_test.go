package main

import "testing"

func TestTenantReadySeconds(t *testing.T) {
	tests := []struct {
		name, log string
		want      float64
		found     bool
	}{
		{"generated", "time=2025-01-01T00:00:00Z level=INFO msg=\"tenant ready\" took=1.234s users=100000 groups=10000\n", 1.234, true},
		{"after other lines", "time=x level=INFO msg=other took=9s\ntime=y level=INFO msg=\"tenant ready\" took=850ms\n", 0.85, true},
		{"tenant file", "time=y level=INFO msg=\"tenant ready\" took=2m0s", 120, true},
		{"absent", "time=x level=INFO msg=\"entra emulator listening\"\n", 0, false},
		{"garbled", "msg=\"tenant ready\" took=soon\n", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := tenantReadySeconds(tt.log)
			if got != tt.want || found != tt.found {
				t.Errorf("got %v %v, want %v %v", got, found, tt.want, tt.found)
			}
		})
	}
}

// The ratio divides the first sync by the fastest floor, whichever order
// the phases come in.
func TestSyncOverFastestFloor(t *testing.T) {
	r := &results{}
	for _, p := range []phase{
		{Name: "e. floor (before the sync)", WallSeconds: 8},
		{Name: "a. full first sync", WallSeconds: 24},
		{Name: "b. delta, no changes", WallSeconds: 0.5},
		{Name: "e. floor (at the end)", WallSeconds: 10},
	} {
		r.add(p)
	}
	if r.SyncFloor != 3 {
		t.Errorf("first sync / floor = %v, want 24 / 8 = 3", r.SyncFloor)
	}
}
