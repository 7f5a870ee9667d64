package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// maxNesting bounds the walk up nested groups, as a guard; the visited set
// is what ends a cycle of nested groups (Entra ID allows those).
const maxNesting = 64

// TransitiveGroups lists every group a user (or group) belongs to, directly
// or through nested groups, each once with its shortest path, nearest
// first. It walks up breadth first, one query per level, and visits each
// group once: a recursive query that tracks paths instead would follow
// every distinct path, and densely cross-nested groups have factorially
// many.
func (s *Store) TransitiveGroups(ctx context.Context, connectionID, memberID string) ([]GroupPath, error) {
	parent := map[string]string{memberID: ""} // visited, with the member each group was reached from
	var order []string
	frontier := []string{memberID}
	for depth := 0; len(frontier) > 0 && depth < maxNesting; depth++ {
		edges, err := s.groupsOfMembers(ctx, connectionID, frontier)
		if err != nil {
			return nil, fmt.Errorf("walk groups of %s: %w", memberID, err)
		}
		frontier = frontier[:0]
		for _, e := range edges {
			if _, seen := parent[e[0]]; seen {
				continue
			}
			parent[e[0]] = e[1]
			order = append(order, e[0])
			frontier = append(frontier, e[0])
		}
	}
	names, err := s.groupNamesOf(ctx, connectionID, order)
	if err != nil {
		return nil, err
	}
	out := make([]GroupPath, 0, len(order))
	for _, id := range order {
		p := GroupPath{Group: GroupRef{ID: id, DisplayName: names[id]}}
		for at := id; at != memberID; at = parent[at] {
			p.Path = append(p.Path, GroupRef{ID: at, DisplayName: names[at]})
		}
		slices.Reverse(p.Path)
		out = append(out, p)
	}
	return out, nil
}

// groupsOfMembers lists (group, member) for the direct groups of members,
// in a stable order so equal-length paths are chosen the same way each time.
func (s *Store) groupsOfMembers(ctx context.Context, connectionID string, members []string) ([][2]string, error) {
	data, err := json.Marshal(members)
	if err != nil {
		return nil, fmt.Errorf("encode member ids: %w", err)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT group_id, member_id FROM dir_memberships
		WHERE connection_id = ? AND member_id IN (SELECT value FROM json_each(?)) ORDER BY member_id, group_id`,
		connectionID, string(data))
	if err != nil {
		return nil, fmt.Errorf("read memberships: %w", err)
	}
	return collect(rows, scanPair)
}

func scanPair(r interface{ Scan(...any) error }) ([2]string, error) {
	var p [2]string
	return p, r.Scan(&p[0], &p[1])
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
	pairs, err := collect(rows, scanPair)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(pairs))
	for _, p := range pairs {
		names[p[0]] = p[1]
	}
	return names, nil
}
