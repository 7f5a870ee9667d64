package main

import (
	"os"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

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

func TestStatCPUSeconds(t *testing.T) {
	tests := []struct {
		name, stat string
		want       float64
	}{
		{"connect", "4242 (connect) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 37 0 0 20 0 9 0 123 0 0", 2.87},
		{"name with spaces and parentheses", "7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 100 50 0 0 20 0 1 0 5 0 0", 1.5},
		{"truncated", "7 (x) R 1 7", 0},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statCPUSeconds(tt.stat); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// The benchmark's own process reads as using CPU once it has spun for a
// while (the kernel counts in ticks of 10 ms).
func TestCPUSecondsOfARunningProcess(t *testing.T) {
	pid := os.Getpid()
	before := cpuSeconds(pid)
	x := 0
	for i := 0; cpuSeconds(pid) <= before; i++ {
		for j := range 1_000_000 {
			x += j
		}
		if i > 10_000 {
			t.Fatalf("CPU time stayed at %v s after spinning (sum %d)", before, x)
		}
	}
}

func TestSplitSteps(t *testing.T) {
	start := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	logs := []store.RunLog{
		{Seq: 1, At: at(0), Message: "Full synchronization: reading the whole directory."},
		{Seq: 2, At: at(6.5), Message: "Fetched 3101 pages, 112081 objects: 3101 requests, 0 retried, 0 throttled (429)."},
		{Seq: 3, At: at(7), Message: "Changes found: users +100000 ~0 -0, groups +10000 ~0 -0, memberships +1050080 -0."},
		{Seq: 4, At: at(12), Message: "Changes applied."},
	}
	got := splitSteps(start, at(12.25), logs)
	want := &syncSteps{FetchSeconds: 6.5, PlanSeconds: 0.5, ApplySeconds: 5.25}
	if got == nil || *got != *want {
		t.Errorf("splitSteps = %+v, want %+v", got, want)
	}
	if got := splitSteps(start, at(1), logs[:1]); got != nil {
		t.Errorf("a run that never fetched: %+v, want nil", got)
	}
}
