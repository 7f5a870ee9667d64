package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DirUser is a synchronized user. The JSON names are Graph's, because a
// run's change rows carry the final attributes as this JSON.
type DirUser struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	Mail              string   `json:"mail"`
	DisplayName       string   `json:"displayName"`
	GivenName         string   `json:"givenName"`
	Surname           string   `json:"surname"`
	JobTitle          string   `json:"jobTitle"`
	Department        string   `json:"department"`
	OfficeLocation    string   `json:"officeLocation"`
	CompanyName       string   `json:"companyName"`
	MobilePhone       string   `json:"mobilePhone"`
	BusinessPhones    []string `json:"businessPhones"`
	ProxyAddresses    []string `json:"proxyAddresses"`
	AccountEnabled    bool     `json:"accountEnabled"`
	UserType          string   `json:"userType"`
	EmployeeID        string   `json:"employeeId"`
	UsageLocation     string   `json:"usageLocation"`
	PreferredLanguage string   `json:"preferredLanguage"`
	CreatedDateTime   string   `json:"createdDateTime"` // as Graph sent it (RFC 3339)

	// Connect's own bookkeeping; not part of a change row.
	CreatedAt        time.Time `json:"-"` // first synchronized
	UpdatedAt        time.Time `json:"-"` // last changed by a run
	LastChangedRunID string    `json:"-"`
}

// DirGroup is a synchronized group.
type DirGroup struct {
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Mail            string   `json:"mail"`
	MailEnabled     bool     `json:"mailEnabled"`
	SecurityEnabled bool     `json:"securityEnabled"`
	GroupTypes      []string `json:"groupTypes"`
	Description     string   `json:"description"`

	CreatedAt        time.Time `json:"-"`
	UpdatedAt        time.Time `json:"-"`
	LastChangedRunID string    `json:"-"`
}

// Membership is one direct membership: a user or group in a group.
type Membership struct {
	GroupID    string
	MemberID   string
	MemberKind string // MemberUser or MemberGroup
}

// Member kinds.
const (
	MemberUser  = "user"
	MemberGroup = "group"
)

// dirUserAttributes are the synchronized attribute columns of dir_users,
// which stage_users has too; userAttributeDests scans them.
const dirUserAttributes = `user_principal_name, mail, display_name, given_name, surname, job_title, department,
	office_location, company_name, mobile_phone, business_phones, proxy_addresses, account_enabled, user_type,
	employee_id, usage_location, preferred_language, created_date_time`

const dirUserColumns = `id, ` + dirUserAttributes + `, created_at, last_changed_run_id, updated_at`

// userAttributeDests are Scan destinations for dirUserAttributes: into u,
// and the two lists as their JSON into phones and proxies.
func userAttributeDests(u *DirUser, phones, proxies *string) []any {
	return []any{&u.UserPrincipalName, &u.Mail, &u.DisplayName, &u.GivenName, &u.Surname, &u.JobTitle,
		&u.Department, &u.OfficeLocation, &u.CompanyName, &u.MobilePhone, phones, proxies, &u.AccountEnabled,
		&u.UserType, &u.EmployeeID, &u.UsageLocation, &u.PreferredLanguage, &u.CreatedDateTime}
}

func scanDirUser(row interface{ Scan(...any) error }) (DirUser, error) {
	var u DirUser
	var phones, proxies, created, updated string
	dests := append([]any{&u.ID}, userAttributeDests(&u, &phones, &proxies)...)
	if err := row.Scan(append(dests, &created, &u.LastChangedRunID, &updated)...); err != nil {
		return u, err
	}
	u.CreatedAt, u.UpdatedAt = parseTime(created), parseTime(updated)
	if err := errors.Join(unmarshalList(phones, &u.BusinessPhones), unmarshalList(proxies, &u.ProxyAddresses)); err != nil {
		return u, fmt.Errorf("user %s: %w", u.ID, err)
	}
	return u, nil
}

const dirGroupColumns = `id, display_name, mail, mail_enabled, security_enabled, group_types, description,
	created_at, last_changed_run_id, updated_at`

func scanDirGroup(row interface{ Scan(...any) error }) (DirGroup, error) {
	var g DirGroup
	var types, created, updated string
	err := row.Scan(&g.ID, &g.DisplayName, &g.Mail, &g.MailEnabled, &g.SecurityEnabled, &types, &g.Description,
		&created, &g.LastChangedRunID, &updated)
	if err != nil {
		return g, err
	}
	g.CreatedAt, g.UpdatedAt = parseTime(created), parseTime(updated)
	if err := unmarshalList(types, &g.GroupTypes); err != nil {
		return g, fmt.Errorf("group %s: %w", g.ID, err)
	}
	return g, nil
}

// unmarshalList reads a JSON array column; an empty array stays nil so
// "no values" compares equal however it was written.
func unmarshalList(data string, out *[]string) error {
	if err := json.Unmarshal([]byte(data), out); err != nil {
		return fmt.Errorf("read list %q: %w", data, err)
	}
	if len(*out) == 0 {
		*out = nil
	}
	return nil
}

