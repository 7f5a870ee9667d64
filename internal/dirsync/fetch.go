package dirsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// fetch walks the users and groups delta queries into staging and keeps the
// delta links they end with, returning whether the fetch was full. A first
// run (no links) or a run asked to be full walks the whole directory; a
// later run follows the kept links. When Graph says a kept link can no
// longer be used (410, syncStateNotFound, resyncRequired — ENTRA-PROTOCOL §4
// "Reset") the fetch starts again as a full one, by itself, and says so in
// the run's log.
func (r *runner) fetch(ctx context.Context) (bool, error) {
	links, err := r.st.DeltaState(ctx, r.connID())
	if err != nil {
		return false, err
	}
	full := r.job.Run.FullSync || links.Users == "" || links.Groups == ""
	if full {
		r.log(ctx, store.LogInfo, "Full synchronization: reading the whole directory.")
		links = store.DeltaLinks{}
	} else {
		r.log(ctx, store.LogInfo, "Incremental synchronization: reading the changes since %s.", links.RenewedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	err = r.fetchAll(ctx, full, links)
	if !full && errors.Is(err, graph.ErrDeltaReset) {
		r.log(ctx, store.LogWarn, "Graph no longer knows the kept delta state (%v); starting a full resync.", err)
		r.pages, r.objects = 0, 0
		full = true
		err = r.fetchAll(ctx, true, store.DeltaLinks{})
	}
	if err != nil {
		return full, err
	}
	return full, nil
}

func (r *runner) fetchAll(ctx context.Context, full bool, links store.DeltaLinks) error {
	if err := r.st.BeginStaging(ctx, r.runID(), r.connID(), full); err != nil {
		return err
	}
	usersLink, err := r.job.Graph.DeltaUsers(ctx, links.Users, r.stageUsers(ctx))
	if err != nil {
		return fmt.Errorf("fetch users: %w", err)
	}
	groupsLink, err := r.job.Graph.DeltaGroups(ctx, links.Groups, r.stageGroups(ctx))
	if err != nil {
		return fmt.Errorf("fetch groups: %w", err)
	}
	st := r.stats()
	r.log(ctx, store.LogInfo, "Fetched %d pages, %d objects: %d requests, %d retried, %d throttled (429).",
		r.pages, r.objects, st.Requests, st.Retries, st.Throttled)
	return r.st.SetStagedDeltaLinks(ctx, r.runID(), usersLink, groupsLink)
}

// stage writes one page to staging with the run's progress, in one
// transaction, so the status pages can show a running run move.
func (r *runner) stage(ctx context.Context, kind store.ObjectKind, objects []store.StagedObject, members []store.StagedMember) error {
	progress := r.stats()
	progress.Pages++
	progress.ObjectsProcessed += len(objects)
	if err := r.st.StageObjects(ctx, r.runID(), kind, objects, members, progress); err != nil {
		return err
	}
	r.pages++
	r.objects += len(objects)
	return nil
}

func (r *runner) stageUsers(ctx context.Context) func(graph.UsersPage) error {
	return func(page graph.UsersPage) error {
		objects := make([]store.StagedObject, 0, len(page.Value))
		for _, u := range page.Value {
			data, err := json.Marshal(u)
			if err != nil {
				return fmt.Errorf("encode user %s: %w", u.ID, err)
			}
			objects = append(objects, store.StagedObject{ID: u.ID, Removed: u.Removed != nil, Data: data})
		}
		return r.stage(ctx, store.KindUsers, objects, nil)
	}
}

func (r *runner) stageGroups(ctx context.Context) func(graph.GroupsPage) error {
	return func(page graph.GroupsPage) error {
		objects := make([]store.StagedObject, 0, len(page.Value))
		var members []store.StagedMember
		for _, g := range page.Value {
			for _, m := range g.MembersDelta {
				// Groups may also hold devices, contacts and service
				// principals; Connect keeps users and nested groups.
				kind := m.Kind()
				if kind != graph.KindUser && kind != graph.KindGroup {
					continue
				}
				members = append(members, store.StagedMember{GroupID: g.ID, MemberID: m.ID,
					MemberKind: string(kind), Removed: m.Removed != nil})
			}
			g.MembersDelta = nil
			data, err := json.Marshal(g)
			if err != nil {
				return fmt.Errorf("encode group %s: %w", g.ID, err)
			}
			objects = append(objects, store.StagedObject{ID: g.ID, Removed: g.Removed != nil, Data: data})
		}
		return r.stage(ctx, store.KindGroups, objects, members)
	}
}
