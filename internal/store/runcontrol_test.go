package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCancelRunByState(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		setup     func(s *Store, conn string) string
		found     string
		err       error
		wantState string
	}{
		{"queued ends at once", func(s *Store, conn string) string {
			id, _ := s.QueueRun(ctx, conn, TriggerManual, false, 0)
			return id
		}, RunCancelled, nil, RunCancelled},
		{"running is left to the worker", func(s *Store, conn string) string {
			s.QueueRun(ctx, conn, TriggerManual, false, 0)
			r, _ := s.ClaimNextRun(ctx)
			return r.ID
		}, RunRunning, nil, RunRunning},
		{"ended is refused", func(s *Store, conn string) string {
			s.QueueRun(ctx, conn, TriggerManual, false, 0)
			r, _ := s.ClaimNextRun(ctx)
			s.FinishRun(ctx, r.ID, RunFailed, "boom", RunStats{}, false)
			return r.ID
		}, RunFailed, ErrRunNotActive, RunFailed},
		{"unknown", func(*Store, string) string { return "nope" }, "", ErrNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			conn := newTestConnection(t, s, ConnActive)
			id := tc.setup(s, conn)
			found, err := s.CancelRun(ctx, id, "ann@example.com")
			if found != tc.found || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("CancelRun = %q, %v; want %q, %v", found, err, tc.found, tc.err)
			}
			if tc.wantState == "" {
				return
			}
			r, _ := s.RunByID(ctx, id)
			if r.State != tc.wantState {
				t.Fatalf("state %s, want %s", r.State, tc.wantState)
			}
			logs, _ := s.RunLogs(ctx, id, 0)
			named := len(logs) > 0 && strings.Contains(logs[len(logs)-1].Message, "ann@example.com")
			if named != (tc.err == nil) {
				t.Fatalf("log names who cancelled: %v; logs %+v", named, logs)
			}
			if _, err := s.ActiveRun(ctx, conn); (err == nil) != (tc.wantState == RunRunning) {
				t.Fatalf("active run after cancel: %v", err)
			}
		})
	}
}
