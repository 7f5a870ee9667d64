// Package emulator serves a stand-in for Entra ID (the v2 token endpoint and
// OpenID discovery) and Microsoft Graph v1.0 (users, groups, memberships,
// delta queries, applications), with an optional admin API to change the
// directory and inject faults. It speaks only the wire protocol, described
// in ENTRA-PROTOCOL.md, and shares no code with Connect's clients
// (internal/entra, internal/graph): a misreading of the protocol on either
// side then shows up in the tests instead of being hidden by a shared type.
package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
)

// Options configure a Server. The zero value serves a generated tenant
// "contoso" with 50 users and 10 groups.
type Options struct {
	// TenantName is the first label of the generated tenant's domains:
	// "contoso" gives contoso.onmicrosoft.com and contoso.com.
	TenantName string
	Users      int
	Groups     int
	Seed       uint64
	// TenantFile is a JSON tenant description (see tenantfile.go); when set,
	// it replaces generation.
	TenantFile []byte
	// ExtraTenants names more generated tenants (5 users, 1 group and an
	// app each), e.g. "fabrikam": a real tenant where the first tenant's app
	// is unknown (AADSTS700016 rather than 90002).
	ExtraTenants []string
	// AdminAPI enables /_emulator/{tenant}/… for loopback clients.
	AdminAPI bool
	// DeltaTokenTTL is how long a delta or skip token stays valid; Graph
	// keeps directory sync state for 7 days, the default.
	DeltaTokenTTL time.Duration
	// DeltaPageSize is the objects per delta page when the client does not
	// send Prefer: odata.maxpagesize (default 100).
	DeltaPageSize int
	// DeltaMemberChunk is how many members@delta entries one group carries
	// per page before the group is repeated on the next page (default 500).
	DeltaMemberChunk int
	// ThrottleUnits is the resource units per app and tenant per 10 seconds
	// (default 1,000,000: generous enough for a 100k-user sync); negative
	// turns throttling off.
	ThrottleUnits int
	// TokenLifetime is the access-token lifetime (default 3599 s).
	TokenLifetime time.Duration
	// Now replaces the clock (tests); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.TenantName == "" {
		o.TenantName = "contoso"
	}
	if o.Users == 0 && o.Groups == 0 {
		o.Users, o.Groups = 50, 10
	}
	if o.DeltaTokenTTL == 0 {
		o.DeltaTokenTTL = 7 * 24 * time.Hour
	}
	if o.DeltaPageSize == 0 {
		o.DeltaPageSize = 100
	}
	if o.DeltaMemberChunk == 0 {
		o.DeltaMemberChunk = 500
	}
	if o.ThrottleUnits == 0 {
		o.ThrottleUnits = 1_000_000
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = 3599 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Server is the emulator: its tenants, keys and HTTP handler.
type Server struct {
	opts       Options
	dir        *directory
	signingKey *rsa.PrivateKey
	keyID      string
	tokenMAC   []byte // authenticates delta and skip tokens
	ca         *certificateAuthority
	tlsCert    tls.Certificate
	faults     *faultInjector
	throttle   *throttler
}

// New builds the tenant (generated or from the tenant file), the CA and
// server certificate, and the token-signing key.
func New(opts Options) (*Server, error) {
	if err := checkCounts("Options.", opts.Users, opts.Groups); err != nil {
		return nil, err
	}
	opts.setDefaults()
	now := opts.Now()
	s := &Server{opts: opts, dir: &directory{}}
	var err error
	if s.signingKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, fmt.Errorf("generate token signing key: %w", err)
	}
	pubDER := s.signingKey.PublicKey.N.Bytes()
	sum := sha256.Sum256(pubDER)
	s.keyID = base64.RawURLEncoding.EncodeToString(sum[:20])
	s.tokenMAC = make([]byte, 32)
	if _, err := rand.Read(s.tokenMAC); err != nil {
		return nil, fmt.Errorf("generate delta token key: %w", err)
	}
	if s.ca, err = newCertificateAuthority(now); err != nil {
		return nil, err
	}
	if s.tlsCert, err = s.ca.serverCertificate(now); err != nil {
		return nil, err
	}
	var t *tenant
	if opts.TenantFile != nil {
		if t, err = loadTenantFile(opts.TenantFile, now); err != nil {
			return nil, err
		}
	} else {
		t = generateTenant(generateSpec{name: opts.TenantName, users: opts.Users, groups: opts.Groups, seed: opts.Seed, now: now})
	}
	s.dir.add(t)
	for i, name := range opts.ExtraTenants {
		s.dir.add(generateTenant(generateSpec{name: name, users: 5, groups: 1, seed: opts.Seed + uint64(i) + 1, now: now}))
	}
	s.faults = newFaultInjector(opts.Seed)
	s.throttle = newThrottler(opts.ThrottleUnits, opts.Now)
	return s, nil
}

