package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connect/connect/internal/emulator"
)

// config is the command line.
type config struct {
	addr             string
	caOut            string
	users, groups    int
	seed             uint64
	tenantName       string
	tenantFile       string
	credentialsOut   string
	adminAPI         bool
	churnPerMinute   float64
	deltaTokenTTL    time.Duration
	throttleUnits    int
	tokenLifetime    time.Duration
	deltaPageSize    int
	deltaMemberChunk int
	logRequests      bool
	extraTenants     string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("entra-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8443", "listen address (loopback only)")
	fs.StringVar(&c.caOut, "ca-out", "", "write the generated CA certificate (PEM) to this file")
	fs.IntVar(&c.users, "users", 1000, "users to generate (not with --tenant-file)")
	fs.IntVar(&c.groups, "groups", 100, "groups to generate (not with --tenant-file; 0 is allowed when --users is not 0)")
	fs.Uint64Var(&c.seed, "seed", 1, "generation seed (same seed, same tenant)")
	fs.StringVar(&c.tenantName, "tenant-name", "contoso", "generated tenant's name: NAME.onmicrosoft.com and NAME.com")
	fs.StringVar(&c.tenantFile, "tenant-file", "", "JSON tenant description instead of generation (--users, --groups and --seed are then refused)")
	fs.StringVar(&c.credentialsOut, "write-credentials", "", "write the app's credentials (JSON) to this file")
	fs.BoolVar(&c.adminAPI, "admin-api", false, "enable the change and fault-injection API under /_emulator/{tenant}/")
	fs.Float64Var(&c.churnPerMinute, "churn", 0, "random directory changes per minute (demos)")
	fs.DurationVar(&c.deltaTokenTTL, "delta-token-ttl", 7*24*time.Hour, "delta token lifetime; shorten to see syncStateNotFound early")
	fs.IntVar(&c.throttleUnits, "throttle-units", 1_000_000, "Graph resource units per app and tenant per 10 s; negative = off")
	fs.DurationVar(&c.tokenLifetime, "token-lifetime", 3599*time.Second, "access token lifetime")
	fs.IntVar(&c.deltaPageSize, "delta-page-size", 100, "objects per delta page without Prefer: odata.maxpagesize")
	fs.IntVar(&c.deltaMemberChunk, "delta-member-chunk", 500, "members@delta entries per page before a group is split")
	fs.StringVar(&c.extraTenants, "extra-tenants", "", "comma-separated names of more generated tenants (e.g. fabrikam)")
	fs.BoolVar(&c.logRequests, "log-requests", false, "log every request (method, path, status, duration)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if err := c.validate(fs); err != nil {
		return c, err
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return c, fmt.Errorf("--addr %q: %w", c.addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return c, fmt.Errorf("--addr %q: the emulator listens on loopback only", c.addr)
	}
	return c, nil
}

// validate refuses numbers the emulator cannot honour, naming the flag.
func (c config) validate(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if c.tenantFile != "" {
		for _, name := range []string{"users", "groups", "seed"} {
			if given[name] {
				return fmt.Errorf("--%s: not with --tenant-file, which describes the whole tenant", name)
			}
		}
	}
	checks := []struct {
		flag string
		bad  bool
		want string
	}{
		{"users", c.users < 0, "0 or more"},
		{"groups", c.groups < 0, "0 or more"},
		// Both 0 would be an empty tenant; emulator.Options reads that as
		// its default (50 users, 10 groups), so say so rather than surprise.
		{"users", c.tenantFile == "" && c.users == 0 && c.groups == 0, "at least 1 when --groups is 0 (an empty tenant can come from --tenant-file)"},
		{"delta-page-size", c.deltaPageSize < 1, "1 or more"},
		{"delta-member-chunk", c.deltaMemberChunk < 1, "1 or more"},
		{"token-lifetime", c.tokenLifetime <= 0, "a positive duration"},
		{"delta-token-ttl", c.deltaTokenTTL <= 0, "a positive duration"},
		{"churn", c.churnPerMinute < 0, "0 or more changes per minute"},
	}
	for _, ch := range checks {
		if ch.bad {
			v := fs.Lookup(ch.flag).Value.String()
			return fmt.Errorf("--%s %s: want %s", ch.flag, v, ch.want)
		}
	}
	return nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parseFlags(args, stdout)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	opts := emulator.Options{
		TenantName: c.tenantName, Users: c.users, Groups: c.groups, Seed: c.seed, AdminAPI: c.adminAPI,
		DeltaTokenTTL: c.deltaTokenTTL, ThrottleUnits: c.throttleUnits, TokenLifetime: c.tokenLifetime,
		DeltaPageSize: c.deltaPageSize, DeltaMemberChunk: c.deltaMemberChunk, Logger: logger,
	}
	if c.extraTenants != "" {
		opts.ExtraTenants = strings.Split(c.extraTenants, ",")
	}
	if c.tenantFile != "" {
		if opts.TenantFile, err = os.ReadFile(c.tenantFile); err != nil {
			return fmt.Errorf("read tenant file: %w", err)
		}
	}
	started := time.Now()
	emu, err := emulator.New(opts)
	if err != nil {
		return fmt.Errorf("build emulator: %w", err)
	}
	// connect-bench reads this line for the generation time (its "took=").
	ready := []any{"took", time.Since(started).Round(time.Millisecond)}
	if c.tenantFile == "" {
		ready = append(ready, "users", c.users, "groups", c.groups)
	}
	logger.Info("tenant ready", ready...)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	baseURL := "https://" + ln.Addr().String()
	if err := writeFiles(c, emu, baseURL); err != nil {
		_ = ln.Close()
		return err
	}
	return serve(ctx, c, emu, ln, logger)
}

// writeFiles writes the CA (--ca-out, or next to the credentials file when
// only --write-credentials is given) and the credentials file.
func writeFiles(c config, emu *emulator.Server, baseURL string) error {
	caPath := c.caOut
	if caPath == "" && c.credentialsOut != "" {
		caPath = c.credentialsOut + ".ca.pem"
	}
	if caPath != "" {
		if err := os.WriteFile(caPath, emu.CAPEM(), 0o644); err != nil {
			return fmt.Errorf("write CA: %w", err)
		}
	}
	if c.credentialsOut == "" {
		return nil
	}
	absCA, err := filepath.Abs(caPath)
	if err != nil {
		return fmt.Errorf("CA path: %w", err)
	}
	creds := emu.Credentials()
	data, err := json.MarshalIndent(map[string]string{
		"tenant_domain": creds.TenantDomain, "tenant_id": creds.TenantID, "application_id": creds.ApplicationID,
		"key": creds.Secret, "authority_host": baseURL, "graph_url": baseURL, "ca_file": absCA,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	if err := os.WriteFile(c.credentialsOut, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	return nil
}

// serve runs HTTPS (and churn) until ctx ends, then shuts down in order:
// churn first, then the server with a grace period.
func serve(ctx context.Context, c config, emu *emulator.Server, ln net.Listener, logger *slog.Logger) error {
	handler := emu.Handler()
	if c.logRequests {
		handler = logRequests(handler, logger)
	}
	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{emu.TLSCertificate()}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	churnCtx, stopChurn := context.WithCancel(ctx)
	churnDone := make(chan error, 1)
	go func() { churnDone <- emu.Churn(churnCtx, c.churnPerMinute) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.ServeTLS(ln, "", "") }()
	logger.Info("entra emulator listening", "url", "https://"+ln.Addr().String(), "tenant", emu.Credentials().TenantDomain, "admin_api", c.adminAPI)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-serveDone:
	}
	logger.Info("stopping")
	stopChurn()
	churnErr := <-churnDone
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	logger.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return churnErr
}
