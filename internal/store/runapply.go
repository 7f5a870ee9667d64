package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// ErrRunNotAwaiting refuses to approve or reject a run that is not awaiting
// approval (already decided, or superseded by a newer run).
var ErrRunNotAwaiting = errors.New("the run is not awaiting approval")

// RunStats is a run's traffic and progress, for the run record.
type RunStats struct {
	Requests, Retries, Throttled int
	Pages, ObjectsProcessed      int
}

// applyStatement is one statement of applying a run. ?1 run, ?2
// connection, ?3 now.
type applyStatement struct{ what, sql string }

// applyChanges turn a run's planned changes into the live directory. Final
// attributes come from the change rows' JSON (DirUser / DirGroup names).
var applyChanges = []applyStatement{
	{"upsert users", `INSERT INTO dir_users (connection_id, id, user_principal_name, mail, display_name, given_name,
		surname, job_title, department, office_location, company_name, mobile_phone, business_phones, proxy_addresses,
		account_enabled, user_type, employee_id, usage_location, preferred_language, created_date_time,
		created_at, last_changed_run_id, updated_at)
		SELECT ?2, c.id, COALESCE(c.data->>'userPrincipalName', ''), COALESCE(c.data->>'mail', ''),
			COALESCE(c.data->>'displayName', ''), COALESCE(c.data->>'givenName', ''), COALESCE(c.data->>'surname', ''),
			COALESCE(c.data->>'jobTitle', ''), COALESCE(c.data->>'department', ''), COALESCE(c.data->>'officeLocation', ''),
			COALESCE(c.data->>'companyName', ''), COALESCE(c.data->>'mobilePhone', ''),
			COALESCE(c.data->'businessPhones', '[]'), COALESCE(c.data->'proxyAddresses', '[]'),
			COALESCE(c.data->>'accountEnabled', 0), COALESCE(c.data->>'userType', ''), COALESCE(c.data->>'employeeId', ''),
			COALESCE(c.data->>'usageLocation', ''), COALESCE(c.data->>'preferredLanguage', ''),
			COALESCE(c.data->>'createdDateTime', ''), ?3, ?1, ?3
		FROM run_user_changes c WHERE c.run_id = ?1 AND c.op IN ('add', 'update')
		ON CONFLICT (connection_id, id) DO UPDATE SET user_principal_name = excluded.user_principal_name,
			mail = excluded.mail, display_name = excluded.display_name, given_name = excluded.given_name,
			surname = excluded.surname, job_title = excluded.job_title, department = excluded.department,
			office_location = excluded.office_location, company_name = excluded.company_name,
			mobile_phone = excluded.mobile_phone, business_phones = excluded.business_phones,
			proxy_addresses = excluded.proxy_addresses, account_enabled = excluded.account_enabled,
			user_type = excluded.user_type, employee_id = excluded.employee_id, usage_location = excluded.usage_location,
			preferred_language = excluded.preferred_language, created_date_time = excluded.created_date_time,
			last_changed_run_id = excluded.last_changed_run_id, updated_at = excluded.updated_at`},
	{"delete users", `DELETE FROM dir_users WHERE connection_id = ?2
		AND id IN (SELECT id FROM run_user_changes WHERE run_id = ?1 AND op = 'delete')`},
	{"clear changed addresses", clearChangedAddresses},
	// "SMTP:ann@contoso.com" is kept as "ann@contoso.com": people search by
	// the address, not by its protocol.
	{"index addresses", `INSERT OR IGNORE INTO dir_user_addresses (connection_id, address, user_id)
		SELECT ?2, CASE WHEN instr(a.value, ':') > 0 THEN substr(a.value, instr(a.value, ':') + 1) ELSE a.value END, c.id
		FROM run_user_changes c, json_each(c.data, '$.proxyAddresses') a
		WHERE c.run_id = ?1 AND c.op IN ('add', 'update') AND a.type = 'text'`},
	{"upsert groups", `INSERT INTO dir_groups (connection_id, id, display_name, mail, mail_enabled, security_enabled,
		group_types, description, created_at, last_changed_run_id, updated_at)
		SELECT ?2, c.id, COALESCE(c.data->>'displayName', ''), COALESCE(c.data->>'mail', ''),
			COALESCE(c.data->>'mailEnabled', 0), COALESCE(c.data->>'securityEnabled', 0),
			COALESCE(c.data->'groupTypes', '[]'), COALESCE(c.data->>'description', ''), ?3, ?1, ?3
		FROM run_group_changes c WHERE c.run_id = ?1 AND c.op IN ('add', 'update')
		ON CONFLICT (connection_id, id) DO UPDATE SET display_name = excluded.display_name, mail = excluded.mail,
			mail_enabled = excluded.mail_enabled, security_enabled = excluded.security_enabled,
			group_types = excluded.group_types, description = excluded.description,
			last_changed_run_id = excluded.last_changed_run_id, updated_at = excluded.updated_at`},
	{"delete groups", `DELETE FROM dir_groups WHERE connection_id = ?2
		AND id IN (SELECT id FROM run_group_changes WHERE run_id = ?1 AND op = 'delete')`},
	{"delete memberships", `DELETE FROM dir_memberships WHERE connection_id = ?2 AND (group_id, member_id) IN
		(SELECT group_id, member_id FROM run_membership_changes WHERE run_id = ?1 AND op = 'delete')`},
	{"add memberships", `INSERT OR IGNORE INTO dir_memberships (connection_id, group_id, member_id, member_kind)
		SELECT ?2, group_id, member_id, member_kind FROM run_membership_changes WHERE run_id = ?1 AND op = 'add'`},
}

