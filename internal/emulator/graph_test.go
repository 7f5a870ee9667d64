package emulator_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

// collect follows @odata.nextLink verbatim from first and returns every id
// in order, failing on a repeated id.
func collect(t *testing.T, srv *emulatortest.Server, token, first string, headers ...string) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	for link := first; link != ""; {
		a := get(t, srv, token, link, headers...)
		if a.status != 200 {
			t.Fatalf("GET %s: %d %s", link, a.status, a.raw)
		}
		for _, v := range values(t, a) {
			id := str(v, "id")
			if seen[id] {
				t.Fatalf("id %s served twice", id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		link = str(a.body, "@odata.nextLink")
		if link != "" && !strings.HasPrefix(link, srv.URL+"/v1.0/") {
			t.Fatalf("nextLink %q is not absolute on the emulator", link)
		}
	}
	return ids
}

func TestListsVisitEveryObjectOnce(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 230, Groups: 40, Seed: 7})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	count := func(path string) int {
		a := get(t, srv, token, path, "ConsistencyLevel", "eventual")
		n, err := strconv.Atoi(string(a.raw))
		if a.status != 200 || err != nil {
			t.Fatalf("%s: %d %s", path, a.status, a.raw)
		}
		return n
	}
	users, groups := count("/v1.0/users/$count"), count("/v1.0/groups/$count")
	if users != 230 || groups != 40 {
		t.Fatalf("counts %d users %d groups", users, groups)
	}
	big := collect(t, srv, token, "/v1.0/groups?$top=1")[0]
	members := get(t, srv, token, "/v1.0/groups/"+big+"/members?$top=999&$count=true", "ConsistencyLevel", "eventual")
	memberCount := int(members.body["@odata.count"].(float64))
	for _, top := range []int{1, 7, 100, 999} {
		for path, want := range map[string]int{"/v1.0/users": users, "/v1.0/groups": groups, "/v1.0/groups/" + big + "/members": memberCount} {
			t.Run(path+"/"+strconv.Itoa(top), func(t *testing.T) {
				if got := len(collect(t, srv, token, path+"?$top="+strconv.Itoa(top))); got != want {
					t.Errorf("%d objects, want %d", got, want)
				}
			})
		}
	}
	if got := len(collect(t, srv, token, "/v1.0/users")); got != users {
		t.Errorf("default page size: %d users, want %d", got, users)
	}
}

func TestListDefaultsAndSelect(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 3, Groups: 1})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	a := get(t, srv, token, "/v1.0/users")
	u := values(t, a)[0]
	for _, k := range []string{"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"} {
		if _, ok := u[k]; !ok {
			t.Errorf("default user lacks %s", k)
		}
	}
	if len(u) != 11 {
		t.Errorf("default user has %d properties: %v", len(u), u)
	}
	a = get(t, srv, token, "/v1.0/users?$select=displayName,proxyAddresses,accountEnabled,userType,department")
	u = values(t, a)[0]
	if len(u) != 6 || u["proxyAddresses"] == nil || u["accountEnabled"] == nil {
		t.Errorf("selected user: %v", u)
	}
	single := get(t, srv, token, "/v1.0/users/"+str(u, "id")+"?$select=mail")
	if single.status != 200 || str(single.body, "id") != str(u, "id") {
		t.Errorf("GET user: %d %s", single.status, single.raw)
	}
}

