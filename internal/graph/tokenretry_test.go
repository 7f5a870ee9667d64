package graph

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// flakyTokens fails its first failures calls with err, then gives a token.
type flakyTokens struct {
	failures int32
	err      error
	calls    atomic.Int32
}

func (f *flakyTokens) Token(context.Context) (string, error) {
	if f.calls.Add(1) <= f.failures {
		return "", f.err
	}
	return testToken, nil
}

type temporary struct{ error }

func (temporary) Temporary() bool { return true }

// A token endpoint that had a moment (timeout, reset, 5xx) is retried like
// a Graph call; a refusal (wrong key) is not, since no retry will fix it.
func TestTokenFailuresRetriedOnlyWhenTemporary(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantOK      bool
		wantTries   int32
		wantRetries int64
	}{
		{"temporary twice, then a token", temporary{errors.New("token endpoint: connection reset")}, true, 3, 2},
		{"a refusal", errors.New("AADSTS7000215: Invalid client secret provided."), false, 1, 0},
		{"temporary every time", temporary{errors.New("token endpoint: 503")}, false, 4, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := newGraphServer(t, okUsers)
			failures := int32(2)
			if tt.wantTries == 4 || tt.wantTries == 1 {
				failures = 100
			}
			tokens := &flakyTokens{failures: failures, err: tt.err}
			c, err := New(gs.URL, gs.Server.Client(), tokens, WithMaxAttempts(4), WithBackoff(1, 1000), WithUserAgent("Connect/test"))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Get(context.Background(), "/users", nil, &UsersPage{})
			if (err == nil) != tt.wantOK {
				t.Fatalf("err = %v, want success %v", err, tt.wantOK)
			}
			if got := tokens.calls.Load(); got != tt.wantTries {
				t.Errorf("token asked %d times, want %d", got, tt.wantTries)
			}
			if got := c.Stats().Retries; got != tt.wantRetries {
				t.Errorf("retries = %d, want %d", got, tt.wantRetries)
			}
		})
	}
}

// A server's Retry-After beyond the exponential cap is still honoured by
// default: coming back earlier only earns another 429.
func TestDefaultClientHonoursLongRetryAfter(t *testing.T) {
	c, err := New("https://graph.example", nil, fixedToken{token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxBackoff != 2*time.Minute || c.maxRetryAfter != 10*time.Minute {
		t.Fatalf("caps = %s exponential, %s Retry-After; want 2m and 10m", c.maxBackoff, c.maxRetryAfter)
	}
	if w := backoff(1, 5*time.Minute, c.baseBackoff, c.maxRetryAfter); w < 5*time.Minute {
		t.Fatalf("wait %s for Retry-After 5m", w)
	}
}