// clearChangedAddresses removes the addresses of the users a run updates;
// "index addresses" adds their new ones.
const clearChangedAddresses = `DELETE FROM dir_user_addresses WHERE connection_id = ?2
	AND user_id IN (SELECT id FROM run_user_changes WHERE run_id = ?1 AND op = 'update')`

// applyChangesFor is applyChanges for a plan with counts c. A plan that
// updates no user has no addresses to clear, and during a first sync,
// with the address table's index dropped, looking for them read every
// address.
func applyChangesFor(c ChangeCounts) []applyStatement {
	if c.UsersUpdated > 0 {
		return applyChanges
	}
	return slices.DeleteFunc(slices.Clone(applyChanges), func(a applyStatement) bool { return a.sql == clearChangedAddresses })
}

// keepDeltaLinks keeps run ?1's delta links for connection ?2 (at ?3).
const keepDeltaLinks = `INSERT INTO dir_delta_state (connection_id, users_delta_link, groups_delta_link, renewed_at, full_sync_at)
	SELECT ?2, users_delta_link, groups_delta_link, ?3, CASE WHEN full_sync THEN ?3 END FROM stage_runs WHERE run_id = ?1
	ON CONFLICT (connection_id) DO UPDATE SET users_delta_link = excluded.users_delta_link,
		groups_delta_link = excluded.groups_delta_link, renewed_at = excluded.renewed_at,
		full_sync_at = COALESCE(excluded.full_sync_at, dir_delta_state.full_sync_at)`

// countDirectory counts connection ?2's directory into dir_counts.
var countDirectory = keepCounts(`(SELECT COUNT(*) FROM dir_users WHERE connection_id = ?2)`,
	`(SELECT COUNT(*) FROM dir_groups WHERE connection_id = ?2)`,
	`(SELECT COUNT(*) FROM dir_memberships WHERE connection_id = ?2)`)

// keepCounts keeps the directory's counts of connection ?2 (at ?3) as
// the SQL expressions given.
func keepCounts(users, groups, memberships string) string {
	return `INSERT INTO dir_counts (connection_id, users, groups, memberships, counted_at)
		VALUES (?2, ` + users + `, ` + groups + `, ` + memberships + `, ?3)
		ON CONFLICT (connection_id) DO UPDATE SET users = excluded.users, groups = excluded.groups,
			memberships = excluded.memberships, counted_at = excluded.counted_at`
}

// applyBookkeeping keeps the delta links and the directory's counts of a
// run with counts c, after the directory has changed. A first sync
// (direct) filled a directory that was empty (applyRunTx checks it) and
// only added to it, so it holds what the plan counted: counting a million
// memberships again took a tenth of a second.
func applyBookkeeping(direct bool, c ChangeCounts) []applyStatement {
	count := countDirectory
	if direct {
		count = keepCounts(strconv.Itoa(c.UsersAdded), strconv.Itoa(c.GroupsAdded), strconv.Itoa(c.MembershipsAdded))
	}
	return []applyStatement{
		{"keep delta links", keepDeltaLinks},
		{"count directory", count},
		{"show counts", `UPDATE connections SET
			user_count = (SELECT users FROM dir_counts WHERE connection_id = ?2),
			group_count = (SELECT groups FROM dir_counts WHERE connection_id = ?2) WHERE id = ?2`},
	}
}

