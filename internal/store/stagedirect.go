package store

import (
	"context"
	"fmt"
)

// A first sync into an empty directory adds the objects Graph sent once
// straight from staging: such an entry is the object.

// directColumns are a staged entry's final attributes as the columns of
// dir_users or dir_groups, from its JSONB (column data: a Graph object as
// the fetch encoded it, so every value has its Graph type), as dirsync's
// merge does for a first entry of a full fetch: a property absent or null
// is empty, lists are arrays, createdDateTime is UTC to the second. Users
// are staged as columns now (applyDirectUserRows); this serves the ones
// staged as JSON by an earlier version, a run awaiting approval across an
// upgrade. ?1 run, ?2 connection, ?3 now.
var directColumns = map[ObjectKind]struct{ names, values string }{
	KindUsers: {`connection_id, id, ` + dirUserAttributes + `, created_at, last_changed_run_id, updated_at`,
		`?2, id, COALESCE(data->>'userPrincipalName', ''), COALESCE(data->>'mail', ''),
		COALESCE(data->>'displayName', ''), COALESCE(data->>'givenName', ''), COALESCE(data->>'surname', ''),
		COALESCE(data->>'jobTitle', ''), COALESCE(data->>'department', ''), COALESCE(data->>'officeLocation', ''),
		COALESCE(data->>'companyName', ''), COALESCE(data->>'mobilePhone', ''),
		CASE WHEN json_type(data, '$.businessPhones') = 'array' THEN data->'businessPhones' ELSE '[]' END,
		CASE WHEN json_type(data, '$.proxyAddresses') = 'array' THEN data->'proxyAddresses' ELSE '[]' END,
		CASE WHEN data->>'accountEnabled' THEN 1 ELSE 0 END,
		COALESCE(data->>'userType', ''), COALESCE(data->>'employeeId', ''),
		COALESCE(data->>'usageLocation', ''), COALESCE(data->>'preferredLanguage', ''),
		COALESCE(strftime('%Y-%m-%dT%H:%M:%SZ', data->>'createdDateTime'), ''), ?3, ?1, ?3`},
	KindGroups: {`connection_id, id, display_name, mail, mail_enabled, security_enabled,
		group_types, description, created_at, last_changed_run_id, updated_at`,
		`?2, id, COALESCE(data->>'displayName', ''), COALESCE(data->>'mail', ''),
		CASE WHEN data->>'mailEnabled' THEN 1 ELSE 0 END, CASE WHEN data->>'securityEnabled' THEN 1 ELSE 0 END,
		CASE WHEN json_type(data, '$.groupTypes') = 'array' THEN data->'groupTypes' ELSE '[]' END,
		COALESCE(data->>'description', ''), ?3, ?1, ?3`},
}

// soleStagedObjects selects (as run_id, id, data) every object of a kind
// run ?1 staged exactly once and not removed: such an entry is the object.
// Its data is JSONB already, so each ->> of the outer query reads it where
// it lies and SQLite can merge the two queries into one.
func soleStagedObjects(kind ObjectKind) string {
	inJSON := ""
	if kind == KindUsers {
		inJSON = " AND sent IS NULL" // the others are columns: applyDirectUserRows
	}
	return `SELECT run_id, id, data FROM ` + kind.stageTable() + ` s
		WHERE run_id = ?1 AND removed = 0` + inJSON + ` AND id NOT IN (` + repeatedStaged(kind.stageTable()) + `)`
}

// PlanDirectAdds is, for a full fetch into an empty directory (a first
// sync), the plan of every object staged exactly once and not removed:
// such an entry is the object, so the plan only counts them and ApplyRun
// adds them straight from staging (folding a hundred thousand users in Go,
// then copying them into run_user_changes, was most of planning a first
// sync). The objects staged more than once are left to the caller's fold
// (EachStaged with repeatedOnly), whose changes ApplyRun applies as usual.
func (s *Store) PlanDirectAdds(ctx context.Context, runID string, kind ObjectKind) error {
	// The objects staged once and not removed. A hundred thousand users
	// are counted from the staging index alone, less those whose one
	// entry removes them: every removed user is staged as JSON (the
	// columns' INSERT writes removed = 0), found through the small index of
	// those (migration 0014). That is a third of reading every user's row
	// for its removed flag; the fewer groups are still read.
	count := `SELECT COUNT(*) FROM (SELECT 1 FROM stage_groups WHERE run_id = ?1
		GROUP BY id HAVING COUNT(*) = 1 AND MAX(removed) = 0)`
	column := "direct_groups"
	if kind == KindUsers {
		count = `(SELECT COUNT(*) FROM (SELECT 1 FROM stage_users WHERE run_id = ?1 GROUP BY id HAVING COUNT(*) = 1))
			- (SELECT COUNT(*) FROM stage_users WHERE run_id = ?1 AND sent IS NULL AND removed <> 0
				AND id NOT IN (` + repeatedStaged("stage_users") + `))`
		column = "direct_users"
	}
	_, err := s.Writer.ExecContext(ctx, `UPDATE stage_runs SET `+column+` = (`+count+`) WHERE run_id = ?1`, runID)
	if err != nil {
		return fmt.Errorf("count %s staged once: %w", kind, err)
	}
	return nil
}
