package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Log levels of run_logs.
const (
	LogInfo  = "info"
	LogWarn  = "warn"
	LogError = "error"
)

// RunLog is one line of a run's log.
type RunLog struct {
	Seq     int
	At      time.Time
	Level   string
	Message string
}

// AppendRunLog adds a line to a run's log.
func (s *Store) AppendRunLog(ctx context.Context, runID, level, message string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return appendRunLogTx(ctx, tx, runID, level, message) })
}

func appendRunLogTx(ctx context.Context, tx *sql.Tx, runID, level, message string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO run_logs (run_id, seq, at, level, message)
		VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_logs WHERE run_id = ?1), ?2, ?3, ?4)`,
		runID, formatTime(time.Now()), level, message)
	if err != nil {
		return fmt.Errorf("log to run %s: %w", runID, err)
	}
	return nil
}

// RunLogs reads a run's log lines after seq afterSeq (0 for all), oldest first.
func (s *Store) RunLogs(ctx context.Context, runID string, afterSeq int) ([]RunLog, error) {
	rows, err := s.query(ctx, `SELECT seq, at, level, message FROM run_logs
		WHERE run_id = ? AND seq > ? ORDER BY seq`, runID, afterSeq)
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

// ClaimNextRun takes the oldest queued run and marks it running; ErrNotFound
// when none waits. A run of a connection that is no longer active is
// cancelled instead. A newer run supersedes one awaiting approval: its plan
// was made against a directory this run may change.
func (s *Store) ClaimNextRun(ctx context.Context) (Run, error) {
	var claimed Run
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for {
			var id, connState, trigger string
			err := tx.QueryRowContext(ctx, `SELECT r.id, c.state, r.trigger FROM runs r JOIN connections c ON c.id = r.connection_id
				WHERE r.state = 'queued' ORDER BY r.queued_at, r.id LIMIT 1`).Scan(&id, &connState, &trigger)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("find queued run: %w", err)
			}
			now := formatTime(time.Now())
			if connState != ConnActive {
				_, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'cancelled', finished_at = ?, error = ? WHERE id = ?`,
					now, "The connection is "+connState+"; the run did not start.", id)
				if err != nil {
					return fmt.Errorf("cancel run %s: %w", id, err)
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'running', started_at = ? WHERE id = ?`, now, id); err != nil {
				return fmt.Errorf("claim run %s: %w", id, err)
			}
			if trigger != TriggerPreview {
				if err := supersedeAwaitingTx(ctx, tx, id); err != nil {
					return err
				}
			}
			claimed, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
			if err != nil {
				return fmt.Errorf("read claimed run %s: %w", id, err)
			}
			return nil
		}
	})
	return claimed, err
}

func supersedeAwaitingTx(ctx context.Context, tx *sql.Tx, runID string) error {
	ids, err := queryIDs(ctx, tx, "find runs awaiting approval", `SELECT id FROM runs WHERE state = 'awaiting_approval'
		AND connection_id = (SELECT connection_id FROM runs WHERE id = ?)`, runID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := discardStagingTx(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'cancelled', error = ? WHERE id = ?`,
			"Superseded by run "+runID+" before approval.", id)
		if err != nil {
			return fmt.Errorf("supersede run %s: %w", id, err)
		}
	}
	return nil
}

// RecordRunProgress writes a running run's progress and traffic so far.
func (s *Store) RecordRunProgress(ctx context.Context, runID string, st RunStats) error {
	return recordRunProgress(ctx, s.Writer, runID, st)
}

func recordRunProgress(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, runID string, st RunStats) error {
	_, err := db.ExecContext(ctx, `UPDATE runs SET requests = ?, retries = ?, throttled = ?, pages = ?, objects_processed = ?
		WHERE id = ?`, st.Requests, st.Retries, st.Throttled, st.Pages, st.ObjectsProcessed, runID)
	if err != nil {
		return fmt.Errorf("record progress of run %s: %w", runID, err)
	}
	return nil
}