// ApplyRun applies a run's plan, its delta links and its record in one
// transaction: the directory, the links and the run move together or not
// at all. The run ends succeeded with the counts of what it applied.
func (s *Store) ApplyRun(ctx context.Context, runID string, stats RunStats) error {
	apply := func(tx *sql.Tx) error {
		counts, err := applyRunTx(ctx, tx, runID)
		if err != nil {
			return err
		}
		return finishRunTx(ctx, tx, runID, RunSucceeded, "", counts, &stats)
	}
	// A first sync (memberships added from staging) only adds rows to a
	// connection's empty directory: every parent its rows name exists (the
	// connection, as its run's staging does; the users, added in the same
	// transaction) and nothing is deleted that a cascade would follow. It
	// runs without SQLite checking a million foreign keys one row at a
	// time, which also lets discarding the plan empty the change tables
	// whole instead of row by row.
	var direct bool
	err := s.Writer.QueryRowContext(ctx, `SELECT direct_memberships IS NOT NULL FROM stage_runs WHERE run_id = ?`,
		runID).Scan(&direct)
	if err != nil || !direct { // applyRunTx reports a run without staging
		return s.inTx(ctx, apply)
	}
	return s.inBulkAddTx(ctx, apply)
}

// directoryTables are the live tables a first sync fills.
var directoryTables = []string{"dir_users", "dir_user_addresses", "dir_groups", "dir_memberships"}

