package dirsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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
	s := r.startStager(ctx)
	usersLink, err := r.job.Graph.DeltaUsers(ctx, links.Users, r.stageUsers(s))
	if err != nil {
		s.stop()
		return fmt.Errorf("fetch users: %w", err)
	}
	groupsLink, err := r.job.Graph.DeltaGroups(ctx, links.Groups, r.stageGroups(s))
	if err != nil {
		s.stop()
		return fmt.Errorf("fetch groups: %w", err)
	}
	if err := s.stop(); err != nil {
		return err
	}
	st := r.stats()
	r.log(ctx, store.LogInfo, "Fetched %d pages, %d objects: %d requests, %d retried, %d throttled (429).",
		r.pages, r.objects, st.Requests, st.Retries, st.Throttled)
	return r.st.SetStagedDeltaLinks(ctx, r.runID(), usersLink, groupsLink)
}

// stagedPagesQueued is how many fetched pages may wait for staging: Graph
// is asked for the next page while the previous ones are written, and
// memory holds at most this many pages plus the one being fetched and the
// ones being written. Staging keeps pace on average but not page by page
// (a checkpoint, a large group's list): with 2 the fetch waited 0.2–0.5 s
// in all for room at 100,000 users, and each wait delays the next
// request; with 16 it waits 0.03 s. A page is a few hundred objects, so
// sixteen are a few megabytes at most.
const stagedPagesQueued = 16

// stagedPagesPerCommit bounds how many waiting pages one staging
// transaction takes, so a commit (and the progress it makes visible)
// comes at least every few pages.
const stagedPagesPerCommit = 8

// stagedBatchWait is how long the stager waits for more pages to share a
// page's commit. Staging inserts at random places of its indexes, and a
// commit writes every 16 KB page it dirtied however few entries changed
// it: committing page by page, a first sync of 100,000 users wrote about
// 2 GB in all, 1.66 GB when a commit gathered what came within 20 ms, and
// Connect's CPU for it fell with the writes (docs/benchmarks.md). The
// fetch does not wait for it: pages queue meanwhile.
const stagedBatchWait = 20 * time.Millisecond

// stager writes fetched pages to staging on its own goroutine, so fetching
// and decoding page N+1 overlaps writing page N. One transaction takes the
// pages that arrive within stagedBatchWait of the first (at most
// stagedPagesPerCommit): when Graph is slow each page still commits on its
// own, so the run's progress moves page by page; when the store is slower,
// pages pile up (to stagedPagesQueued) and share a commit.
type stager struct {
	ctx   context.Context
	pages chan store.StagedPage
	done  chan struct{} // closed when the goroutine ends
	err   error         // why it ended early; read after done
}

func (r *runner) startStager(ctx context.Context) *stager {
	s := &stager{ctx: ctx, pages: make(chan store.StagedPage, stagedPagesQueued), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = s.run(r)
	}()
	return s
}

// stagedMembersCarried bounds the member entries of the last group of a
// staging transaction that wait for the next one (see stager.run).
const stagedMembersCarried = 50_000

func (s *stager) run(r *runner) error {
	// The members of a batch's last group wait for the next batch: Graph
	// continues a large group's members on the next page, and a group's
	// entries staged together make one list that a first sync copies
	// without folding (store.StagePages).
	var carried []store.StagedMember
	for first := range s.pages {
		batch := []store.StagedPage{first}
		gather := time.After(stagedBatchWait)
	more:
		for len(batch) < stagedPagesPerCommit {
			select {
			case p, ok := <-s.pages:
				if !ok {
					break more
				}
				batch = append(batch, p)
			case <-gather:
				break more
			}
		}
		progress := r.stats()
		for _, p := range batch {
			progress.Pages++
			progress.ObjectsProcessed += len(p.Objects)
		}
		if len(carried) > 0 {
			batch[0].Members = slices.Concat(carried, batch[0].Members)
		}
		last := &batch[len(batch)-1]
		carried = trailingGroup(last.Members)
		if len(carried) > stagedMembersCarried {
			carried = nil
		}
		last.Members = last.Members[:len(last.Members)-len(carried)]
		if err := r.st.StagePages(s.ctx, r.runID(), batch, progress); err != nil {
			return err
		}
		r.pages, r.objects = progress.Pages, progress.ObjectsProcessed
	}
	if len(carried) == 0 {
		return nil
	}
	leftover := store.StagedPage{Kind: store.KindGroups, Members: carried}
	return r.st.StagePages(s.ctx, r.runID(), []store.StagedPage{leftover}, r.stats())
}

// trailingGroup is the end of entries that belongs to the last group.
func trailingGroup(entries []store.StagedMember) []store.StagedMember {
	n := len(entries)
	for n > 0 && entries[n-1].GroupID == entries[len(entries)-1].GroupID {
		n--
	}
	return entries[n:]
}

// send hands a fetched page to the stager; it fails when staging failed
// (the fetch then stops with staging's error) or the run was cancelled.
func (s *stager) send(p store.StagedPage) error {
	select {
	case s.pages <- p:
		return nil
	case <-s.done:
		return s.err
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// stop waits until the pages sent so far are staged (or staging failed)
// and returns staging's error. Call it once, after the last send.
func (s *stager) stop() error {
	close(s.pages)
	<-s.done
	return s.err
}

func (r *runner) stageUsers(s *stager) func(graph.UsersPage) error {
	return func(page graph.UsersPage) error {
		// A user is staged as the directory's columns, all of a page's in
		// one array. A removed one keeps its JSON: the page's removed
		// users are encoded one after the other into one buffer, and each
		// holds its slice of it (slices taken before the buffer grows keep
		// the old array, unchanged).
		objects := make([]store.StagedObject, 0, len(page.Value))
		users := make([]store.StagedUser, len(page.Value))
		var buf []byte
		for i, u := range page.Value {
			if u.Removed == nil {
				users[i] = stagedUser(u)
				objects = append(objects, store.StagedObject{ID: u.ID, User: &users[i]})
				continue
			}
			start := len(buf)
			buf = u.AppendJSON(buf)
			objects = append(objects, store.StagedObject{ID: u.ID, Removed: true, Data: buf[start:len(buf):len(buf)]})
		}
		return s.send(store.StagedPage{Kind: store.KindUsers, Objects: objects})
	}
}

func (r *runner) stageGroups(s *stager) func(graph.GroupsPage) error {
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
		return s.send(store.StagedPage{Kind: store.KindGroups, Objects: objects, Members: members})
	}
}