func TestGraphErrors(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	srv := emulatortest.Start(t, emulatortest.Options{Users: 3, Groups: 2, Now: clock})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	noRoles := srv.RegisterApp(t, "No roles")
	usersOnly := srv.RegisterApp(t, "Users only", "User.Read.All")
	noRolesToken := srv.TokenFor(t, noRoles.AppID, noRoles.Secret, "https://graph.microsoft.com/.default")
	usersOnlyToken := srv.TokenFor(t, usersOnly.AppID, usersOnly.Secret, "https://graph.microsoft.com/.default")
	exchangeToken := srv.Token(t, "https://outlook.office365.com/.default")
	groupID := collect(t, srv, token, "/v1.0/groups?$top=1")[0]
	tampered := token[:len(token)-4] + "AAAA"
	tests := []struct {
		name, token, path string
		status            int
		code, message     string
	}{
		{"no token", "", "/v1.0/users", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"tampered token", tampered, "/v1.0/users", 401, "InvalidAuthenticationToken", ""},
		{"Exchange token", exchangeToken, "/v1.0/users", 401, "InvalidAuthenticationToken", ""},
		{"no roles", noRolesToken, "/v1.0/users", 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."},
		{"users role reads groups", usersOnlyToken, "/v1.0/groups/" + groupID + "/members", 403, "Authorization_RequestDenied", "Insufficient privileges"},
		{"users role reads applications", usersOnlyToken, "/v1.0/applications", 403, "Authorization_RequestDenied", ""},
		{"page size 1000", token, "/v1.0/users?$top=1000", 400, "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"page size 0", token, "/v1.0/users?$top=0", 400, "Request_UnsupportedQuery", "Invalid page size specified: '0'."},
		{"unknown path", token, "/v1.0/things", 400, "BadRequest", "Resource not found for the segment 'things'."},
		{"unknown option", token, "/v1.0/users?$expand=manager", 400, "Request_UnsupportedQuery", ""},
		{"unknown property", token, "/v1.0/users?$select=shoeSize", 400, "Request_BadRequest", "shoeSize"},
		{"unknown user", token, "/v1.0/users/00000000-0000-4000-8000-000000000000", 404, "Request_ResourceNotFound", ""},
		{"count without consistency", token, "/v1.0/users?$count=true", 400, "Request_BadRequest", ""},
		{"garbled skiptoken", token, "/v1.0/users?$skiptoken=abc", 400, "Request_BadRequest", ""},
		{"bare version", token, "/v1.0", 400, "BadRequest", ""},
		{"too deep", token, "/v1.0/users/a/b/c", 400, "BadRequest", "'c'"},
		{"members of a non-GUID", token, "/v1.0/groups/not-a-guid/members", 404, "Request_ResourceNotFound", ""},
		{"delta with $top", token, "/v1.0/users/delta?$top=5", 400, "Request_UnsupportedQuery", ""},
		{"delta with $filter", token, "/v1.0/groups/delta?$filter=displayName%20eq%20'x'", 400, "Request_UnsupportedQuery", ""},
		{"bad $select on delta", token, "/v1.0/groups/delta?$select=nope", 400, "Request_BadRequest", "nope"},
		{"filter on members", token, "/v1.0/groups/" + groupID + "/members?$filter=id%20eq%20'x'", 400, "Request_UnsupportedQuery", ""},
		{"unsupported filter", token, "/v1.0/users?$filter=jobTitle%20ne%20'x'", 400, "Request_UnsupportedQuery", ""},
		{"filter with and", token, "/v1.0/users?$filter=" + url.QueryEscape("displayName eq 'a' and mail eq 'b'"), 400, "Request_UnsupportedQuery", ""},
		{"filter with or", token, "/v1.0/groups?$filter=" + url.QueryEscape("startswith(displayName,'a') or startswith(mail,'b')"), 400, "Request_UnsupportedQuery", ""},
		{"filter with and on applications", token, "/v1.0/applications?$filter=" + url.QueryEscape("appId eq 'a' and displayName eq 'b'"), 400, "Request_UnsupportedQuery", ""},
		{"$top twice", token, "/v1.0/users?$top=5&$top=1000", 400, "Request_BadRequest", "Query option '$top' was specified more than once, but it must be specified at most once."},
		{"$top twice, cases differ", token, "/v1.0/users?$top=5&$TOP=6", 400, "Request_BadRequest", "'$top' was specified more than once"},
		{"$select twice", token, "/v1.0/groups?$select=id&$select=displayName", 400, "Request_BadRequest", "'$select' was specified more than once"},
		{"$filter twice", token, "/v1.0/users?$filter=" + url.QueryEscape("mail eq 'a'") + "&$filter=" + url.QueryEscape("mail eq 'b'"), 400, "Request_BadRequest", "'$filter' was specified more than once"},
		{"$skiptoken twice", token, "/v1.0/users/delta?$skiptoken=a&$skiptoken=b", 400, "Request_BadRequest", "'$skiptoken' was specified more than once"},
		{"$deltatoken twice", token, "/v1.0/users/delta?$deltatoken=a&$deltaToken=b", 400, "Request_BadRequest", "'$deltatoken' was specified more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := get(t, srv, tt.token, tt.path)
			code, message := graphErrorCode(t, a)
			if a.status != tt.status || code != tt.code || !strings.Contains(message, tt.message) {
				t.Errorf("got %d %s %q, want %d %s %q", a.status, code, message, tt.status, tt.code, tt.message)
			}
		})
	}
	t.Run("POST is not allowed", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1.0/users", nil)
		req.Header.Set("Authorization", "Bearer "+usersOnlyToken)
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if a := readAnswer(t, resp); a.status != 405 {
			t.Errorf("status %d", a.status)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		offset.Store(int64(time.Hour))
		defer offset.Store(0)
		a := get(t, srv, token, "/v1.0/users")
		if code, message := graphErrorCode(t, a); a.status != 401 || message != "Access token has expired or is not yet valid." {
			t.Errorf("got %d %s %q", a.status, code, message)
		}
	})
}

func TestApplicationsShowCredentials(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	certPEM, _ := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(0, 0, 20))
	keyID := srv.AddCertificate(t, srv.Tenant.AppID, certPEM)
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	a := get(t, srv, token, "/v1.0/applications?$filter=appId%20eq%20'"+srv.Tenant.AppID+"'")
	apps := values(t, a)
	if len(apps) != 1 || str(apps[0], "appId") != srv.Tenant.AppID {
		t.Fatalf("applications: %s", a.raw)
	}
	passwords := apps[0]["passwordCredentials"].([]any)
	p := passwords[0].(map[string]any)
	if str(p, "hint") != srv.Tenant.Secret[:3] || str(p, "keyId") == "" || str(p, "endDateTime") == "" {
		t.Errorf("password credential: %v", p)
	}
	k := apps[0]["keyCredentials"].([]any)[0].(map[string]any)
	if str(k, "keyId") != keyID || str(k, "customKeyIdentifier") == "" || !strings.HasPrefix(str(k, "endDateTime"), time.Now().AddDate(0, 0, 20).UTC().Format("2006-01-02")) {
		t.Errorf("key credential: %v", k)
	}
	selected := values(t, get(t, srv, token, "/v1.0/applications?$select=keyCredentials,passwordCredentials&$filter=appId%20eq%20'"+srv.Tenant.AppID+"'"))
	if len(selected) != 1 || len(selected[0]) != 3 {
		t.Errorf("$select on applications: %v", selected)
	}
	if none := get(t, srv, token, "/v1.0/applications?$filter=appId%20eq%20'00000000-0000-4000-8000-000000000000'"); len(values(t, none)) != 0 {
		t.Errorf("filter matched another app: %s", none.raw)
	}
}

