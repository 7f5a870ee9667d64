package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// DirectoryHit is one object found by SearchDirectory.
type DirectoryHit struct {
	Kind              string // MemberUser or MemberGroup
	ConnectionID      string
	ID                string
	DisplayName       string
	UserPrincipalName string // users only
	Mail              string
}

// searchSQL finds objects whose display name, UPN, mail or a proxy address
// starts with the query, or whose id is the query. Each arm is a range scan
// on a NOCASE index (?2 ≤ column < ?3), which a LIKE with a bound pattern
// would not reliably get, and stops after ?5 rows, so a one-letter query on
// a large directory reads little. ?1 is the connection ("" for all).
const searchSQL = `WITH conns AS (SELECT id FROM connections WHERE ?1 = '' OR id = ?1),
	hits AS (
		SELECT * FROM (SELECT 'user' AS kind, connection_id, id FROM dir_users
			WHERE connection_id IN conns AND display_name >= ?2 AND display_name < ?3 LIMIT ?5)
		UNION SELECT * FROM (SELECT 'user', connection_id, id FROM dir_users
			WHERE connection_id IN conns AND user_principal_name >= ?2 AND user_principal_name < ?3 LIMIT ?5)
		UNION SELECT * FROM (SELECT 'user', connection_id, id FROM dir_users
			WHERE connection_id IN conns AND mail >= ?2 AND mail < ?3 LIMIT ?5)
		UNION SELECT * FROM (SELECT 'user', connection_id, user_id FROM dir_user_addresses
			WHERE connection_id IN conns AND address >= ?2 AND address < ?3 LIMIT ?5)
		UNION SELECT 'user', connection_id, id FROM dir_users WHERE connection_id IN conns AND id = ?4
		UNION SELECT * FROM (SELECT 'group', connection_id, id FROM dir_groups
			WHERE connection_id IN conns AND display_name >= ?2 AND display_name < ?3 LIMIT ?5)
		UNION SELECT * FROM (SELECT 'group', connection_id, id FROM dir_groups
			WHERE connection_id IN conns AND mail >= ?2 AND mail < ?3 LIMIT ?5)
		UNION SELECT 'group', connection_id, id FROM dir_groups WHERE connection_id IN conns AND id = ?4)
	SELECT h.kind, h.connection_id, h.id, COALESCE(u.display_name, g.display_name, ''),
		COALESCE(u.user_principal_name, ''), COALESCE(u.mail, g.mail, '')
	FROM hits h
	LEFT JOIN dir_users u ON h.kind = 'user' AND u.connection_id = h.connection_id AND u.id = h.id
	LEFT JOIN dir_groups g ON h.kind = 'group' AND g.connection_id = h.connection_id AND g.id = h.id
	ORDER BY 4 COLLATE NOCASE, h.kind DESC, h.id LIMIT ?5`

// SearchDirectory finds users and groups of one connection (or of all when
// connectionID is "") by the start of a display name, UPN, mail or proxy
// address (with or without "smtp:"), case-insensitively, or by exact id.
func (s *Store) SearchDirectory(ctx context.Context, connectionID, query string, limit int) ([]DirectoryHit, error) {
	q := strings.TrimSpace(query)
	if lower := strings.ToLower(q); strings.HasPrefix(lower, "smtp:") {
		q = q[len("smtp:"):]
	}
	if q == "" {
		return nil, nil
	}
	// U+10FFFF sorts after every character, so [q, q+U+10FFFF) is "starts with q".
	rows, err := s.Reader.QueryContext(ctx, searchSQL, connectionID, q, q+"\U0010FFFF", strings.ToLower(q), limit)
	if err != nil {
		return nil, fmt.Errorf("search directory for %q: %w", query, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (DirectoryHit, error) {
		var h DirectoryHit
		err := r.Scan(&h.Kind, &h.ConnectionID, &h.ID, &h.DisplayName, &h.UserPrincipalName, &h.Mail)
		return h, err
	})
}

// GroupRef names a group.
type GroupRef struct {
	ID          string
	DisplayName string
}

// GroupPath is a group an object belongs to, directly or through nested
// groups. Path runs from the group the object is a direct member of to
// Group itself (so a direct membership has a path of one).
type GroupPath struct {
	Group GroupRef
	Path  []GroupRef
}

// Direct reports a direct membership.
func (p GroupPath) Direct() bool { return len(p.Path) == 1 }

// maxNesting bounds the walk up nested groups; Entra ID allows cycles of
// nested groups, and the visited path in the query stops those.
const maxNesting = 32

// transitiveGroupsSQL walks up from the object through dir_memberships. The
// path of ids (",a,b,") doubles as the visited set, so a cycle of nested
// groups ends instead of looping; the shortest path per group is kept.
const transitiveGroupsSQL = `WITH RECURSIVE up (group_id, depth, path) AS (
		SELECT group_id, 1, ',' || group_id || ',' FROM dir_memberships WHERE connection_id = ?1 AND member_id = ?2
		UNION
		SELECT m.group_id, up.depth + 1, up.path || m.group_id || ','
		FROM up JOIN dir_memberships m ON m.connection_id = ?1 AND m.member_id = up.group_id
		WHERE instr(up.path, ',' || m.group_id || ',') = 0 AND up.depth < ?3),
	best AS (
		SELECT group_id, path, depth, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY depth, path) AS rn FROM up)
	SELECT group_id, path FROM best WHERE rn = 1 AND group_id != ?2 ORDER BY depth, group_id`

// TransitiveGroups lists every group a user (or group) belongs to, directly
// or through nested groups, each once with its shortest path.
func (s *Store) TransitiveGroups(ctx context.Context, connectionID, memberID string) ([]GroupPath, error) {
	rows, err := s.Reader.QueryContext(ctx, transitiveGroupsSQL, connectionID, memberID, maxNesting)
	if err != nil {
		return nil, fmt.Errorf("walk groups of %s: %w", memberID, err)
	}
	type found struct{ id, path string }
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (found, error) {
		var f found
		return f, r.Scan(&f.id, &f.path)
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range list {
		ids = append(ids, strings.Split(strings.Trim(f.path, ","), ",")...)
	}
	names, err := s.groupNamesOf(ctx, connectionID, ids)
	if err != nil {
		return nil, err
	}
	ref := func(id string) GroupRef { return GroupRef{ID: id, DisplayName: names[id]} }
	out := make([]GroupPath, 0, len(list))
	for _, f := range list {
		p := GroupPath{Group: ref(f.id)}
		for _, id := range strings.Split(strings.Trim(f.path, ","), ",") {
			p.Path = append(p.Path, ref(id))
		}
		out = append(out, p)
	}
	return out, nil
}

// groupNamesOf reads display names of the given group ids.
func (s *Store) groupNamesOf(ctx context.Context, connectionID string, ids []string) (map[string]string, error) {
	data, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("encode group ids: %w", err)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT id, display_name FROM dir_groups
		WHERE connection_id = ? AND id IN (SELECT value FROM json_each(?))`, connectionID, string(data))
	if err != nil {
		return nil, fmt.Errorf("read group names: %w", err)
	}
	pairs, err := collect(rows, func(r interface{ Scan(...any) error }) ([2]string, error) {
		var p [2]string
		return p, r.Scan(&p[0], &p[1])
	})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(pairs))
	for _, p := range pairs {
		names[p[0]] = p[1]
	}
	return names, nil
}
