package store

import (
	"context"
	"database/sql"
	"fmt"
)

// stagedMembershipCTE names the folded entries "last"; "gone" holds the
// objects the plan deletes: their memberships go with them.
var stagedMembershipCTE = `WITH last AS (` + lastStagedMembers + `),
	gone AS (
		SELECT id FROM run_group_changes WHERE run_id = ?1 AND op = 'delete'
		UNION SELECT id FROM run_user_changes WHERE run_id = ?1 AND op = 'delete'),
	wanted AS (
		SELECT group_id, member_id, member_kind FROM last
		WHERE removed = 0 AND group_id NOT IN gone AND member_id NOT IN gone) `

// PlanMembershipChanges works out the memberships a run adds and removes
// from what it staged; run it after the object plans. On a full fetch the
// staged memberships are the whole truth; on an incremental one only the
// pairs Graph mentioned change, plus the memberships of deleted objects.
// A full fetch takes set differences (EXCEPTs of sorted reads), an
// incremental one looks up what it staged by key, so the work grows as
// n log n with the directory, never as a product of sizes, and an
// incremental run reads only what it changes.
func (s *Store) PlanMembershipChanges(ctx context.Context, runID, connectionID string, full bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range membershipPlan(full) {
			if _, err := tx.ExecContext(ctx, q, runID, connectionID); err != nil {
				return fmt.Errorf("plan membership changes of run %s: %w", runID, err)
			}
		}
		return nil
	})
}

// membershipPlan is the statements of PlanMembershipChanges. ?1 run, ?2
// connection.
func membershipPlan(full bool) []string {
	const insert = `INSERT OR IGNORE INTO run_membership_changes (run_id, group_id, member_id, member_kind, op) `
	if full {
		return []string{
			stagedMembershipCTE + insert + `SELECT ?1, group_id, member_id, member_kind, 'add' FROM (
				SELECT group_id, member_id, member_kind FROM wanted
				EXCEPT SELECT group_id, member_id, member_kind FROM dir_memberships WHERE connection_id = ?2)`,
			stagedMembershipCTE + insert + `SELECT ?1, group_id, member_id, member_kind, 'delete' FROM (
				SELECT group_id, member_id, member_kind FROM dir_memberships WHERE connection_id = ?2
				EXCEPT SELECT group_id, member_id, member_kind FROM wanted)`,
		}
	}
	// An incremental run looks up what it staged by key: CROSS JOIN keeps
	// the few staged entries outside, where SQLite would rather read every
	// live membership of the connection and probe them. Deleted objects'
	// memberships are found by group (the key) and by member (its index;
	// without INDEXED BY SQLite reads every membership for each member
	// rather than the index plus a look-up of member_kind); a membership
	// found both ways is planned once (INSERT OR IGNORE).
	return []string{
		stagedMembershipCTE + insert + `SELECT ?1, w.group_id, w.member_id, w.member_kind, 'add' FROM wanted w
			WHERE NOT EXISTS (SELECT 1 FROM dir_memberships m WHERE m.connection_id = ?2 AND m.group_id = w.group_id
				AND m.member_id = w.member_id AND m.member_kind = w.member_kind)`,
		stagedMembershipCTE + insert + `SELECT ?1, m.group_id, m.member_id, m.member_kind, 'delete'
			FROM last l CROSS JOIN dir_memberships m ON m.connection_id = ?2 AND m.group_id = l.group_id
				AND m.member_id = l.member_id
			WHERE l.removed = 1`,
		stagedMembershipCTE + insert + `SELECT ?1, group_id, member_id, member_kind, 'delete' FROM (
				SELECT m.group_id, m.member_id, m.member_kind FROM gone g CROSS JOIN dir_memberships m
					ON m.connection_id = ?2 AND m.group_id = g.id
				UNION ALL SELECT m.group_id, m.member_id, m.member_kind FROM gone g
					CROSS JOIN dir_memberships m INDEXED BY dir_memberships_member ON m.connection_id = ?2 AND m.member_id = g.id)`,
	}
}

