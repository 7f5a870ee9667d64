package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Run triggers.
const (
	TriggerSchedule   = "schedule"
	TriggerManual     = "manual"
	TriggerValidation = "validation"
	TriggerStartup    = "startup"
	TriggerFull       = "full"
	TriggerPreview    = "preview"
)

// Run states of SPEC.md "Record".
const (
	RunQueued           = "queued"
	RunRunning          = "running"
	RunSucceeded        = "succeeded"
	RunFailed           = "failed"
	RunAwaitingApproval = "awaiting_approval"
	RunCancelled        = "cancelled"
	RunInterrupted      = "interrupted"
)

// ErrRunActive refuses a second queued or running run for one connection.
var ErrRunActive = errors.New("a run is already queued or running for this connection")

// Run is one synchronization run.
type Run struct {
	ID                 string
	ConnectionID       string
	Trigger            string
	State              string
	FullSync           bool
	RequestedBy        int64
	QueuedAt           time.Time
	StartedAt          time.Time
	FinishedAt         time.Time
	UsersAdded         int
	UsersUpdated       int
	UsersDeleted       int
	GroupsAdded        int
	GroupsUpdated      int
	GroupsDeleted      int
	MembershipsAdded   int
	MembershipsDeleted int
	Requests           int
	Retries            int
	Throttled          int
	Pages              int
	ObjectsProcessed   int
	Error              string
	// DecidedBy and DecidedAt record who approved or rejected a run held
	// for approval, and when; FinishedAt stays the end of the run's work.
	DecidedBy string
	DecidedAt time.Time
	// DeleteThreshold is the safeguard a preview was compared with; -1
	// when not recorded.
	DeleteThreshold int
}

// Applied says whether the run's counts are changes made to the directory.
// Otherwise (a preview, a held, rejected or superseded run) they are what
// the run would have changed, or zero.
func (r Run) Applied() bool { return r.State == RunSucceeded && r.Trigger != TriggerPreview }

const runColumns = `id, connection_id, trigger, state, full_sync, COALESCE(requested_by, 0), queued_at,
	COALESCE(started_at, ''), COALESCE(finished_at, ''), users_added, users_updated, users_deleted,
	groups_added, groups_updated, groups_deleted, memberships_added, memberships_deleted,
	requests, retries, throttled, pages, objects_processed, error, decided_by, COALESCE(decided_at, ''),
	COALESCE(delete_threshold, -1)`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var queued, started, finished, decided string
	err := row.Scan(&r.ID, &r.ConnectionID, &r.Trigger, &r.State, &r.FullSync, &r.RequestedBy, &queued, &started, &finished,
		&r.UsersAdded, &r.UsersUpdated, &r.UsersDeleted, &r.GroupsAdded, &r.GroupsUpdated, &r.GroupsDeleted,
		&r.MembershipsAdded, &r.MembershipsDeleted, &r.Requests, &r.Retries, &r.Throttled, &r.Pages, &r.ObjectsProcessed, &r.Error,
		&r.DecidedBy, &decided, &r.DeleteThreshold)
	r.QueuedAt, r.StartedAt, r.FinishedAt = parseTime(queued), parseTime(started), parseTime(finished)
	r.DecidedAt = parseTime(decided)
	return r, err
}

func queueRunTx(ctx context.Context, tx *sql.Tx, connectionID, trigger string, full bool, requestedBy int64) (string, error) {
	id := NewID()
	_, err := tx.ExecContext(ctx, `INSERT INTO runs (id, connection_id, trigger, state, full_sync, requested_by, queued_at)
		VALUES (?, ?, ?, 'queued', ?, NULLIF(?, 0), ?)`, id, connectionID, trigger, full, requestedBy, formatTime(time.Now()))
	if isUniqueViolation(err) {
		return "", ErrRunActive
	}
	if err != nil {
		return "", fmt.Errorf("queue run for %s: %w", connectionID, err)
	}
	return id, nil
}

// QueueRun hands a run to the worker; ErrRunActive when one is already
// queued or running (a unique index makes this race-free).
func (s *Store) QueueRun(ctx context.Context, connectionID, trigger string, full bool, requestedBy int64) (string, error) {
	var id string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = queueRunTx(ctx, tx, connectionID, trigger, full, requestedBy)
		return err
	})
	return id, err
}

// RunByID reads one run.
func (s *Store) RunByID(ctx context.Context, id string) (Run, error) {
	r, err := scanRun(s.queryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read run %s: %w", id, err)
	}
	return r, nil
}

// LatestRuns lists a connection's newest runs first.
func (s *Store) LatestRuns(ctx context.Context, connectionID string, limit, offset int) ([]Run, error) {
	rows, err := s.query(ctx, `SELECT `+runColumns+` FROM runs WHERE connection_id = ?
		ORDER BY queued_at DESC, id DESC LIMIT ? OFFSET ?`, connectionID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", connectionID, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("scan run: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