// checkCounts refuses negative sizes before generation allocates for them.
func checkCounts(prefix string, users, groups int) error {
	if users < 0 {
		return fmt.Errorf("%susers %d: want 0 or more", prefix, users)
	}
	if groups < 0 {
		return fmt.Errorf("%sgroups %d: want 0 or more", prefix, groups)
	}
	return nil
}

// CAPEM is the PEM of the CA that signed the server certificate.
func (s *Server) CAPEM() []byte { return s.ca.certPEM }

// TLSCertificate is the server certificate (SANs 127.0.0.1, ::1, localhost,
// login.microsoftonline.com, graph.microsoft.com) with its chain.
func (s *Server) TLSCertificate() tls.Certificate { return s.tlsCert }

// Credentials describe the first app of the first tenant: what a Connect
// administrator would type into the wizard.
type Credentials struct {
	TenantDomain  string
	TenantID      string
	ApplicationID string
	Secret        string
}

// Credentials of the generated (or first) tenant's first application.
func (s *Server) Credentials() Credentials {
	t := s.dir.tenants[0]
	t.mu.RLock()
	defer t.mu.RUnlock()
	c := Credentials{TenantDomain: t.primaryDomain(), TenantID: t.id.String()}
	if len(t.apps) > 0 {
		c.ApplicationID = t.apps[0].appID.String()
		if len(t.apps[0].passwords) > 0 {
			c.Secret = t.apps[0].passwords[0].value
		}
	}
	return c
}

// Handler serves identity, Graph and (when enabled) the admin API on one
// host, as Connect's configuration lets both base URLs point at it.
func (s *Server) Handler() http.Handler {
	identity := s.identityRoutes()
	graph := s.graphRoutes()
	var admin http.Handler
	if s.opts.AdminAPI {
		admin = s.adminRoutes()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isAdmin := strings.HasPrefix(r.URL.Path, "/_emulator/") && admin != nil
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1.0/") || r.URL.Path == "/v1.0":
			graph.ServeHTTP(w, r) // routes by segments: "//" is an unknown segment, in Graph's JSON
		case !isCleanPath(r.URL.Path) && isAdmin:
			s.writeAdminError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path)
		case !isCleanPath(r.URL.Path):
			// ServeMux would redirect "//" or "/./" with a text/html 307;
			// Microsoft's hosts answer JSON, so no redirect and no HTML.
			identityNotFound(w, r)
		case isAdmin:
			admin.ServeHTTP(w, r)
		default:
			identity.ServeHTTP(w, r)
		}
	})
}

// isCleanPath reports whether ServeMux would serve p as it is rather than
// redirect to its cleaned form (no "//", "." or ".." segments).
func isCleanPath(p string) bool {
	cleaned := path.Clean(p)
	if strings.HasSuffix(p, "/") && cleaned != "/" {
		cleaned += "/"
	}
	return cleaned == p
}

func (s *Server) now() time.Time { return s.opts.Now() }
