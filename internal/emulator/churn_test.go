package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

func TestChurnShowsUpInDelta(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 40, Groups: 4, Seed: 2})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	_, usersLink := deltaRound(t, srv, token, "/v1.0/users/delta")
	_, groupsLink := deltaRound(t, srv, token, "/v1.0/groups/delta?$select=displayName,members")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := srv.Emulator.Churn(ctx, 12_000); err != nil { // one change every 5 ms
		t.Fatal(err)
	}
	users, _ := deltaRound(t, srv, token, usersLink)
	groups, _ := deltaRound(t, srv, token, groupsLink)
	if len(users)+len(groups) == 0 {
		t.Error("churn made no change visible to delta")
	}
}