// DirectoryUser reads one synchronized user.
func (s *Store) DirectoryUser(ctx context.Context, connectionID, id string) (DirUser, error) {
	u, err := scanDirUser(s.queryRow(ctx, `SELECT `+dirUserColumns+` FROM dir_users
		WHERE connection_id = ? AND id = ?`, connectionID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("directory user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read directory user %s: %w", id, err)
	}
	return u, nil
}

// DirectoryGroup reads one synchronized group.
func (s *Store) DirectoryGroup(ctx context.Context, connectionID, id string) (DirGroup, error) {
	g, err := scanDirGroup(s.queryRow(ctx, `SELECT `+dirGroupColumns+` FROM dir_groups
		WHERE connection_id = ? AND id = ?`, connectionID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("directory group %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("read directory group %s: %w", id, err)
	}
	return g, nil
}

// DirectoryUsers lists a connection's users by id after afterID (keyset
// paging: pass the last id of the previous page, "" for the first).
func (s *Store) DirectoryUsers(ctx context.Context, connectionID, afterID string, limit int) ([]DirUser, error) {
	rows, err := s.query(ctx, `SELECT `+dirUserColumns+` FROM dir_users
		WHERE connection_id = ? AND id > ? ORDER BY id LIMIT ?`, connectionID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list directory users: %w", err)
	}
	return collect(rows, scanDirUser)
}

// DirectoryGroups lists a connection's groups by id after afterID.
func (s *Store) DirectoryGroups(ctx context.Context, connectionID, afterID string, limit int) ([]DirGroup, error) {
	rows, err := s.query(ctx, `SELECT `+dirGroupColumns+` FROM dir_groups
		WHERE connection_id = ? AND id > ? ORDER BY id LIMIT ?`, connectionID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list directory groups: %w", err)
	}
	return collect(rows, scanDirGroup)
}

// GroupMember is a group's direct member with its name.
type GroupMember struct {
	Kind              string // MemberUser or MemberGroup
	ID                string
	DisplayName       string
	UserPrincipalName string // users only
}

// GroupMembers lists a group's direct members, groups first, by name.
func (s *Store) GroupMembers(ctx context.Context, connectionID, groupID string) ([]GroupMember, error) {
	rows, err := s.query(ctx, `SELECT m.member_kind, m.member_id,
			COALESCE(u.display_name, g.display_name, ''), COALESCE(u.user_principal_name, '')
		FROM dir_memberships m
		LEFT JOIN dir_users u ON m.member_kind = 'user' AND u.connection_id = m.connection_id AND u.id = m.member_id
		LEFT JOIN dir_groups g ON m.member_kind = 'group' AND g.connection_id = m.connection_id AND g.id = m.member_id
		WHERE m.connection_id = ? AND m.group_id = ?
		ORDER BY m.member_kind DESC, 3 COLLATE NOCASE, m.member_id`, connectionID, groupID)
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", groupID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (GroupMember, error) {
		var m GroupMember
		err := r.Scan(&m.Kind, &m.ID, &m.DisplayName, &m.UserPrincipalName)
		return m, err
	})
}

// Memberships lists a connection's direct memberships by group, then member,
// after the pair (afterGroup, afterMember).
func (s *Store) Memberships(ctx context.Context, connectionID, afterGroup, afterMember string, limit int) ([]Membership, error) {
	rows, err := s.query(ctx, `SELECT group_id, member_id, member_kind FROM dir_memberships
		WHERE connection_id = ? AND (group_id, member_id) > (?, ?) ORDER BY group_id, member_id LIMIT ?`,
		connectionID, afterGroup, afterMember, limit)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	return collect(rows, scanMembership)
}

func scanMembership(row interface{ Scan(...any) error }) (Membership, error) {
	var m Membership
	err := row.Scan(&m.GroupID, &m.MemberID, &m.MemberKind)
	return m, err
}

// DirectoryCounts is the size of a connection's synchronized directory.
type DirectoryCounts struct {
	Users, Groups, Memberships int
}

// StoredCounts reads the counts the last applied run kept (zero before the
// first): cheap enough for every page view, unlike CountDirectory.
func (s *Store) StoredCounts(ctx context.Context, connectionID string) (DirectoryCounts, error) {
	var c DirectoryCounts
	err := s.queryRow(ctx, `SELECT users, groups, memberships FROM dir_counts WHERE connection_id = ?`, connectionID).
		Scan(&c.Users, &c.Groups, &c.Memberships)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read counts of %s: %w", connectionID, err)
	}
	return c, nil
}

// CountDirectory counts a connection's users, groups and memberships.
func (s *Store) CountDirectory(ctx context.Context, connectionID string) (DirectoryCounts, error) {
	var c DirectoryCounts
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM dir_users WHERE connection_id = ?1),
		(SELECT COUNT(*) FROM dir_groups WHERE connection_id = ?1),
		(SELECT COUNT(*) FROM dir_memberships WHERE connection_id = ?1)`, connectionID).
		Scan(&c.Users, &c.Groups, &c.Memberships)
	if err != nil {
		return c, fmt.Errorf("count directory of %s: %w", connectionID, err)
	}
	return c, nil
}

// queryIDs reads a one-column list of ids inside tx.
func queryIDs(ctx context.Context, tx *sql.Tx, what, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ids, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return ids, nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan row: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}
