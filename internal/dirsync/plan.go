package dirsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// planBatch is how many planned changes are written per transaction.
const planBatch = 500

// plan diffs staging against the live directory and records the changes:
// users and groups first (memberships of deleted objects depend on them),
// then memberships.
func (r *runner) plan(ctx context.Context, full bool) error {
	users := folder[store.DirUser]{
		kind: store.KindUsers,
		live: func(ctx context.Context, id string) (store.DirUser, error) {
			return r.st.DirectoryUser(ctx, r.connID(), id)
		},
		merge: mergeUser,
		equal: usersEqual,
	}
	groups := folder[store.DirGroup]{
		kind: store.KindGroups,
		live: func(ctx context.Context, id string) (store.DirGroup, error) {
			return r.st.DirectoryGroup(ctx, r.connID(), id)
		},
		merge: mergeGroup,
		equal: groupsEqual,
	}
	if err := users.plan(ctx, r, full); err != nil {
		return fmt.Errorf("diff users: %w", err)
	}
	if err := groups.plan(ctx, r, full); err != nil {
		return fmt.Errorf("diff groups: %w", err)
	}
	plan := func() error { return r.st.PlanMembershipChanges(ctx, r.runID(), r.connID(), full) }
	if r.fresh {
		plan = func() error { return r.st.PlanDirectMemberships(ctx, r.runID()) }
	}
	if err := plan(); err != nil {
		return fmt.Errorf("diff memberships: %w", err)
	}
	return nil
}

// folder folds the staged entries of one object kind into final objects
// and compares them with the live ones.
type folder[T any] struct {
	kind  store.ObjectKind
	live  func(ctx context.Context, id string) (T, error)
	merge func(dst *T, o store.StagedObject) error
	equal func(a, b T) bool
}

// folding is one object's entries being folded.
type folding[T any] struct {
	id      string
	live    *T // nil: not in the directory
	current *T // nil: removed (or not seen yet)
}

