package validation

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
)

type fixture struct {
	store  *store.Store
	sealer *secrets.Sealer
	emu    *emulatortest.Server
	runner *Runner
}

func newFixture(t *testing.T, timeout time.Duration) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secrets.LoadOrCreateKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	emu := emulatortest.Start(t, emulatortest.Options{Users: 5, Groups: 2, Seed: 3})
	v := &entra.Validator{Clients: entra.NewClients(emu.Client),
		GraphOptions: []graph.Option{graph.WithMaxAttempts(2), graph.WithBackoff(time.Millisecond, 5*time.Millisecond)}}
	r := New(Options{Store: st, Sealer: sealer, Validator: v, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), Timeout: timeout})
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	return &fixture{store: st, sealer: sealer, emu: emu, runner: r}
}

func (f *fixture) connection(t *testing.T) store.Connection {
	t.Helper()
	id := store.NewID()
	sealed, err := f.sealer.Seal([]byte(f.emu.Tenant.Secret), SecretAD(id))
	if err != nil {
		t.Fatal(err)
	}
	err = f.store.CreateConnection(context.Background(), store.NewConnection{ID: id, Kind: store.KindAzureDirectorySync,
		Cloud: "custom", AuthorityHost: f.emu.URL, GraphURL: f.emu.URL, TenantDomain: f.emu.Tenant.Domain,
		ApplicationID: f.emu.Tenant.AppID, SecretSealed: sealed, SecretHint: f.emu.Tenant.Secret[:3]})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.store.ConnectionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) wait(t *testing.T, connID string) store.Validation {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		v, err := f.store.LatestValidation(context.Background(), connID)
		if err != nil {
			t.Fatal(err)
		}
		if v.State != "running" {
			return v
		}
	}
	t.Fatal("validation did not end")
	return store.Validation{}
}

// A Graph that never answers in time cannot hang the page: the validation
// ends with "did not answer" and the connection is not activated.
func TestValidationCannotHang(t *testing.T) {
	f := newFixture(t, 400*time.Millisecond)
	f.emu.SetFault(t, emulatortest.Fault{DelayMS: 5000})
	c := f.connection(t)
	if _, err := f.runner.Start(context.Background(), c, store.PurposeCreate); err != nil {
		t.Fatal(err)
	}
	v := f.wait(t, c.ID)
	if v.State != "failed" {
		t.Fatalf("state %s, want failed", v.State)
	}
	var timedOut *store.ValidationStep
	for i, s := range v.Steps {
		if s.Code == "timeout" {
			timedOut = &v.Steps[i]
		}
	}
	if timedOut == nil || !strings.Contains(timedOut.Message, "did not answer") {
		t.Fatalf("no step says Entra ID did not answer: %+v", v.Steps)
	}
	got, _ := f.store.ConnectionByID(context.Background(), c.ID)
	if got.State != store.ConnFailed {
		t.Fatalf("connection %s, want failed", got.State)
	}
}

// Validations left running by a crash are ended at start-up.
func TestInterruptedValidationsAreFailed(t *testing.T) {
	f := newFixture(t, time.Minute)
	c := f.connection(t)
	id, err := f.store.StartValidation(context.Background(), c.ID, store.PurposeCreate, 5)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.store.FailInterruptedValidations(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("marked %d (%v), want 1", n, err)
	}
	v, _ := f.store.LatestValidation(context.Background(), c.ID)
	if v.ID != id || v.State != "failed" || v.Steps[0].Code != "interrupted" {
		t.Fatalf("after recovery: %+v", v)
	}
}

// Shutdown cancels a validation in flight and waits for it to record its end.
func TestShutdownEndsRunningValidations(t *testing.T) {
	f := newFixture(t, time.Minute)
	f.emu.SetFault(t, emulatortest.Fault{DelayMS: 10_000})
	c := f.connection(t)
	if _, err := f.runner.Start(context.Background(), c, store.PurposeCreate); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := f.runner.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := f.store.LatestValidation(context.Background(), c.ID)
	if v.State != "failed" {
		t.Fatalf("after shutdown the validation is %s, want failed", v.State)
	}
}
