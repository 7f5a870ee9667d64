package dirsync

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// TestDirectAddsMatchTheFold: a first sync adds the objects staged once
// straight from staging in SQL (store.PlanDirectAdds, then ApplyRun)
// instead of folding them here, and folds only the repeated ones. Both
// must give the same live rows for whatever Graph sends — values, nulls,
// absent properties, empty lists, time zones and fractions of a second —
// or the next full resync would "update" every such object. Users are
// staged as columns, as the fetch stages them, or as JSON, as entries
// staged before that still are.
func TestDirectAddsMatchTheFold(t *testing.T) {
	for _, asColumns := range []bool{true, false} {
		t.Run(map[bool]string{true: "users as columns", false: "users as JSON"}[asColumns], func(t *testing.T) {
			directAddsMatchTheFold(t, asColumns)
		})
	}
}

func directAddsMatchTheFold(t *testing.T, asColumns bool) {
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	connID := store.NewID()
	if err := st.CreateConnection(ctx, store.NewConnection{ID: connID, Kind: store.KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: "https://login.example", GraphURL: "https://graph.example", TenantDomain: "contoso.example",
		ApplicationID: "00000000-0000-0000-0000-000000000001"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetConnectionState(ctx, connID, store.ConnActive); err != nil {
		t.Fatal(err)
	}
	runID, err := st.QueueRun(ctx, connID, store.TriggerManual, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.BeginStaging(ctx, runID, connID, true); err != nil {
		t.Fatal(err)
	}

	// As Graph sends them; the fetch decodes and encodes them again.
	users := []string{
		`{"id":"u1","userPrincipalName":"ann@contoso.example","mail":"Ann@Contoso.example","displayName":"Ann \"A\" Ö",
			"givenName":"Ann","surname":"Lee","jobTitle":"Chef","department":"Kitchen","officeLocation":"1/23",
			"companyName":"Contoso","mobilePhone":"+1 555","businessPhones":["+1 556","+1 557"],
			"proxyAddresses":["SMTP:ann@contoso.example","smtp:a@contoso.example"],"accountEnabled":true,
			"userType":"Member","createdDateTime":"2021-03-04T05:06:07Z","employeeId":"42","usageLocation":"US",
			"preferredLanguage":"en-US"}`,
		`{"id":"u2","userPrincipalName":"bob@contoso.example","mail":null,"displayName":null,"givenName":null,
			"surname":null,"jobTitle":null,"department":null,"officeLocation":null,"companyName":null,
			"mobilePhone":null,"businessPhones":null,"proxyAddresses":null,"accountEnabled":null,"userType":null,
			"createdDateTime":null,"employeeId":null,"usageLocation":null,"preferredLanguage":null}`,
		`{"id":"u3"}`,
		`{"id":"u4","businessPhones":[],"proxyAddresses":[],"accountEnabled":false,
			"createdDateTime":"2021-03-04T23:06:07.123456789-02:00","displayName":""}`,
		`{"id":"u5","createdDateTime":"1999-12-31T23:59:59.999+01:00","accountEnabled":true}`,
		// Repeated (a replay, then a change): folded, applied from the plan.
		`{"id":"u6","displayName":"Old","proxyAddresses":["SMTP:old@contoso.example"]}`,
		`{"id":"u6","displayName":"New","mail":"new@contoso.example","proxyAddresses":["SMTP:new@contoso.example"]}`,
		// Removed: neither added nor planned.
		`{"id":"u7","@removed":{"reason":"deleted"}}`,
	}
	groups := []string{
		`{"id":"g1","displayName":"Chefs","mail":"chefs@contoso.example","mailEnabled":true,"securityEnabled":true,
			"groupTypes":["Unified"],"description":"All chefs"}`,
		`{"id":"g2","displayName":null,"mail":null,"mailEnabled":null,"securityEnabled":null,"groupTypes":null,"description":null}`,
		`{"id":"g3"}`,
		`{"id":"g4","groupTypes":[],"mailEnabled":false,"securityEnabled":true}`,
		`{"id":"g5","displayName":"Split","mailEnabled":true}`,
		`{"id":"g5"}`,
		`{"id":"g6","@removed":{"reason":"deleted"}}`,
	}
	var pages []store.StagedPage
	page := store.StagedPage{Kind: store.KindUsers}
	for _, raw := range users {
		var u graph.User
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			t.Fatal(err)
		}
		if asColumns && u.Removed == nil {
			su := stagedUser(u)
			page.Objects = append(page.Objects, store.StagedObject{ID: u.ID, User: &su})
			continue
		}
		data, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		page.Objects = append(page.Objects, store.StagedObject{ID: u.ID, Removed: u.Removed != nil, Data: data})
	}
	pages = append(pages, page)
	page = store.StagedPage{Kind: store.KindGroups}
	for _, raw := range groups {
		var g graph.Group
		if err := json.Unmarshal([]byte(raw), &g); err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		page.Objects = append(page.Objects, store.StagedObject{ID: g.ID, Removed: g.Removed != nil, Data: data})
	}
	pages = append(pages, page)
	if err := st.StagePages(ctx, runID, pages, store.RunStats{Pages: 2}); err != nil {
		t.Fatal(err)
	}

	r := &runner{st: st, job: Job{Run: store.Run{ID: runID}, Connection: store.Connection{ID: connID}}, fresh: true}
	if err := r.plan(ctx, true); err != nil {
		t.Fatal(err)
	}
	counts, err := st.PlannedChanges(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if counts != (store.ChangeCounts{UsersAdded: 6, GroupsAdded: 5}) {
		t.Errorf("planned %+v, want 6 users and 5 groups added", counts)
	}
	// What the fold makes of every staged object, before ApplyRun
	// discards the staging.
	fold := func(kind store.ObjectKind, merge func(o store.StagedObject) (any, error)) map[string]any {
		folded := map[string]any{}
		err := st.EachStaged(ctx, runID, kind, false, func(o store.StagedObject) error {
			if o.Removed {
				delete(folded, o.ID)
				return nil
			}
			v, err := merge(o)
			folded[o.ID] = v
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return folded
	}
	foldedUsers := map[string]*store.DirUser{}
	wantUsers := fold(store.KindUsers, func(o store.StagedObject) (any, error) {
		if asColumns != (o.User != nil) {
			t.Errorf("user %s read back as columns %v, staged as columns %v", o.ID, o.User != nil, asColumns)
		}
		u := foldedUsers[o.ID]
		if u == nil {
			u = &store.DirUser{}
			foldedUsers[o.ID] = u
		}
		err := mergeUser(u, o)
		return *u, err
	})
	foldedGroups := map[string]*store.DirGroup{}
	wantGroups := fold(store.KindGroups, func(o store.StagedObject) (any, error) {
		g := foldedGroups[o.ID]
		if g == nil {
			g = &store.DirGroup{}
			foldedGroups[o.ID] = g
		}
		err := mergeGroup(g, o)
		return *g, err
	})
	if err := st.ApplyRun(ctx, runID, store.RunStats{}); err != nil {
		t.Fatal(err)
	}
	check := func(kind store.ObjectKind, want map[string]any, live func(id string) (any, error)) {
		t.Helper()
		for id, w := range want {
			got, err := live(id)
			if err != nil {
				t.Errorf("%s %s: %v", kind, id, err)
				continue
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("%s %s:\n  applied %#v\n  fold    %#v", kind, id, got, w)
			}
		}
	}
	// The fold knows the synchronized attributes; the bookkeeping says
	// this run added the row.
	check(store.KindUsers, wantUsers, func(id string) (any, error) {
		u, err := st.DirectoryUser(ctx, connID, id)
		if u.LastChangedRunID != runID || u.CreatedAt.IsZero() || !u.UpdatedAt.Equal(u.CreatedAt) {
			t.Errorf("user %s: run %s, created %v, updated %v", id, u.LastChangedRunID, u.CreatedAt, u.UpdatedAt)
		}
		u.LastChangedRunID, u.CreatedAt, u.UpdatedAt = "", time.Time{}, time.Time{}
		u.BusinessPhones, u.ProxyAddresses = orEmpty(u.BusinessPhones), orEmpty(u.ProxyAddresses) // read back nil
		return u, err
	})
	check(store.KindGroups, wantGroups, func(id string) (any, error) {
		g, err := st.DirectoryGroup(ctx, connID, id)
		if g.LastChangedRunID != runID || g.CreatedAt.IsZero() || !g.UpdatedAt.Equal(g.CreatedAt) {
			t.Errorf("group %s: run %s, created %v, updated %v", id, g.LastChangedRunID, g.CreatedAt, g.UpdatedAt)
		}
		g.LastChangedRunID, g.CreatedAt, g.UpdatedAt = "", time.Time{}, time.Time{}
		g.GroupTypes = orEmpty(g.GroupTypes)
		return g, err
	})
	if _, err := st.DirectoryUser(ctx, connID, "u7"); err == nil {
		t.Error("a removed user was added")
	}
	var live, addresses int
	if err := st.Reader.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM dir_users), (SELECT group_concat(address, ' ') = 
		'a@contoso.example ann@contoso.example new@contoso.example' FROM (SELECT address FROM dir_user_addresses ORDER BY address))`).
		Scan(&live, &addresses); err != nil || live != 6 || addresses != 1 {
		t.Errorf("%d users live, addresses as expected: %d, %v", live, addresses, err)
	}
}
