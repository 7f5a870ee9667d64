package dirsync

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// TestSoleAddsMatchTheFold: a first sync plans the objects staged once in
// SQL (store.PlanSoleAdds) instead of folding them here. Both must give
// the same final attributes for whatever Graph sends — values, nulls,
// absent properties, empty lists, time zones and fractions of a second —
// or the next full resync would "update" every such object.
func TestSoleAddsMatchTheFold(t *testing.T) {
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
	}
	groups := []string{
		`{"id":"g1","displayName":"Chefs","mail":"chefs@contoso.example","mailEnabled":true,"securityEnabled":true,
			"groupTypes":["Unified"],"description":"All chefs"}`,
		`{"id":"g2","displayName":null,"mail":null,"mailEnabled":null,"securityEnabled":null,"groupTypes":null,"description":null}`,
		`{"id":"g3"}`,
		`{"id":"g4","groupTypes":[],"mailEnabled":false,"securityEnabled":true}`,
	}
	var pages []store.StagedPage
	page := store.StagedPage{Kind: store.KindUsers}
	for _, raw := range users {
		var u graph.User
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		page.Objects = append(page.Objects, store.StagedObject{ID: u.ID, Data: data})
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
		page.Objects = append(page.Objects, store.StagedObject{ID: g.ID, Data: data})
	}
	pages = append(pages, page)
	if err := st.StagePages(ctx, runID, pages, store.RunStats{Pages: 2}); err != nil {
		t.Fatal(err)
	}

	check := func(kind store.ObjectKind, table string, fold func(store.StagedObject) (any, error), decode func([]byte) (any, error)) {
		t.Helper()
		if err := st.PlanSoleAdds(ctx, runID, kind); err != nil {
			t.Fatal(err)
		}
		planned := map[string][]byte{}
		rows, err := st.Reader.QueryContext(ctx, `SELECT id, op, json(data) FROM `+table+` WHERE run_id = ?`, runID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, op string
			var data []byte
			if err := rows.Scan(&id, &op, &data); err != nil {
				t.Fatal(err)
			}
			if op != store.OpAdd {
				t.Errorf("%s %s planned as %s", kind, id, op)
			}
			planned[id] = data
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		n := 0
		err = st.EachStaged(ctx, runID, kind, false, func(o store.StagedObject) error {
			n++
			want, err := fold(o)
			if err != nil {
				return err
			}
			got, err := decode(planned[o.ID])
			if err != nil {
				t.Errorf("%s %s planned as %s: %v", kind, o.ID, planned[o.ID], err)
				return nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s:\n  SQL  %+v\n  fold %+v", kind, o.ID, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(planned) {
			t.Errorf("%d %s staged, %d planned", n, kind, len(planned))
		}
	}
	check(store.KindUsers, "run_user_changes", func(o store.StagedObject) (any, error) {
		var u store.DirUser
		return u, mergeUser(&u, o.ID, o.Data)
	}, func(data []byte) (any, error) {
		var u store.DirUser
		return u, json.Unmarshal(data, &u)
	})
	check(store.KindGroups, "run_group_changes", func(o store.StagedObject) (any, error) {
		var g store.DirGroup
		return g, mergeGroup(&g, o.ID, o.Data)
	}, func(data []byte) (any, error) {
		var g store.DirGroup
		return g, json.Unmarshal(data, &g)
	})
}