// dropIndexesWhileEmpty drops the secondary indexes of the directory
// tables that are empty for every connection (the first sync of the first
// connection), and returns how to create them again. Filling a table and
// then building each index in one sorted pass is cheaper than inserting a
// million entries at random places of an index larger than the page cache.
// It runs inside the apply transaction, so a failure leaves the indexes as
// they were.
func dropIndexesWhileEmpty(ctx context.Context, tx *sql.Tx) (func() error, error) {
	var create []string
	for _, table := range directoryTables {
		var occupied bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&occupied); err != nil {
			return nil, fmt.Errorf("look into %s: %w", table, err)
		}
		if occupied {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
			WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`, table)
		if err != nil {
			return nil, fmt.Errorf("read indexes of %s: %w", table, err)
		}
		indexes, err := collect(rows, scanPair)
		if err != nil {
			return nil, fmt.Errorf("read indexes of %s: %w", table, err)
		}
		for _, ix := range indexes {
			if _, err := tx.ExecContext(ctx, `DROP INDEX `+ix[0]); err != nil {
				return nil, fmt.Errorf("drop index %s: %w", ix[0], err)
			}
			create = append(create, ix[1])
		}
	}
	if len(create) == 0 {
		return func() error { return nil }, nil
	}
	return func() error {
		return withParallelSorts(ctx, tx, func() error {
			for _, q := range create {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("create index again (%s): %w", q, err)
				}
			}
			return nil
		})
	}, nil
}

// ErrDirectoryChanged refuses to apply a first sync's plan to a directory
// that is no longer empty; the run fails and the next one plans again.
var ErrDirectoryChanged = errors.New("the directory changed since the run planned its changes")

// applyDirectObjects adds the objects of a kind a run planned with
// PlanDirectAdds, from staging. ?1 run, ?2 connection, ?3 now.
func applyDirectObjects(kind ObjectKind) string {
	live := "dir_users"
	if kind == KindGroups {
		live = "dir_groups"
	}
	return `INSERT INTO ` + live + ` (` + directColumns[kind].names + `)
		SELECT ` + directColumns[kind].values + ` FROM (` + soleStagedObjects(kind) + `)`
}

// indexAllAddresses indexes the proxy addresses of every user of
// connection ?2, right after a first sync added the users staged once to
// its empty directory: all of them are new (the repeated ones, added
// next, are indexed by applyChanges). They are inserted in the table's key
// order (a sort, then appends) rather than at random places of its B-tree.
const indexAllAddresses = `INSERT OR IGNORE INTO dir_user_addresses (connection_id, address, user_id)
	SELECT ?2, CASE WHEN instr(a.value, ':') > 0 THEN substr(a.value, instr(a.value, ':') + 1) ELSE a.value END, u.id
	FROM dir_users u, json_each(u.proxy_addresses) a WHERE u.connection_id = ?2 AND a.type = 'text'
	ORDER BY 2 COLLATE NOCASE, 3`

func applyRunTx(ctx context.Context, tx *sql.Tx, runID string) (ChangeCounts, error) {
	var connID string
	var direct, directUsers, directGroups bool
	err := tx.QueryRowContext(ctx, `SELECT connection_id, direct_memberships IS NOT NULL, direct_users IS NOT NULL,
		direct_groups IS NOT NULL FROM stage_runs WHERE run_id = ?`,
		runID).Scan(&connID, &direct, &directUsers, &directGroups)
	if errors.Is(err, sql.ErrNoRows) {
		return ChangeCounts{}, fmt.Errorf("apply run %s: nothing staged: %w", runID, ErrNotFound)
	}
	if err != nil {
		return ChangeCounts{}, fmt.Errorf("apply run %s: %w", runID, err)
	}
	restoreIndexes := func() error { return nil }
	if direct {
		var occupied bool
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM dir_users WHERE connection_id = ?1)
			OR EXISTS (SELECT 1 FROM dir_groups WHERE connection_id = ?1)
			OR EXISTS (SELECT 1 FROM dir_memberships WHERE connection_id = ?1)`, connID).Scan(&occupied)
		if err != nil {
			return ChangeCounts{}, fmt.Errorf("apply run %s: %w", runID, err)
		}
		if occupied {
			return ChangeCounts{}, fmt.Errorf("apply run %s: %w", runID, ErrDirectoryChanged)
		}
		if restoreIndexes, err = dropIndexesWhileEmpty(ctx, tx); err != nil {
			return ChangeCounts{}, fmt.Errorf("apply run %s: %w", runID, err)
		}
	}
	counts, err := plannedChanges(ctx, tx, runID)
	if err != nil {
		return counts, err
	}
	now := formatTime(time.Now())
	// A first sync's objects staged once go straight from staging to the
	// live tables; the repeated ones follow from the change tables.
	var fromStaging []applyStatement
	if direct && directUsers {
		fromStaging = append(fromStaging, applyStatement{"add users from staging", applyDirectUserRows},
			applyStatement{"add users staged as JSON", applyDirectObjects(KindUsers)})
	}
	if direct && directGroups {
		fromStaging = append(fromStaging, applyStatement{"add groups from staging", applyDirectObjects(KindGroups)})
	}
	if err := execApply(ctx, tx, runID, connID, now, fromStaging); err != nil {
		return counts, err
	}
	if direct && directUsers {
		// Inserted in key order: a sort of every address.
		index := []applyStatement{{"index their addresses", indexAllAddresses}}
		if err := withParallelSorts(ctx, tx, func() error { return execApply(ctx, tx, runID, connID, now, index) }); err != nil {
			return counts, err
		}
	}
	if err := execApply(ctx, tx, runID, connID, now, applyChangesFor(counts)); err != nil {
		return counts, err
	}
	if direct {
		if err := execApply(ctx, tx, runID, connID, now, applyDirectMemberships); err != nil {
			return counts, err
		}
		if err := restoreIndexes(); err != nil {
			return counts, fmt.Errorf("apply run %s: %w", runID, err)
		}
	}
	if err := execApply(ctx, tx, runID, connID, now, applyBookkeeping(direct, counts)); err != nil {
		return counts, err
	}
	return counts, discardStagingTx(ctx, tx, runID)
}

func execApply(ctx context.Context, tx *sql.Tx, runID, connID, now string, statements []applyStatement) error {
	for _, st := range statements {
		if _, err := tx.ExecContext(ctx, st.sql, runID, connID, now); err != nil {
			return fmt.Errorf("apply run %s: %s: %w", runID, st.what, err)
		}
	}
	return nil
}

