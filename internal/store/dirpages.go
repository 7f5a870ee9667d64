package store

import (
	"context"
	"fmt"
)

// GroupMembersPage lists a page of a group's direct members, groups first,
// by name, so a group of 100,000 members is never read whole for one page.
func (s *Store) GroupMembersPage(ctx context.Context, connectionID, groupID string, limit, offset int) ([]GroupMember, int, error) {
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM dir_memberships WHERE connection_id = ? AND group_id = ?`,
		connectionID, groupID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count members of %s: %w", groupID, err)
	}
	rows, err := s.query(ctx, `SELECT m.member_kind, m.member_id,
			COALESCE(u.display_name, g.display_name, ''), COALESCE(u.user_principal_name, '')
		FROM dir_memberships m
		LEFT JOIN dir_users u ON m.member_kind = 'user' AND u.connection_id = m.connection_id AND u.id = m.member_id
		LEFT JOIN dir_groups g ON m.member_kind = 'group' AND g.connection_id = m.connection_id AND g.id = m.member_id
		WHERE m.connection_id = ? AND m.group_id = ?
		ORDER BY m.member_kind = 'group' DESC, 3 COLLATE NOCASE, m.member_id LIMIT ? OFFSET ?`, connectionID, groupID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list members of %s: %w", groupID, err)
	}
	members, err := collect(rows, func(r interface{ Scan(...any) error }) (GroupMember, error) {
		var m GroupMember
		err := r.Scan(&m.Kind, &m.ID, &m.DisplayName, &m.UserPrincipalName)
		return m, err
	})
	return members, total, err
}
