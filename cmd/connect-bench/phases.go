package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

func (b *bench) all(ctx context.Context) (*results, error) {
	res := newResults(b.o)
	if log, err := os.ReadFile(filepath.Join(b.dir, "emulator.log")); err == nil {
		res.EmulatorTenantSeconds, _ = tenantReadySeconds(string(log))
	}
	// (e) The floor, once before the first sync and once at the end.
	floor, err := b.floor(ctx, "e. floor (before the sync): fetch and decode only")
	if err != nil {
		return nil, err
	}
	res.add(floor)

	// (a) The first sync: wizard → validation → the worker's full sync.
	cpu := b.cpuMark(b.app)
	started, err := b.connectTenant(ctx)
	if err != nil {
		return nil, err
	}
	run, seen, err := b.waitRun(ctx, started, 30*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("first sync: %w", err)
	}
	res.add(b.measure("a. full first sync", run, seen, cpu))
	if res.FirstSyncSteps, err = b.steps(ctx, run, seen); err != nil {
		return nil, err
	}

	// (b) A delta sync with nothing changed.
	cpu = b.cpuMark(b.app)
	queued := time.Now()
	if err := b.syncNow(); err != nil {
		return nil, err
	}
	if run, seen, err = b.waitRun(ctx, queued, 10*time.Minute); err != nil {
		return nil, fmt.Errorf("no-change sync: %w", err)
	}
	res.add(b.measure("b. delta, no changes", run, seen, cpu))

	// (c) A delta sync after changes made through the emulator's admin API.
	if err := b.makeChanges(ctx, b.o.changes); err != nil {
		return nil, err
	}
	cpu = b.cpuMark(b.app)
	queued = time.Now()
	if err := b.syncNow(); err != nil {
		return nil, err
	}
	if run, seen, err = b.waitRun(ctx, queued, 10*time.Minute); err != nil {
		return nil, fmt.Errorf("sync after changes: %w", err)
	}
	res.add(b.measure(fmt.Sprintf("c. delta, %d changes", b.o.changes), run, seen, cpu))

	// (d) Pages under concurrent load with the directory loaded.
	for _, page := range b.loadPages(ctx) {
		res.addLoad(b.load(ctx, page))
	}

	// (e) The floor: the same delta pages fetched and decoded, nothing stored.
	floor, err = b.floor(ctx, "e. floor (at the end): fetch and decode only")
	if err != nil {
		return nil, err
	}
	res.add(floor)
	_, peak := b.app.memory()
	res.PeakRSSMB = peak
	return res, nil
}

// cpuMark is the CPU time used so far by the process doing a phase's work
// (Connect for a sync, this program for the floor) and by the emulator.
// CPU time varies less than wall time from run to run on a shared
// machine, so it shows what a change costs where wall times are noise.
type cpuMark struct {
	worker   *process // nil: this program
	at, emul float64
}

func (b *bench) cpuMark(worker *process) cpuMark {
	pid := os.Getpid()
	if worker != nil {
		pid = worker.cmd.Process.Pid
	}
	return cpuMark{worker: worker, at: cpuSeconds(pid), emul: cpuSeconds(b.emu.cmd.Process.Pid)}
}

// spent is the CPU time used since the mark, by the worker and by the emulator.
func (m cpuMark) spent(b *bench) (worker, emulator float64) {
	now := b.cpuMark(m.worker)
	return now.at - m.at, now.emul - m.emul
}

// measure reports a run from its start until its outcome was seen.
func (b *bench) measure(name string, run store.Run, seen time.Time, cpu cpuMark) phase {
	connectCPU, emulatorCPU := cpu.spent(b)
	_, peak := b.app.memory()
	wall := seen.Sub(run.StartedAt)
	objects := run.ObjectsProcessed
	return phase{Name: name, WallSeconds: wall.Seconds(), Objects: objects, ObjectsPerSecond: float64(objects) / max(wall.Seconds(), 1e-9),
		GraphRequests: run.Requests, PeakRSSMB: peak, CPUSeconds: connectCPU, EmulatorCPUSeconds: emulatorCPU,
		Changes: run.UsersAdded + run.UsersUpdated + run.UsersDeleted + run.GroupsAdded + run.GroupsUpdated + run.GroupsDeleted + run.MembershipsAdded + run.MembershipsDeleted}
}

