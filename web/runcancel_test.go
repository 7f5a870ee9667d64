package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/store"
)

// auditHas says whether the audit log records action on target.
func (a *testApp) auditHas(t *testing.T, action, target string) bool {
	t.Helper()
	events, err := a.store.AuditEvents(context.Background(), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == action && strings.Contains(e.Target, target) {
			return true
		}
	}
	return false
}

// An administrator cancels a queued run (no worker claims it) or a running
// one (Graph never answers until the request gives up) from the run page,
// after a confirmation page; the run ends cancelled with nothing applied,
// the cancel is audited, helpdesk is refused, and the next run works.
func TestCancelRunFromTheRunPage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		running bool
	}{
		{"queued", false},
		{"running", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []appOption
			if tc.running {
				opts = append(opts, withWorker())
			}
			app := newTestApp(t, opts...)
			app.addUser("admin@example.com", "admin")
			app.addUser("help@example.com", "helpdesk")
			admin := app.browser()
			admin.signIn("admin@example.com")
			help := app.browser()
			help.signIn("help@example.com")
			ctx := context.Background()
			id := app.activeConnection(t, admin)
			if tc.running {
				app.waitRunFinished(t, id)
				app.emu.SetFault(t, emulatortest.Fault{DelayMS: 600_000, Rate: 1})
				app.emu.CreateUser(t, map[string]any{"displayName": "Never Applied", "userPrincipalName": "never@" + app.emu.Tenant.Domain})
				drain(admin.post("/connections/"+id+"/sync", nil))
			}
			before, _ := app.store.CountDirectory(ctx, id)
			run, err := app.store.ActiveRun(ctx, id)
			if err != nil {
				t.Fatalf("no active run: %v", err)
			}
			for tc.running && run.State != store.RunRunning {
				time.Sleep(10 * time.Millisecond)
				if run, err = app.store.RunByID(ctx, run.ID); err != nil {
					t.Fatal(err)
				}
			}

			// Offered on the run page and the summary, to administrators only.
			for _, page := range []string{"/runs/" + run.ID, "/connections/" + id} {
				if n := parse(t, admin.get(page)).Find(`[data-testid=cancel-run]`).Length(); n != 1 {
					t.Errorf("%s offers an administrator %d Cancel run buttons", page, n)
				}
				if n := parse(t, help.get(page)).Find(`[data-testid=cancel-run]`).Length(); n != 0 {
					t.Errorf("%s offers helpdesk Cancel run", page)
				}
			}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var resp *http.Response
				if method == http.MethodGet {
					resp = help.get("/runs/" + run.ID + "/cancel")
				} else {
					resp = help.post("/runs/"+run.ID+"/cancel", nil)
				}
				drain(resp)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("helpdesk %s cancel: %d, want 403", method, resp.StatusCode)
				}
			}
			if r, _ := app.store.RunByID(ctx, run.ID); r.State != run.State {
				t.Fatalf("helpdesk changed the run to %s", r.State)
			}

			confirm := parse(t, admin.get("/runs/"+run.ID+"/cancel"))
			if confirm.Find(`form[action="/runs/`+run.ID+`/cancel"]`).Length() != 1 {
				t.Fatal("no confirmation form before cancelling")
			}
			resp := admin.post("/runs/"+run.ID+"/cancel", nil)
			drain(resp)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/runs/"+run.ID {
				t.Fatalf("cancel: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			ended := app.waitNewestRun(t, id)
			if ended.ID != run.ID || ended.State != store.RunCancelled {
				t.Fatalf("after cancel the newest run is %s %s, want %s cancelled", ended.ID, ended.State, run.ID)
			}
			if after, _ := app.store.CountDirectory(ctx, id); after != before {
				t.Fatalf("a cancelled run changed the directory: %+v → %+v", before, after)
			}
			if !app.auditHas(t, store.AuditRunCancelled, run.ID) {
				t.Error("the cancel is not in the audit log")
			}
			doc := parse(t, admin.get("/runs/"+run.ID))
			if !strings.Contains(doc.Find(`[data-testid=run-error]`).Text(), "nothing was applied") ||
				doc.Find(`[data-testid=cancel-run]`).Length() != 0 {
				t.Errorf("cancelled run page: error %q", doc.Find(`[data-testid=run-error]`).Text())
			}
			if !tc.running {
				return
			}
			app.emu.ClearFault(t)
			drain(admin.post("/connections/"+id+"/sync", nil))
			if next := app.waitNewestRun(t, id); next.State != store.RunSucceeded || next.UsersAdded != 1 {
				t.Fatalf("the run after a cancel: %s, %d users added", next.State, next.UsersAdded)
			}
		})
	}
}

