// Package dirsync runs one directory synchronization of one connection:
// fetch Graph's delta pages into staging → diff staging against the live
// directory → guard against mass deletion → apply the diff, the new delta
// links and the run record in one transaction (DESIGN.md "Sync engine
// shape"). It is the only place where Graph data becomes Connect's
// directory. Memory holds a few pages and one object at a time, whatever
// the tenant's size: pages stream into staging tables (fetching the next
// page while the previous ones are written) and the diff streams back out
// of them.
package dirsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// ErrEmptyFetch fails a run whose full fetch returned no users (or no
// groups) while the directory holds some: a misconfigured or broken tenant
// answer is not a reason to delete everything (DESIGN.md "Guards").
var ErrEmptyFetch = errors.New("the full fetch returned nothing although the directory holds objects")

// Job is one run to carry out.
type Job struct {
	Run        store.Run        // the claimed run (state running)
	Connection store.Connection // its connection, for the delete threshold
	Graph      *graph.Client    // a client made for this run, so its Stats are the run's
	// Log receives the run's log lines (run_logs); nil discards them.
	Log func(ctx context.Context, level, message string)
}

// Outcome is how a run ended when Sync returns no error.
type Outcome struct {
	State  string // store.RunSucceeded or store.RunAwaitingApproval
	Full   bool   // the fetch walked the whole directory
	Counts store.ChangeCounts
}

// Sync carries out a run. With a nil error the run's record is final
// (succeeded, or awaiting approval). With an error nothing live has changed
// and the caller ends the run (failed, cancelled or interrupted), which
// also discards the staging.
func Sync(ctx context.Context, st *store.Store, job Job) (Outcome, error) {
	r := &runner{st: st, job: job, preview: job.Run.Trigger == store.TriggerPreview}
	return r.sync(ctx)
}

type runner struct {
	st      *store.Store
	job     Job
	preview bool
	pages   int
	objects int
	// fresh: a full fetch into a connection whose directory holds nothing
	// (a first sync), so every staged object and membership is an add.
	fresh bool
}

func (r *runner) log(ctx context.Context, level, format string, args ...any) {
	if r.job.Log != nil {
		r.job.Log(ctx, level, fmt.Sprintf(format, args...))
	}
}

func (r *runner) runID() string  { return r.job.Run.ID }
func (r *runner) connID() string { return r.job.Connection.ID }

// stats is the run's traffic so far.
func (r *runner) stats() store.RunStats {
	s := r.job.Graph.Stats()
	return store.RunStats{Requests: int(s.Requests), Retries: int(s.Retries), Throttled: int(s.Throttled),
		Pages: r.pages, ObjectsProcessed: r.objects}
}

func (r *runner) sync(ctx context.Context) (Outcome, error) {
	full, err := r.fetch(ctx)
	if err != nil {
		return Outcome{}, err
	}
	if err := r.guardEmptyFetch(ctx, full); err != nil {
		return Outcome{}, err
	}
	if err := r.plan(ctx, full); err != nil {
		return Outcome{}, err
	}
	counts, err := r.st.PlannedChanges(ctx, r.runID())
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{State: store.RunSucceeded, Full: full, Counts: counts}
	r.log(ctx, store.LogInfo, "Changes found: users +%d ~%d -%d, groups +%d ~%d -%d, memberships +%d -%d.",
		counts.UsersAdded, counts.UsersUpdated, counts.UsersDeleted, counts.GroupsAdded, counts.GroupsUpdated,
		counts.GroupsDeleted, counts.MembershipsAdded, counts.MembershipsDeleted)
	threshold := r.job.Connection.DeleteThreshold
	if r.preview {
		if n := counts.ObjectDeletions(); n > threshold {
			r.log(ctx, store.LogWarn, "A real run would wait for approval: %d deletions > threshold %d.", n, threshold)
		}
		r.log(ctx, store.LogInfo, "Preview: nothing was applied.")
		return out, r.st.FinishPreview(ctx, r.runID(), r.stats())
	}
	if n := counts.ObjectDeletions(); n > threshold {
		if err := r.holdForApproval(ctx, n, threshold); err != nil {
			return Outcome{}, err
		}
		out.State = store.RunAwaitingApproval
		return out, nil
	}
	if err := r.st.ApplyRun(ctx, r.runID(), r.stats()); err != nil {
		return Outcome{}, fmt.Errorf("apply changes: %w", err)
	}
	r.log(ctx, store.LogInfo, "Changes applied.")
	return out, nil
}

// guardEmptyFetch refuses to treat an empty full fetch as "everything was
// deleted".
func (r *runner) guardEmptyFetch(ctx context.Context, full bool) error {
	if !full {
		return nil
	}
	live, err := r.st.CountDirectory(ctx, r.connID())
	if err != nil {
		return err
	}
	r.fresh = live == store.DirectoryCounts{}
	for _, k := range []struct {
		kind store.ObjectKind
		live int
	}{{store.KindUsers, live.Users}, {store.KindGroups, live.Groups}} {
		if k.live == 0 {
			continue // nothing an empty fetch could wrongly delete
		}
		fetched, err := r.st.AnyStaged(ctx, r.runID(), k.kind)
		if err != nil {
			return err
		}
		if !fetched {
			return fmt.Errorf("%w: 0 %s fetched, %d in the directory", ErrEmptyFetch, k.kind, k.live)
		}
	}
	return nil
}

// pendingListed is how many of the pending deletions the run log names.
const pendingListed = 20

func (r *runner) holdForApproval(ctx context.Context, n, threshold int) error {
	reason := fmt.Sprintf("The run would delete %d users and groups, more than the threshold of %d: it awaits approval and deleted nothing.", n, threshold)
	r.log(ctx, store.LogWarn, "%s", reason)
	pending, err := r.st.PendingDeletions(ctx, r.runID(), pendingListed, 0)
	if err != nil {
		return err
	}
	for _, p := range pending {
		name := p.DisplayName
		if p.UserPrincipalName != "" {
			name += " <" + p.UserPrincipalName + ">"
		}
		r.log(ctx, store.LogWarn, "Would delete %s %s (%s).", p.Kind, name, p.ID)
	}
	if n > len(pending) {
		r.log(ctx, store.LogWarn, "… and %d more.", n-len(pending))
	}
	if err := r.st.HoldRunForApproval(ctx, r.runID(), r.stats(), reason); err != nil {
		return fmt.Errorf("hold run for approval: %w", err)
	}
	return nil
}
