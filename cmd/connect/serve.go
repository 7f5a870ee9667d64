package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/config"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/gctuning"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/validation"
	"github.com/connect/connect/internal/worker"
	"github.com/connect/connect/web"
)

// shutdownGrace is how long requests in flight may take to finish.
const shutdownGrace = 10 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, rest, err := config.Load("connect serve", args, getenv, stderr, true)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("serve: unexpected arguments %q", rest)
	}
	log := newLogger(cfg.LogFormat, stderr)
	// The store logs through slog's default logger (rebuilding an old
	// database at open, a background checkpoint that failed): in serve its
	// lines take the configured format and destination like every other.
	prev := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prev)
	gc := gctuning.Apply(getenv)
	log.Info("garbage collector", "gogc", gc.GOGC, "memory_limit_mib", gc.MemoryLimit>>20)

	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	sessions := st.Sessions(5 * time.Minute)
	// Shutdown order (reverse of start): HTTP, then the sync worker, then the
	// session sweeper, then the database, so nothing writes to a closed
	// database.
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	defer sessions.StopCleanup()

	if err := announceSetup(ctx, st, cfg.BaseURL, log); err != nil {
		return err
	}
	sealer, entraClients, err := entraDeps(cfg, log)
	if err != nil {
		return err
	}
	if n, err := st.FailInterruptedValidations(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("validations interrupted by the last stop were marked failed", "count", n)
	}
	validations := validation.New(validation.Options{Store: st, Sealer: sealer, Logger: log,
		Validator: &entra.Validator{Clients: entraClients}})
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := validations.Shutdown(stopCtx); err != nil {
			log.Error("stop validations", "err", err)
		}
	}()

	wk, err := worker.New(worker.Options{Store: st, Sealer: sealer, Clients: entraClients, Workers: cfg.Workers, Logger: log})
	if err != nil {
		return err
	}
	validations.SetNotifier(wk)
	// The worker has its own context: it stops after HTTP has shut down
	// (nothing can queue a run any more) and before the database closes.
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan error, 1)
	go func() { workerDone <- wk.Run(workerCtx) }()
	defer func() {
		stopWorker()
		if err := <-workerDone; err != nil {
			log.Error("worker", "err", err)
		}
	}()

	h, err := web.New(web.Options{Store: st, SessionStore: sessions, Logger: log, BaseURL: cfg.BaseURL,
		Sealer: sealer, Validations: validations, Runs: wk, AuthorityHost: cfg.AuthorityHost, GraphURL: cfg.GraphURL})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (CONNECT_ADDR): %w", cfg.Addr, err)
	}
	log.Info("Connect is listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "data_dir", cfg.DataDir, "version", version)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", err)
	}
	log.Info("stopping the worker: running syncs end interrupted and are queued again")
	return nil
}

// entraDeps is what reaching Entra ID and Graph takes: the master key that
// seals and opens stored keys, and MSAL clients over an HTTP client that
// trusts the extra CAs (CONNECT_EXTRA_CA_FILE) as well as the system's.
func entraDeps(cfg config.Config, log *slog.Logger) (*secrets.Sealer, *entra.Clients, error) {
	sealer, err := secrets.LoadOrCreateKey(cfg.SecretKeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("master key (CONNECT_SECRET_KEY_FILE): %w", err)
	}
	for _, warning := range sealer.Warnings() {
		log.Warn(warning)
	}
	var extraCA []byte
	if cfg.ExtraCAFile != "" {
		if extraCA, err = os.ReadFile(cfg.ExtraCAFile); err != nil {
			return nil, nil, fmt.Errorf("read CONNECT_EXTRA_CA_FILE: %w", err)
		}
	}
	hc, err := entra.NewHTTPClient(extraCA)
	if err != nil {
		return nil, nil, fmt.Errorf("CONNECT_EXTRA_CA_FILE: %w", err)
	}
	return sealer, entra.NewClients(hc), nil
}

// announceSetup prints a one-time link to create the first administrator
// while none exists. Only the token's hash is stored; each start replaces it.
func announceSetup(ctx context.Context, st *store.Store, baseURL string, log *slog.Logger) error {
	admins, err := st.CountActiveAdmins(ctx)
	if err != nil {
		return err
	}
	if admins > 0 {
		return st.DropSetupTokens(ctx)
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	expires := time.Now().Add(auth.SetupTokenLifetime)
	if err := st.ReplaceSetupToken(ctx, hash, expires); err != nil {
		return err
	}
	log.Warn("No administrator exists yet. Open this one-time link to create one (valid 24 hours):",
		"setup_url", baseURL+"/setup?token="+token, "expires", expires.UTC().Format(time.RFC3339))
	return nil
}
