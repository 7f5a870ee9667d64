package web

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Page numbers come from the address bar: any value, however large, must
// give a page, never an overflowed offset.
func TestHugePageNumbersStillAnswerAPage(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	conn, run := seedConnection(t, app.store, "contoso.com", time.Time{})
	setRun(t, app.store, run, `state = 'succeeded'`)
	seedDirectory(t, app.store, conn, run)

	for _, page := range []string{"184467440737095518", "9223372036854775807", "-3", "99999999999999999999", "2"} {
		for _, path := range []string{"/status", "/directory?q=ann&", "/audit", "/connections/" + conn + "/runs", "/runs/" + run} {
			sep := "?"
			if strings.HasSuffix(path, "&") {
				sep = ""
			}
			param := "page"
			if strings.HasPrefix(path, "/runs/") {
				param = "log_page"
			}
			resp := b.get(path + sep + param + "=" + page)
			drain(resp)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s with %s=%s: status %d, want 200", path, param, page, resp.StatusCode)
			}
		}
	}
}

func TestDirectorySearchRefusesAnOverlongQuery(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	b := app.browser()
	b.signIn("help@example.com")
	conn, run := seedConnection(t, app.store, "contoso.com", time.Time{})
	seedDirectory(t, app.store, conn, run)

	resp := b.get("/directory?q=" + strings.Repeat("a", maxQueryLength+1))
	doc := parse(t, resp)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if msg := doc.Find(`[data-testid=error-q]`).Text(); !strings.Contains(msg, "at most 256 characters") {
		t.Errorf("field error = %q, want it to say how long a search may be", msg)
	}
}
