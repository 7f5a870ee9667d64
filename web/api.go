package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
)

// apiStatus is GET /api/v1/status exactly as SPEC.md "Interfaces" writes it.
// Absent times are null, never left out, so a monitoring script can rely on
// every key being there.
type apiStatus struct {
	Connections []any `json:"connections"` // apiConnection, then apiServerConnection
}

type apiConnection struct {
	ID           string  `json:"id"`
	Kind         string  `json:"kind"`
	TenantDomain string  `json:"tenant_domain"`
	TenantID     string  `json:"tenant_id"`
	State        string  `json:"state"`
	Health       string  `json:"health"`
	Users        int     `json:"users"`
	Groups       int     `json:"groups"`
	Memberships  int     `json:"memberships"`
	LastRun      *apiRun `json:"last_run"`
	NextRunAt    *string `json:"next_run_at"`
	KeyExpiresAt *string `json:"key_expires_at"`
}

// apiServerConnection is an Office 365 server connection: the documented
// fields (it synchronizes nothing, so its counts are 0 and its runs null;
// key_expires_at is its certificate's expiry, its one credential) and
// certificate_expires_at.
type apiServerConnection struct {
	apiConnection
	CertificateExpiresAt *string `json:"certificate_expires_at"`
}

// apiKindServerConnection names server connections in the API.
const apiKindServerConnection = "office365_server_connection"

type apiRun struct {
	ID         string  `json:"id"`
	State      string  `json:"state"`
	Trigger    string  `json:"trigger"`
	StartedAt  *string `json:"started_at"`
	FinishedAt *string `json:"finished_at"`
}

func rfc3339(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func (h *Handler) apiStatus(w http.ResponseWriter, r *http.Request) {
	reg, err := h.region(r)
	if err != nil {
		h.apiError(w, r, http.StatusInternalServerError, err)
		return
	}
	now := h.now()
	all, err := h.statuses(r.Context(), reg, now)
	if err != nil {
		h.apiError(w, r, http.StatusInternalServerError, err)
		return
	}
	servers, err := h.store.Connections(r.Context(), store.KindOffice365Server)
	if err != nil {
		h.apiError(w, r, http.StatusInternalServerError, err)
		return
	}
	out := apiStatus{Connections: make([]any, 0, len(all)+len(servers))}
	for _, s := range all {
		c := apiConnection{ID: s.conn.ID, Kind: s.conn.Kind, TenantDomain: s.conn.TenantDomain, TenantID: s.conn.TenantID,
			State: s.conn.State, Health: string(s.health.Colour),
			Users: s.counts.Users, Groups: s.counts.Groups, Memberships: s.counts.Memberships,
			NextRunAt: rfc3339(s.next), KeyExpiresAt: rfc3339(s.conn.KeyExpiresAt)}
		// The newest run, running or not: monitoring wants to see "running".
		// A preview is left out: it changes nothing, so it says nothing of
		// whether the directory is in sync.
		last := s.runs.Active
		if last == nil || last.Trigger == store.TriggerPreview {
			last = s.runs.LastFinished
		}
		if last != nil {
			c.LastRun = &apiRun{ID: last.ID, State: last.State, Trigger: last.Trigger,
				StartedAt: rfc3339(last.StartedAt), FinishedAt: rfc3339(last.FinishedAt)}
		}
		out.Connections = append(out.Connections, c)
	}
	for _, sc := range servers {
		colour, _ := serverHealth(sc, now)
		out.Connections = append(out.Connections, apiServerConnection{
			apiConnection: apiConnection{ID: sc.ID, Kind: apiKindServerConnection, TenantDomain: sc.TenantDomain,
				TenantID: sc.TenantID, State: sc.State, Health: string(colour), KeyExpiresAt: rfc3339(sc.KeyExpiresAt)},
			CertificateExpiresAt: rfc3339(sc.KeyExpiresAt)})
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError answers in JSON; a server error is logged with the request ID
// and its text is not shown.
func (h *Handler) apiError(w http.ResponseWriter, r *http.Request, status int, err error) {
	msg := http.StatusText(status)
	if status >= 500 && h.abandoned(w, r, err) {
		return
	}
	if status >= 500 {
		h.log.Error("API error", "path", r.URL.Path, "err", err)
	} else if err != nil {
		msg = err.Error()
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

type apiTokenKey struct{}

// bearerToken lets monitoring in with "Authorization: Bearer <token>"
// instead of a session: a valid token acts as a read-only (helpdesk) viewer.
// Only GET routes sit behind it, so a stolen cookie is never needed and no
// state change can ride on a token. Without a session or a token, the
// answer is 401, not the sign-in page a person would get.
func (h *Handler) bearerToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		if authz == "" {
			if viewer(r) == nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="connect"`)
				h.apiError(w, r, http.StatusUnauthorized, errors.New("sign in, or send an API token as Authorization: Bearer <token>"))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connect", error="invalid_request"`)
			h.apiError(w, r, http.StatusUnauthorized, errors.New("the Authorization header must be Bearer <token>"))
			return
		}
		t, err := h.store.APITokenByHash(r.Context(), auth.HashToken(strings.TrimSpace(token)), h.now())
		if errors.Is(err, store.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connect", error="invalid_token"`)
			h.apiError(w, r, http.StatusUnauthorized, errors.New("the API token is not valid or was revoked"))
			return
		}
		if err != nil {
			h.apiError(w, r, http.StatusInternalServerError, err)
			return
		}
		tokenViewer := &store.User{Email: "API token " + t.Name, Role: "helpdesk"}
		ctx := context.WithValue(r.Context(), viewerKey{}, tokenViewer)
		ctx = context.WithValue(ctx, apiTokenKey{}, t.ID)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
