package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// faultSettings is the body of PUT /_emulator/{tenant}/faults:
// {"status":429,"rate":0.3,"retry_after":"1.5"}; status may also be 503,
// "reset" (drop the connection) or "truncate" (cut the JSON body);
// delay_ms slows answers; count limits how many requests are hit.
type faultSettings struct {
	Status     json.RawMessage `json:"status"`
	Rate       *float64        `json:"rate"`
	RetryAfter json.RawMessage `json:"retry_after"`
	DelayMS    int             `json:"delay_ms"`
	Count      int             `json:"count"`
}

type fault struct {
	status     int    // 429, 503… or 0
	action     string // "reset", "truncate" or ""
	rate       float64
	retryAfter string // "" sends no Retry-After
	delay      time.Duration
	remaining  int // < 0: unlimited
}

// faultStatuses are the answers a status fault can give: Graph's
// throttling and transient server errors, and 410 (the delta reset).
var faultStatuses = []int{http.StatusGone, http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

func parseFault(fs faultSettings) (*fault, error) {
	f := &fault{rate: 1, delay: time.Duration(fs.DelayMS) * time.Millisecond, remaining: -1}
	if fs.Rate != nil {
		if r := *fs.Rate; r < 0 || r > 1 {
			return nil, fmt.Errorf("fault rate %v: want a share of calls from 0 to 1", r)
		}
		f.rate = *fs.Rate
	}
	if fs.DelayMS < 0 || fs.Count < 0 {
		return nil, fmt.Errorf("fault delay_ms %d, count %d: want 0 or more", fs.DelayMS, fs.Count)
	}
	if fs.Count > 0 {
		f.remaining = fs.Count
	}
	if err := f.parseStatus(fs.Status); err != nil {
		return nil, err
	}
	if err := f.parseRetryAfter(fs.RetryAfter); err != nil {
		return nil, err
	}
	if f.status == 0 && f.action == "" && f.delay == 0 {
		return nil, fmt.Errorf("fault: give a status, \"reset\", \"truncate\" or delay_ms")
	}
	return f, nil
}

// parseStatus reads "status": a number (or numeric string) among
// faultStatuses, "reset" or "truncate"; absent or null is none.
func (f *fault) parseStatus(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	want := fmt.Sprintf("want one of %v, \"reset\" or \"truncate\"", faultStatuses)
	var word string
	if err := json.Unmarshal(raw, &f.status); err == nil {
		word = strconv.Itoa(f.status)
	} else if err := json.Unmarshal(raw, &word); err != nil {
		return fmt.Errorf("fault status %s: %s", raw, want)
	}
	if word == "reset" || word == "truncate" {
		f.action = word
		return nil
	}
	n, err := strconv.Atoi(word)
	if err != nil || !slices.Contains(faultStatuses, n) {
		return fmt.Errorf("fault status %s: %s", raw, want)
	}
	f.status = n
	return nil
}

// parseRetryAfter reads "retry_after": a non-negative number of seconds,
// as a JSON number or a numeric string (fractions allowed, as Graph may
// send them); absent or null sends no Retry-After.
func (f *fault) parseRetryAfter(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return fmt.Errorf("fault retry_after %s: want seconds as a number or a numeric string", raw)
		}
		text = n.String()
	}
	if secs, err := strconv.ParseFloat(text, 64); err != nil || secs < 0 || math.IsInf(secs, 0) || math.IsNaN(secs) {
		return fmt.Errorf("fault retry_after %s: want seconds as a number or a numeric string, 0 or more", raw)
	}
	f.retryAfter = text
	return nil
}

// kind names the fault in the injected counts: its status ("429"), its
// action ("reset", "truncate") or "delay" for a slowdown alone.
func (f *fault) kind() string {
	switch {
	case f.action != "":
		return f.action
	case f.status != 0:
		return strconv.Itoa(f.status)
	}
	return "delay"
}

// settings is the active fault as GET /_emulator/{tenant}/faults shows it.
func (f *fault) settings() map[string]any {
	out := map[string]any{"rate": f.rate, "delay_ms": f.delay.Milliseconds(), "remaining": f.remaining}
	if f.action != "" {
		out["status"] = f.action
	} else if f.status != 0 {
		out["status"] = f.status
	}
	if f.retryAfter != "" {
		out["retry_after"] = f.retryAfter
	}
	return out
}

