package emulator

import (
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// resource is what a client-credentials scope asks a token for.
type resource struct {
	audience string
	roles    func(a *application) []string
}

// scopeResource resolves the scope list. MSAL always appends "openid
// offline_access profile" (ENTRA-PROTOCOL.md §1): those are ignored; what is
// left must be exactly one "{resource}/.default".
func scopeResource(scope, tenantName string) (resource, *aadstsError) {
	var asked []string
	for _, s := range strings.Fields(scope) {
		switch strings.ToLower(s) {
		case "openid", "offline_access", "profile", "email":
			continue
		}
		asked = append(asked, s)
	}
	if len(asked) != 1 || !strings.HasSuffix(strings.ToLower(asked[0]), "/.default") {
		e := errInvalidScope(scope)
		return resource{}, &e
	}
	switch strings.ToLower(strings.TrimSuffix(asked[0], "/.default")) {
	case graphAudience, graphAppID, "https://graph.microsoft.com/":
		return resource{audience: graphAudience, roles: func(a *application) []string { return a.graphRoles }}, nil
	case exchangeAud, exchangeAppID, "https://outlook.office365.com/", "https://outlook.office.com":
		return resource{audience: exchangeAud, roles: func(a *application) []string { return a.exchangeRoles }}, nil
	}
	e := errUnknownResource(strings.TrimSuffix(asked[0], "/.default"), tenantName)
	return resource{}, &e
}

// token is the v2 token endpoint for the client-credentials grant, by
// client_secret or by a certificate-signed client_assertion.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	fail := func(e aadstsError) { writeAADSTS(w, r, now, e) }
	tenantName := r.PathValue("tenant")
	t, aerr := s.resolveTenant(tenantName, "invalid_request")
	if aerr != nil {
		fail(*aerr)
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(errMissingParameter("grant_type"))
		return
	}
	form := r.PostForm
	if id, secret, ok := r.BasicAuth(); ok && form.Get("client_secret") == "" {
		// client_secret_basic, which openid-configuration advertises.
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		fail(errMissingParameter("grant_type"))
		return
	case grant != "client_credentials":
		fail(errUnsupportedGrant(grant))
		return
	case form.Get("client_id") == "":
		fail(errMissingParameter("client_id"))
		return
	case form.Get("scope") == "":
		fail(errMissingParameter("scope"))
		return
	case form.Get("client_secret") != "" && form.Get("client_assertion") != "":
		// One credential per request: taking the secret and ignoring the
		// assertion would let a client believe its certificate works.
		fail(errTwoCredentials())
		return
	}
	res, aerr := scopeResource(form.Get("scope"), tenantName)
	if aerr != nil {
		fail(*aerr)
		return
	}
	clientID := form.Get("client_id")
	t.mu.RLock()
	app := t.appByID(clientID)
	var appidacr string
	switch {
	case app == nil:
		aerr = ptr(errUnknownApp(clientID, tenantName))
	case form.Get("client_secret") != "":
		appidacr, aerr = "1", checkSecret(app, form.Get("client_secret"), now)
	case form.Get("client_assertion") != "":
		appidacr, aerr = "2", s.checkAssertion(r, t, app, form, now)
	default:
		aerr = ptr(errNoCredential())
	}
	var claims map[string]any
	if aerr == nil {
		claims = s.accessTokenClaims(t, app, res, appidacr, now)
	}
	t.mu.RUnlock()
	if aerr != nil {
		fail(*aerr)
		return
	}
	signed, err := signRS256(s.signingKey, s.keyID, claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	lifetime := int(s.opts.TokenLifetime / time.Second)
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": signed,
	})
}

func ptr[T any](v T) *T { return &v }

// checkSecret finds the secret among the app's password credentials; a
// match past its end date is 7000222, no match 7000215.
func checkSecret(app *application, secret string, now time.Time) *aadstsError {
	for _, p := range app.passwords {
		if subtle.ConstantTimeCompare([]byte(p.value), []byte(secret)) != 1 {
			continue
		}
		if now.After(p.end) {
			return ptr(errExpiredSecret(app.appID.String()))
		}
		return nil
	}
	return ptr(errWrongSecret(app.appID.String()))
}

