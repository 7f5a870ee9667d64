package graph

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryableError marks a failed attempt worth repeating, with how long the
// server asked us to wait (0 when it did not say).
type retryableError struct {
	err        error
	retryAfter time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

func retryable(err error, retryAfter time.Duration) error {
	return &retryableError{err: err, retryAfter: retryAfter}
}

// retryableStatus lists the answers that say "try again later": 429 is
// Graph's throttling (ENTRA-PROTOCOL §4), and 5xx other than 501 are
// transient service or gateway failures (SPEC: "5xx and timeouts are retried
// with backoff").
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// parseRetryAfter reads Retry-After. Graph sends seconds, sometimes
// fractional ("1.5"), so it is parsed as a float; the HTTP-date form is
// accepted too. Absent or unreadable gives 0: the caller then backs off
// exponentially.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil {
		if secs <= 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0
		}
		const maxSeconds = float64(24 * time.Hour / time.Second)
		return time.Duration(math.Min(secs, maxSeconds) * float64(time.Second))
	}
	if when, err := http.ParseTime(value); err == nil && when.After(now) {
		return when.Sub(now)
	}
	return 0
}

// backoff is how long to wait before attempt number attempt+1. A server's
// Retry-After is honoured (plus up to 10% jitter so many workers do not come
// back at the same instant); otherwise exponential backoff with jitter:
// between half and all of base·2^(attempt-1). Both are capped at max.
func backoff(attempt int, retryAfter, base, max time.Duration) time.Duration {
	var wait time.Duration
	if retryAfter > 0 {
		wait = retryAfter + time.Duration(rand.Int64N(int64(retryAfter/10)+1))
	} else {
		exp := base << min(attempt-1, 30)
		if exp <= 0 || exp > max {
			exp = max
		}
		wait = exp/2 + time.Duration(rand.Int64N(int64(exp/2)+1))
	}
	return min(wait, max)
}

// sleep waits d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfterOf extracts the server's requested wait from a retryable error.
func retryAfterOf(err error) (time.Duration, bool) {
	var r *retryableError
	if errors.As(err, &r) {
		return r.retryAfter, true
	}
	return 0, false
}