func (f folder[T]) plan(ctx context.Context, r *runner, full bool) error {
	var batch []store.ObjectChange
	var cur *folding[T]
	flush := func() error {
		if cur == nil {
			return nil
		}
		change, ok, err := f.change(cur)
		if err != nil || !ok {
			return err
		}
		batch = append(batch, change)
		if len(batch) < planBatch {
			return nil
		}
		err = r.st.PlanChanges(ctx, r.runID(), f.kind, batch)
		batch = batch[:0]
		return err
	}
	// Into an empty directory, an object staged once is added as it came,
	// straight from staging when the run applies: the plan counts them.
	// Only the repeated ones are folded here.
	if r.fresh {
		if err := r.st.PlanDirectAdds(ctx, r.runID(), f.kind); err != nil {
			return err
		}
	}
	err := r.st.EachStaged(ctx, r.runID(), f.kind, r.fresh, func(o store.StagedObject) error {
		if cur == nil || cur.id != o.ID {
			if err := flush(); err != nil {
				return err
			}
			next, err := f.start(ctx, r, o.ID)
			if err != nil {
				return err
			}
			cur = next
		}
		return f.apply(cur, o, full)
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = r.st.PlanChanges(ctx, r.runID(), f.kind, batch)
	}
	if err == nil && full {
		err = r.st.PlanUnstagedDeletions(ctx, r.runID(), r.connID(), f.kind)
	}
	return err
}

func (f folder[T]) start(ctx context.Context, r *runner, id string) (*folding[T], error) {
	if r.fresh { // nothing to look up: the directory is empty
		return &folding[T]{id: id}, nil
	}
	live, err := f.live(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &folding[T]{id: id}, nil
	}
	if err != nil {
		return nil, err
	}
	return &folding[T]{id: id, live: &live}, nil
}

// apply folds one staged entry in. Graph sends an updated object "with at
// least the properties that have been updated", so on an incremental fetch
// an entry merges onto what is known; on a full fetch the first entry
// starts from nothing, since a property not sent there means empty. A
// repeated entry (a group continued on the next page, a replayed change)
// merges onto the entries before it, so replays are harmless.
func (f folder[T]) apply(cur *folding[T], o store.StagedObject, full bool) error {
	if o.Removed {
		cur.current = nil
		return nil
	}
	if cur.current == nil {
		var base T
		if !full && cur.live != nil {
			base = *cur.live
		}
		cur.current = &base
	}
	return f.merge(cur.current, o)
}

// change is what the folded object means for the live directory.
func (f folder[T]) change(cur *folding[T]) (store.ObjectChange, bool, error) {
	switch {
	case cur.current == nil && cur.live != nil:
		return store.ObjectChange{ID: cur.id, Op: store.OpDelete}, true, nil
	case cur.current == nil:
		return store.ObjectChange{}, false, nil
	case cur.live != nil && f.equal(*cur.current, *cur.live):
		return store.ObjectChange{}, false, nil
	}
	op := store.OpUpdate
	if cur.live == nil {
		op = store.OpAdd
	}
	data, err := json.Marshal(cur.current)
	if err != nil {
		return store.ObjectChange{}, false, fmt.Errorf("encode %s %s: %w", f.kind, cur.id, err)
	}
	return store.ObjectChange{ID: cur.id, Op: op, Data: data}, true, nil
}

// set copies a Graph field onto dst when Graph sent it; null clears it.
func set[T any](dst *T, f graph.Field[T]) {
	if f.Present {
		*dst = f.Value
	}
}

func mergeUser(u *store.DirUser, o store.StagedObject) error {
	if o.User != nil {
		mergeStagedUser(u, *o.User)
		return nil
	}
	var g graph.User
	if err := json.Unmarshal(o.Data, &g); err != nil {
		return fmt.Errorf("decode staged user %s: %w", o.ID, err)
	}
	u.ID = o.ID
	set(&u.UserPrincipalName, g.UserPrincipalName)
	set(&u.Mail, g.Mail)
	set(&u.DisplayName, g.DisplayName)
	set(&u.GivenName, g.GivenName)
	set(&u.Surname, g.Surname)
	set(&u.JobTitle, g.JobTitle)
	set(&u.Department, g.Department)
	set(&u.OfficeLocation, g.OfficeLocation)
	set(&u.CompanyName, g.CompanyName)
	set(&u.MobilePhone, g.MobilePhone)
	set(&u.BusinessPhones, g.BusinessPhones)
	set(&u.ProxyAddresses, g.ProxyAddresses)
	set(&u.AccountEnabled, g.AccountEnabled)
	set(&u.UserType, g.UserType)
	set(&u.EmployeeID, g.EmployeeID)
	set(&u.UsageLocation, g.UsageLocation)
	set(&u.PreferredLanguage, g.PreferredLanguage)
	u.BusinessPhones, u.ProxyAddresses = orEmpty(u.BusinessPhones), orEmpty(u.ProxyAddresses)
	if g.CreatedDateTime.Present {
		u.CreatedDateTime = ""
		if t, ok := g.CreatedDateTime.Get(); ok {
			u.CreatedDateTime = t.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return nil
}

func mergeGroup(d *store.DirGroup, o store.StagedObject) error {
	var g graph.Group
	if err := json.Unmarshal(o.Data, &g); err != nil {
		return fmt.Errorf("decode staged group %s: %w", o.ID, err)
	}
	d.ID = o.ID
	set(&d.DisplayName, g.DisplayName)
	set(&d.Mail, g.Mail)
	set(&d.MailEnabled, g.MailEnabled)
	set(&d.SecurityEnabled, g.SecurityEnabled)
	set(&d.GroupTypes, g.GroupTypes)
	set(&d.Description, g.Description)
	d.GroupTypes = orEmpty(d.GroupTypes)
	return nil
}

// orEmpty makes a list that Graph sent as null or never sent an empty
// one, so the change rows always carry a JSON array.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// usersEqual compares the synchronized attributes; an empty list equals a
// missing one.
func usersEqual(a, b store.DirUser) bool {
	return a.ID == b.ID && a.UserPrincipalName == b.UserPrincipalName && a.Mail == b.Mail &&
		a.DisplayName == b.DisplayName && a.GivenName == b.GivenName && a.Surname == b.Surname &&
		a.JobTitle == b.JobTitle && a.Department == b.Department && a.OfficeLocation == b.OfficeLocation &&
		a.CompanyName == b.CompanyName && a.MobilePhone == b.MobilePhone &&
		slices.Equal(a.BusinessPhones, b.BusinessPhones) && slices.Equal(a.ProxyAddresses, b.ProxyAddresses) &&
		a.AccountEnabled == b.AccountEnabled && a.UserType == b.UserType && a.EmployeeID == b.EmployeeID &&
		a.UsageLocation == b.UsageLocation && a.PreferredLanguage == b.PreferredLanguage &&
		a.CreatedDateTime == b.CreatedDateTime
}

func groupsEqual(a, b store.DirGroup) bool {
	return a.ID == b.ID && a.DisplayName == b.DisplayName && a.Mail == b.Mail && a.MailEnabled == b.MailEnabled &&
		a.SecurityEnabled == b.SecurityEnabled && slices.Equal(a.GroupTypes, b.GroupTypes) && a.Description == b.Description
}
