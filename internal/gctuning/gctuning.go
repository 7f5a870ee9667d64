// Package gctuning sets the Go garbage collector of Connect's long-running
// process where the environment (GOGC, GOMEMLIMIT) does not.
package gctuning

import (
	"runtime/debug"
	"strconv"
)

// Percent is the collector's target (GOGC) for connect serve. A first sync
// decodes thousands of Graph pages and turns every object into staging
// rows: it allocates fast while little of it stays live, so at Go's
// default of 100 the collector runs often, and in a 100,000-user first
// sync it took about a fifth of Connect's CPU. At 400 the heap may grow to
// five times what is live between collections. With make bench on two
// cores, Connect's CPU for that sync went from 13.5–16.9 s to 10.7–13.0 s
// and its peak RSS from 158 to 170 MB; 1,000 used more CPU, not less
// (fresh pages for a larger heap), and 194 MB.
const Percent = 400

// MemoryLimit is a soft limit on the memory the Go runtime manages: should
// what is live grow (many clients at once during a sync), the collector
// works harder near it instead of letting the heap reach five times that.
const MemoryLimit = 192 << 20

// Settings are the collector's settings after Apply, as GOGC and
// GOMEMLIMIT would spell them, for the start-up log line.
type Settings struct {
	GOGC        string
	MemoryLimit int64 // bytes
}

// Apply sets Percent and MemoryLimit unless GOGC or GOMEMLIMIT (read with
// getenv) are set: the runtime has then applied those already.
func Apply(getenv func(string) string) Settings {
	s := Settings{GOGC: getenv("GOGC")}
	if s.GOGC == "" {
		debug.SetGCPercent(Percent)
		s.GOGC = strconv.Itoa(Percent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
	s.MemoryLimit = debug.SetMemoryLimit(-1) // a negative limit reads it
	return s
}
