package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Validation purposes.
const (
	PurposeCreate     = "create"
	PurposeEdit       = "edit"
	PurposeRevalidate = "revalidate"
)

// Validation is one live check of a connection's settings.
type Validation struct {
	ID           int64
	ConnectionID string
	Purpose      string
	State        string // running, passed, failed
	StartedAt    time.Time
	FinishedAt   time.Time
	Steps        []ValidationStep
}

// ValidationStep is one step's recorded outcome.
type ValidationStep struct {
	Step       int
	State      string
	Message    string
	Fix        string
	Code       string
	DurationMS int64
}

// StartValidation records a running validation with every step waiting.
func (s *Store) StartValidation(ctx context.Context, connectionID, purpose string, steps int) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO validations (connection_id, purpose, state, started_at) VALUES (?, ?, 'running', ?)`,
			connectionID, purpose, formatTime(time.Now()))
		if err != nil {
			return fmt.Errorf("start validation of %s: %w", connectionID, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		for i := 1; i <= steps; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO validation_steps (validation_id, step, state) VALUES (?, ?, 'waiting')`, id, i); err != nil {
				return fmt.Errorf("record validation step: %w", err)
			}
		}
		return nil
	})
	return id, err
}

// RecordValidationStep stores one step's state as it changes.
func (s *Store) RecordValidationStep(ctx context.Context, validationID int64, st ValidationStep) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE validation_steps SET state = ?, message = ?, fix = ?, code = ?, duration_ms = ?
		WHERE validation_id = ? AND step = ?`, st.State, st.Message, st.Fix, st.Code, st.DurationMS, validationID, st.Step)
	if err != nil {
		return fmt.Errorf("record validation step %d: %w", st.Step, err)
	}
	return nil
}

// finishValidationTx records a validation's outcome and reports whether it
// was still running: one superseded by newer details changes nothing more.
func finishValidationTx(ctx context.Context, tx *sql.Tx, validationID int64, state, now string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE validations SET state = ?, finished_at = ? WHERE id = ? AND state = 'running'`,
		state, now, validationID)
	if err != nil {
		return false, fmt.Errorf("finish validation %d: %w", validationID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishValidationFailed ends a validation that did not pass. A new
// connection becomes failed; an edited one keeps its key in use and drops
// the replacement.
func (s *Store) FinishValidationFailed(ctx context.Context, validationID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var connID, purpose string
		if err := tx.QueryRowContext(ctx, `SELECT connection_id, purpose FROM validations WHERE id = ?`, validationID).Scan(&connID, &purpose); err != nil {
			return fmt.Errorf("read validation %d: %w", validationID, err)
		}
		now := formatTime(time.Now())
		if live, err := finishValidationTx(ctx, tx, validationID, "failed", now); err != nil || !live {
			return err
		}
		q := `UPDATE connections SET pending_sealed = '', pending_hint = '', updated_at = ? WHERE id = ?`
		if purpose == PurposeCreate {
			q = `UPDATE connections SET state = 'failed', updated_at = ? WHERE id = ? AND state = 'pending'`
		}
		if _, err := tx.ExecContext(ctx, q, now, connID); err != nil {
			return fmt.Errorf("update connection %s after failed validation: %w", connID, err)
		}
		return nil
	})
}

// FinishValidationPassed makes the connection active with what validation
// learned, promotes a replacement key, and queues the first sync when
// queueFirstRun is set — all in one transaction, so the worker never sees an
// active connection without its facts.
func (s *Store) FinishValidationPassed(ctx context.Context, validationID int64, f ValidatedFacts, queueFirstRun bool) (runID string, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var connID string
		if err := tx.QueryRowContext(ctx, `SELECT connection_id FROM validations WHERE id = ?`, validationID).Scan(&connID); err != nil {
			return fmt.Errorf("read validation %d: %w", validationID, err)
		}
		now := formatTime(time.Now())
		if live, err := finishValidationTx(ctx, tx, validationID, "passed", now); err != nil || !live {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE connections SET
			secret_sealed = CASE WHEN pending_sealed != '' THEN pending_sealed ELSE secret_sealed END,
			secret_hint   = CASE WHEN pending_sealed != '' THEN pending_hint ELSE secret_hint END,
			secret_set_at = CASE WHEN pending_sealed != '' THEN ? ELSE secret_set_at END,
			pending_sealed = '', pending_hint = '',
			tenant_id = ?, permissions = ?, user_count = ?, group_count = ?, key_expires_at = ?, key_expiry_note = ?,
			state = CASE WHEN state = 'disabled' THEN 'disabled' ELSE 'active' END, validated_at = ?, updated_at = ?
			WHERE id = ?`,
			now, f.TenantID, strings.Join(f.Permissions, " "), f.UserCount, f.GroupCount, f.expires(), f.KeyExpiryNote, now, now, connID)
		if err != nil {
			return fmt.Errorf("activate connection %s: %w", connID, err)
		}
		if queueFirstRun {
			runID, err = queueRunTx(ctx, tx, connID, TriggerValidation, false, 0)
			if errors.Is(err, ErrRunActive) {
				err = nil
			}
			return err
		}
		return nil
	})
	return runID, err
}

// LatestValidation reads a connection's newest validation with its steps.
func (s *Store) LatestValidation(ctx context.Context, connectionID string) (Validation, error) {
	var v Validation
	var started, finished string
	err := s.queryRow(ctx, `SELECT id, connection_id, purpose, state, started_at, COALESCE(finished_at, '')
		FROM validations WHERE connection_id = ? ORDER BY id DESC LIMIT 1`, connectionID).
		Scan(&v.ID, &v.ConnectionID, &v.Purpose, &v.State, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("validation of %s: %w", connectionID, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("read validation of %s: %w", connectionID, err)
	}
	v.StartedAt, v.FinishedAt = parseTime(started), parseTime(finished)
	rows, err := s.query(ctx, `SELECT step, state, message, fix, code, duration_ms FROM validation_steps
		WHERE validation_id = ? ORDER BY step`, v.ID)
	if err != nil {
		return v, fmt.Errorf("read validation steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st ValidationStep
		if err := rows.Scan(&st.Step, &st.State, &st.Message, &st.Fix, &st.Code, &st.DurationMS); err != nil {
			return v, fmt.Errorf("scan validation step: %w", err)
		}
		v.Steps = append(v.Steps, st)
	}
	return v, rows.Err()
}

// FailInterruptedValidations ends validations left running by a stop or a
// crash, so no page waits forever; returns how many.
func (s *Store) FailInterruptedValidations(ctx context.Context) (int, error) {
	rows, err := s.query(ctx, `SELECT id FROM validations WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("find interrupted validations: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		_, err := s.Writer.ExecContext(ctx, `UPDATE validation_steps SET state = 'failed', message = 'Connect stopped while this step ran.',
			fix = 'Try again.', code = 'interrupted' WHERE validation_id = ? AND state IN ('running', 'waiting')`, id)
		if err != nil {
			return 0, fmt.Errorf("mark validation %d interrupted: %w", id, err)
		}
		if err := s.FinishValidationFailed(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
