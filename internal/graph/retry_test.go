package graph

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

var okUsers = jsonStep(200, `{"value":[{"id":"u1","displayName":"Adele Vance"}]}`)

func TestRetriesThenSucceeds(t *testing.T) {
	tests := []struct {
		name          string
		failures      []step
		wantThrottled int64
	}{
		{"429 with fractional Retry-After", []step{throttledStep("1.5")}, 1},
		{"429 with whole Retry-After", []step{throttledStep("2")}, 1},
		{"429 without Retry-After", []step{throttledStep("")}, 1},
		{"503 then success", []step{jsonStep(503, `{"error":{"code":"serviceNotAvailable","message":"Service unavailable."}}`)}, 0},
		{"504 then success", []step{jsonStep(504, `<html>Gateway Timeout</html>`)}, 0},
		{"invalid JSON", []step{jsonStep(200, `{"value":[{"id":"u1","displayName":`)}, 0},
		{"body cut short", []step{shortBodyStep}, 0},
		{"connection reset", []step{resetStep}, 0},
		// The reset comes first, on a fresh connection: on a reused one
		// net/http itself silently retries a GET, which the counters cannot see.
		{"three different failures", []step{resetStep, throttledStep("1"), jsonStep(503, ``)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := newGraphServer(t, append(tt.failures, okUsers)...)
			c := gs.client()
			var page UsersPage
			if err := c.Get(context.Background(), "/users", nil, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Value) != 1 || page.Value[0].ID != "u1" {
				t.Fatalf("page = %+v", page)
			}
			wantRequests := int64(len(tt.failures) + 1)
			if got := int64(len(gs.requests())); got != wantRequests {
				t.Errorf("server saw %d requests, want %d", got, wantRequests)
			}
			s := c.Stats()
			if s.Requests != wantRequests || s.Retries != wantRequests-1 || s.Throttled != tt.wantThrottled {
				t.Errorf("stats = %+v", s)
			}
		})
	}
}

func TestRetryGivesUp(t *testing.T) {
	gs := newGraphServer(t, jsonStep(503, `{"error":{"code":"serviceNotAvailable","message":"Service unavailable.","innerError":{"request-id":"r-503"}}}`))
	c := gs.client(WithMaxAttempts(3))
	err := c.Get(context.Background(), "/users", nil, &UsersPage{})
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Status != 503 || gerr.RequestID != "r-503" {
		t.Fatalf("err = %v, want the last *Error", err)
	}
	if n := len(gs.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	gs := newGraphServer(t, hang, okUsers)
	c := gs.client(WithAttemptTimeout(100 * time.Millisecond))
	if err := c.Get(context.Background(), "/users", nil, &UsersPage{}); err != nil {
		t.Fatal(err)
	}
	// At least one retry: on a loaded machine the answering attempt may time
	// out too and be tried again, which is also right.
	if s := c.Stats(); s.Retries < 1 {
		t.Fatalf("stats = %+v, want the hung attempt retried", s)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The server asks for an hour; cancelling must end the wait at once.
	gs := newGraphServer(t, func(w http.ResponseWriter, r *http.Request) {
		throttledStep("3600")(w, r)
		cancel()
	})
	c := gs.client(WithBackoff(time.Hour, time.Hour))
	err := c.Get(ctx, "/users", nil, &UsersPage{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(gs.requests()); n != 1 {
		t.Fatalf("%d requests after cancellation", n)
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	gs := newGraphServer(t, okUsers)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := gs.client()
	_, err := c.DeltaUsers(ctx, "", func(UsersPage) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if s := c.Stats(); s.Retries != 0 {
		t.Fatalf("retried a cancelled request: %+v", s)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"1.5", 1500 * time.Millisecond},
		{"2", 2 * time.Second},
		{" 3 ", 3 * time.Second},
		{"0", 0},
		{"", 0},
		{"-4", 0},
		{"soon", 0},
		{"NaN", 0},
		{"Mon, 23 Nov 2026 10:00:30 GMT", 30 * time.Second},
		{"Mon, 23 Nov 2026 09:00:00 GMT", 0},
		{"1e12", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	tests := []struct {
		name            string
		attempt         int
		retryAfter      time.Duration
		base, max       time.Duration
		wantMin, wantMx time.Duration
	}{
		{"first exponential step", 1, 0, time.Second, time.Minute, 500 * time.Millisecond, time.Second},
		{"third exponential step", 3, 0, time.Second, time.Minute, 2 * time.Second, 4 * time.Second},
		{"capped exponential", 20, 0, time.Second, time.Minute, 30 * time.Second, time.Minute},
		{"huge attempt does not overflow", 500, 0, time.Second, time.Minute, 30 * time.Second, time.Minute},
		{"Retry-After honoured with jitter", 1, 1500 * time.Millisecond, time.Second, time.Minute, 1500 * time.Millisecond, 1650 * time.Millisecond},
		{"Retry-After capped", 1, time.Hour, time.Second, time.Minute, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				got := backoff(tt.attempt, tt.retryAfter, tt.base, tt.max)
				if got < tt.wantMin || got > tt.wantMx {
					t.Fatalf("backoff = %v, want between %v and %v", got, tt.wantMin, tt.wantMx)
				}
			}
		})
	}
}

func TestPacing(t *testing.T) {
	nearLimit := func(pct string) step {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-ms-throttle-limit-percentage", pct)
			okUsers(w, r)
		}
	}
	gs := newGraphServer(t, nearLimit("0.9"), okUsers, okUsers, nearLimit("85"), okUsers, nearLimit("0.5"), okUsers)
	c := gs.client()
	var paced []int64
	for range 7 {
		if err := c.Get(context.Background(), "/users", nil, &UsersPage{}); err != nil {
			t.Fatal(err)
		}
		paced = append(paced, c.Stats().Paced)
	}
	// Requests after a near-limit answer wait; an answer without the header
	// lifts the pause; 0.5 (50%) is below the threshold.
	want := []int64{0, 1, 1, 1, 2, 2, 2}
	for i := range want {
		if paced[i] != want[i] {
			t.Fatalf("paced counts = %v, want %v", paced, want)
		}
	}
}

func TestPaceDelayGrowsNearLimit(t *testing.T) {
	c, _ := New("https://graph.microsoft.com", nil, fixedToken{}, WithPacing(80, 100*time.Millisecond))
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"0.79", 0},
		{"0.8", 100 * time.Millisecond},
		{"0.9", 300 * time.Millisecond},
		{"90", 300 * time.Millisecond},
		{"1.8", 2 * time.Second},
		{"garbage", 0},
	}
	for _, tt := range tests {
		c.notePacing(http.Header{"X-Ms-Throttle-Limit-Percentage": {tt.header}})
		if got := time.Duration(c.paceDelay.Load()); got != tt.want {
			t.Errorf("header %q: pace %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestDecodeBodyClassification(t *testing.T) {
	// Truncated JSON is a transport accident worth retrying; JSON of the
	// wrong shape would come back the same, so it is not.
	err := decodeBody(200, []byte(`{"value":[`), &UsersPage{})
	if _, ok := retryAfterOf(err); !ok {
		t.Errorf("truncated JSON not retryable: %v", err)
	}
	err = decodeBody(200, []byte(`{"value":{"id":1}}`), &UsersPage{})
	if _, ok := retryAfterOf(err); ok || err == nil {
		t.Errorf("wrong-shaped JSON retried: %v", err)
	}
	if err := decodeBody(204, nil, &UsersPage{}); err != nil {
		t.Errorf("204 without body: %v", err)
	}
}
