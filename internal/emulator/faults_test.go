package emulator_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

func TestFaultsDoWhatTheyClaim(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 5, Groups: 1})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	tests := []struct {
		name       string
		fault      emulatortest.Fault
		status     int
		code       string
		retryAfter string
	}{
		{"429 with fractional Retry-After", emulatortest.Fault{Status: 429, RetryAfter: "1.5"}, 429, "TooManyRequests", "1.5"},
		{"429 with integer Retry-After", emulatortest.Fault{Status: 429, RetryAfter: "2"}, 429, "TooManyRequests", "2"},
		{"429 without Retry-After", emulatortest.Fault{Status: 429}, 429, "TooManyRequests", ""},
		{"503", emulatortest.Fault{Status: 503, RetryAfter: "3"}, 503, "serviceNotAvailable", "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFault(t, tt.fault)
			defer srv.ClearFault(t)
			a := get(t, srv, token, "/v1.0/users")
			code, _ := graphErrorCode(t, a)
			if a.status != tt.status || code != tt.code || a.header.Get("Retry-After") != tt.retryAfter {
				t.Errorf("got %d %s Retry-After %q", a.status, code, a.header.Get("Retry-After"))
			}
			if _, present := a.header["Retry-After"]; tt.retryAfter == "" && present {
				t.Error("Retry-After sent although absent from the fault")
			}
		})
	}
	t.Run("count limits the hits", func(t *testing.T) {
		srv.SetFault(t, emulatortest.Fault{Status: 503, Count: 2})
		defer srv.ClearFault(t)
		var statuses []int
		for range 4 {
			statuses = append(statuses, get(t, srv, token, "/v1.0/users").status)
		}
		if statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 200 || statuses[3] != 200 {
			t.Errorf("statuses %v", statuses)
		}
	})
	t.Run("rate hits a share of calls", func(t *testing.T) {
		srv.SetFault(t, emulatortest.Fault{Status: 429, Rate: 0.3})
		defer srv.ClearFault(t)
		hits := 0
		for range 200 {
			if get(t, srv, token, "/v1.0/organization").status == 429 {
				hits++
			}
		}
		if hits < 30 || hits > 90 {
			t.Errorf("%d of 200 calls hit at rate 0.3", hits)
		}
	})
	t.Run("delay", func(t *testing.T) {
		srv.SetFault(t, emulatortest.Fault{DelayMS: 150})
		defer srv.ClearFault(t)
		start := time.Now()
		if a := get(t, srv, token, "/v1.0/users"); a.status != 200 || time.Since(start) < 150*time.Millisecond {
			t.Errorf("status %d after %v", a.status, time.Since(start))
		}
	})
	t.Run("reset drops the connection", func(t *testing.T) {
		srv.SetFault(t, emulatortest.Fault{Action: "reset"})
		defer srv.ClearFault(t)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1.0/users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := srv.Client.Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("got %s, want a dropped connection", resp.Status)
		}
	})
	t.Run("truncate cuts the body", func(t *testing.T) {
		srv.SetFault(t, emulatortest.Fault{Action: "truncate"})
		defer srv.ClearFault(t)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1.0/users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Error("the body was read whole")
		}
	})
	t.Run("faults spare the token endpoint", func(t *testing.T) {
		srv.SetFault(t, emulatortest.Fault{Status: 503})
		defer srv.ClearFault(t)
		srv.Token(t, "https://graph.microsoft.com/.default")
	})
}

func TestThrottleWarnsThenRefuses(t *testing.T) {
	frozen := time.Now()
	// A stopped clock: the bucket must not refill however slow the run is.
	srv := emulatortest.Start(t, emulatortest.Options{Users: 5, Groups: 1, Now: func() time.Time { return frozen }})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	srv.SetThrottle(t, 20) // /users costs 2 units: 10 calls fit
	warned := false
	for i := range 10 {
		a := get(t, srv, token, "/v1.0/users")
		if a.status != 200 {
			t.Fatalf("call %d: %d before the bucket was empty", i, a.status)
		}
		if a.header.Get("x-ms-throttle-limit-percentage") != "" {
			warned = true
		}
	}
	if !warned {
		t.Error("no x-ms-throttle-limit-percentage past 80 %")
	}
	a := get(t, srv, token, "/v1.0/users")
	code, _ := graphErrorCode(t, a)
	seconds, err := strconv.Atoi(a.header.Get("Retry-After"))
	if a.status != 429 || code != "TooManyRequests" || err != nil || seconds < 1 {
		t.Errorf("got %d %s Retry-After %q", a.status, code, a.header.Get("Retry-After"))
	}
	other := srv.RegisterApp(t, "Other app", "Directory.Read.All")
	if a := get(t, srv, srv.TokenFor(t, other.AppID, other.Secret, "https://graph.microsoft.com/.default"), "/v1.0/users"); a.status != 200 {
		t.Errorf("another app shares the bucket: %d", a.status)
	}
	srv.SetThrottle(t, 0)
	if a := get(t, srv, token, "/v1.0/users"); a.status != 200 {
		t.Errorf("throttling off: %d", a.status)
	}
}

// TestFaultCounts: the emulator counts the faults it actually injected,
// per kind, across fault changes and clears, over the admin API and Go.
func TestFaultCounts(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 5, Groups: 1})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	call := func() {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1.0/organization", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := srv.Client.Do(req); err == nil { // a reset fault drops the connection
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	steps := []struct {
		name  string
		fault map[string]any
		calls int
		want  map[string]int64 // counts so far
	}{
		{"two of four calls hit", map[string]any{"status": 503, "count": 2}, 4, map[string]int64{"503": 2}},
		{"rate 0 hits none", map[string]any{"status": 429, "rate": 0}, 3, map[string]int64{"503": 2}},
		{"every call hit", map[string]any{"status": 429, "retry_after": 0.01}, 3, map[string]int64{"503": 2, "429": 3}},
		{"a delay alone", map[string]any{"delay_ms": 1, "count": 1}, 2, map[string]int64{"503": 2, "429": 3, "delay": 1}},
		{"resets", map[string]any{"status": "reset", "count": 2}, 3, map[string]int64{"503": 2, "429": 3, "delay": 1, "reset": 2}},
	}
	for _, step := range steps {
		srv.Admin(t, http.MethodPut, "faults", step.fault)
		for range step.calls {
			call()
		}
		srv.ClearFault(t) // clearing keeps the counts
		got := srv.FaultCounts(t)
		var total int64
		for _, n := range step.want {
			total += n
		}
		if !maps.Equal(got.ByKind, step.want) || got.Total != total {
			t.Errorf("%s: counts %+v, want %v (total %d)", step.name, got, step.want, total)
		}
		if inProcess := srv.Emulator.FaultsInjected(); !maps.Equal(inProcess.ByKind, got.ByKind) || inProcess.Total != got.Total {
			t.Errorf("%s: FaultsInjected %+v, admin API %+v", step.name, inProcess, got)
		}
	}
	srv.SetFault(t, emulatortest.Fault{Status: 429, Rate: 0.5, RetryAfter: "1.5", Count: 7})
	var state struct {
		Active map[string]any `json:"active"`
	}
	if err := json.Unmarshal(srv.Admin(t, http.MethodGet, "faults", nil), &state); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"status": 429.0, "rate": 0.5, "retry_after": "1.5", "delay_ms": 0.0, "remaining": 7.0}
	if !maps.Equal(state.Active, want) {
		t.Errorf("active fault %v, want %v", state.Active, want)
	}
}