// Disabling a connection cancels its queued run.
func TestDisableCancelsTheQueuedRun(t *testing.T) {
	app := newTestApp(t) // no worker: the first run stays queued
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")
	id := app.activeConnection(t, admin)
	run, err := app.store.ActiveRun(context.Background(), id)
	if err != nil {
		t.Fatalf("no queued first run: %v", err)
	}
	drain(admin.post("/connections/"+id+"/disable", nil))
	if r, _ := app.store.RunByID(context.Background(), run.ID); r.State != store.RunCancelled {
		t.Fatalf("after disable the run is %s, want cancelled", r.State)
	}
	if !app.auditHas(t, store.AuditRunCancelled, run.ID) {
		t.Error("the cancel is not in the audit log")
	}
}

// The approval page pages through every deletion, not just the first 200.
func TestApprovalListsEveryDeletion(t *testing.T) {
	const deleted = pendingShown + 5
	app := newTestApp(t, withWorker(), withTenantUsers(deleted+10))
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")
	ctx := context.Background()
	id := app.activeConnection(t, admin)
	if run := app.waitRunFinished(t, id); run.State != store.RunSucceeded {
		t.Fatalf("first sync: %s %s", run.State, run.Error)
	}
	drain(admin.post("/connections/"+id+"/threshold", url.Values{"delete_threshold": {"0"}}))
	users, err := app.store.DirectoryUsers(ctx, id, "", deleted)
	if err != nil || len(users) != deleted {
		t.Fatalf("users: %d %v", len(users), err)
	}
	for _, u := range users {
		app.emu.DeleteUser(t, u.ID)
	}
	drain(admin.post("/connections/"+id+"/sync", nil))
	run := app.waitNewestRun(t, id)
	if run.State != store.RunAwaitingApproval {
		t.Fatalf("run %s, want awaiting approval", run.State)
	}
	seen, rows := map[string]bool{}, 0
	href := "/runs/" + run.ID
	for pages := 0; href != ""; pages++ {
		if pages > 2 {
			t.Fatal("the deletions do not end after 2 pages")
		}
		doc := parse(t, admin.get(href))
		doc.Find(`[data-testid=pending-deletions] tbody tr td:nth-child(2)`).Each(func(_ int, s *goquery.Selection) {
			seen[strings.TrimSpace(s.Text())] = true
			rows++
		})
		href, _ = doc.Find(`[data-testid=approval] [data-testid=pager-next]`).Attr("href")
	}
	for _, u := range users {
		if !seen[u.DisplayName] {
			t.Errorf("%s is never listed", u.DisplayName)
		}
	}
	if rows != deleted {
		t.Errorf("listed %d deletions, want %d", rows, deleted)
	}
}

// A preview says it applied nothing, names what it would delete and
// whether a real run would wait for approval.
func TestPreviewShowsDeletionsAndThreshold(t *testing.T) {
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")
	ctx := context.Background()
	id := app.activeConnection(t, admin)
	app.waitRunFinished(t, id)
	users, _ := app.store.DirectoryUsers(ctx, id, "", 2)
	for _, u := range users {
		app.emu.DeleteUser(t, u.ID)
	}
	for _, tc := range []struct {
		threshold string
		wouldHold bool
	}{
		{"1", true},
		{"2", false},
	} {
		drain(admin.post("/connections/"+id+"/threshold", url.Values{"delete_threshold": {tc.threshold}}))
		drain(admin.post("/connections/"+id+"/sync", url.Values{"mode": {"preview"}}))
		run := app.waitNewestRun(t, id)
		doc := parse(t, admin.get("/runs/"+run.ID))
		if !strings.Contains(doc.Find(`[data-testid=run-live] h2`).Text(), "nothing applied") {
			t.Errorf("preview state: %q", doc.Find(`[data-testid=run-live] h2`).Text())
		}
		if doc.Find(`[data-testid=counts-not-applied]`).Length() != 1 {
			t.Error("the preview's counts do not say nothing was applied")
		}
		list := doc.Find(`[data-testid=preview-deletions]`).Text()
		for _, u := range users {
			if !strings.Contains(list, u.DisplayName) {
				t.Errorf("preview does not name %s", u.DisplayName)
			}
		}
		note := doc.Find(`[data-testid=preview-threshold]`).Text()
		want := "would apply these changes without asking"
		if tc.wouldHold {
			want = "would wait for approval: 2 deletions > threshold 1"
		}
		if !strings.Contains(note, want) {
			t.Errorf("threshold %s: %q, want %q", tc.threshold, note, want)
		}
	}
	if c, _ := app.store.CountDirectory(ctx, id); c.Users != 12 {
		t.Fatalf("previews changed the directory: %d users", c.Users)
	}
}
