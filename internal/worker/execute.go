package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/connect/connect/internal/dirsync"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/validation"
)

// stopWrite bounds the database writes that record a run's end after the
// worker's context was cancelled (SIGTERM): they must still happen, but
// must not hold up the stop.
const stopWrite = 5 * time.Second

// execute carries out one claimed run and records how it ended. ctx is
// the worker's (done when Connect stops); the run gets its own, which
// CancelRun cancels.
func (w *Worker) execute(stopCtx context.Context, run store.Run) {
	ctx := w.cancels.start(stopCtx, run.ID)
	defer w.cancels.stop(run.ID)
	log := w.log.With("run", run.ID, "connection", run.ConnectionID, "trigger", run.Trigger)
	started := time.Now()
	logLine := func(ctx context.Context, level, message string) {
		// Log lines are written even while stopping: they say why a run ended.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopWrite)
		defer cancel()
		if err := w.opts.Store.AppendRunLog(wctx, run.ID, level, message); err != nil {
			log.Error("write run log", "err", err)
		}
	}
	logLine(ctx, store.LogInfo, fmt.Sprintf("Run started (trigger %s).", run.Trigger))

	conn, err := w.opts.Store.ConnectionByID(ctx, run.ConnectionID)
	var gc *graph.Client
	if err == nil {
		gc, err = w.graphClient(conn)
	}
	if err != nil {
		w.endFailed(ctx, run, conn, nil, err, logLine)
		log.Error("run could not start", "err", err)
		return
	}
	out, err := dirsync.Sync(ctx, w.opts.Store, dirsync.Job{Run: run, Connection: conn, Graph: gc, Log: logLine})
	if err != nil {
		w.endFailed(ctx, run, conn, gc, err, logLine)
		log.Warn("run ended without applying", "err", err, "stopping", stopCtx.Err() != nil, "cancelled", cancelledBy(ctx))
		return
	}
	logLine(ctx, store.LogInfo, fmt.Sprintf("Run ended: %s in %s.", out.State, time.Since(started).Round(time.Millisecond)))
	log.Info("run ended", "state", out.State, "full", out.Full, "changes", out.Counts.Total(),
		"duration", time.Since(started).Round(time.Millisecond))
}

// endFailed records a run that applied nothing. A run an administrator
// cancelled ends cancelled and is not queued again. When the worker is
// stopping the run is interrupted and queued again (a preview is not: it
// was only a question); otherwise it failed.
func (w *Worker) endFailed(ctx context.Context, run store.Run, conn store.Connection, gc *graph.Client, cause error,
	logLine func(context.Context, string, string)) {
	var stats store.RunStats
	if gc != nil {
		s := gc.Stats()
		stats = store.RunStats{Requests: int(s.Requests), Retries: int(s.Retries), Throttled: int(s.Throttled)}
	}
	if prev, err := w.opts.Store.RunByID(context.WithoutCancel(ctx), run.ID); err == nil {
		stats.Pages, stats.ObjectsProcessed = prev.Pages, prev.ObjectsProcessed
	}
	state, msg, requeue, level := store.RunFailed, runFailure(cause, conn), false, store.LogError
	switch {
	case cancelledBy(ctx):
		state, level = store.RunCancelled, store.LogWarn
		msg = "Cancelled by an administrator while running; nothing was applied and the directory is as it was."
	case ctx.Err() == nil:
		logLine(ctx, store.LogError, "Details for support: "+cause.Error())
	default:
		state, requeue = store.RunInterrupted, run.Trigger != store.TriggerPreview
		msg = "Connect stopped during the run; nothing was applied."
		if requeue {
			msg += " A new run was queued."
		}
	}
	logLine(ctx, level, msg)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopWrite)
	defer cancel()
	if err := w.opts.Store.FinishRun(wctx, run.ID, state, msg, stats, requeue); err != nil {
		w.log.Error("record the end of a run", "run", run.ID, "err", err)
	}
}

// graphClient is a Graph client for one run, with the connection's key or
// certificate opened just for it, so the run's Stats are its own.
func (w *Worker) graphClient(conn store.Connection) (*graph.Client, error) {
	if conn.Kind != store.KindAzureDirectorySync {
		return nil, fmt.Errorf("connection %s is a %s connection: it does not synchronize a directory", conn.ID, conn.Kind)
	}
	cred, _, err := validation.Credential(w.opts.Sealer, conn, false)
	if err != nil {
		return nil, err
	}
	tenant := conn.TenantID
	if tenant == "" {
		tenant = conn.TenantDomain
	}
	ts := entra.TokenSource{
		Clients:    w.opts.Clients,
		App:        entra.App{AuthorityHost: conn.AuthorityHost, Tenant: tenant, ClientID: conn.ApplicationID},
		Credential: cred,
		Scope:      entra.GraphScope(conn.GraphURL),
	}
	gc, err := graph.New(conn.GraphURL, w.opts.Clients.HTTPClient(), ts, w.opts.GraphOptions...)
	if err != nil {
		return nil, fmt.Errorf("graph client for connection %s: %w", conn.ID, err)
	}
	return gc, nil
}
