package emulatortest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator"
)

// Admin calls the admin API at /_emulator/{tenant}/{path} with body as
// JSON (nil for none) and returns the answer's body; a non-2xx answer
// fails the test.
func (s *Server) Admin(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("admin %s %s: encode body: %v", method, path, err)
		}
		reader = bytes.NewReader(data)
	}
	target := s.URL + "/_emulator/" + s.Tenant.ID
	if path != "" {
		target += "/" + strings.TrimPrefix(path, "/")
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, reader)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("admin %s %s: read answer: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("admin %s %s: %s: %s", method, path, resp.Status, data)
	}
	return data
}

func (s *Server) adminID(t testing.TB, path string, body any) string {
	t.Helper()
	var answer struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(s.Admin(t, http.MethodPost, path, body), &answer); err != nil {
		t.Fatalf("admin POST %s: decode answer: %v", path, err)
	}
	return answer.ID
}

// CreateUser creates a user from Graph attributes (displayName and
// userPrincipalName required) and returns its id.
func (s *Server) CreateUser(t testing.TB, attrs map[string]any) string {
	t.Helper()
	return s.adminID(t, "users", attrs)
}

func (s *Server) PatchUser(t testing.TB, id string, attrs map[string]any) {
	t.Helper()
	s.Admin(t, http.MethodPatch, "users/"+id, attrs)
}

// DeleteUser soft-deletes (delta: @removed reason "changed").
func (s *Server) DeleteUser(t testing.TB, id string) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "users/"+id, nil)
}

// PurgeUser deletes for good (delta: @removed reason "deleted").
func (s *Server) PurgeUser(t testing.TB, id string) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "users/"+id+"?permanent=true", nil)
}

func (s *Server) RestoreUser(t testing.TB, id string) {
	t.Helper()
	s.Admin(t, http.MethodPost, "users/"+id+"/restore", nil)
}

// CreateGroup creates a group (displayName required) and returns its id.
func (s *Server) CreateGroup(t testing.TB, attrs map[string]any) string {
	t.Helper()
	return s.adminID(t, "groups", attrs)
}

func (s *Server) PatchGroup(t testing.TB, id string, attrs map[string]any) {
	t.Helper()
	s.Admin(t, http.MethodPatch, "groups/"+id, attrs)
}

func (s *Server) DeleteGroup(t testing.TB, id string) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "groups/"+id, nil)
}

func (s *Server) PurgeGroup(t testing.TB, id string) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "groups/"+id+"?permanent=true", nil)
}

func (s *Server) RestoreGroup(t testing.TB, id string) {
	t.Helper()
	s.Admin(t, http.MethodPost, "groups/"+id+"/restore", nil)
}

// AddMember adds a user or a group to a group.
func (s *Server) AddMember(t testing.TB, groupID, memberID string) {
	t.Helper()
	s.Admin(t, http.MethodPost, "groups/"+groupID+"/members", map[string]string{"id": memberID})
}

func (s *Server) RemoveMember(t testing.TB, groupID, memberID string) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "groups/"+groupID+"/members/"+memberID, nil)
}

// Secret is a client secret the admin API created.
type Secret struct {
	Value string `json:"value"`
	KeyID string `json:"keyId"`
}

// AddSecret adds a client secret to an app; a zero end gives two years, a
// past end an expired secret.
func (s *Server) AddSecret(t testing.TB, appID string, end time.Time) Secret {
	t.Helper()
	body := map[string]any{}
	if !end.IsZero() {
		body["endDateTime"] = end.UTC().Format(time.RFC3339)
	}
	var secret Secret
	if err := json.Unmarshal(s.Admin(t, http.MethodPost, "apps/"+appID+"/secrets", body), &secret); err != nil {
		t.Fatalf("add secret: decode answer: %v", err)
	}
	return secret
}

// AddCertificate registers a PEM certificate on an app; returns its keyId.
func (s *Server) AddCertificate(t testing.TB, appID string, certPEM []byte) string {
	t.Helper()
	var answer struct {
		KeyID string `json:"keyId"`
	}
	if err := json.Unmarshal(s.Admin(t, http.MethodPost, "apps/"+appID+"/certificates", map[string]string{"pem": string(certPEM)}), &answer); err != nil {
		t.Fatalf("add certificate: decode answer: %v", err)
	}
	return answer.KeyID
}

