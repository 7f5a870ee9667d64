package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/auth"
)

func TestSignIn(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	disabled := app.addUser("gone@example.com", "helpdesk")
	if err := app.store.UpdateUser(context.Background(), disabled.ID, "helpdesk", true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, password string
		wantStatus            int
		wantText              string
	}{
		{"right password", "admin@example.com", testPassword, http.StatusSeeOther, ""},
		{"email in another case", "ADMIN@example.com", testPassword, http.StatusSeeOther, ""},
		{"wrong password", "admin@example.com", "not the password", http.StatusUnauthorized, "not right"},
		{"unknown account", "nobody@example.com", testPassword, http.StatusUnauthorized, "not right"},
		{"disabled account", "gone@example.com", testPassword, http.StatusUnauthorized, "not right"},
		{"empty fields", "", "", http.StatusUnprocessableEntity, "Enter your email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := app.browser()
			resp := b.post("/login", url.Values{"email": {tt.email}, "password": {tt.password}})
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantText == "" {
				drain(resp)
				return
			}
			doc := parse(t, resp)
			if msg := doc.Find(`[data-testid=login-error]`).Text(); !strings.Contains(msg, tt.wantText) {
				t.Errorf("message %q does not contain %q", msg, tt.wantText)
			}
			if got, _ := doc.Find(`input[name=email]`).Attr("value"); got != tt.email {
				t.Errorf("typed email not kept: %q", got)
			}
			if got, _ := doc.Find(`input[name=password]`).Attr("value"); got != "" {
				t.Error("password echoed back into the form")
			}
		})
	}
}

func TestSessionTokenChangesAtSignInAndSignOut(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	drain(b.get("/login")) // no session yet; create one with a flash
	drain(b.post("/logout", nil))
	before := b.sessionCookie()
	if before == "" {
		t.Fatal("no session before sign-in")
	}
	b.signIn("admin@example.com")
	during := b.sessionCookie()
	if during == "" || during == before {
		t.Fatalf("session token not renewed at sign-in: %q → %q", before, during)
	}
	resp := b.post("/logout", nil)
	drain(resp)
	if resp.Header.Get("Location") != "/login" {
		t.Fatalf("sign-out redirects to %q", resp.Header.Get("Location"))
	}
	after := b.sessionCookie()
	if after == during {
		t.Fatal("session token not renewed at sign-out")
	}
	resp = b.get("/users")
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out /users answers %d, want redirect to sign-in", resp.StatusCode)
	}
}

func TestSignInThrottling(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	for i := range 5 {
		resp := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong password " + string(rune('a'+i))}})
		drain(resp)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, resp.StatusCode)
		}
	}
	// The sixth try is refused even with the right password.
	resp := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth try: status %d, want 429", resp.StatusCode)
	}
	doc := parse(t, resp)
	if msg := doc.Find(`[data-testid=login-error]`).Text(); !strings.Contains(msg, "Too many failed sign-ins") {
		t.Errorf("throttle message %q", msg)
	}
}

func TestThrottleWindow(t *testing.T) {
	th := auth.NewThrottle()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		th.Fail("a@example.com", "10.0.0.1", start.Add(time.Duration(i)*time.Second))
	}
	tests := []struct {
		name, email, addr string
		at                time.Time
		blocked           bool
	}{
		{"same account at once", "a@example.com", "10.0.0.2", start.Add(10 * time.Second), true},
		{"same account, other case", "A@Example.com", "10.0.0.2", start.Add(10 * time.Second), true},
		{"other account, same address", "b@example.com", "10.0.0.1", start.Add(10 * time.Second), false},
		{"after five minutes", "a@example.com", "10.0.0.1", start.Add(5*time.Minute + 5*time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := th.Blocked(tt.email, tt.addr, tt.at); got != tt.blocked {
				t.Fatalf("blocked = %v, want %v", got, tt.blocked)
			}
		})
	}
	// Per address: 20 failures over many accounts block the address.
	th2 := auth.NewThrottle()
	for i := range 20 {
		th2.Fail(string(rune('a'+i))+"@example.com", "10.9.9.9", start)
	}
	if blocked, _ := th2.Blocked("fresh@example.com", "10.9.9.9", start.Add(time.Second)); !blocked {
		t.Fatal("address with 20 failures is not blocked")
	}
}

func TestOversizedAndMalformedPosts(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	huge := strings.Repeat("x", 1<<20)
	tests := []struct {
		name string
		body string
		want int
	}{
		{"a 1 MB password", url.Values{"email": {"admin@example.com"}, "password": {huge}}.Encode(), http.StatusRequestEntityTooLarge},
		{"a broken form encoding", "email=%zz&password=%", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, app.server.URL+"/login", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			drain(resp)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	// A long but under-the-limit password is refused by the rules, not a 500.
	resp := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {strings.Repeat("y", 60_000)}})
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("60 KB password: status %d, want 401", resp.StatusCode)
	}
}

func TestNextParameterStaysLocal(t *testing.T) {
	tests := map[string]string{
		"/users":               "/users",
		"/settings?x=1":        "/settings?x=1",
		"//evil.example/path":  "",
		"https://evil.example": "",
		"/\\evil.example":      "",
		"/login":               "",
		"":                     "",
	}
	for in, want := range tests {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
