package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditLogRefusesChangeAndDeletion(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.RecordAudit(ctx, AuditEvent{ActorEmail: "admin@example.com", Address: "127.0.0.1",
		Action: AuditSignIn, Target: "admin@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET actor_email = 'someone-else@example.com'`,
		`DELETE FROM audit_log`,
	} {
		_, err := st.Writer.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "audit_log rows cannot be") {
			t.Errorf("%s: err = %v, want the trigger's refusal", stmt, err)
		}
	}
	events, err := st.AuditEvents(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].ActorEmail != "admin@example.com" || events[0].At.IsZero() {
		t.Errorf("events after refused changes = %+v", events)
	}
}
