package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	dto "github.com/prometheus/client_model/go"

	"github.com/connect/connect/internal/store"
)

func family(t *testing.T, m *Metrics, name string) *dto.MetricFamily {
	t.Helper()
	fams, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	t.Fatalf("no series %s", name)
	return nil
}

func TestRunDurationsAndRouteLabels(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := st.CreateConnection(ctx, store.NewConnection{ID: "c1", Kind: store.KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: "a", GraphURL: "g", TenantDomain: "contoso.com", ApplicationID: "app"}); err != nil {
		t.Fatal(err)
	}
	for i, seconds := range []int{3, 45, 4000} {
		id, err := st.QueueRun(ctx, "c1", store.TriggerSchedule, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		start := now.Add(-time.Duration(i+1) * time.Hour)
		if _, err := st.Writer.Exec(`UPDATE runs SET state = 'succeeded', started_at = ?, finished_at = ? WHERE id = ?`,
			start.Format(time.RFC3339Nano), start.Add(time.Duration(seconds)*time.Second).Format(time.RFC3339Nano), id); err != nil {
			t.Fatal(err)
		}
	}
	m := New(st, func() time.Time { return now })

	h := family(t, m, "connect_sync_run_duration_seconds").GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 3 || h.GetSampleSum() < 4047 || h.GetSampleSum() > 4049 {
		t.Errorf("count %d sum %f, want 3 and 4048", h.GetSampleCount(), h.GetSampleSum())
	}
	for _, b := range h.GetBucket() {
		want := map[float64]uint64{1: 0, 5: 1, 60: 2, 3600: 2}[b.GetUpperBound()]
		if _, checked := map[float64]bool{1: true, 5: true, 60: true, 3600: true}[b.GetUpperBound()]; checked && b.GetCumulativeCount() != want {
			t.Errorf("bucket ≤ %v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}

	// Routes are labelled by pattern, never by the IDs in the path.
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Get("/runs/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, path := range []string{"/runs/a", "/runs/b", "/nowhere"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	got := map[string]uint64{}
	for _, s := range family(t, m, "connect_http_request_duration_seconds").GetMetric() {
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		got[labels["route"]+" "+labels["code"]] = s.GetHistogram().GetSampleCount()
	}
	if got["/runs/{id} 418"] != 2 || got["unmatched 404"] != 1 || len(got) != 2 {
		t.Errorf("request series = %v", got)
	}
}
