package emulator

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// errObjectNotFound is returned by mutations of an unknown object.
var errObjectNotFound = errors.New("object not found")

// Every mutation takes the tenant's write lock and appends to its change
// log, so each one shows up on delta links issued before it.

func randomObjectID() objectID {
	var id objectID
	_, _ = rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// idFrom reads an optional "id" attribute, else makes one.
func idFrom(attrs map[string]json.RawMessage) (objectID, error) {
	raw, ok := attrs["id"]
	if !ok {
		return randomObjectID(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return objectID{}, fmt.Errorf("attribute \"id\": %w", err)
	}
	return parseObjectID(s)
}

func (t *tenant) createUser(attrs map[string]json.RawMessage, now time.Time) (*user, error) {
	id, err := idFrom(attrs)
	if err != nil {
		return nil, err
	}
	u := &user{id: id, accountEnabled: true, userType: "Member", created: now.Unix()}
	if err := applyAttributes(userFields(u), attrs, "id"); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	if u.displayName == "" || u.userPrincipalName == "" {
		return nil, errors.New("create user: displayName and userPrincipalName are required")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, exists := t.users[id]; exists {
		return nil, fmt.Errorf("create user: id %s exists", id)
	}
	if t.upnTakenLocked(u.userPrincipalName, id) {
		return nil, errUPNTaken()
	}
	t.addUserLocked(u)
	t.changes.recordObject(kindUser, id)
	return u, nil
}

func (t *tenant) patchUser(id objectID, attrs map[string]json.RawMessage) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var upn string
	if raw, ok := attrs["userPrincipalName"]; ok && json.Unmarshal(raw, &upn) == nil && t.upnTakenLocked(upn, id) {
		return errUPNTaken()
	}
	if err := patchIn(t.users, id, userFields, attrs); err != nil {
		return fmt.Errorf("patch user: %w", err)
	}
	t.changes.recordObject(kindUser, id)
	return nil
}

// upnTakenLocked reports whether a live user other than self has upn
// (case-insensitively, as Entra compares it). A soft-deleted user's UPN is
// free: Entra lets a new user take it and asks on restore for another.
// A scan, not an index: only admin-API changes ask, and 100k users take
// about a millisecond.
func (t *tenant) upnTakenLocked(upn string, self objectID) bool {
	for id, u := range t.users {
		if id != self && u.deleted == 0 && strings.EqualFold(u.userPrincipalName, upn) {
			return true
		}
	}
	return false
}

func (t *tenant) patchGroup(id objectID, attrs map[string]json.RawMessage) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := patchIn(t.groups, id, groupFields, attrs); err != nil {
		return fmt.Errorf("patch group: %w", err)
	}
	t.changes.recordObject(kindGroup, id)
	return nil
}

// patchIn applies attributes to a copy first, so a bad attribute leaves
// the object as it was.
func patchIn[T any](objects map[objectID]*T, id objectID, fields func(*T) map[string]any, attrs map[string]json.RawMessage) error {
	obj := objects[id]
	if obj == nil {
		return errObjectNotFound
	}
	patched := *obj
	if err := applyAttributes(fields(&patched), attrs, "id"); err != nil {
		return err
	}
	*obj = patched
	return nil
}

// deletedField is the soft-delete stamp of a user or group; nil when the
// object does not exist.
func (t *tenant) deletedField(kind objectKind, id objectID) *int64 {
	if kind == kindGroup {
		if g := t.groups[id]; g != nil {
			return &g.deleted
		}
		return nil
	}
	if u := t.users[id]; u != nil {
		return &u.deleted
	}
	return nil
}

// deleteObject soft-deletes (restorable; delta says "changed") or, when
// permanent, purges a user or group (delta says "deleted"). The groups it
// belonged to log a membership change, as Entra drops the membership.
func (t *tenant) deleteObject(kind objectKind, id objectID, permanent bool, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	deleted := t.deletedField(kind, id)
	if deleted == nil {
		return errObjectNotFound
	}
	*deleted = now.Unix()
	t.changes.recordObject(kind, id)
	t.recordMembershipsOfLocked(memberRef{id: id, kind: kind}, permanent)
	if !permanent {
		return nil
	}
	if kind == kindGroup {
		delete(t.groups, id)
		t.groupIndex = removeSorted(t.groupIndex, id)
	} else {
		delete(t.users, id)
		t.userIndex = removeSorted(t.userIndex, id)
	}
	return nil
}

// restoreObject brings back a soft-deleted user or group with its
// memberships.
func (t *tenant) restoreObject(kind objectKind, id objectID) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	deleted := t.deletedField(kind, id)
	if deleted == nil || *deleted == 0 {
		return errObjectNotFound
	}
	if u := t.users[id]; kind == kindUser && t.upnTakenLocked(u.userPrincipalName, id) {
		return errUPNTaken()
	}
	*deleted = 0
	t.changes.recordObject(kind, id)
	t.recordMembershipsOfLocked(memberRef{id: id, kind: kind}, false)
	return nil
}

// recordMembershipsOfLocked logs a membership change in every group that
// holds m, and drops the membership when purge is set.
func (t *tenant) recordMembershipsOfLocked(m memberRef, purge bool) {
	for _, gid := range t.groupIndex {
		g := t.groups[gid]
		// A soft delete keeps the membership (Entra ID restores it with the
		// object), so the list must not be touched: slices.Delete shifts the
		// shared array in place and zeroes its last element.
		if _, found := memberPosition(g.members, m.id); !found {
			continue
		}
		if purge {
			g.members, _ = removeMember(g.members, m.id)
		}
		t.changes.recordMember(gid, m)
	}
}

func (t *tenant) createGroup(attrs map[string]json.RawMessage, now time.Time) (*group, error) {
	id, err := idFrom(attrs)
	if err != nil {
		return nil, err
	}
	g := &group{id: id, securityEnabled: true, created: now.Unix()}
	if err := applyAttributes(groupFields(g), attrs, "id", "members"); err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	if g.displayName == "" {
		return nil, errors.New("create group: displayName is required")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, exists := t.groups[id]; exists {
		return nil, fmt.Errorf("create group: id %s exists", id)
	}
	t.addGroupLocked(g)
	t.changes.recordObject(kindGroup, id)
	return g, nil
}

// addMember adds a user or a group (found by id) to a group.
func (t *tenant) addMember(groupID, memberID objectID) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[groupID]
	if g == nil {
		return errObjectNotFound
	}
	m := memberRef{id: memberID, kind: kindUser}
	if _, isGroup := t.groups[memberID]; isGroup {
		m.kind = kindGroup
	} else if _, isUser := t.users[memberID]; !isUser {
		return errObjectNotFound
	}
	g.members = insertMember(g.members, m)
	t.changes.recordMember(groupID, m)
	return nil
}

func (t *tenant) removeMember(groupID, memberID objectID) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[groupID]
	if g == nil {
		return errObjectNotFound
	}
	kind := kindUser
	if _, isGroup := t.groups[memberID]; isGroup {
		kind = kindGroup
	}
	members, found := removeMember(g.members, memberID)
	if !found {
		return errObjectNotFound
	}
	g.members = members
	t.changes.recordMember(groupID, memberRef{id: memberID, kind: kind})
	return nil
}