// faultInjector holds the active fault of Graph calls (nil means none) and
// counts the faults it has injected, per kind, since the emulator started:
// clearing or replacing the fault keeps the counts, so a test can read
// what a whole scenario met.
type faultInjector struct {
	mu       sync.Mutex
	rng      *rand.Rand
	active   *fault
	injected map[string]int64
}

func newFaultInjector(seed uint64) *faultInjector {
	return &faultInjector{rng: rand.New(rand.NewPCG(seed, 0x6661756c74)), injected: map[string]int64{}}
}

// FaultCounts are the faults injected into Graph calls so far, by kind
// ("429", "503", "reset", "truncate", "delay"…), and their total.
type FaultCounts struct {
	ByKind map[string]int64 `json:"by_kind"`
	Total  int64            `json:"total"`
}

func (fi *faultInjector) state() (active map[string]any, counts FaultCounts) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.active != nil {
		active = fi.active.settings()
	}
	counts.ByKind = make(map[string]int64, len(fi.injected))
	for kind, n := range fi.injected {
		counts.ByKind[kind] = n
		counts.Total += n
	}
	return active, counts
}

// FaultsInjected counts the faults injected into Graph calls so far.
func (s *Server) FaultsInjected() FaultCounts {
	_, counts := s.faults.state()
	return counts
}

func (fi *faultInjector) set(f *fault) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.active = f
}

// pick decides whether this request is hit, and spends one of count.
func (fi *faultInjector) pick() *fault {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.active
	if f == nil || f.remaining == 0 || fi.rng.Float64() >= f.rate {
		return nil
	}
	if f.remaining > 0 {
		f.remaining--
	}
	fi.injected[f.kind()]++
	copied := *f
	return &copied
}

// apply runs the fault for this call; true means the answer was given.
func (fi *faultInjector) apply(c *graphCall) bool {
	f := fi.pick()
	if f == nil {
		return false
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-c.r.Context().Done():
			return true
		}
	}
	switch {
	case f.action == "reset":
		resetConnection(c.w)
		return true
	case f.action == "truncate":
		c.w = &truncatingWriter{ResponseWriter: c.w}
		return false
	case f.status != 0:
		if f.retryAfter != "" {
			c.w.Header().Set("Retry-After", f.retryAfter)
		}
		e := &graphError{f.status, "generalException", "The emulator injected this fault."}
		switch f.status {
		case http.StatusTooManyRequests:
			e = errTooManyRequests()
		case http.StatusServiceUnavailable:
			e = errServiceUnavailable()
		case http.StatusGone:
			// Graph's delta reset: Location holds the query with an empty
			// $deltatoken, which starts a full enumeration (§4).
			c.w.Header().Set("Location", "https://"+c.r.Host+c.r.URL.Path+"?$deltatoken=")
			e = &graphError{http.StatusGone, "resyncRequired", "Resync required. Replace any local cached copies of the directory objects with the ones returned by the delta query."}
		}
		c.fail(e)
		return true
	}
	return false
}

// resetConnection drops the TCP connection without an answer. HTTP/1
// connections are hijacked and closed; where hijacking is impossible
// (HTTP/2) net/http's documented ErrAbortHandler aborts the stream.
func resetConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// truncatingWriter sends the declared Content-Length but only half of the
// body, so the client sees a JSON document cut short (unexpected EOF).
type truncatingWriter struct {
	http.ResponseWriter
}

func (t *truncatingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *truncatingWriter) Write(p []byte) (int, error) {
	half := len(p) / 2
	if _, err := t.ResponseWriter.Write(p[:half]); err != nil {
		return 0, err
	}
	rc := http.NewResponseController(t.ResponseWriter)
	_ = rc.Flush()
	if conn, buf, err := rc.Hijack(); err == nil {
		_ = buf.Flush()
		_ = conn.Close()
		return len(p), nil
	}
	panic(http.ErrAbortHandler)
}
