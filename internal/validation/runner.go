// Package validation runs the wizard's live checks in the background and
// records every step as it happens, so the validation page can show them.
// The runner owns its goroutines: main stops it with Shutdown.
package validation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
)

// Timeout bounds a whole validation: the page never waits longer.
const Timeout = 45 * time.Second

// Notifier is told when a run was queued (the sync worker).
type Notifier interface{ Notify() }

// Runner starts validations and waits for them at shutdown.
type Runner struct {
	store     *store.Store
	sealer    *secrets.Sealer
	validator *entra.Validator
	notify    Notifier
	log       *slog.Logger
	timeout   time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Options are the runner's dependencies.
type Options struct {
	Store     *store.Store
	Sealer    *secrets.Sealer
	Validator *entra.Validator
	Notifier  Notifier // may be nil
	Logger    *slog.Logger
	Timeout   time.Duration // default Timeout
}

// New creates a runner; its validations end when Shutdown is called.
func New(o Options) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{store: o.Store, sealer: o.Sealer, validator: o.Validator, notify: o.Notifier, log: o.Logger,
		timeout: o.Timeout, ctx: ctx, cancel: cancel}
	if r.timeout == 0 {
		r.timeout = Timeout
	}
	return r
}

// SetNotifier connects the worker once it exists.
func (r *Runner) SetNotifier(n Notifier) { r.notify = n }

// SecretAD is the associated data a connection's key is sealed with, so a
// sealed value cannot be moved to another row.
func SecretAD(connectionID string) string { return "connections/" + connectionID + "/secret" }

// Credential opens a connection's credential and its hint (a secret's first
// characters, a certificate's thumbprint): the one in use, or with pending
// the replacement under validation when there is one. Whatever signs in as
// the connection's application (validation, synchronization) uses it.
func Credential(sealer *secrets.Sealer, conn store.Connection, pending bool) (entra.Credential, string, error) {
	sealed, hint := conn.SecretSealed, conn.SecretHint
	if pending && conn.PendingSealed != "" {
		sealed, hint = conn.PendingSealed, conn.PendingHint
	}
	key, err := sealer.Open(sealed, SecretAD(conn.ID))
	if err != nil {
		return entra.Credential{}, "", fmt.Errorf("open credential of connection %s: %w", conn.ID, err)
	}
	if conn.CredentialType == store.CredentialCertificate {
		// The sealed value is the certificate and its private key, as PEM.
		return entra.Credential{CertPEM: key}, hint, nil
	}
	return entra.Credential{Secret: string(key)}, hint, nil
}

// Start records a new validation of the connection and runs it in the
// background. purpose is store.PurposeCreate or store.PurposeEdit; with
// PurposeEdit the replacement key (pending) is checked, not the one in use.
func (r *Runner) Start(ctx context.Context, conn store.Connection, purpose string) (int64, error) {
	cred, hint, err := Credential(r.sealer, conn, purpose == store.PurposeEdit)
	if err != nil {
		return 0, err
	}
	server := conn.Kind == store.KindOffice365Server
	steps := len(entra.StepTitles)
	if server {
		steps = len(entra.ServerStepTitles)
	}
	id, err := r.store.StartValidation(ctx, conn.ID, purpose, steps)
	if err != nil {
		return 0, err
	}
	target := entra.Target{
		AuthorityHost: conn.AuthorityHost,
		GraphURL:      conn.GraphURL,
		Tenant:        conn.TenantDomain,
		ClientID:      conn.ApplicationID,
		Credential:    cred,
		KeyHint:       hint,
	}
	validate := func(ctx context.Context, report func(entra.StepReport)) entra.Result {
		if server {
			return r.validator.ValidateServer(ctx, target, entra.Association(conn.Association), report)
		}
		return r.validator.Validate(ctx, target, report)
	}
	// Only directory synchronization has a first run to hand to the worker.
	queueFirstRun := purpose == store.PurposeCreate && !server
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.run(id, conn.ID, purpose, queueFirstRun, validate)
	}()
	return id, nil
}

func (r *Runner) run(validationID int64, connID, purpose string, queueFirstRun bool,
	validate func(context.Context, func(entra.StepReport)) entra.Result) {
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	// Recording must work even after the validation's own deadline passed.
	record := context.WithoutCancel(ctx)
	report := func(s entra.StepReport) {
		err := r.store.RecordValidationStep(record, validationID, store.ValidationStep{
			Step: int(s.Step), State: string(s.State), Message: s.Message, Fix: s.Fix, Code: s.Code,
			DurationMS: s.Duration.Milliseconds(),
		})
		if err != nil {
			r.log.Error("record validation step", "connection_id", connID, "err", err)
		}
	}
	start := time.Now()
	res := validate(ctx, report)
	if !res.Passed {
		if err := r.store.FinishValidationFailed(record, validationID); err != nil {
			r.log.Error("finish failed validation", "connection_id", connID, "err", err)
		}
		r.log.Info("validation failed", "connection_id", connID, "purpose", purpose, "duration_ms", time.Since(start).Milliseconds())
		return
	}
	facts := store.ValidatedFacts{TenantID: res.TenantID, Permissions: res.Roles, UserCount: res.Users,
		GroupCount: res.Groups, KeyExpiresAt: res.KeyExpires, KeyExpiryNote: res.KeyExpiryNote}
	runID, err := r.store.FinishValidationPassed(record, validationID, facts, queueFirstRun)
	if err != nil {
		r.log.Error("finish passed validation", "connection_id", connID, "err", err)
		return
	}
	r.log.Info("validation passed", "connection_id", connID, "purpose", purpose, "tenant_id", res.TenantID,
		"first_run_id", runID, "duration_ms", time.Since(start).Milliseconds())
	if runID != "" && r.notify != nil {
		r.notify.Notify()
	}
}

// Shutdown cancels running validations and waits for them to record their end.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("validations did not stop in time")
	}
}
