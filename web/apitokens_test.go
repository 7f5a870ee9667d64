package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/auth"
)

func bearerGet(t *testing.T, app *testApp, path, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, app.server.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	// No cookie jar, and redirects are not followed: a script's view.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestAPITokenCreateUseRevoke(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")

	resp := b.post("/settings/tokens", url.Values{"name": {""}})
	doc := parse(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid=error-name]`).Length() != 1 {
		t.Fatalf("empty name: %d", resp.StatusCode)
	}

	resp = b.post("/settings/tokens", url.Values{"name": {"Prometheus"}})
	doc = parse(t, resp)
	token := strings.TrimSpace(doc.Find(`[data-testid=new-token]`).Text())
	if resp.StatusCode != http.StatusCreated || len(token) < 40 {
		t.Fatalf("create: %d, token %q", resp.StatusCode, token)
	}
	// Only the hash is stored.
	var stored, hint string
	if err := app.store.Reader.QueryRow(`SELECT token_hash, hint FROM api_tokens`).Scan(&stored, &hint); err != nil {
		t.Fatal(err)
	}
	if stored != auth.HashToken(token) || strings.Contains(stored, token) || !strings.HasPrefix(token, hint) || len(hint) > 8 {
		t.Fatalf("stored %q / hint %q for the token", stored, hint)
	}
	// Shown once: the settings page afterwards does not have it.
	if again := parse(t, b.get("/settings")); strings.Contains(again.Text(), token) {
		t.Fatal("the token is shown again after creation")
	}

	// The token alone, without any cookie, reads the API and the metrics.
	for _, path := range []string{"/api/v1/status", "/metrics"} {
		resp := bearerGet(t, app, path, token)
		drain(resp)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s with the token: %d, Set-Cookie %q", path, resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
	}
	// ...but no page for people, and nothing that changes state.
	resp = bearerGet(t, app, "/settings", token)
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("/settings with only a token: %d, want the sign-in redirect", resp.StatusCode)
	}
	resp = bearerGet(t, app, "/api/v1/status", "not-a-token")
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", resp.StatusCode)
	}

	tokens, _ := app.store.APITokens(context.Background())
	if tokens[0].LastUsedAt.IsZero() {
		t.Error("last use not noted")
	}
	drain(b.post("/settings/tokens/"+itoa64(tokens[0].ID)+"/revoke", nil))
	resp = bearerGet(t, app, "/api/v1/status", token)
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", resp.StatusCode)
	}
	doc = parse(t, b.get("/settings"))
	if !strings.Contains(doc.Find(`[data-testid=token-`+itoa64(tokens[0].ID)+`]`).Text(), "Revoked") {
		t.Error("the revoked token is not shown as revoked")
	}
}

func TestMetricsExposeTheNamedSeries(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	_, run := seedConnection(t, app.store, "metrics.example.com", timeZero())
	setRun(t, app.store, run, `state = 'succeeded', started_at = ?, finished_at = ?, users_added = 5, requests = 7, throttled = 1`,
		ago(2*time.Minute), ago(time.Minute))
	b := app.browser()
	b.signIn("help@example.com")
	drain(b.get("/runs/" + run))
	resp := b.get("/metrics")
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`connect_sync_runs_total{state="succeeded"} 1`,
		`connect_sync_run_duration_seconds_count 1`,
		`connect_sync_objects_total{kind="users"} 5`,
		`connect_graph_requests_total 7`,
		`connect_graph_throttled_total 1`,
		`connect_last_successful_sync_timestamp_seconds{connection=`,
		`connect_connection_health{connection=`,
		`connect_http_request_duration_seconds_count{code="200",method="GET",route="/runs/{id}"} 1`,
		`go_goroutines`,
		`process_cpu_seconds_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A token exists in full only on the page that created it: not in the
// database files (the WAL included), not in the log, even after it was used.
func TestAPITokenNeverStoredOrLoggedInClear(t *testing.T) {
	app, b := signedInAdmin(t)
	resp := b.post("/settings/tokens", url.Values{"name": {"Prometheus"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	token := strings.TrimSpace(parse(t, resp).Find(`[data-testid=new-token]`).Text())
	if len(token) < 40 {
		t.Fatalf("token read from the page: %q", token)
	}
	for _, path := range []string{"/api/v1/status", "/metrics"} {
		resp := bearerGet(t, app, path, token)
		drain(resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with the token: status %d", path, resp.StatusCode)
		}
	}
	// The token is stored, as its hash.
	var n int
	if err := app.store.Reader.QueryRow(`SELECT count(*) FROM api_tokens WHERE token_hash = ?`, auth.HashToken(token)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("stored tokens with this hash: %d, %v", n, err)
	}

	// The hint (its first characters) may be stored; the rest never.
	secretPart := token[tokenHintLength:]
	for name, haystack := range map[string][]byte{
		"connect.db":     readFile(t, app.dbPath),
		"connect.db-wal": readFile(t, app.dbPath+"-wal"),
		"log":            []byte(app.logs.String()),
	} {
		if bytesContain(haystack, []byte(secretPart)) {
			t.Errorf("%s holds the API token in clear", name)
		}
	}
	if len(readFile(t, app.dbPath))+len(readFile(t, app.dbPath+"-wal")) == 0 {
		t.Fatal("no database files read: the test would prove nothing")
	}
}
