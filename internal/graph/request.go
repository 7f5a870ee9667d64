package graph

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// getJSON sends GET rawURL, retrying what is worth retrying, and decodes a
// success answer into out. Errors name the request by its path.
func (c *Client) getJSON(ctx context.Context, rawURL string, header http.Header, out any) error {
	for attempt := 1; ; attempt++ {
		if err := c.waitForPacing(ctx); err != nil {
			return fmt.Errorf("%s: %w", describe(rawURL), err)
		}
		err := c.attempt(ctx, rawURL, header, out)
		if err == nil {
			return nil
		}
		retryAfter, ok := retryAfterOf(err)
		if !ok {
			return fmt.Errorf("%s: %w", describe(rawURL), err)
		}
		lastErr := errors.Unwrap(err)
		if attempt >= c.maxAttempts {
			return fmt.Errorf("%s: giving up after %d attempts: %w", describe(rawURL), attempt, lastErr)
		}
		maxWait := c.maxBackoff
		if retryAfter > 0 {
			maxWait = c.maxRetryAfter
		}
		wait := backoff(attempt, retryAfter, c.baseBackoff, maxWait)
		c.counters.retries.Add(1)
		c.counters.waited.Add(int64(wait))
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: stopped while waiting %v to try again (last error: %v): %w", describe(rawURL), wait.Round(time.Millisecond), lastErr, err)
		}
	}
}

// attempt makes one request. Failures worth repeating come back as
// *retryableError; the caller's cancellation never does.
func (c *Client) attempt(ctx context.Context, rawURL string, header http.Header, out any) error {
	token, err := c.tokens.Token(ctx)
	if err != nil {
		err = fmt.Errorf("acquire Graph token: %w", err)
		var temp TemporaryError
		if ctx.Err() == nil && errors.As(err, &temp) && temp.Temporary() {
			return retryable(err, 0)
		}
		return err
	}
	attemptCtx, cancel := ctx, context.CancelFunc(func() {})
	if c.attemptTimeout > 0 {
		attemptCtx, cancel = context.WithTimeout(ctx, c.attemptTimeout)
	}
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	clientRequestID := newGUID()
	for name, values := range header {
		req.Header[name] = values
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	// client-request-id ties our log to Graph's for Microsoft support.
	req.Header.Set("client-request-id", clientRequestID)

	c.counters.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// *url.Error repeats the whole URL, tokens and all; the caller
		// names the request by its path.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		// Timeouts, refused or reset connections: the service or the
		// network had a moment; try again.
		return retryable(fmt.Errorf("send request: %w", err), 0)
	}
	defer resp.Body.Close()
	c.notePacing(resp.Header)

	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("read answer: %w", ctx.Err())
		}
		return retryable(fmt.Errorf("read answer: %w", err), 0)
	}
	if int64(len(body)) > c.maxBodyBytes {
		return fmt.Errorf("answer larger than %d bytes", c.maxBodyBytes)
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return decodeBody(resp.StatusCode, body, out)
	}
	gerr := parseError(resp, body, clientRequestID)
	if resp.StatusCode == http.StatusTooManyRequests {
		c.counters.throttled.Add(1)
	}
	if retryableStatus(resp.StatusCode) {
		return retryable(gerr, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return gerr
}

// decodeBody decodes a success answer. json.Unmarshal checks the whole input
// before it writes anything into out, so a truncated or garbled body (a
// connection cut mid-answer) leaves out untouched and can be retried.
func decodeBody(status int, body []byte, out any) error {
	if out == nil || (status == http.StatusNoContent && len(body) == 0) {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		err = fmt.Errorf("decode answer: %w", err)
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return retryable(err, 0)
		}
		return err
	}
	return nil
}

// notePacing reads x-ms-throttle-limit-percentage, which Graph sends only
// once the application has used more than 80% of its limit, and slows the
// next requests a little more the closer it gets; an answer without it
// lifts the pause. Graph documents the value as a fraction from 0.8 to 1.8,
// others write 80: both are read as percent.
func (c *Client) notePacing(h http.Header) {
	pct, err := strconv.ParseFloat(strings.TrimSpace(h.Get("x-ms-throttle-limit-percentage")), 64)
	if err != nil || pct <= 0 {
		c.paceDelay.Store(0)
		return
	}
	if pct <= 2 {
		pct *= 100
	}
	if pct < c.paceThreshold {
		c.paceDelay.Store(0)
		return
	}
	// One unit at the threshold, one more for every further 5%, at most 20.
	steps := min(1+(pct-c.paceThreshold)/5, 20)
	c.paceDelay.Store(int64(float64(c.paceUnit) * steps))
}

func (c *Client) waitForPacing(ctx context.Context) error {
	d := time.Duration(c.paceDelay.Load())
	if d <= 0 {
		return ctx.Err()
	}
	c.counters.paced.Add(1)
	c.counters.waited.Add(int64(d))
	return sleep(ctx, d)
}

// describe names a request for errors and logs by its path only: skip and
// delta tokens are long and opaque, and say nothing to a reader.
func describe(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "GET " + rawURL
	}
	return "GET " + u.Path
}

// newGUID returns a random (version 4) GUID for client-request-id.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
