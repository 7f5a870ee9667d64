package worker

import (
	"errors"

	"github.com/connect/connect/internal/dirsync"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/store"
)

// runFailure says why a run failed in the words the status pages show a
// helpdesk: what went wrong and what to do. The error itself, with Graph's
// request IDs, goes to the run's log for support.
func runFailure(err error, conn store.Connection) string {
	if errors.Is(err, dirsync.ErrEmptyFetch) {
		return "Entra ID returned no users or groups although the directory holds some, so nothing was changed. " +
			"If the application's permissions were just changed, wait a few minutes and choose Sync now; " +
			"if the tenant really was emptied, contact support before synchronizing."
	}
	rep := entra.Explain(err, entra.Target{AuthorityHost: conn.AuthorityHost, GraphURL: conn.GraphURL,
		Tenant: conn.TenantDomain, ClientID: conn.ApplicationID}, "read the directory")
	msg := "The run failed and nothing was applied; the directory is as the last successful run left it. " +
		"Choose Sync now to try again; if it fails again, contact support with this run's log."
	if rep.Code != "error" {
		msg = rep.Message + " " + rep.Fix + " Nothing was applied."
	}
	if rep.Code != "" && rep.Code != "error" && rep.Code != "timeout" && rep.Code != "tls" && rep.Code != "network" {
		msg += " (" + rep.Code + ")"
	}
	return msg
}
