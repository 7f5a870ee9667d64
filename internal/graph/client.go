// Package graph is a thin Microsoft Graph v1.0 client for what Connect reads:
// users and groups by delta query, a few simple lookups, with paging,
// retries, throttling and pacing. It knows Graph's wire format and nothing of
// Connect's store (DESIGN.md). ENTRA-PROTOCOL.md §4 lists the facts it honours.
package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"
)

// TokenSource gives a bearer token for Graph. Connect's MSAL wrapper
// implements it; MSAL caches the token and refreshes it before it expires, so
// the client asks for one on every attempt.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TemporaryError is how a TokenSource marks a failure worth retrying (a
// timeout, a reset connection, a 5xx from the token endpoint), as opposed
// to a refusal such as a wrong key, which no retry will fix.
type TemporaryError interface {
	error
	Temporary() bool
}

// Client calls one Graph endpoint for one tenant's application. It is safe
// for concurrent use.
type Client struct {
	base   *url.URL // e.g. https://graph.microsoft.com/v1.0, no trailing slash
	hc     *http.Client
	tokens TokenSource

	maxAttempts    int
	baseBackoff    time.Duration
	maxBackoff     time.Duration
	maxRetryAfter  time.Duration // the longest server-requested wait honoured
	attemptTimeout time.Duration
	maxBodyBytes   int64
	userAgent      string
	paceThreshold  float64
	paceUnit       time.Duration

	paceDelay atomic.Int64 // nanoseconds to wait before each request
	counters  counters
}

// Option changes a Client's defaults.
type Option func(*Client)

// WithMaxAttempts sets how many times one request is tried in all (default 6).
func WithMaxAttempts(n int) Option {
	return func(c *Client) { c.maxAttempts = max(n, 1) }
}

// WithBackoff sets the first backoff step and the longest wait between
// attempts, Retry-After included (defaults 1 s, 2 min, and 10 min for a
// wait the server asks for).
func WithBackoff(base, maxWait time.Duration) Option {
	return func(c *Client) { c.baseBackoff, c.maxBackoff, c.maxRetryAfter = base, maxWait, maxWait }
}

// WithAttemptTimeout bounds one attempt; a timed-out attempt is retried
// (default 100 s; 0 leaves it to the http.Client).
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *Client) { c.attemptTimeout = d }
}

// WithMaxBodyBytes limits a response body (default 64 MiB, far above any
// Graph page: Graph splits long member lists across pages).
func WithMaxBodyBytes(n int64) Option {
	return func(c *Client) { c.maxBodyBytes = n }
}

// WithUserAgent sets the User-Agent (default "Connect/<module version>",
// "Connect/dev" in a development build).
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithPacing sets when the client slows down (throttle-limit percentage,
// default 80) and the base pause between requests then (default 100 ms).
func WithPacing(thresholdPercent float64, unit time.Duration) Option {
	return func(c *Client) { c.paceThreshold, c.paceUnit = thresholdPercent, unit }
}

// New returns a client for the Graph service at baseURL, such as
// "https://graph.microsoft.com" (CONNECT_GRAPH_URL) or an emulator's URL;
// "/v1.0" is added unless baseURL already names a version. hc carries TLS
// settings (an extra CA for the emulator); nil means http.DefaultClient.
func New(baseURL string, hc *http.Client, tokens TokenSource, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse Graph URL %q: %w", baseURL, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("graph URL %q: want an absolute http(s) URL", baseURL)
	}
	if tokens == nil {
		return nil, fmt.Errorf("graph client for %s: no token source", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/v1.0") && !strings.HasSuffix(u.Path, "/beta") {
		u.Path += "/v1.0"
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	c := &Client{
		base:        u,
		hc:          hc,
		tokens:      tokens,
		maxAttempts: 6,
		baseBackoff: time.Second,
		maxBackoff:  2 * time.Minute,
		// Graph's Retry-After is seconds in practice; waiting less than it
		// asks only earns another 429, so it is honoured up to 10 minutes.
		maxRetryAfter:  10 * time.Minute,
		attemptTimeout: 100 * time.Second,
		maxBodyBytes:   64 << 20,
		userAgent:      "Connect/" + buildVersion(),
		paceThreshold:  80,
		paceUnit:       100 * time.Millisecond,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// buildVersion is the main module's version as the Go toolchain stamped it.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// Stats counts a client's traffic since it was made, for the run record
// ("requests made, throttling met").
type Stats struct {
	Requests  int64         // HTTP requests sent, retries included
	Retries   int64         // attempts repeated after a retryable failure
	Throttled int64         // 429 answers
	Paced     int64         // requests delayed because the throttle limit was near
	Waited    time.Duration // total time spent in backoff and pacing
}

type counters struct {
	requests, retries, throttled, paced, waited atomic.Int64
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{
		Requests:  c.counters.requests.Load(),
		Retries:   c.counters.retries.Load(),
		Throttled: c.counters.throttled.Load(),
		Paced:     c.counters.paced.Load(),
		Waited:    time.Duration(c.counters.waited.Load()),
	}
}

// resolve turns a path ("/users", "/users?$top=1") plus query into a URL
// under the base, or checks an absolute URL (a nextLink or deltaLink) and
// returns it verbatim: Graph's links must be followed exactly as given
// (ENTRA-PROTOCOL §4), and the bearer token must only ever go to the Graph
// host we were configured with.
func (c *Client) resolve(pathOrURL string, query url.Values) (string, error) {
	if strings.HasPrefix(pathOrURL, "https://") || strings.HasPrefix(pathOrURL, "http://") {
		u, err := url.Parse(pathOrURL)
		if err != nil {
			return "", fmt.Errorf("parse link: %w", err)
		}
		if u.Scheme != c.base.Scheme || !strings.EqualFold(u.Host, c.base.Host) {
			return "", fmt.Errorf("link to %s://%s refused: the client talks only to %s://%s", u.Scheme, u.Host, c.base.Scheme, c.base.Host)
		}
		if len(query) > 0 {
			return "", fmt.Errorf("query parameters cannot be added to a link that must be followed verbatim")
		}
		return pathOrURL, nil
	}
	if !strings.HasPrefix(pathOrURL, "/") {
		return "", fmt.Errorf("path %q: want one starting with /", pathOrURL)
	}
	full := c.base.String() + pathOrURL
	if len(query) > 0 {
		sep := "?"
		if strings.Contains(pathOrURL, "?") {
			sep = "&"
		}
		// url.Values writes a space as "+", which is form encoding; %20
		// means a space to every URL parser, so $filter=appId eq '…'
		// arrives intact.
		full += sep + strings.ReplaceAll(query.Encode(), "+", "%20")
	}
	return full, nil
}