// FinishRun ends a run that applied nothing (failed, cancelled,
// interrupted), discarding its staging. When requeue is set a new run of
// trigger TriggerStartup is queued for the connection in the same
// transaction, so an interrupted sync is picked up again.
func (s *Store) FinishRun(ctx context.Context, runID, state, errMsg string, stats RunStats, requeue bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := discardStagingTx(ctx, tx, runID); err != nil {
			return err
		}
		if err := finishRunTx(ctx, tx, runID, state, errMsg, ChangeCounts{}, &stats); err != nil {
			return err
		}
		if !requeue {
			return nil
		}
		return requeueTx(ctx, tx, runID)
	})
}

func requeueTx(ctx context.Context, tx *sql.Tx, runID string) error {
	var connID string
	var full bool
	if err := tx.QueryRowContext(ctx, `SELECT connection_id, full_sync FROM runs WHERE id = ?`, runID).Scan(&connID, &full); err != nil {
		return fmt.Errorf("read run %s: %w", runID, err)
	}
	_, err := queueRunTx(ctx, tx, connID, TriggerStartup, full, 0)
	if errors.Is(err, ErrRunActive) {
		return nil
	}
	return err
}

// RecoverInterruptedRuns ends runs left running by a crash or a hard stop
// as interrupted, discards their staging (the live directory was never
// touched: a run applies in one transaction) and queues a new run for each
// connection. It returns the interrupted runs' ids.
func (s *Store) RecoverInterruptedRuns(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = queryIDs(ctx, tx, "find interrupted runs", `SELECT id FROM runs WHERE state = 'running' ORDER BY queued_at`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := discardStagingTx(ctx, tx, id); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'interrupted', finished_at = ?,
				error = 'Connect stopped while this run was running; nothing was applied.' WHERE id = ?`, formatTime(time.Now()), id)
			if err != nil {
				return fmt.Errorf("mark run %s interrupted: %w", id, err)
			}
			if err := appendRunLogTx(ctx, tx, id, LogWarn, "Interrupted: Connect stopped during the run. A new run was queued."); err != nil {
				return err
			}
			if err := requeueTx(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// LastScheduledSlot is the newest schedule slot a run was queued for, or
// the zero time.
func (s *Store) LastScheduledSlot(ctx context.Context, connectionID string) (time.Time, error) {
	var slot string
	err := s.queryRow(ctx, `SELECT last_slot FROM schedule_slots WHERE connection_id = ?`, connectionID).Scan(&slot)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read last slot of %s: %w", connectionID, err)
	}
	return parseTime(slot), nil
}

// QueueScheduledRun records slot as the connection's last scheduled slot
// and queues a schedule run, in one transaction. When a run is already
// queued or running the slot counts as served (that run fetches the same
// changes) and queued is false.
func (s *Store) QueueScheduledRun(ctx context.Context, connectionID string, slot time.Time) (runID string, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO schedule_slots (connection_id, last_slot) VALUES (?, ?)
			ON CONFLICT (connection_id) DO UPDATE SET last_slot = excluded.last_slot`, connectionID, formatTime(slot))
		if err != nil {
			return fmt.Errorf("record slot of %s: %w", connectionID, err)
		}
		runID, err = queueRunTx(ctx, tx, connectionID, TriggerSchedule, false, 0)
		if errors.Is(err, ErrRunActive) {
			return nil
		}
		return err
	})
	return runID, err
}

// DeltaLinks are a connection's kept delta links; empty ones mean the next
// run walks the whole directory.
type DeltaLinks struct {
	Users, Groups string
	RenewedAt     time.Time
	FullSyncAt    time.Time
}

// DeltaState reads a connection's delta links (empty when none yet).
func (s *Store) DeltaState(ctx context.Context, connectionID string) (DeltaLinks, error) {
	var d DeltaLinks
	var renewed, full string
	err := s.queryRow(ctx, `SELECT users_delta_link, groups_delta_link, renewed_at, COALESCE(full_sync_at, '')
		FROM dir_delta_state WHERE connection_id = ?`, connectionID).Scan(&d.Users, &d.Groups, &renewed, &full)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("read delta state of %s: %w", connectionID, err)
	}
	d.RenewedAt, d.FullSyncAt = parseTime(renewed), parseTime(full)
	return d, nil
}
