package gctuning

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApplyDefersToTheEnvironment(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
	tests := []struct {
		name      string
		env       map[string]string
		runtime   func() // what the runtime made of that environment at start
		wantGOGC  string
		wantLimit int64
	}{
		{"nothing set", nil, func() {}, "400", MemoryLimit},
		{"GOGC set", map[string]string{"GOGC": "150"}, func() { debug.SetGCPercent(150) }, "150", MemoryLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, func() { debug.SetMemoryLimit(1 << 30) }, "400", 1 << 30},
		{"both set", map[string]string{"GOGC": "off", "GOMEMLIMIT": "64MiB"}, func() { debug.SetGCPercent(-1); debug.SetMemoryLimit(64 << 20) }, "off", 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tt.runtime()
			got := Apply(func(k string) string { return tt.env[k] })
			if got.GOGC != tt.wantGOGC || got.MemoryLimit != tt.wantLimit {
				t.Errorf("Apply = %+v, want GOGC %s, limit %d", got, tt.wantGOGC, tt.wantLimit)
			}
			// What the collector really runs with.
			wantPercent := map[string]int{"400": Percent, "150": 150, "off": -1}[tt.wantGOGC]
			if p := debug.SetGCPercent(100); p != wantPercent {
				t.Errorf("collector runs at %d%%, want %d", p, wantPercent)
			}
			if l := debug.SetMemoryLimit(-1); l != tt.wantLimit {
				t.Errorf("memory limit %d, want %d", l, tt.wantLimit)
			}
		})
	}
}