// steps splits a run's wall time at its log lines: the fetch ends with
// "Fetched …", planning with "Changes found …", and applying when the
// outcome was seen (the commit included).
func (b *bench) steps(ctx context.Context, run store.Run, seen time.Time) (*syncSteps, error) {
	logs, err := b.st.RunLogs(ctx, run.ID, 0)
	if err != nil {
		return nil, err
	}
	return splitSteps(run.StartedAt, seen, logs), nil
}

func splitSteps(started, seen time.Time, logs []store.RunLog) *syncSteps {
	var fetched, planned time.Time
	for _, l := range logs {
		switch {
		case strings.HasPrefix(l.Message, "Fetched "):
			fetched = l.At
		case strings.HasPrefix(l.Message, "Changes found"):
			planned = l.At
		}
	}
	if fetched.IsZero() || planned.IsZero() {
		return nil
	}
	return &syncSteps{FetchSeconds: fetched.Sub(started).Seconds(), PlanSeconds: planned.Sub(fetched).Seconds(),
		ApplySeconds: seen.Sub(planned).Seconds()}
}

// makeChanges adds, updates and deletes users and changes memberships in
// roughly equal shares, as churn in a real tenant would.
func (b *bench) makeChanges(ctx context.Context, n int) error {
	users, err := b.st.DirectoryUsers(ctx, b.connID, "", n)
	if err != nil {
		return err
	}
	groups, err := b.st.DirectoryGroups(ctx, b.connID, "", 50)
	if err != nil {
		return err
	}
	if len(users) < n/4 || len(groups) == 0 {
		return fmt.Errorf("directory too small for %d changes", n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	a := newAdmin(b.emuHTTP, b.creds)
	for i := range n {
		var err error
		u := users[i%len(users)]
		switch i % 4 {
		case 0:
			_, err = a.call(ctx, http.MethodPost, "users", map[string]any{"displayName": fmt.Sprintf("Bench User %d", i),
				"userPrincipalName": fmt.Sprintf("bench.user%d@%s", i, b.creds.TenantDomain), "accountEnabled": true})
		case 1:
			_, err = a.call(ctx, http.MethodPatch, "users/"+u.ID, map[string]any{"jobTitle": fmt.Sprintf("Title %d", rng.IntN(1000))})
		case 2:
			_, err = a.call(ctx, http.MethodDelete, "users/"+u.ID, nil)
		case 3:
			g := groups[rng.IntN(len(groups))]
			_, err = a.call(ctx, http.MethodPost, "groups/"+g.ID+"/members", map[string]any{"id": users[(i*7)%len(users)].ID})
		}
		if err != nil {
			return fmt.Errorf("change %d: %w", i, err)
		}
	}
	return nil
}

// floor fetches every delta page exactly as a first sync does, with the same
// HTTP client, Graph client and token path, and throws the pages away.
func (b *bench) floor(ctx context.Context, name string) (phase, error) {
	clients := entra.NewClients(b.graphHTTP)
	ts := entra.TokenSource{Clients: clients, Credential: entra.Credential{Secret: b.creds.Key}, Scope: entra.GraphScope(b.creds.GraphURL),
		App: entra.App{AuthorityHost: b.creds.AuthorityHost, Tenant: b.creds.TenantID, ClientID: b.creds.ApplicationID}}
	gc, err := graph.New(b.creds.GraphURL, b.graphHTTP, ts)
	if err != nil {
		return phase{}, err
	}
	cpu := b.cpuMark(nil)
	start := time.Now()
	objects := 0
	if _, err := gc.DeltaUsers(ctx, "", func(p graph.UsersPage) error { objects += len(p.Value); return nil }); err != nil {
		return phase{}, fmt.Errorf("floor users: %w", err)
	}
	if _, err := gc.DeltaGroups(ctx, "", func(p graph.GroupsPage) error { objects += len(p.Value); return nil }); err != nil {
		return phase{}, fmt.Errorf("floor groups: %w", err)
	}
	wall := time.Since(start)
	floorCPU, emulatorCPU := cpu.spent(b)
	return phase{Name: name, WallSeconds: wall.Seconds(), Objects: objects, CPUSeconds: floorCPU, EmulatorCPUSeconds: emulatorCPU,
		ObjectsPerSecond: float64(objects) / wall.Seconds(), GraphRequests: int(gc.Stats().Requests)}, nil
}
