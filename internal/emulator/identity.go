package emulator

import (
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
)

func (s *Server) identityRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /common/discovery/instance", s.instanceDiscovery)
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.openIDConfiguration)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.signingKeys)
	mux.HandleFunc("GET /common/discovery/keys", s.signingKeys)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		writeAADSTS(w, r, s.now(), errPostOnly())
	})
	mux.HandleFunc("/", identityNotFound)
	return mux
}

// identityNotFound answers any other path or method in JSON, never with
// ServeMux's plain-text 404 or 405.
func identityNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "The emulator has no endpoint " + r.Method + " " + r.URL.Path + "."})
}

// resolveTenant maps the authority's tenant segment to a tenant, with the
// error Entra gives: 900023 for a name that is neither a GUID nor a DNS name,
// 90002 for an unknown one.
func (s *Server) resolveTenant(name, unknownOAuthError string) (*tenant, *aadstsError) {
	if !validTenantName(name) {
		e := errMalformedTenant(name)
		return nil, &e
	}
	t := s.dir.lookup(name)
	if t == nil {
		e := errUnknownTenant(unknownOAuthError, name)
		return nil, &e
	}
	return t, nil
}

func validTenantName(name string) bool {
	if _, err := parseObjectID(name); err == nil {
		return true
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return false
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// openIDConfiguration answers tenant discovery. MSAL needs issuer (same
// scheme and host as the authority), authorization_endpoint and
// token_endpoint; every endpoint names the tenant by GUID (§3).
func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	t, aerr := s.resolveTenant(r.PathValue("tenant"), "invalid_tenant")
	if aerr != nil {
		writeAADSTS(w, r, s.now(), *aerr)
		return
	}
	base := "https://" + r.Host + "/" + t.id.String()
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://" + r.Host + "/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          r.Host,
		"rbac_url":                              "https://pas.windows.net",
	})
}

// instanceDiscovery answers MSAL's instance discovery (on when a client
// keeps the real authority and redirects its dialer here).
func (s *Server) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := "common"
	if endpoint := r.URL.Query().Get("authorization_endpoint"); endpoint != "" {
		if parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://"), "/"); len(parts) > 1 && parts[1] != "" {
			tenant = parts[1]
		}
	}
	host := r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": "https://" + host + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host,
			"preferred_cache":   host,
			"aliases":           []string{host, "login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"},
		}},
	})
}

// signingKeys publishes the access-token key as a JWKS, so a client that
// validates tokens can do so against the emulator.
func (s *Server) signingKeys(w http.ResponseWriter, r *http.Request) {
	pub := s.signingKey.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA",
		"use": "sig",
		"kid": s.keyID,
		"x5t": s.keyID,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}
