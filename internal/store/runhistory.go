package store

import (
	"context"
	"errors"
	"fmt"
)

// RunOverview is what the status pages need of a connection's runs.
type RunOverview struct {
	Active       *Run // queued or running
	LastFinished *Run // newest run that is neither queued nor running
	LastSuccess  *Run // newest succeeded run
}

// ConnectionRunOverview reads the active, last finished and last successful
// runs of one connection (each may be absent). Previews are left out of the
// last two: they end "succeeded" but change nothing, so they say nothing
// about whether the directory is in sync.
func (s *Store) ConnectionRunOverview(ctx context.Context, connectionID string) (RunOverview, error) {
	var o RunOverview
	const newest = ` AND trigger != 'preview' ORDER BY queued_at DESC, id DESC LIMIT 1`
	reads := []struct {
		dst  **Run
		read func() (Run, error)
	}{
		{&o.Active, func() (Run, error) { return s.ActiveRun(ctx, connectionID) }},
		{&o.LastFinished, func() (Run, error) {
			return s.oneRun(ctx, `SELECT `+runColumns+` FROM runs WHERE connection_id = ? AND state NOT IN ('queued', 'running')`+newest,
				connectionID)
		}},
		{&o.LastSuccess, func() (Run, error) {
			return s.oneRun(ctx, `SELECT `+runColumns+` FROM runs WHERE connection_id = ? AND state = 'succeeded'`+newest, connectionID)
		}},
	}
	for _, rd := range reads {
		r, err := rd.read()
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return o, err
		}
		*rd.dst = &r
	}
	return o, nil
}

// CountRuns is how many runs a connection has, for paging its history.
func (s *Store) CountRuns(ctx context.Context, connectionID string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM runs WHERE connection_id = ?`, connectionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs of %s: %w", connectionID, err)
	}
	return n, nil
}

// RunLogPage reads a page of a run's log lines, oldest first.
func (s *Store) RunLogPage(ctx context.Context, runID string, limit, offset int) ([]RunLog, error) {
	rows, err := s.query(ctx, `SELECT seq, at, level, message FROM run_logs WHERE run_id = ?
		ORDER BY seq LIMIT ? OFFSET ?`, runID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("read log of run %s: %w", runID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (RunLog, error) {
		var l RunLog
		var at string
		err := r.Scan(&l.Seq, &at, &l.Level, &l.Message)
		l.At = parseTime(at)
		return l, err
	})
}

// CountRunLogs is how many log lines a run has.
func (s *Store) CountRunLogs(ctx context.Context, runID string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM run_logs WHERE run_id = ?`, runID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count log lines of run %s: %w", runID, err)
	}
	return n, nil
}
