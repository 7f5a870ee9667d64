package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrRunNotActive refuses to cancel a run that has already ended.
var ErrRunNotActive = errors.New("the run is no longer queued or running")

// CancelRun cancels a run on an administrator's request and says what it
// found. A queued run ends cancelled at once (nothing ran) and CancelRun
// returns RunCancelled. A running run is only noted in its log and
// RunRunning is returned: the caller stops it through the worker, which
// ends it cancelled unless its changes were already committed. A run
// that has ended is left alone: ErrRunNotActive.
func (s *Store) CancelRun(ctx context.Context, runID, by string) (string, error) {
	var found string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, runID).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("run %s: %w", runID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read run %s: %w", runID, err)
		}
		switch found {
		case RunQueued:
			_, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'cancelled', finished_at = ?, error = ? WHERE id = ?`,
				formatTime(time.Now()), "Cancelled by "+by+" before it started; nothing was applied.", runID)
			if err != nil {
				return fmt.Errorf("cancel run %s: %w", runID, err)
			}
			found = RunCancelled
			return appendRunLogTx(ctx, tx, runID, LogWarn, "Cancelled by "+by+" before it started.")
		case RunRunning:
			return appendRunLogTx(ctx, tx, runID, LogWarn, "Cancel requested by "+by+".")
		}
		return fmt.Errorf("run %s is %s: %w", runID, found, ErrRunNotActive)
	})
	return found, err
}

// recordDecisionTx ends a held run as an administrator decided. It leaves
// finished_at alone, so the run's duration is its own work and not the
// wait for a decision; the decision has its own time.
func recordDecisionTx(ctx context.Context, tx *sql.Tx, runID, state, errMsg, by string, c *ChangeCounts) error {
	q := `UPDATE runs SET state = ?, error = ?, decided_by = ?, decided_at = ?`
	args := []any{state, errMsg, by, formatTime(time.Now())}
	if c != nil {
		q += `, users_added = ?, users_updated = ?, users_deleted = ?, groups_added = ?, groups_updated = ?, groups_deleted = ?,
			memberships_added = ?, memberships_deleted = ?`
		args = append(args, c.UsersAdded, c.UsersUpdated, c.UsersDeleted, c.GroupsAdded, c.GroupsUpdated, c.GroupsDeleted,
			c.MembershipsAdded, c.MembershipsDeleted)
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, runID)...); err != nil {
		return fmt.Errorf("record decision on run %s: %w", runID, err)
	}
	return nil
}

// PreviewKept is how many of a preview's deletions its record keeps.
const PreviewKept = 200

// keepPreviewTx copies the first PreviewKept deletions of a preview's plan,
// with their names, and the safeguard in force, before the plan goes.
func keepPreviewTx(ctx context.Context, tx *sql.Tx, runID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO run_preview_deletions (run_id, seq, kind, id, display_name, upn, mail)
		SELECT ?1, ROW_NUMBER() OVER (ORDER BY kind DESC, display_name COLLATE NOCASE, id), kind, id, display_name, upn, mail
		FROM (`+pendingDeletionsSQL+` LIMIT ?2)`, runID, PreviewKept)
	if err != nil {
		return fmt.Errorf("keep the deletions of preview %s: %w", runID, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE runs SET delete_threshold =
		(SELECT c.delete_threshold FROM connections c WHERE c.id = runs.connection_id) WHERE id = ?`, runID)
	if err != nil {
		return fmt.Errorf("record the safeguard of preview %s: %w", runID, err)
	}
	return nil
}

// PreviewDeletions lists the deletions a preview kept (at most
// PreviewKept; the run's counts give the total), in the order of
// PendingDeletions.
func (s *Store) PreviewDeletions(ctx context.Context, runID string, limit, offset int) ([]PendingDeletion, error) {
	rows, err := s.query(ctx, `SELECT kind, id, display_name, upn, mail FROM run_preview_deletions
		WHERE run_id = ? ORDER BY seq LIMIT ? OFFSET ?`, runID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list the deletions of preview %s: %w", runID, err)
	}
	return collect(rows, scanPendingDeletion)
}

func scanPendingDeletion(r interface{ Scan(...any) error }) (PendingDeletion, error) {
	var p PendingDeletion
	err := r.Scan(&p.Kind, &p.ID, &p.DisplayName, &p.UserPrincipalName, &p.Mail)
	return p, err
}