// PlanDirectMemberships is PlanMembershipChanges for a full fetch into a
// directory without objects (a first sync): every membership the fetch
// ends with is added, nothing is removed, so instead of copying them into
// run_membership_changes the plan only counts them and ApplyRun inserts
// them straight from staging. ApplyRun refuses the run if the directory
// is no longer empty by then.
func (s *Store) PlanDirectMemberships(ctx context.Context, runID string) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE stage_runs SET direct_memberships = (`+countDirectMemberships+`)
		WHERE run_id = ?1`, runID)
	if err != nil {
		return fmt.Errorf("count memberships of run %s: %w", runID, err)
	}
	return nil
}

// ChangeCounts are a run's planned or applied changes.
type ChangeCounts struct {
	UsersAdded, UsersUpdated, UsersDeleted    int
	GroupsAdded, GroupsUpdated, GroupsDeleted int
	MembershipsAdded, MembershipsDeleted      int
}

// ObjectDeletions is how many users and groups the changes delete; the
// delete guard compares it with the connection's threshold.
func (c ChangeCounts) ObjectDeletions() int { return c.UsersDeleted + c.GroupsDeleted }

// Total is every change counted.
func (c ChangeCounts) Total() int {
	return c.UsersAdded + c.UsersUpdated + c.UsersDeleted + c.GroupsAdded + c.GroupsUpdated + c.GroupsDeleted +
		c.MembershipsAdded + c.MembershipsDeleted
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// PlannedChanges counts what a run's plan holds.
func (s *Store) PlannedChanges(ctx context.Context, runID string) (ChangeCounts, error) {
	return plannedChanges(ctx, s.Reader, runID)
}

func plannedChanges(ctx context.Context, db queryRower, runID string) (ChangeCounts, error) {
	var c ChangeCounts
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM run_user_changes WHERE run_id = ?1 AND op = 'add')
			+ COALESCE((SELECT direct_users FROM stage_runs WHERE run_id = ?1), 0),
		(SELECT COUNT(*) FROM run_user_changes WHERE run_id = ?1 AND op = 'update'),
		(SELECT COUNT(*) FROM run_user_changes WHERE run_id = ?1 AND op = 'delete'),
		(SELECT COUNT(*) FROM run_group_changes WHERE run_id = ?1 AND op = 'add')
			+ COALESCE((SELECT direct_groups FROM stage_runs WHERE run_id = ?1), 0),
		(SELECT COUNT(*) FROM run_group_changes WHERE run_id = ?1 AND op = 'update'),
		(SELECT COUNT(*) FROM run_group_changes WHERE run_id = ?1 AND op = 'delete'),
		(SELECT COUNT(*) FROM run_membership_changes WHERE run_id = ?1 AND op = 'add')
			+ COALESCE((SELECT direct_memberships FROM stage_runs WHERE run_id = ?1), 0),
		(SELECT COUNT(*) FROM run_membership_changes WHERE run_id = ?1 AND op = 'delete')`, runID).
		Scan(&c.UsersAdded, &c.UsersUpdated, &c.UsersDeleted, &c.GroupsAdded, &c.GroupsUpdated, &c.GroupsDeleted,
			&c.MembershipsAdded, &c.MembershipsDeleted)
	if err != nil {
		return c, fmt.Errorf("count planned changes of run %s: %w", runID, err)
	}
	return c, nil
}

// PendingDeletion is a user or group a run awaiting approval would delete.
type PendingDeletion struct {
	Kind              string // MemberUser or MemberGroup
	ID                string
	DisplayName       string
	UserPrincipalName string // users only
	Mail              string
}

// PendingDeletions lists what a run (normally one awaiting approval) would
// delete, users first, by display name.
func (s *Store) PendingDeletions(ctx context.Context, runID string, limit, offset int) ([]PendingDeletion, error) {
	rows, err := s.query(ctx, pendingDeletionsSQL+` LIMIT ?2 OFFSET ?3`, runID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list pending deletions of run %s: %w", runID, err)
	}
	return collect(rows, scanPendingDeletion)
}

// pendingDeletionsSQL lists what run ?1 would delete, users first, by
// display name; callers add LIMIT.
const pendingDeletionsSQL = `SELECT kind, id, display_name, upn, mail FROM (
		SELECT 'user' AS kind, c.id, COALESCE(u.display_name, '') AS display_name,
			COALESCE(u.user_principal_name, '') AS upn, COALESCE(u.mail, '') AS mail
		FROM run_user_changes c JOIN runs r ON r.id = c.run_id
		LEFT JOIN dir_users u ON u.connection_id = r.connection_id AND u.id = c.id
		WHERE c.run_id = ?1 AND c.op = 'delete'
		UNION ALL
		SELECT 'group', c.id, COALESCE(g.display_name, ''), '', COALESCE(g.mail, '')
		FROM run_group_changes c JOIN runs r ON r.id = c.run_id
		LEFT JOIN dir_groups g ON g.connection_id = r.connection_id AND g.id = c.id
		WHERE c.run_id = ?1 AND c.op = 'delete')
	ORDER BY kind DESC, display_name COLLATE NOCASE, id`
