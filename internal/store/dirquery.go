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

// Directory search answers "which objects start with q" in one total
// order, so that a page is a slice of it and pages never repeat or skip a
// hit: objects found by display name first (users and groups together, by
// name), then by UPN, then by mail, then by proxy address; within each, by
// the matched text (SQLite's NOCASE), users before groups, then by
// connection and id. An exact id match comes before everything. An object
// found several ways takes its earliest place.
//
// The first limit objects of that order are found by reading at most limit
// objects from each index, in index order: an object's earliest place is a
// row of one index, and every row before it in that index belongs to an
// object that comes before it, so it is among the first limit rows (objects,
// for proxy addresses, where one user may have several). A one-letter
// query on a large directory thus still reads little, unlike sorting every
// match by display name.

// searchStagesSQL are the search's index arms grouped by rank, in rank
// order, each arm in the order of its index (connection, column, id) so
// none needs a sort. A stage reads only when the stages before it found
// fewer than limit objects: every object of a later rank comes after all of
// theirs, so a common prefix ("Che" matching a thousand names) is answered
// from the display-name arms alone. ?1 connection, [?2, ?3) the prefix
// range, ?4 limit, ?5 the id (first stage only).
var searchStagesSQL = []string{
	`SELECT -1 AS rank, 'user' AS kind, id, display_name, user_principal_name, mail FROM dir_users
		WHERE connection_id = ?1 AND id = ?5
	UNION ALL SELECT -1, 'group', id, display_name, '', mail FROM dir_groups WHERE connection_id = ?1 AND id = ?5
	UNION ALL SELECT * FROM (SELECT 0, 'user', id, display_name, user_principal_name, mail FROM dir_users
		WHERE connection_id = ?1 AND display_name >= ?2 AND display_name < ?3 ORDER BY display_name, id LIMIT ?4)
	UNION ALL SELECT * FROM (SELECT 0, 'group', id, display_name, '', mail FROM dir_groups
		WHERE connection_id = ?1 AND display_name >= ?2 AND display_name < ?3 ORDER BY display_name, id LIMIT ?4)`,
	`SELECT 1, 'user', id, display_name, user_principal_name, mail FROM dir_users
		WHERE connection_id = ?1 AND user_principal_name >= ?2 AND user_principal_name < ?3 ORDER BY user_principal_name, id LIMIT ?4`,
	`SELECT * FROM (SELECT 2, 'user', id, display_name, user_principal_name, mail FROM dir_users
		WHERE connection_id = ?1 AND mail >= ?2 AND mail < ?3 ORDER BY mail, id LIMIT ?4)
	UNION ALL SELECT * FROM (SELECT 2, 'group', id, display_name, '', mail FROM dir_groups
		WHERE connection_id = ?1 AND mail >= ?2 AND mail < ?3 ORDER BY mail, id LIMIT ?4)`,
}

// searchAddressesSQL reads proxy addresses in index order; the caller stops
// after limit distinct users.
const searchAddressesSQL = `SELECT address, user_id FROM dir_user_addresses
	WHERE connection_id = ?1 AND address >= ?2 AND address < ?3 ORDER BY address, user_id`

// rankAddress places hits by proxy address after those of searchStagesSQL,
// whose ranks are -1 (exact id), 0 (display name), 1 (UPN) and 2 (mail).
const rankAddress = 3

// searchHit is a hit with its place in the search order.
type searchHit struct {
	DirectoryHit
	rank int
	key  string // the matched text
	bare bool   // found by address only so far: names not read yet
}

// matched is the text a hit of searchStagesSQL was found by, from its rank.
func (h searchHit) matched() string {
	switch h.rank {
	case 0:
		return h.DisplayName
	case 1:
		return h.UserPrincipalName
	case 2:
		return h.Mail
	}
	return "" // exact id
}

