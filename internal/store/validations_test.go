package store

import (
	"context"
	"testing"
)

// A validation that answers after the administrator changed the details
// (Try again or Edit while it ran) must not promote the new, unchecked ones.
func TestSupersededValidationChangesNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		state  string // the connection's state when the details change
		change func(s *Store, id string) error
		passes bool // how the superseded validation ends
	}{
		{"new details while the first validation runs, which then passes", ConnPending, func(s *Store, id string) error {
			return s.ResetConnection(ctx, id, NewConnection{AuthorityHost: "https://login.example", GraphURL: "https://graph.example",
				TenantDomain: "other.example", ApplicationID: "app2", SecretSealed: "sealed-new", SecretHint: "new"})
		}, true},
		{"new details while the first validation runs, which then fails", ConnPending, func(s *Store, id string) error {
			return s.ResetConnection(ctx, id, NewConnection{AuthorityHost: "https://login.example", GraphURL: "https://graph.example",
				TenantDomain: "other.example", ApplicationID: "app2", SecretSealed: "sealed-new", SecretHint: "new"})
		}, false},
		{"replacement key while a revalidation runs, which then passes", ConnActive, func(s *Store, id string) error {
			return s.SetPendingSecret(ctx, id, "sealed-replacement", "rep")
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			id := newTestConnection(t, s, tt.state)
			old, err := s.StartValidation(ctx, id, PurposeCreate, 5)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(s, id); err != nil {
				t.Fatal(err)
			}
			before, err := s.ConnectionByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if tt.passes {
				runID, err := s.FinishValidationPassed(ctx, old, ValidatedFacts{TenantID: "tid"}, true)
				if err != nil {
					t.Fatal(err)
				}
				if runID != "" {
					t.Errorf("the superseded validation queued run %s", runID)
				}
			} else if err := s.FinishValidationFailed(ctx, old); err != nil {
				t.Fatal(err)
			}
			after, err := s.ConnectionByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if after.State != before.State || after.SecretSealed != before.SecretSealed || after.PendingSealed != before.PendingSealed ||
				after.TenantID != before.TenantID {
				t.Errorf("connection changed: state %s→%s, secret %q→%q, pending %q→%q, tenant %q→%q", before.State, after.State,
					before.SecretSealed, after.SecretSealed, before.PendingSealed, after.PendingSealed, before.TenantID, after.TenantID)
			}
		})
	}
}