func TestTransitiveMembersFlattenNesting(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 2, Groups: 1})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	outer := srv.CreateGroup(t, map[string]any{"displayName": "Outer"})
	inner := srv.CreateGroup(t, map[string]any{"displayName": "Inner"})
	a := srv.CreateUser(t, map[string]any{"displayName": "A", "userPrincipalName": "a@contoso.com"})
	b := srv.CreateUser(t, map[string]any{"displayName": "B", "userPrincipalName": "b@contoso.com"})
	srv.AddMember(t, outer, a)
	srv.AddMember(t, outer, inner)
	srv.AddMember(t, inner, b)
	srv.AddMember(t, inner, a)
	srv.AddMember(t, inner, outer) // a cycle must not loop
	if got := collect(t, srv, token, "/v1.0/groups/"+outer+"/members"); len(got) != 2 {
		t.Errorf("members: %v", got)
	}
	got := collect(t, srv, token, "/v1.0/groups/"+outer+"/transitiveMembers?$top=1")
	if len(got) != 3 {
		t.Errorf("transitive members: %v, want a, b and inner", got)
	}
}

func TestOrganization(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	a := get(t, srv, srv.Token(t, "https://graph.microsoft.com/.default"), "/v1.0/organization")
	org := values(t, a)
	if len(org) != 1 || str(org[0], "id") != srv.Tenant.ID || len(org[0]["verifiedDomains"].([]any)) != 2 {
		t.Errorf("organization: %s", a.raw)
	}
	if org := values(t, get(t, srv, srv.Token(t, "https://graph.microsoft.com/.default"), "/v1.0/organization?$select=verifiedDomains")); len(org[0]) != 2 {
		t.Errorf("$select on organization: %v", org)
	}
}
