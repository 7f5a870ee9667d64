package graph

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-access-token"

// fixedToken is a TokenSource that always gives the same token, as MSAL
// does while its cached token is valid.
type fixedToken struct {
	token string
	err   error
}

func (f fixedToken) Token(context.Context) (string, error) { return f.token, f.err }

// step answers one request of a scripted conversation.
type step func(w http.ResponseWriter, r *http.Request)

// graphServer answers the n-th request with steps[n] (the last step repeats)
// and records every request it saw.
type graphServer struct {
	*httptest.Server
	t     *testing.T
	mu    sync.Mutex
	steps []step
	seen  []*http.Request
}

func newGraphServer(t *testing.T, steps ...step) *graphServer {
	t.Helper()
	gs := &graphServer{t: t, steps: steps}
	gs.Server = httptest.NewUnstartedServer(http.HandlerFunc(gs.serve))
	// Cut connections are the point of some tests: keep the log quiet.
	gs.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	gs.StartTLS()
	t.Cleanup(gs.Close)
	return gs
}

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func (gs *graphServer) serve(w http.ResponseWriter, r *http.Request) {
	gs.mu.Lock()
	n := len(gs.seen)
	gs.seen = append(gs.seen, r.Clone(context.Background()))
	s := gs.steps[min(n, len(gs.steps)-1)]
	gs.mu.Unlock()
	// Every request must carry what Graph and Microsoft support expect.
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		gs.t.Errorf("request %d: Authorization = %q", n, got)
	}
	if got := r.Header.Get("client-request-id"); !guidPattern.MatchString(got) {
		gs.t.Errorf("request %d: client-request-id = %q, want a GUID", n, got)
	}
	if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "Connect") {
		gs.t.Errorf("request %d: User-Agent = %q", n, got)
	}
	s(w, r)
}

func (gs *graphServer) requests() []*http.Request {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	return append([]*http.Request(nil), gs.seen...)
}

// client returns a Client for this server with tiny backoffs, so retry tests
// take microseconds.
func (gs *graphServer) client(opts ...Option) *Client {
	gs.t.Helper()
	defaults := []Option{
		WithMaxAttempts(4),
		WithBackoff(time.Microsecond, time.Millisecond),
		WithUserAgent("Connect/test"),
		WithPacing(80, time.Microsecond),
	}
	c, err := New(gs.URL, gs.Server.Client(), fixedToken{token: testToken}, append(defaults, opts...)...)
	if err != nil {
		gs.t.Fatal(err)
	}
	return c
}

// jsonStep answers with a status and a JSON body.
func jsonStep(status int, body string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// linkStep is jsonStep with "{base}" in the body replaced by the server's own
// URL, as Graph's absolute links name it.
func linkStep(status int, body string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		jsonStep(status, strings.ReplaceAll(body, "{base}", "https://"+r.Host))(w, r)
	}
}

func throttledStep(retryAfter string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		jsonStep(http.StatusTooManyRequests, `{"error":{"code":"TooManyRequests","message":"Too many requests.","innerError":{"request-id":"r-429"}}}`)(w, r)
	}
}

// resetStep cuts the connection without an answer; a zero linger makes the
// close a TCP reset rather than an orderly end.
func resetStep(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*tls.Conn); ok {
		if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
	}
	conn.Close()
}

// shortBodyStep promises more bytes than it sends, so the client's read of
// the body fails midway (io.ErrUnexpectedEOF).
func shortBodyStep(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "4096")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"value":[{"id":"u1","displayName":`)
}
