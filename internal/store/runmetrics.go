package store

import (
	"context"
	"fmt"
	"strings"
)

// RunMetrics is what /metrics says of the runs table, read in one
// aggregate query so a scrape costs one row, however many runs are kept.
type RunMetrics struct {
	// Finished counts runs by their final state (succeeded, failed,
	// cancelled, interrupted): a run never leaves one of these, so each
	// count only grows (until a connection and its runs are deleted).
	Finished map[string]int
	// Current counts runs in a passing state (queued, running,
	// awaiting_approval): these go up and down.
	Current map[string]int
	// Applied counts objects changed in the directory by succeeded runs
	// that are not previews; held, rejected and superseded runs and
	// previews only planned their changes.
	Applied DirectoryCounts
	// DurationCount and DurationSum describe the runs that the worker took
	// from start to a succeeded or failed end; DurationBuckets[i] counts
	// those of at most the i-th bound given (cumulative, as Prometheus
	// wants them).
	DurationCount   int
	DurationSum     float64
	DurationBuckets []int
	Requests        int
	Throttled       int
	Retries         int
}

// FinishedRunStates are the states a run ends in.
var FinishedRunStates = []string{RunSucceeded, RunFailed, RunCancelled, RunInterrupted}

// CurrentRunStates are the states a run passes through.
var CurrentRunStates = []string{RunQueued, RunRunning, RunAwaitingApproval}

// SumRunMetrics reads the run figures of /metrics; bounds are the upper
// bounds of the duration histogram's buckets, in seconds.
//
// Interrupted runs are left out of the durations (their end is when Connect
// started again, not when the run stopped), and so are cancelled ones (a
// cancelled run was stopped, not timed).
func (s *Store) SumRunMetrics(ctx context.Context, bounds []float64) (RunMetrics, error) {
	m := RunMetrics{Finished: map[string]int{}, Current: map[string]int{}, DurationBuckets: make([]int, len(bounds))}
	states := append(append([]string(nil), FinishedRunStates...), CurrentRunStates...)
	var cols []string
	var args []any
	for _, st := range states {
		cols = append(cols, `COALESCE(SUM(state = ?), 0)`)
		args = append(args, st)
	}
	const applied = `state = 'succeeded' AND trigger != 'preview'`
	cols = append(cols,
		`COALESCE(SUM(CASE WHEN `+applied+` THEN users_added + users_updated + users_deleted END), 0)`,
		`COALESCE(SUM(CASE WHEN `+applied+` THEN groups_added + groups_updated + groups_deleted END), 0)`,
		`COALESCE(SUM(CASE WHEN `+applied+` THEN memberships_added + memberships_deleted END), 0)`,
		`COALESCE(SUM(requests), 0)`, `COALESCE(SUM(throttled), 0)`, `COALESCE(SUM(retries), 0)`,
		`COUNT(d)`, `COALESCE(SUM(d), 0)`)
	for _, b := range bounds {
		cols = append(cols, `COALESCE(SUM(d <= ?), 0)`)
		args = append(args, b)
	}
	q := `SELECT ` + strings.Join(cols, ", ") + ` FROM (SELECT *, CASE WHEN state IN ('succeeded', 'failed')
		AND started_at IS NOT NULL AND finished_at IS NOT NULL
		THEN (julianday(finished_at) - julianday(started_at)) * 86400.0 END AS d FROM runs)`
	counts := make([]int, len(states))
	dst := make([]any, 0, len(cols))
	for i := range counts {
		dst = append(dst, &counts[i])
	}
	dst = append(dst, &m.Applied.Users, &m.Applied.Groups, &m.Applied.Memberships, &m.Requests, &m.Throttled, &m.Retries,
		&m.DurationCount, &m.DurationSum)
	for i := range m.DurationBuckets {
		dst = append(dst, &m.DurationBuckets[i])
	}
	if err := s.queryRow(ctx, q, args...).Scan(dst...); err != nil {
		return m, fmt.Errorf("sum runs for metrics: %w", err)
	}
	for i, st := range states {
		if i < len(FinishedRunStates) {
			m.Finished[st] = counts[i]
		} else {
			m.Current[st] = counts[i]
		}
	}
	return m, nil
}

// ConnectionCounts is one connection's synchronized directory size.
type ConnectionCounts struct {
	ConnectionID string
	TenantDomain string
	DirectoryCounts
}

// AllStoredCounts reads the kept counts of every directory connection in
// one query (zero for a connection no run has applied yet).
func (s *Store) AllStoredCounts(ctx context.Context) ([]ConnectionCounts, error) {
	rows, err := s.query(ctx, `SELECT c.id, c.tenant_domain, COALESCE(d.users, 0), COALESCE(d.groups, 0),
		COALESCE(d.memberships, 0) FROM connections c LEFT JOIN dir_counts d ON d.connection_id = c.id
		WHERE c.kind = ? ORDER BY c.created_at, c.id`, KindAzureDirectorySync)
	if err != nil {
		return nil, fmt.Errorf("read directory counts: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (ConnectionCounts, error) {
		var c ConnectionCounts
		return c, r.Scan(&c.ConnectionID, &c.TenantDomain, &c.Users, &c.Groups, &c.Memberships)
	})
}