// RemoveCredential removes a secret or certificate by keyId.
func (s *Server) RemoveCredential(t testing.TB, appID, keyID string) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "apps/"+appID+"/credentials/"+keyID, nil)
}

// SetRoles replaces the app's consented application permissions (names
// such as "User.Read.All", or role GUIDs).
func (s *Server) SetRoles(t testing.TB, appID string, graph, exchange []string) {
	t.Helper()
	s.Admin(t, http.MethodPut, "apps/"+appID+"/roles", map[string][]string{"graph": orEmpty(graph), "exchange": orEmpty(exchange)})
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// App is an app registered by RegisterApp.
type App struct {
	AppID  string `json:"appId"`
	Secret string `json:"secret"`
	KeyID  string `json:"keyId"`
}

// RegisterApp registers another app with one secret and the given Graph
// roles.
func (s *Server) RegisterApp(t testing.TB, displayName string, graphRoles ...string) App {
	t.Helper()
	var app App
	body := map[string]any{"displayName": displayName, "graph": orEmpty(graphRoles)}
	if err := json.Unmarshal(s.Admin(t, http.MethodPost, "apps", body), &app); err != nil {
		t.Fatalf("register app: decode answer: %v", err)
	}
	return app
}

// Fault is the fault injected into Graph calls. Status is 429, 503… or
// Action "reset" (drop the connection) / "truncate" (cut the body); Rate is
// the share of calls hit (0 means all); RetryAfter is sent as given ("" =
// no header); Count > 0 limits how many calls are hit.
type Fault struct {
	Status     int
	Action     string
	Rate       float64
	RetryAfter string
	DelayMS    int
	Count      int
}

func (s *Server) SetFault(t testing.TB, f Fault) {
	t.Helper()
	body := map[string]any{}
	switch {
	case f.Action != "":
		body["status"] = f.Action
	case f.Status != 0:
		body["status"] = f.Status
	}
	if f.Rate > 0 {
		body["rate"] = f.Rate
	}
	if f.RetryAfter != "" {
		body["retry_after"] = f.RetryAfter
	}
	if f.DelayMS > 0 {
		body["delay_ms"] = f.DelayMS
	}
	if f.Count > 0 {
		body["count"] = f.Count
	}
	s.Admin(t, http.MethodPut, "faults", body)
}

// FaultCounts reads, over the admin API (GET faults), how many faults
// were injected into Graph calls since the emulator started, by kind
// ("429", "503", "reset", "truncate", "delay"); ClearFault keeps them.
func (s *Server) FaultCounts(t testing.TB) emulator.FaultCounts {
	t.Helper()
	var answer struct {
		Injected emulator.FaultCounts `json:"injected"`
	}
	if err := json.Unmarshal(s.Admin(t, http.MethodGet, "faults", nil), &answer); err != nil {
		t.Fatalf("fault counts: decode answer: %v", err)
	}
	return answer.Injected
}

func (s *Server) ClearFault(t testing.TB) {
	t.Helper()
	s.Admin(t, http.MethodDelete, "faults", nil)
}

// SetThrottle sets the resource units per app and tenant per 10 seconds;
// 0 turns throttling off.
func (s *Server) SetThrottle(t testing.TB, unitsPer10s int) {
	t.Helper()
	s.Admin(t, http.MethodPut, "throttle", map[string]int{"units_per_10s": unitsPer10s})
}

// ExpireDeltaTokens makes every delta and skip token issued so far fail
// with 400 syncStateNotFound.
func (s *Server) ExpireDeltaTokens(t testing.TB) {
	t.Helper()
	s.Admin(t, http.MethodPost, "delta/expire", nil)
}

// Token gets an access token for scope (e.g.
// "https://graph.microsoft.com/.default") with the generated app's secret,
// straight from the token endpoint.
func (s *Server) Token(t testing.TB, scope string) string {
	t.Helper()
	return s.TokenFor(t, s.Tenant.AppID, s.Tenant.Secret, scope)
}

// TokenFor gets an access token for any app by its secret.
func (s *Server) TokenFor(t testing.TB, appID, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {scope}}
	resp, err := s.Client.PostForm(s.URL+"/"+s.Tenant.ID+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &answer) != nil {
		t.Fatalf("token: %s: %s", resp.Status, data)
	}
	return answer.AccessToken
}
