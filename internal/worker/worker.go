// Package worker is Connect's in-process queue over the runs table: a pool
// of workers claims queued runs and carries them out with dirsync, a
// scheduler queues the daily runs of every active connection, and at
// start-up runs left running by a crash are ended as interrupted and queued
// again. main starts it with a context and waits for Run to return.
//
// Handlers hand work over through the runs table and then wake a worker:
//
//	id, err := st.QueueRun(ctx, connID, store.TriggerManual, false, userID) // Sync now
//	// store.TriggerFull for a full resync, store.TriggerPreview to count
//	// changes without applying them; errors.Is(err, store.ErrRunActive)
//	// when one is already queued or running.
//	w.Notify()
//
// The same Notify follows FinishValidationPassed with queueFirstRun.
// Approvals need no worker: st.ApproveRun / st.RejectRun. Cancelling does:
//
//	state, err := st.CancelRun(ctx, runID, who) // a queued run ends here
//	if state == store.RunRunning { w.CancelRun(runID) }
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
)

// Options configure a Worker. Store, Sealer and Clients are required.
type Options struct {
	Store   *store.Store
	Sealer  *secrets.Sealer // opens connections' keys
	Clients *entra.Clients  // MSAL clients and the HTTP client for Graph
	Workers int             // concurrent runs (CONNECT_WORKERS); default 2
	Logger  *slog.Logger
	Now     func() time.Time // the scheduler's clock; default time.Now

	// PollInterval is how often idle workers look for queued runs that
	// nobody announced with Notify (default 5 s).
	PollInterval time.Duration
	// ScheduleInterval is how often the scheduler checks for due slots
	// (default 30 s).
	ScheduleInterval time.Duration
	// GraphOptions are passed to every run's Graph client (tests use tiny
	// backoffs).
	GraphOptions []graph.Option
}

// Worker carries out sync runs. Create it with New; it does nothing until
// Run.
type Worker struct {
	opts    Options
	log     *slog.Logger
	wake    chan struct{}
	cancels cancels // runs being carried out, for CancelRun
}

// New checks the options and fills in defaults.
func New(o Options) (*Worker, error) {
	if o.Store == nil || o.Sealer == nil || o.Clients == nil {
		return nil, errors.New("worker: Store, Sealer and Clients are required")
	}
	if o.Workers < 1 {
		o.Workers = 2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	if o.ScheduleInterval <= 0 {
		o.ScheduleInterval = 30 * time.Second
	}
	return &Worker{opts: o, log: o.Logger.With("component", "worker"), wake: make(chan struct{}, 1)}, nil
}

// Notify tells the workers that a run was queued, so "Sync now" starts at
// once instead of at the next poll. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run recovers from a previous crash, queues a slot missed while Connect
// was stopped, then runs the workers and the scheduler until ctx is done.
// Running runs are stopped through ctx: they end interrupted, apply
// nothing, and are queued again. Run returns when every goroutine it
// started has ended.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.recover(ctx); err != nil {
		return err
	}
	if err := w.scheduleDue(ctx); err != nil {
		w.log.Error("schedule missed runs", "err", err)
	}
	var wg sync.WaitGroup
	for i := range w.opts.Workers {
		wg.Go(func() { w.loop(ctx, i+1) })
	}
	wg.Go(func() { w.scheduler(ctx) })
	w.Notify()
	wg.Wait()
	return nil
}

// recover ends runs a crash left running and queues them again; their
// staging is discarded (the live directory was never touched, since a run
// applies in one transaction).
func (w *Worker) recover(ctx context.Context) error {
	ids, err := w.opts.Store.RecoverInterruptedRuns(ctx)
	if err != nil {
		return fmt.Errorf("recover interrupted runs: %w", err)
	}
	for _, id := range ids {
		w.log.Warn("run was interrupted by a stop; queued again", "run", id)
	}
	if err := w.opts.Store.DiscardAbandonedStaging(ctx); err != nil {
		return fmt.Errorf("discard abandoned staging: %w", err)
	}
	return nil
}

// loop claims and carries out runs until ctx is done. It sleeps until
// Notify, the poll tick, or the end.
func (w *Worker) loop(ctx context.Context, n int) {
	ticker := time.NewTicker(w.opts.PollInterval)
	defer ticker.Stop()
	for {
		for ctx.Err() == nil {
			run, err := w.opts.Store.ClaimNextRun(ctx)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if err != nil {
				if ctx.Err() == nil {
					w.log.Error("claim a run", "worker", n, "err", err)
				}
				break
			}
			// Another queued run may be waiting: let an idle worker look.
			w.Notify()
			w.execute(ctx, run)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-ticker.C:
		}
	}
}
