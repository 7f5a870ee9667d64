package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ActiveRun is the connection's queued or running run; ErrNotFound when it
// has none (at most one exists: index runs_one_active).
func (s *Store) ActiveRun(ctx context.Context, connectionID string) (Run, error) {
	return s.oneRun(ctx, `SELECT `+runColumns+` FROM runs WHERE connection_id = ? AND state IN ('queued', 'running')`, connectionID)
}

// LastRunInState is the connection's newest run in state, such as
// RunSucceeded for "last successful sync" or RunAwaitingApproval for a
// pending approval; ErrNotFound when there is none.
func (s *Store) LastRunInState(ctx context.Context, connectionID, state string) (Run, error) {
	return s.oneRun(ctx, `SELECT `+runColumns+` FROM runs WHERE connection_id = ? AND state = ?
		ORDER BY queued_at DESC, id DESC LIMIT 1`, connectionID, state)
}

func (s *Store) oneRun(ctx context.Context, query string, args ...any) (Run, error) {
	r, err := scanRun(s.queryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("run of %v: %w", args[0], ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read run of %v: %w", args[0], err)
	}
	return r, nil
}
