package dirsync_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect/connect/internal/dirsync"
	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// fixture is an emulated tenant, a real SQLite store and an active
// connection to the tenant.
type fixture struct {
	t      *testing.T
	srv    *emulatortest.Server
	st     *store.Store
	conn   store.Connection
	tokens entra.TokenSource
	// runTokens, when set, wraps the token source of the runs' clients.
	runTokens func(graph.TokenSource) graph.TokenSource
	// graphOptions are added to every Graph client (e.g. an attempt timeout).
	graphOptions []graph.Option
}

func newFixture(t *testing.T, opts emulatortest.Options) *fixture {
	t.Helper()
	ctx := t.Context()
	srv := emulatortest.Start(t, opts)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	id := store.NewID()
	err = st.CreateConnection(ctx, store.NewConnection{ID: id, Kind: store.KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: srv.URL, GraphURL: srv.URL, TenantDomain: srv.Tenant.Domain, ApplicationID: srv.Tenant.AppID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetConnectionState(ctx, id, store.ConnActive); err != nil {
		t.Fatal(err)
	}
	conn, err := st.ConnectionByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, srv: srv, st: st, conn: conn, tokens: entra.TokenSource{
		Clients:    entra.NewClients(srv.Client),
		App:        entra.App{AuthorityHost: srv.URL, Tenant: srv.Tenant.ID, ClientID: srv.Tenant.AppID},
		Credential: entra.Credential{Secret: srv.Tenant.Secret},
		Scope:      entra.GraphScope(srv.URL),
	}}
}

// graphClient is a fresh client (fresh Stats) with tiny backoffs.
func (f *fixture) graphClient() *graph.Client {
	f.t.Helper()
	return f.clientWith(f.tokens)
}

func (f *fixture) clientWith(tokens graph.TokenSource) *graph.Client {
	f.t.Helper()
	opts := append([]graph.Option{graph.WithBackoff(time.Millisecond, 20*time.Millisecond)}, f.graphOptions...)
	gc, err := graph.New(f.srv.URL, f.srv.Client, tokens, opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	return gc
}

// sync queues, claims and carries out one run of trigger; on error the run
// is ended as failed, as the worker would.
func (f *fixture) sync(ctx context.Context, trigger string, full bool) (store.Run, dirsync.Outcome, error) {
	f.t.Helper()
	if _, err := f.st.QueueRun(context.Background(), f.conn.ID, trigger, full, 0); err != nil {
		f.t.Fatal(err)
	}
	run, err := f.st.ClaimNextRun(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	conn, err := f.st.ConnectionByID(context.Background(), f.conn.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var tokens graph.TokenSource = f.tokens
	if f.runTokens != nil {
		tokens = f.runTokens(tokens)
	}
	out, err := dirsync.Sync(ctx, f.st, dirsync.Job{Run: run, Connection: conn, Graph: f.clientWith(tokens),
		Log: func(ctx context.Context, level, msg string) {
			if err := f.st.AppendRunLog(context.WithoutCancel(ctx), run.ID, level, msg); err != nil {
				f.t.Error(err)
			}
		}})
	if err != nil {
		// Keep the progress the run recorded, as the worker does.
		progress, _ := f.st.RunByID(context.Background(), run.ID)
		stats := store.RunStats{Pages: progress.Pages, ObjectsProcessed: progress.ObjectsProcessed}
		if ferr := f.st.FinishRun(context.Background(), run.ID, store.RunFailed, err.Error(), stats, false); ferr != nil {
			f.t.Fatal(ferr)
		}
	}
	final, rerr := f.st.RunByID(context.Background(), run.ID)
	if rerr != nil {
		f.t.Fatal(rerr)
	}
	return final, out, err
}

// mustSync runs a sync that must succeed.
func (f *fixture) mustSync(trigger string) store.Run {
	f.t.Helper()
	run, _, err := f.sync(f.t.Context(), trigger, false)
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return run
}

const userSelect = "id,userPrincipalName,mail,displayName,givenName,surname,jobTitle,department,officeLocation," +
	"companyName,mobilePhone,businessPhones,proxyAddresses,accountEnabled,userType,createdDateTime,employeeId," +
	"usageLocation,preferredLanguage"

// tenantUsers reads every user as Graph's /users lists it.
func (f *fixture) tenantUsers() map[string]store.DirUser {
	f.t.Helper()
	out := map[string]store.DirUser{}
	err := graph.List(f.t.Context(), f.graphClient(), "/users", url.Values{"$select": {userSelect}, "$top": {"999"}},
		func(p graph.UsersPage) error {
			for _, u := range p.Value {
				d := store.DirUser{ID: u.ID}
				d.UserPrincipalName, _ = u.UserPrincipalName.Get()
				d.Mail, _ = u.Mail.Get()
				d.DisplayName, _ = u.DisplayName.Get()
				d.GivenName, _ = u.GivenName.Get()
				d.Surname, _ = u.Surname.Get()
				d.JobTitle, _ = u.JobTitle.Get()
				d.Department, _ = u.Department.Get()
				d.OfficeLocation, _ = u.OfficeLocation.Get()
				d.CompanyName, _ = u.CompanyName.Get()
				d.MobilePhone, _ = u.MobilePhone.Get()
				d.BusinessPhones, _ = u.BusinessPhones.Get()
				d.ProxyAddresses, _ = u.ProxyAddresses.Get()
				d.AccountEnabled, _ = u.AccountEnabled.Get()
				d.UserType, _ = u.UserType.Get()
				d.EmployeeID, _ = u.EmployeeID.Get()
				d.UsageLocation, _ = u.UsageLocation.Get()
				d.PreferredLanguage, _ = u.PreferredLanguage.Get()
				if t, ok := u.CreatedDateTime.Get(); ok {
					d.CreatedDateTime = t.UTC().Format("2006-01-02T15:04:05Z")
				}
				out[u.ID] = d
			}
			return nil
		})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// tenantGroups reads every group and its direct user and group members.
func (f *fixture) tenantGroups() (map[string]store.DirGroup, map[store.Membership]bool) {
	f.t.Helper()
	ctx := f.t.Context()
	gc := f.graphClient()
	groups := map[string]store.DirGroup{}
	err := graph.List(ctx, gc, "/groups", url.Values{"$select": {"id,displayName,mail,mailEnabled,securityEnabled,groupTypes,description"}},
		func(p graph.GroupsPage) error {
			for _, g := range p.Value {
				d := store.DirGroup{ID: g.ID}
				d.DisplayName, _ = g.DisplayName.Get()
				d.Mail, _ = g.Mail.Get()
				d.MailEnabled, _ = g.MailEnabled.Get()
				d.SecurityEnabled, _ = g.SecurityEnabled.Get()
				d.GroupTypes, _ = g.GroupTypes.Get()
				d.Description, _ = g.Description.Get()
				groups[g.ID] = d
			}
			return nil
		})
	if err != nil {
		f.t.Fatal(err)
	}
	members := map[store.Membership]bool{}
	for id := range groups {
		err := graph.List(ctx, gc, "/groups/"+id+"/members", url.Values{"$select": {"id"}},
			func(p graph.Page[struct {
				Type string `json:"@odata.type"`
				ID   string `json:"id"`
			}]) error {
				for _, m := range p.Value {
					kind := strings.TrimPrefix(m.Type, "#microsoft.graph.")
					if kind == store.MemberUser || kind == store.MemberGroup {
						members[store.Membership{GroupID: id, MemberID: m.ID, MemberKind: kind}] = true
					}
				}
				return nil
			})
		if err != nil {
			f.t.Fatal(err)
		}
	}
	return groups, members
}

// assertEqualsTenant compares the synchronized directory with the tenant,
// every attribute of every user and group and every direct membership.
func (f *fixture) assertEqualsTenant() {
	f.t.Helper()
	for _, d := range f.tenantDifferences() {
		f.t.Error(d)
	}
}

// tenantDifferences lists, one line per object, every user, group and
// direct membership that is missing from the synchronized directory, is
// there but not in the tenant, or differs from the tenant.
func (f *fixture) tenantDifferences() []string {
	f.t.Helper()
	wantUsers := f.tenantUsers()
	wantGroups, wantMembers := f.tenantGroups()
	users, groups, members := f.snapshot()
	var diffs []string
	for _, u := range users {
		want, ok := wantUsers[u.ID]
		delete(wantUsers, u.ID)
		u.CreatedAt, u.UpdatedAt, u.LastChangedRunID = time.Time{}, time.Time{}, ""
		if !ok || !sameUser(u, want) {
			diffs = append(diffs, fmt.Sprintf("user %s:\n got %+v\nwant %+v", u.ID, u, want))
		}
	}
	for id := range wantUsers {
		diffs = append(diffs, "user "+id+" is in the tenant but not in the directory")
	}
	for _, g := range groups {
		want, ok := wantGroups[g.ID]
		delete(wantGroups, g.ID)
		if !ok || g.DisplayName != want.DisplayName || g.Mail != want.Mail || g.MailEnabled != want.MailEnabled ||
			g.SecurityEnabled != want.SecurityEnabled || !slices.Equal(g.GroupTypes, want.GroupTypes) ||
			g.Description != want.Description {
			diffs = append(diffs, fmt.Sprintf("group %s:\n got %+v\nwant %+v", g.ID, g, want))
		}
	}
	for id := range wantGroups {
		diffs = append(diffs, "group "+id+" is in the tenant but not in the directory")
	}
	for _, m := range members {
		if !wantMembers[m] {
			diffs = append(diffs, fmt.Sprintf("membership %+v is not in the tenant", m))
		}
		delete(wantMembers, m)
	}
	for m := range wantMembers {
		diffs = append(diffs, fmt.Sprintf("membership %+v is in the tenant but not in the directory", m))
	}
	return diffs
}

func sameUser(a, b store.DirUser) bool {
	return a.UserPrincipalName == b.UserPrincipalName && a.Mail == b.Mail && a.DisplayName == b.DisplayName &&
		a.GivenName == b.GivenName && a.Surname == b.Surname && a.JobTitle == b.JobTitle &&
		a.Department == b.Department && a.OfficeLocation == b.OfficeLocation && a.CompanyName == b.CompanyName &&
		a.MobilePhone == b.MobilePhone && slices.Equal(a.BusinessPhones, b.BusinessPhones) &&
		slices.Equal(a.ProxyAddresses, b.ProxyAddresses) && a.AccountEnabled == b.AccountEnabled &&
		a.UserType == b.UserType && a.EmployeeID == b.EmployeeID && a.UsageLocation == b.UsageLocation &&
		a.PreferredLanguage == b.PreferredLanguage && a.CreatedDateTime == b.CreatedDateTime
}

// requireState fails unless the run ended in state.
func requireState(t *testing.T, run store.Run, state string) {
	t.Helper()
	if run.State != state {
		t.Fatalf("run %s is %s (%s), want %s", run.ID, run.State, run.Error, state)
	}
}

// cancellingTokens cancels a run's context when its client asks for the
// n-th token: the client asks before every request, so the run stops
// mid-fetch at a known point.
type cancellingTokens struct {
	graph.TokenSource
	calls  *atomic.Int32
	n      int32
	cancel context.CancelFunc
	// staged, when set, is waited for (up to 10 s) before cancelling:
	// pages are written on their own goroutine while the next ones are
	// fetched, so a page fetched is not yet a page staged.
	staged func() bool
}

func (c cancellingTokens) Token(ctx context.Context) (string, error) {
	if c.calls.Add(1) == c.n {
		for deadline := time.Now().Add(10 * time.Second); c.staged != nil && !c.staged() && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
		c.cancel()
	}
	return c.TokenSource.Token(ctx)
}

// runLog is a run's log as text.
func (f *fixture) runLog(runID string) string {
	f.t.Helper()
	lines, err := f.st.RunLogs(context.Background(), runID, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Level + " " + l.Message + "\n")
	}
	return b.String()
}

// snapshot is the whole synchronized directory, for before/after checks.
func (f *fixture) snapshot() ([]store.DirUser, []store.DirGroup, []store.Membership) {
	f.t.Helper()
	ctx := context.Background()
	users, err1 := f.st.DirectoryUsers(ctx, f.conn.ID, "", 1_000_000)
	groups, err2 := f.st.DirectoryGroups(ctx, f.conn.ID, "", 1_000_000)
	members, err3 := f.st.Memberships(ctx, f.conn.ID, "", "", 1_000_000)
	if err := errors.Join(err1, err2, err3); err != nil {
		f.t.Fatal(err)
	}
	return users, groups, members
}
