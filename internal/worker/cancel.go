package worker

import (
	"context"
	"errors"
	"sync"
)

// errCancelled is the cause of a run's context when an administrator
// cancelled it, told apart from a stop (the worker's own context), which
// interrupts the run and queues it again.
var errCancelled = errors.New("run cancelled by an administrator")

// maxEarlyCancels bounds the cancels remembered for runs not (yet) started.
const maxEarlyCancels = 1000

// cancels holds the cancel func of every run this worker is carrying out,
// and the runs asked to stop before their func was registered (claimed but
// not yet started).
type cancels struct {
	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
	early   map[string]bool
}

// start registers a run and returns its context; stop must follow.
func (c *cancels) start(ctx context.Context, runID string) context.Context {
	rctx, cancel := context.WithCancelCause(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == nil {
		c.running = map[string]context.CancelCauseFunc{}
	}
	c.running[runID] = cancel
	if c.early[runID] {
		delete(c.early, runID)
		cancel(errCancelled)
	}
	return rctx
}

// stop forgets a run that ended.
func (c *cancels) stop(runID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cancel, ok := c.running[runID]; ok {
		cancel(nil)
		delete(c.running, runID)
	}
	delete(c.early, runID)
}

// cancel stops a running run; it reports whether this worker was carrying
// the run out. A run not (yet) registered is remembered, so a cancel that
// lands between the claim and the start still stops it.
func (c *cancels) cancel(runID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cancel, ok := c.running[runID]; ok {
		cancel(errCancelled)
		return true
	}
	if c.early == nil || len(c.early) >= maxEarlyCancels {
		// Entries are left by cancels that raced a run's end; forgetting
		// them costs nothing but a cancel arriving in that same instant.
		c.early = map[string]bool{}
	}
	c.early[runID] = true
	return false
}

// CancelRun stops a running run: its context is cancelled with a cause
// that ends it cancelled, applies nothing and queues nothing. A run whose
// changes are already committed keeps its outcome. The store's CancelRun
// comes first (it ends a queued run itself and notes who asked); CancelRun
// here reports whether the run was being carried out by this worker.
func (w *Worker) CancelRun(runID string) bool { return w.cancels.cancel(runID) }

// cancelledBy says whether ctx (a run's context) was cancelled on request.
func cancelledBy(ctx context.Context) bool { return errors.Is(context.Cause(ctx), errCancelled) }
