package entra

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// Credential is how an application proves itself: a client secret (the
// "key") or a certificate with its private key.
type Credential struct {
	Secret  string
	CertPEM []byte // certificate and private key, PEM, unencrypted
}

func (c Credential) fingerprint() string {
	h := sha256.New()
	h.Write([]byte(c.Secret))
	h.Write([]byte{0})
	h.Write(c.CertPEM)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func (c Credential) msal() (confidential.Credential, error) {
	if len(c.CertPEM) > 0 {
		certs, key, err := confidential.CertFromPEM(c.CertPEM, "")
		if err != nil {
			return confidential.Credential{}, fmt.Errorf("read certificate: %w", err)
		}
		return confidential.NewCredFromCert(certs, key)
	}
	return confidential.NewCredFromSecret(c.Secret)
}

// App identifies one application in one tenant on one cloud.
type App struct {
	AuthorityHost string
	Tenant        string // tenant ID (GUID) once resolved, or a domain
	ClientID      string
}

// Clients keeps one MSAL confidential client per application and credential,
// so MSAL's token cache serves repeated requests (a token is refreshed when
// it has under five minutes left).
type Clients struct {
	hc      *http.Client
	mu      sync.Mutex
	clients map[string]confidential.Client
}

// NewClients uses hc (see NewHTTPClient) for every MSAL request.
func NewClients(hc *http.Client) *Clients {
	return &Clients{hc: hc, clients: map[string]confidential.Client{}}
}

// HTTPClient is the client MSAL and Graph calls share.
func (c *Clients) HTTPClient() *http.Client { return c.hc }

func (c *Clients) client(app App, cred Credential) (confidential.Client, error) {
	key := strings.ToLower(app.AuthorityHost + "|" + app.Tenant + "|" + app.ClientID + "|" + cred.fingerprint())
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[key]; ok {
		return cl, nil
	}
	mc, err := cred.msal()
	if err != nil {
		return confidential.Client{}, err
	}
	opts := []confidential.Option{
		confidential.WithHTTPClient(c.hc),
		// MSAL reads MSAL_FORCE_REGION by default; a region breaks every host
		// but Microsoft's regional ones.
		confidential.WithAzureRegion("DisableMsalForceRegion"),
	}
	if !isMicrosoftAuthority(app.AuthorityHost) {
		opts = append(opts, confidential.WithInstanceDiscovery(false))
	}
	cl, err := confidential.New(strings.TrimRight(app.AuthorityHost, "/")+"/"+app.Tenant, app.ClientID, mc, opts...)
	if err != nil {
		return confidential.Client{}, fmt.Errorf("create MSAL client for %s: %w", app.ClientID, err)
	}
	c.clients[key] = cl
	return cl, nil
}

// Forget drops cached clients of an application, e.g. after its key changed.
func (c *Clients) Forget(app App) {
	prefix := strings.ToLower(app.AuthorityHost + "|" + app.Tenant + "|" + app.ClientID + "|")
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.clients {
		if strings.HasPrefix(k, prefix) {
			delete(c.clients, k)
		}
	}
}

// Token acquires an app-only token for one scope (e.g.
// https://graph.microsoft.com/.default) through MSAL.
func (c *Clients) Token(ctx context.Context, app App, cred Credential, scope string) (string, error) {
	cl, err := c.client(app, cred)
	if err != nil {
		return "", err
	}
	res, err := cl.AcquireTokenByCredential(ctx, []string{scope})
	if err != nil {
		err = fmt.Errorf("acquire token for %s: %w", app.ClientID, err)
		if ctx.Err() == nil && transientTokenFailure(err) {
			return "", temporaryError{err}
		}
		return "", err
	}
	return res.AccessToken, nil
}

// temporaryError marks a token failure that a later attempt may not meet
// (graph.TemporaryError), so a sync run retries it like a Graph call.
type temporaryError struct{ error }

func (e temporaryError) Temporary() bool { return true }
func (e temporaryError) Unwrap() error   { return e.error }

// transientTokenFailure: Entra ID answered 5xx or 429, or the network failed
// (timeout, reset, refused, cut short). An AADSTS refusal is a 4xx and is
// not transient: the key or the tenant is wrong until someone fixes it.
func transientTokenFailure(err error) bool {
	// MSAL's CallErr does not unwrap; its text carries the status.
	if m := replyStatus.FindStringSubmatch(err.Error()); m != nil {
		status, _ := strconv.Atoi(m[1])
		return status >= 500 || status == http.StatusTooManyRequests
	}
	if _, ok := AsAADSTS(err); ok {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// TokenSource adapts Clients to graph.TokenSource for one application.
type TokenSource struct {
	Clients    *Clients
	App        App
	Credential Credential
	Scope      string
}

// Token implements graph.TokenSource.
func (t TokenSource) Token(ctx context.Context) (string, error) {
	return t.Clients.Token(ctx, t.App, t.Credential, t.Scope)
}