// finishRunTx ends a run's record. stats nil keeps the traffic recorded so
// far (an approval adds no requests).
func finishRunTx(ctx context.Context, tx *sql.Tx, runID, state, errMsg string, c ChangeCounts, stats *RunStats) error {
	q := `UPDATE runs SET state = ?, error = ?, finished_at = ?, users_added = ?, users_updated = ?, users_deleted = ?,
		groups_added = ?, groups_updated = ?, groups_deleted = ?, memberships_added = ?, memberships_deleted = ?`
	args := []any{state, errMsg, formatTime(time.Now()), c.UsersAdded, c.UsersUpdated, c.UsersDeleted,
		c.GroupsAdded, c.GroupsUpdated, c.GroupsDeleted, c.MembershipsAdded, c.MembershipsDeleted}
	if stats != nil {
		q += `, requests = ?, retries = ?, throttled = ?, pages = ?, objects_processed = ?`
		args = append(args, stats.Requests, stats.Retries, stats.Throttled, stats.Pages, stats.ObjectsProcessed)
	}
	args = append(args, runID)
	if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, args...); err != nil {
		return fmt.Errorf("finish run %s as %s: %w", runID, state, err)
	}
	return nil
}

// HoldRunForApproval stops a run before it deletes more than its
// connection's threshold allows: the run awaits approval with its plan
// kept and its counts showing what it would do; nothing live changes.
func (s *Store) HoldRunForApproval(ctx context.Context, runID string, stats RunStats, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		counts, err := plannedChanges(ctx, tx, runID)
		if err != nil {
			return err
		}
		// The raw pages are no longer needed; the plan and the links are,
		// and the staged objects and memberships of a run that adds them
		// from staging.
		var direct bool
		if err := tx.QueryRowContext(ctx, `SELECT direct_memberships IS NOT NULL FROM stage_runs WHERE run_id = ?`,
			runID).Scan(&direct); err != nil {
			return fmt.Errorf("read staging of run %s: %w", runID, err)
		}
		tables := []string{"stage_users", "stage_groups", "stage_member_lists"}
		if direct {
			tables = nil
		}
		for _, table := range tables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE run_id = ?`, runID); err != nil {
				return fmt.Errorf("drop staged pages of run %s: %w", runID, err)
			}
		}
		return finishRunTx(ctx, tx, runID, RunAwaitingApproval, reason, counts, &stats)
	})
}

// FinishPreview ends a preview run: its counts say what a sync would
// change; the first deletions and the safeguard are kept for its page, the
// rest of the plan is discarded, and nothing live changes.
func (s *Store) FinishPreview(ctx context.Context, runID string, stats RunStats) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		counts, err := plannedChanges(ctx, tx, runID)
		if err != nil {
			return err
		}
		if err := keepPreviewTx(ctx, tx, runID); err != nil {
			return err
		}
		if err := discardStagingTx(ctx, tx, runID); err != nil {
			return err
		}
		return finishRunTx(ctx, tx, runID, RunSucceeded, "", counts, &stats)
	})
}

// ApproveRun applies a run awaiting approval (SPEC "Safety"), in one
// transaction with its delta links and record, and records who approved
// and when; finished_at stays the end of the run's own work.
func (s *Store) ApproveRun(ctx context.Context, runID string, approvedBy string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := requireAwaiting(ctx, tx, runID); err != nil {
			return err
		}
		counts, err := applyRunTx(ctx, tx, runID)
		if err != nil {
			return err
		}
		if err := appendRunLogTx(ctx, tx, runID, LogInfo, "Deletions approved by "+approvedBy+"; changes applied."); err != nil {
			return err
		}
		return recordDecisionTx(ctx, tx, runID, RunSucceeded, "", approvedBy, &counts)
	})
}

// RejectRun discards the plan of a run awaiting approval; the run ends
// cancelled and the directory stays as it is. The delta links are not
// advanced, so the next run fetches the same changes again.
func (s *Store) RejectRun(ctx context.Context, runID string, rejectedBy string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := requireAwaiting(ctx, tx, runID); err != nil {
			return err
		}
		if err := discardStagingTx(ctx, tx, runID); err != nil {
			return err
		}
		if err := appendRunLogTx(ctx, tx, runID, LogWarn, "Deletions rejected by "+rejectedBy+"; nothing applied."); err != nil {
			return err
		}
		return recordDecisionTx(ctx, tx, runID, RunCancelled, "Deletions rejected by an administrator.", rejectedBy, nil)
	})
}

func requireAwaiting(ctx context.Context, tx *sql.Tx, runID string) error {
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, runID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("run %s: %w", runID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read run %s: %w", runID, err)
	}
	if state != RunAwaitingApproval {
		return fmt.Errorf("run %s is %s: %w", runID, state, ErrRunNotAwaiting)
	}
	return nil
}
