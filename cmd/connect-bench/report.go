package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

type phase struct {
	Name             string  `json:"name"`
	WallSeconds      float64 `json:"wall_seconds"`
	Objects          int     `json:"objects"`
	ObjectsPerSecond float64 `json:"objects_per_second"`
	GraphRequests    int     `json:"graph_requests"`
	Changes          int     `json:"changes_applied"`
	PeakRSSMB        float64 `json:"connect_peak_rss_mb"`
	// CPUSeconds is the CPU time of the process doing the phase's work:
	// Connect for a sync, the benchmark program for the floor. Their
	// difference is what storing costs in CPU, which the noise of a shared
	// machine moves less than wall time.
	CPUSeconds         float64 `json:"cpu_seconds"`
	EmulatorCPUSeconds float64 `json:"emulator_cpu_seconds"`
}

type loadResult struct {
	Path              string  `json:"path"`
	Clients           int     `json:"clients"`
	Seconds           float64 `json:"seconds"`
	Requests          int     `json:"requests"`
	Errors            int     `json:"errors"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	P50ms             float64 `json:"p50_ms"`
	P99ms             float64 `json:"p99_ms"`
}

type results struct {
	Revision string `json:"revision"`
	Date     string `json:"date"`
	Machine  string `json:"machine"`
	Users    int    `json:"users"`
	Groups   int    `json:"groups"`
	// EmulatorTenantSeconds is how long the emulator took to generate the
	// tenant, from its "tenant ready" log line (0 when not found).
	EmulatorTenantSeconds float64      `json:"emulator_tenant_seconds"`
	Phases                []phase      `json:"phases"`
	Load                  []loadResult `json:"load"`
	PeakRSSMB             float64      `json:"connect_peak_rss_mb"`
	SyncFloor             float64      `json:"first_sync_over_floor"`
	FirstSyncSteps        *syncSteps   `json:"first_sync_steps,omitempty"`
}

// syncSteps is where a sync's wall time went, from its run log: fetching
// (and staging, which overlaps it), planning, and applying until the
// outcome was visible.
type syncSteps struct {
	FetchSeconds float64 `json:"fetch_seconds"`
	PlanSeconds  float64 `json:"plan_seconds"`
	ApplySeconds float64 `json:"apply_seconds"`
}

func newResults(o options) *results {
	rev, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	r := &results{Revision: strings.TrimSpace(string(rev)), Date: time.Now().UTC().Format(time.RFC3339),
		Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU()), Users: o.users, Groups: o.groups}
	if len(dirty) > 0 {
		r.Revision += "-dirty"
	}
	return r
}

// add records a phase. The ratio divides the first sync ("a.") by the
// fastest floor ("e.", measured before the sync and again at the end):
// the floor's wall time varies with the machine, and the fastest one
// gives the least flattering ratio.
func (r *results) add(p phase) {
	r.Phases = append(r.Phases, p)
	var sync, floor float64
	for _, q := range r.Phases {
		switch {
		case strings.HasPrefix(q.Name, "a."):
			sync = q.WallSeconds
		case strings.HasPrefix(q.Name, "e.") && q.WallSeconds > 0 && (floor == 0 || q.WallSeconds < floor):
			floor = q.WallSeconds
		}
	}
	if sync > 0 && floor > 0 {
		r.SyncFloor = sync / floor
	}
}

func (r *results) addLoad(l loadResult) { r.Load = append(r.Load, l) }

func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "Connect benchmark · %s · %d users, %d groups · %s · %s\n\n", r.Revision, r.Users, r.Groups, r.Machine, r.Date)
	if r.EmulatorTenantSeconds > 0 {
		fmt.Fprintf(w, "emulator generated the tenant in %.2f s\n\n", r.EmulatorTenantSeconds)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\twall s\tCPU s\temulator CPU s\tobjects\tobjects/s\tGraph requests\tchanges\tpeak RSS MB\t")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%d\t%.0f\t%d\t%d\t%.0f\t\n", p.Name, p.WallSeconds, p.CPUSeconds, p.EmulatorCPUSeconds,
			p.Objects, p.ObjectsPerSecond, p.GraphRequests, p.Changes, p.PeakRSSMB)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nfirst sync / fastest floor: %.2f\n", r.SyncFloor)
	if s := r.FirstSyncSteps; s != nil {
		fmt.Fprintf(w, "first sync: fetch and stage %.2f s, plan %.2f s, apply %.2f s\n", s.FetchSeconds, s.PlanSeconds, s.ApplySeconds)
	}
	fmt.Fprintln(w, "CPU s: Connect's for a sync, this program's for the floor (the pages fetched and decoded in it)")
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "d. page under load\tclients\trequests/s\tp50 ms\tp99 ms\terrors\t")
	for _, l := range r.Load {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.1f\t%.1f\t%d\t\n", l.Path, l.Clients, l.RequestsPerSecond, l.P50ms, l.P99ms, l.Errors)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nConnect peak RSS over the whole run: %.0f MB\n", r.PeakRSSMB)
}

// tenantReadySeconds finds the emulator's `msg="tenant ready" took=1.234s`
// log line (slog's text format) and returns the duration in seconds.
func tenantReadySeconds(log string) (float64, bool) {
	for line := range strings.Lines(log) {
		if !strings.Contains(line, `msg="tenant ready"`) {
			continue
		}
		for field := range strings.FieldsSeq(line) {
			if value, ok := strings.CutPrefix(field, "took="); ok {
				d, err := time.ParseDuration(value)
				return d.Seconds(), err == nil
			}
		}
	}
	return 0, false
}

func (r *results) save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%dusers-%s.json", time.Now().UTC().Format("20060102T150405Z"), r.Users, r.Revision))
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o644)
}
