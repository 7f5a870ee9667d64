package graph

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDeltaUsersFullThenIncremental(t *testing.T) {
	gs := newGraphServer(t,
		linkStep(200, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)",
			"@odata.nextLink":"{base}/v1.0/users/delta?$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjtMRgbUpVNfXpEM0qMBPLFk",
			"value":[
			{"id":"u1","userPrincipalName":"AdeleV@contoso.onmicrosoft.com","mail":"AdeleV@contoso.com","displayName":"Adele Vance",
			 "givenName":"Adele","surname":"Vance","jobTitle":"Retail Manager","department":"Retail","officeLocation":"18/2111",
			 "companyName":"Contoso","mobilePhone":null,"businessPhones":["+1 425 555 0109"],
			 "proxyAddresses":["SMTP:AdeleV@contoso.com","smtp:adele@contoso.onmicrosoft.com"],"accountEnabled":true,
			 "userType":"Member","createdDateTime":"2024-02-01T09:30:00Z","employeeId":"E100","usageLocation":"US","preferredLanguage":"en-US"}]}`),
		jsonStep(200, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)",
			"@odata.deltaLink":"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=first-token",
			"value":[{"id":"u2","displayName":"Alex Wilber","accountEnabled":false},
			{"id":"u3","@removed":{"reason":"changed"}}]}`),
	)
	c := gs.client()
	var users []User
	var pages int
	deltaLink, err := c.DeltaUsers(context.Background(), "", func(p UsersPage) error {
		pages++
		users = append(users, p.Value...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if deltaLink != "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=first-token" {
		t.Errorf("deltaLink = %q", deltaLink)
	}
	if pages != 2 || len(users) != 3 {
		t.Fatalf("pages = %d, users = %d", pages, len(users))
	}

	first := gs.requests()[0]
	if first.URL.Path != "/v1.0/users/delta" {
		t.Errorf("first request path = %s", first.URL.Path)
	}
	selected := strings.Split(first.URL.Query().Get("$select"), ",")
	for _, want := range []string{"id", "userPrincipalName", "proxyAddresses", "accountEnabled", "employeeId", "createdDateTime"} {
		if !slices.Contains(selected, want) {
			t.Errorf("$select %v lacks %s", selected, want)
		}
	}

	adele := users[0]
	if v, ok := adele.Mail.Get(); !ok || v != "AdeleV@contoso.com" {
		t.Errorf("mail = %+v", adele.Mail)
	}
	if !adele.MobilePhone.Present || !adele.MobilePhone.Null {
		t.Errorf("mobilePhone null: %+v", adele.MobilePhone)
	}
	if v, _ := adele.ProxyAddresses.Get(); len(v) != 2 {
		t.Errorf("proxyAddresses = %+v", adele.ProxyAddresses)
	}
	if v, _ := adele.CreatedDateTime.Get(); !v.Equal(time.Date(2024, 2, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("createdDateTime = %v", v)
	}
	alex := users[1]
	if v, ok := alex.AccountEnabled.Get(); !ok || v {
		t.Errorf("accountEnabled = %+v, want present false", alex.AccountEnabled)
	}
	if alex.JobTitle.Present {
		t.Errorf("jobTitle absent from the page but Present")
	}
	if users[2].Removed == nil || users[2].Removed.Reason != RemovedChanged {
		t.Errorf("removed = %+v", users[2].Removed)
	}
}

func TestDeltaFollowsKeptLinkVerbatim(t *testing.T) {
	gs := newGraphServer(t, linkStep(200, `{"value":[],"@odata.deltaLink":"{base}/v1.0/users/delta?$deltatoken=second"}`))
	c := gs.client()
	kept := gs.URL + "/v1.0/users/delta?$deltatoken=R0usmci39OQxqJrxK4=%2Bab"
	next, err := c.DeltaUsers(context.Background(), kept, func(UsersPage) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := gs.requests()[0].URL.RawQuery; got != "$deltatoken=R0usmci39OQxqJrxK4=%2Bab" {
		t.Errorf("query sent = %q", got)
	}
	if next != gs.URL+"/v1.0/users/delta?$deltatoken=second" {
		t.Errorf("deltaLink = %q", next)
	}
}

func TestDeltaGroupsMembersSplitAcrossPages(t *testing.T) {
	// Graph repeats a group on the next page when its members do not fit.
	gs := newGraphServer(t,
		linkStep(200, `{"@odata.nextLink":"{base}/v1.0/groups/delta?$skiptoken=g2","value":[
			{"id":"g1","displayName":"Sales","mail":"sales@contoso.com","mailEnabled":true,"securityEnabled":false,
			 "groupTypes":["Unified"],"description":null,
			 "members@delta":[{"@odata.type":"#microsoft.graph.user","id":"u1"},{"@odata.type":"#microsoft.graph.user","id":"u2"}]}]}`),
		jsonStep(200, `{"@odata.deltaLink":"https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=gt","value":[
			{"id":"g1","members@delta":[{"@odata.type":"#microsoft.graph.user","id":"u3"},
			 {"@odata.type":"#microsoft.graph.user","id":"u2","@removed":{"reason":"deleted"}},
			 {"@odata.type":"#microsoft.graph.group","id":"g9"},
			 {"@odata.type":"#microsoft.graph.device","id":"d1"}]},
			{"id":"g5","@removed":{"reason":"deleted"}}]}`),
	)
	members := map[string][]MemberChange{}
	var groups []Group
	_, err := gs.client().DeltaGroups(context.Background(), "", func(p GroupsPage) error {
		for _, g := range p.Value {
			groups = append(groups, g)
			members[g.ID] = append(members[g.ID], g.MembersDelta...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sel := gs.requests()[0].URL.Query().Get("$select"); !slices.Contains(strings.Split(sel, ","), "members") {
		t.Errorf("$select = %q lacks members", sel)
	}
	if len(groups) != 3 {
		t.Fatalf("groups = %d, want 3 (g1 twice, g5)", len(groups))
	}
	if v, _ := groups[0].GroupTypes.Get(); len(v) != 1 || v[0] != "Unified" {
		t.Errorf("groupTypes = %+v", groups[0].GroupTypes)
	}
	if !groups[0].Description.Null || groups[1].DisplayName.Present {
		t.Errorf("description %+v, repeated group's displayName %+v", groups[0].Description, groups[1].DisplayName)
	}
	want := []struct {
		id      string
		kind    ObjectKind
		removed string
	}{{"u1", KindUser, ""}, {"u2", KindUser, ""}, {"u3", KindUser, ""}, {"u2", KindUser, RemovedDeleted}, {"g9", KindGroup, ""}, {"d1", "device", ""}}
	got := members["g1"]
	if len(got) != len(want) {
		t.Fatalf("g1 members = %+v", got)
	}
	for i, w := range want {
		removed := ""
		if got[i].Removed != nil {
			removed = got[i].Removed.Reason
		}
		if got[i].ID != w.id || got[i].Kind() != w.kind || removed != w.removed {
			t.Errorf("member %d = %+v (kind %s), want %+v", i, got[i], got[i].Kind(), w)
		}
	}
	if groups[2].Removed == nil || groups[2].Removed.Reason != RemovedDeleted {
		t.Errorf("g5 removed = %+v", groups[2].Removed)
	}
}

func TestDeltaReset(t *testing.T) {
	tests := []struct {
		name      string
		answer    step
		wantReset bool
	}{
		{"410 Gone", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://"+r.Host+"/v1.0/users/delta?$deltatoken=")
			jsonStep(http.StatusGone, `{"error":{"code":"ResyncRequired","message":"Resync required."}}`)(w, r)
		}, true},
		{"expired token", jsonStep(400, `{"error":{"code":"syncStateNotFound","message":"The sync state generation is not found. The delta token is expired and data must be synchronized again.","innerError":{"request-id":"r1"}}}`), true},
		{"resync required", jsonStep(400, `{"error":{"code":"resyncRequired","message":"Resync required."}}`), true},
		{"other bad request", jsonStep(400, `{"error":{"code":"Request_BadRequest","message":"Invalid request."}}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := newGraphServer(t, tt.answer)
			c := gs.client()
			calls := 0
			link, err := c.DeltaUsers(context.Background(), gs.URL+"/v1.0/users/delta?$deltatoken=old", func(UsersPage) error {
				calls++
				return nil
			})
			if errors.Is(err, ErrDeltaReset) != tt.wantReset {
				t.Fatalf("err = %v, ErrDeltaReset %v, want %v", err, errors.Is(err, ErrDeltaReset), tt.wantReset)
			}
			var gerr *Error
			if !errors.As(err, &gerr) || link != "" || calls != 0 {
				t.Fatalf("err %v, link %q, calls %d", err, link, calls)
			}
			if c.Stats().Requests != 1 {
				t.Errorf("a reset was retried: %+v", c.Stats())
			}
		})
	}
}

func TestDeltaCallbackErrorStops(t *testing.T) {
	gs := newGraphServer(t, linkStep(200, `{"value":[{"id":"u1"}],"@odata.nextLink":"{base}/v1.0/users/delta?$skiptoken=2"}`))
	stop := errors.New("staging full")
	_, err := gs.client().DeltaUsers(context.Background(), "", func(UsersPage) error { return stop })
	if !errors.Is(err, stop) || len(gs.requests()) != 1 {
		t.Fatalf("err = %v after %d requests", err, len(gs.requests()))
	}
}

func TestDeltaPageWithoutLinks(t *testing.T) {
	gs := newGraphServer(t, jsonStep(200, `{"value":[]}`))
	_, err := gs.client().DeltaGroups(context.Background(), "", func(GroupsPage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "neither") {
		t.Fatalf("err = %v", err)
	}
}
