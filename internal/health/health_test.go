package health

import (
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

func TestAssessFollowsTheRule(t *testing.T) {
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	validated := now.Add(-10 * 24 * time.Hour)
	ok := &store.Run{State: store.RunSucceeded, FinishedAt: now.Add(-time.Hour)}
	base := func() Facts {
		return Facts{Now: now, ConnectionState: store.ConnActive, ValidatedAt: validated,
			KeyExpiresAt: now.Add(200 * 24 * time.Hour), LastFinished: ok, LastSuccessAt: ok.FinishedAt}
	}
	cases := []struct {
		name   string
		change func(*Facts)
		want   Colour
		reason string // a word the first reason must contain
	}{
		{"last run succeeded on schedule", func(*Facts) {}, Green, "succeeded on schedule"},
		{"new connection, first sync on its way", func(f *Facts) {
			f.ValidatedAt, f.LastFinished, f.LastSuccessAt = now.Add(-time.Hour), nil, time.Time{}
		}, Green, "first synchronization"},
		{"key unknown is no finding", func(f *Facts) { f.KeyExpiresAt = time.Time{} }, Green, "succeeded"},
		{"key expiring within 30 days", func(f *Facts) { f.KeyExpiresAt = now.Add(29 * 24 * time.Hour) }, Amber, "expires"},
		{"key expiring in 31 days", func(f *Facts) { f.KeyExpiresAt = now.Add(31 * 24 * time.Hour) }, Green, "succeeded"},
		{"run awaiting approval", func(f *Facts) { f.LastFinished = &store.Run{State: store.RunAwaitingApproval} }, Amber, "approval"},
		{"last run met throttling", func(f *Facts) {
			f.LastFinished = &store.Run{State: store.RunSucceeded, Throttled: 3, FinishedAt: ok.FinishedAt}
		}, Amber, "throttling"},
		{"last run retried", func(f *Facts) {
			f.LastFinished = &store.Run{State: store.RunSucceeded, Retries: 1, FinishedAt: ok.FinishedAt}
		}, Amber, "retried"},
		{"last run interrupted", func(f *Facts) { f.LastFinished = &store.Run{State: store.RunInterrupted} }, Amber, "interrupted"},
		{"last run failed", func(f *Facts) {
			f.LastFinished = &store.Run{State: store.RunFailed, Error: "Graph answered 403."}
		}, Red, "Graph answered 403"},
		{"key expired", func(f *Facts) { f.KeyExpiresAt = now.Add(-time.Hour) }, Red, "expired"},
		{"no successful sync for 24 hours", func(f *Facts) { f.LastSuccessAt = now.Add(-25 * time.Hour) }, Red, "25 hours"},
		{"exactly 24 hours is still fine", func(f *Facts) { f.LastSuccessAt = now.Add(-24 * time.Hour) }, Green, "succeeded"},
		{"never succeeded, validated 3 days ago", func(f *Facts) {
			f.LastFinished, f.LastSuccessAt = nil, time.Time{}
			f.ValidatedAt = now.Add(-72 * time.Hour)
		}, Red, "since the connection was validated"},
		{"red beats amber", func(f *Facts) {
			f.KeyExpiresAt = now.Add(5 * 24 * time.Hour)
			f.LastFinished = &store.Run{State: store.RunFailed, Error: "boom"}
		}, Red, "boom"},
		{"validation failed", func(f *Facts) { f.ConnectionState = store.ConnFailed }, Red, "failed validation"},
		{"disabled", func(f *Facts) {
			f.ConnectionState = store.ConnDisabled
			f.KeyExpiresAt = now.Add(-time.Hour)
		}, Grey, "Disabled"},
		{"pending", func(f *Facts) { f.ConnectionState = store.ConnPending }, Grey, "validated"},
		{"disabled for long is not stale", func(f *Facts) {
			f.ConnectionState = store.ConnDisabled
			f.LastSuccessAt = now.Add(-30 * 24 * time.Hour)
		}, Grey, "Disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			tc.change(&f)
			got := Assess(f)
			if got.Colour != tc.want {
				t.Errorf("colour = %s, want %s (reasons %v)", got.Colour, tc.want, got.Reasons)
			}
			if len(got.Reasons) == 0 || !strings.Contains(got.Reasons[0].Text, tc.reason) {
				t.Errorf("first reason = %v, want one containing %q", got.Reasons, tc.reason)
			}
			if got.Reasons[0].Colour != got.Colour {
				t.Errorf("first reason %v is not of the overall colour %s", got.Reasons[0], got.Colour)
			}
		})
	}
}