// checkAssertion verifies a client assertion as ENTRA-PROTOCOL.md §1 says
// MSAL Go builds it: the registered certificate found by x5t#S256 (or the
// SHA-1 x5t), PS256 signature, aud = the token endpoint, exp/nbf, and
// iss = sub = client_id.
func (s *Server) checkAssertion(r *http.Request, t *tenant, app *application, form url.Values, now time.Time) *aadstsError {
	if form.Get("client_assertion_type") != jwtBearerAssertionType {
		return ptr(errMissingParameter("client_assertion_type"))
	}
	parts, err := splitJWT(form.Get("client_assertion"))
	if err != nil {
		return ptr(errMalformedAssertion())
	}
	key, thumbprint, found := findAssertionKey(app, parts)
	if !found {
		return ptr(errUnknownCertificate(thumbprint, app.appID.String()))
	}
	pub, ok := key.cert.PublicKey.(*rsa.PublicKey)
	if !ok || verifyPS256(pub, parts) != nil {
		return ptr(errBadAssertionSignature(thumbprint))
	}
	if now.After(key.end) {
		return ptr(errExpiredCertificate(thumbprint))
	}
	if !s.isTokenEndpoint(r, t, parts.stringClaim("aud")) {
		return ptr(errAssertionAudience(parts.stringClaim("aud")))
	}
	exp, hasExp := parts.timeClaim("exp")
	nbf, hasNbf := parts.timeClaim("nbf")
	const skew = 5 * time.Minute
	if !hasExp || now.After(exp.Add(skew)) || hasNbf && now.Add(skew).Before(nbf) {
		return ptr(errAssertionTime(now))
	}
	clientID := app.appID.String()
	if !strings.EqualFold(parts.stringClaim("iss"), clientID) || !strings.EqualFold(parts.stringClaim("sub"), clientID) {
		return ptr(errAssertionSubject())
	}
	return nil
}

func findAssertionKey(app *application, parts jwtParts) (keyCredential, string, bool) {
	// MSAL sends x5t#S256; older clients send the SHA-1 x5t.
	header, _ := parts.header["x5t"].(string)
	sha256Header := false
	if h, ok := parts.header["x5t#S256"].(string); ok {
		header, sha256Header = h, true
	}
	raw, err := decodeThumbprint(header)
	if err != nil {
		return keyCredential{}, header, false
	}
	thumbprint := strings.ToUpper(base64.StdEncoding.EncodeToString(raw))
	for _, k := range app.keys {
		want := k.thumbprintSHA1()
		if sha256Header {
			want = k.thumbprintSHA256()
		}
		if subtle.ConstantTimeCompare(want, raw) == 1 {
			return k, thumbprint, true
		}
	}
	return keyCredential{}, thumbprint, false
}

// isTokenEndpoint accepts the token endpoint in either tenant form (GUID,
// as discovered, or a domain), on this host or on the real authority host.
func (s *Server) isTokenEndpoint(r *http.Request, t *tenant, aud string) bool {
	u, err := url.Parse(aud)
	if err != nil || u.Scheme != "https" {
		return false
	}
	if !strings.EqualFold(u.Host, r.Host) && !strings.EqualFold(u.Host, "login.microsoftonline.com") {
		return false
	}
	segments := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	return len(segments) == 4 && t.matches(segments[0]) && strings.Join(segments[1:], "/") == "oauth2/v2.0/token"
}

// accessTokenClaims are the v1 claims of an app-only token (§2).
func (s *Server) accessTokenClaims(t *tenant, app *application, res resource, appidacr string, now time.Time) map[string]any {
	issuer := "https://sts.windows.net/" + t.id.String() + "/"
	claims := map[string]any{
		"aud":             res.audience,
		"iss":             issuer,
		"iat":             now.Unix(),
		"nbf":             now.Unix(),
		"exp":             now.Add(s.opts.TokenLifetime).Unix(),
		"app_displayname": app.displayName,
		"appid":           app.appID.String(),
		"appidacr":        appidacr,
		"idp":             issuer,
		"idtyp":           "app",
		"oid":             app.servicePrincipalID.String(),
		"sub":             app.servicePrincipalID.String(),
		"tid":             t.id.String(),
		"uti":             strings.ReplaceAll(newRequestID(), "-", "")[:22],
		"ver":             "1.0",
	}
	if roles := res.roles(app); len(roles) > 0 {
		claims["roles"] = append([]string(nil), roles...)
	}
	return claims
}
