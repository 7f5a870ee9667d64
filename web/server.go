// Package web is Connect's HTTP side: the router, middleware and one file of
// handlers per area. Handlers are methods on Handler, which holds every
// dependency; there are no globals.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/metrics"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/validation"
	"github.com/connect/connect/static"
)

// Handler serves every page and API of Connect.
type Handler struct {
	store    *store.Store
	sessions *scs.SessionManager
	assets   *static.Assets
	throttle *auth.Throttle
	log      *slog.Logger
	baseURL  string
	secure   bool
	now      func() time.Time
	metrics  *metrics.Metrics

	sealer        *secrets.Sealer
	validations   *validation.Runner
	runs          RunNotifier
	authorityHost string
	graphURL      string
}

// RunNotifier wakes the sync worker when a run was queued.
type RunNotifier interface{ Notify() }

// Options are what New needs from main.
type Options struct {
	Store        *store.Store
	SessionStore scs.Store
	Logger       *slog.Logger
	BaseURL      string // https turns on Secure cookies, __Host- and HSTS
	Now          func() time.Time

	Sealer      *secrets.Sealer
	Validations *validation.Runner
	Runs        RunNotifier      // may be nil until the worker exists
	Metrics     *metrics.Metrics // nil: New makes its own registry
	// The "Global" cloud of the wizard: CONNECT_AUTHORITY_HOST and CONNECT_GRAPH_URL.
	AuthorityHost string
	GraphURL      string
}

// Session lifetimes from DESIGN.md.
const (
	sessionIdleTimeout = 30 * time.Minute
	sessionLifetime    = 12 * time.Hour
)

// New builds the handler and its session manager.
func New(o Options) (*Handler, error) {
	if o.Store == nil || o.SessionStore == nil || o.Logger == nil || o.Sealer == nil || o.Validations == nil {
		return nil, errors.New("web: store, session store, logger, sealer and validation runner are required")
	}
	assets, err := static.New()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		store:    o.Store,
		assets:   assets,
		throttle: auth.NewThrottle(),
		log:      o.Logger,
		baseURL:  o.BaseURL,
		secure:   strings.HasPrefix(o.BaseURL, "https://"),
		now:      o.Now,

		sealer:        o.Sealer,
		validations:   o.Validations,
		runs:          o.Runs,
		authorityHost: strings.TrimRight(o.AuthorityHost, "/"),
		graphURL:      strings.TrimRight(o.GraphURL, "/"),
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.metrics = o.Metrics
	if h.metrics == nil {
		h.metrics = metrics.New(o.Store, h.now)
	}
	sm := scs.New()
	sm.Store = o.SessionStore
	sm.Codec = sessionCodec{}
	sm.IdleTimeout = sessionIdleTimeout
	sm.Lifetime = sessionLifetime
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	if h.secure {
		// The __Host- prefix makes the browser refuse the cookie unless it is
		// Secure, host-only and for path /.
		sm.Cookie.Name = "__Host-session"
		sm.Cookie.Secure = true
	} else {
		sm.Cookie.Name = "connect_session"
	}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		h.serverError(w, r, err)
	}
	h.sessions = sm
	return h, nil
}
