package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func newTestConnection(t *testing.T, s *Store, state string) string {
	t.Helper()
	id := NewID()
	ctx := context.Background()
	if err := s.CreateConnection(ctx, NewConnection{ID: id, Kind: KindAzureDirectorySync, AuthorityHost: "https://login.example",
		GraphURL: "https://graph.example", TenantDomain: "t.example", ApplicationID: "app"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConnectionState(ctx, id, state); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestClaimNextRun(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.ClaimNextRun(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("claim from an empty queue: %v", err)
	}
	disabled := newTestConnection(t, s, ConnDisabled)
	active := newTestConnection(t, s, ConnActive)
	skipped, _ := s.QueueRun(ctx, disabled, TriggerManual, false, 0)
	wanted, _ := s.QueueRun(ctx, active, TriggerManual, false, 0)
	run, err := s.ClaimNextRun(ctx)
	if err != nil || run.ID != wanted || run.State != RunRunning || run.StartedAt.IsZero() {
		t.Fatalf("claimed %+v, %v; want %s running", run, err, wanted)
	}
	if r, _ := s.RunByID(ctx, skipped); r.State != RunCancelled || r.Error == "" {
		t.Fatalf("run of a disabled connection: %+v", r)
	}
	if _, err := s.ClaimNextRun(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a second claim: %v", err)
	}
	if r, err := s.ActiveRun(ctx, active); err != nil || r.ID != wanted {
		t.Fatalf("active run %+v, %v", r, err)
	}
	if err := s.FinishRun(ctx, wanted, RunSucceeded, "", RunStats{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActiveRun(ctx, active); !errors.Is(err, ErrNotFound) {
		t.Fatalf("active run after the end: %v", err)
	}
	if r, err := s.LastRunInState(ctx, active, RunSucceeded); err != nil || r.ID != wanted {
		t.Fatalf("last succeeded run %+v, %v", r, err)
	}
}

func TestRecoverInterruptedRuns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	conn := newTestConnection(t, s, ConnActive)
	id, _ := s.QueueRun(ctx, conn, TriggerSchedule, true, 0)
	if _, err := s.ClaimNextRun(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginStaging(ctx, id, conn, true); err != nil {
		t.Fatal(err)
	}
	ids, err := s.RecoverInterruptedRuns(ctx)
	if err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("recovered %v, %v", ids, err)
	}
	old, _ := s.RunByID(ctx, id)
	if old.State != RunInterrupted || old.FinishedAt.IsZero() {
		t.Fatalf("interrupted run %+v", old)
	}
	runs, _ := s.LatestRuns(ctx, conn, 10, 0)
	if len(runs) != 2 || runs[0].State != RunQueued || runs[0].Trigger != TriggerStartup || !runs[0].FullSync {
		t.Fatalf("runs after recovery %+v", runs)
	}
	var staged int
	s.Reader.QueryRow(`SELECT COUNT(*) FROM stage_runs`).Scan(&staged)
	if staged != 0 {
		t.Fatalf("%d staging areas left", staged)
	}
	logs, err := s.RunLogs(ctx, id, 0)
	if err != nil || len(logs) != 1 || logs[0].Level != LogWarn {
		t.Fatalf("log %+v, %v", logs, err)
	}
}

func TestQueueScheduledRunWhileOneIsActive(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	conn := newTestConnection(t, s, ConnActive)
	manual, _ := s.QueueRun(ctx, conn, TriggerManual, false, 0)
	slot := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	id, err := s.QueueScheduledRun(ctx, conn, slot)
	if err != nil || id != "" {
		t.Fatalf("queued %q, %v; want the active run to serve the slot", id, err)
	}
	if last, _ := s.LastScheduledSlot(ctx, conn); !last.Equal(slot) {
		t.Fatalf("last slot %v", last)
	}
	if runs, _ := s.LatestRuns(ctx, conn, 10, 0); len(runs) != 1 || runs[0].ID != manual {
		t.Fatalf("runs %+v", runs)
	}
}

func TestRunLogsInOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	conn := newTestConnection(t, s, ConnActive)
	id, _ := s.QueueRun(ctx, conn, TriggerManual, false, 0)
	for _, m := range []string{"one", "two", "three"} {
		if err := s.AppendRunLog(ctx, id, LogInfo, m); err != nil {
			t.Fatal(err)
		}
	}
	logs, err := s.RunLogs(ctx, id, 1)
	if err != nil || len(logs) != 2 || logs[0].Message != "two" || logs[1].Seq != 3 {
		t.Fatalf("logs after seq 1: %+v, %v", logs, err)
	}
}
