// Command entra-emulator serves an emulated Entra ID and Microsoft Graph
// over HTTPS for Connect's demo and benchmarks:
//
//	entra-emulator --users 100000 --groups 10000 --seed 1 \
//	    --ca-out ca.pem --write-credentials creds.json --admin-api --churn 30
//
// creds.json holds tenant_domain, tenant_id, application_id, key,
// authority_host, graph_url and ca_file: what Connect's wizard and its
// CONNECT_AUTHORITY_HOST / CONNECT_GRAPH_URL / CONNECT_EXTRA_CA_FILE need.
// --tenant-file F loads a JSON tenant instead of generating one;
// --delta-token-ttl 1m makes delta links expire early (syncStateNotFound);
// --throttle-units sets Graph's resource units per 10 s. The admin API is
// described in SPEC.md ("Interfaces") and internal/emulator/admin.go.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "entra-emulator:", err)
		os.Exit(1)
	}
}