// compareHits is the search order; compareNoCase is SQLite's NOCASE, so
// the order within one arm is its index's.
func compareHits(a, b searchHit) int {
	if c := a.rank - b.rank; c != 0 {
		return c
	}
	if c := compareNoCase(a.key, b.key); c != 0 {
		return c
	}
	if a.Kind != b.Kind {
		if a.Kind == MemberUser {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.ConnectionID, b.ConnectionID); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// compareNoCase compares as SQLite's NOCASE collation does: bytes with
// ASCII letters folded, then length.
func compareNoCase(a, b string) int {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

// SearchDirectory finds users and groups of one connection (or of all when
// connectionID is "") by the start of a display name, UPN, mail or proxy
// address (with or without "smtp:"), case-insensitively, or by exact id.
// It returns the first limit hits of one fixed order (see above), so the
// first n hits of a longer answer are the answer for n: page k of a
// listing is hits[(k-1)*size : k*size] of a search with limit k*size.
func (s *Store) SearchDirectory(ctx context.Context, connectionID, query string, limit int) ([]DirectoryHit, error) {
	q := strings.TrimSpace(query)
	if lower := strings.ToLower(q); strings.HasPrefix(lower, "smtp:") {
		q = q[len("smtp:"):]
	}
	if q == "" || limit <= 0 {
		return nil, nil
	}
	conns := []string{connectionID}
	if connectionID == "" {
		rows, err := s.query(ctx, `SELECT id FROM connections ORDER BY id`)
		if err != nil {
			return nil, fmt.Errorf("search directory for %q: %w", query, err)
		}
		if conns, err = collect(rows, scanString); err != nil {
			return nil, fmt.Errorf("search directory for %q: %w", query, err)
		}
	}
	var hits []searchHit
	for _, conn := range conns {
		found, err := s.searchConnection(ctx, conn, q, limit)
		if err != nil {
			return nil, fmt.Errorf("search directory for %q: %w", query, err)
		}
		hits = append(hits, found...)
	}
	slices.SortFunc(hits, compareHits)
	hits = hits[:min(limit, len(hits))]
	if err := s.nameBareHits(ctx, hits); err != nil {
		return nil, fmt.Errorf("search directory for %q: %w", query, err)
	}
	out := make([]DirectoryHit, len(hits))
	for i, h := range hits {
		out[i] = h.DirectoryHit
	}
	return out, nil
}

// searchConnection finds the first limit objects of one connection, each
// at its earliest place, in no particular order.
func (s *Store) searchConnection(ctx context.Context, conn, q string, limit int) ([]searchHit, error) {
	// U+10FFFF sorts after every character, so [q, q+U+10FFFF) is "starts with q".
	lo, hi := q, q+"\U0010FFFF"
	best := make(map[[2]string]int, limit) // (kind, id) → index in out
	out := make([]searchHit, 0, limit)
	keep := func(h searchHit) {
		i, ok := best[[2]string{h.Kind, h.ID}]
		switch {
		case !ok:
			best[[2]string{h.Kind, h.ID}] = len(out)
			out = append(out, h)
		case compareHits(h, out[i]) < 0:
			if h.bare && !out[i].bare { // keep the names already read
				h.DirectoryHit = out[i].DirectoryHit
				h.bare = false
			}
			out[i] = h
		}
	}
	for i, stage := range searchStagesSQL {
		if len(out) >= limit {
			return out, nil
		}
		args := []any{conn, lo, hi, limit}
		if i == 0 {
			args = append(args, strings.ToLower(q))
		}
		if err := s.scanSearchStage(ctx, conn, stage, args, keep); err != nil {
			return nil, err
		}
	}
	if len(out) >= limit {
		return out, nil
	}
	rows, err := s.query(ctx, searchAddressesSQL, conn, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	users := make(map[string]bool, limit)
	for len(users) < limit && rows.Next() {
		var address, userID string
		if err := rows.Scan(&address, &userID); err != nil {
			return nil, err
		}
		if users[userID] {
			continue // a later (larger) address of a user already placed
		}
		users[userID] = true
		keep(searchHit{DirectoryHit: DirectoryHit{Kind: MemberUser, ConnectionID: conn, ID: userID},
			rank: rankAddress, key: address, bare: true})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// scanSearchStage hands keep every hit of one stage, row by row.
func (s *Store) scanSearchStage(ctx context.Context, conn, stage string, args []any, keep func(searchHit)) error {
	rows, err := s.query(ctx, stage, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := searchHit{DirectoryHit: DirectoryHit{ConnectionID: conn}}
		if err := rows.Scan(&h.rank, &h.Kind, &h.ID, &h.DisplayName, &h.UserPrincipalName, &h.Mail); err != nil {
			return fmt.Errorf("scan row: %w", err)
		}
		h.key = h.matched()
		keep(h)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rows: %w", err)
	}
	return nil
}

// nameBareHits reads the names of hits found by proxy address only.
func (s *Store) nameBareHits(ctx context.Context, hits []searchHit) error {
	byConn := map[string][]string{}
	for _, h := range hits {
		if h.bare {
			byConn[h.ConnectionID] = append(byConn[h.ConnectionID], h.ID)
		}
	}
	for conn, ids := range byConn {
		data, err := json.Marshal(ids)
		if err != nil {
			return fmt.Errorf("encode user ids: %w", err)
		}
		rows, err := s.query(ctx, `SELECT id, display_name, user_principal_name, mail FROM dir_users
			WHERE connection_id = ? AND id IN (SELECT value FROM json_each(?))`, conn, string(data))
		if err != nil {
			return fmt.Errorf("read names of found users: %w", err)
		}
		named, err := collect(rows, func(r interface{ Scan(...any) error }) (DirectoryHit, error) {
			var h DirectoryHit
			return h, r.Scan(&h.ID, &h.DisplayName, &h.UserPrincipalName, &h.Mail)
		})
		if err != nil {
			return fmt.Errorf("read names of found users: %w", err)
		}
		byID := make(map[string]DirectoryHit, len(named))
		for _, n := range named {
			byID[n.ID] = n
		}
		for i := range hits {
			if n, ok := byID[hits[i].ID]; ok && hits[i].bare && hits[i].ConnectionID == conn {
				hits[i].DisplayName, hits[i].UserPrincipalName, hits[i].Mail = n.DisplayName, n.UserPrincipalName, n.Mail
			}
		}
	}
	return nil
}

func scanString(r interface{ Scan(...any) error }) (string, error) {
	var v string
	return v, r.Scan(&v)
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

// groupsOfMembersSQL is the direct groups of the members in JSON array ?2
// of connection ?1.
const groupsOfMembersSQL = `SELECT group_id, member_id FROM dir_memberships
	WHERE connection_id = ?1 AND member_id IN (SELECT value FROM json_each(?2)) ORDER BY member_id, group_id`

// groupsOfMembers lists (group, member) for the direct groups of members,
// in a stable order so equal-length paths are chosen the same way each time.
func (s *Store) groupsOfMembers(ctx context.Context, connectionID string, members []string) ([][2]string, error) {
	data, err := json.Marshal(members)
	if err != nil {
		return nil, fmt.Errorf("encode member ids: %w", err)
	}
	rows, err := s.query(ctx, groupsOfMembersSQL, connectionID, string(data))
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
	rows, err := s.query(ctx, `SELECT id, display_name FROM dir_groups
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
