// Command connect-bench measures Connect on this machine: the emulator and
// `connect serve` run as separate processes on loopback, the benchmark
// drives the real wizard and Sync now over HTTP, reads run records from the
// database, and samples the Connect process's memory. `make bench` and
// `make bench-quick` run it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/connect/connect/internal/gctuning"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The floor runs in this process: it decodes its pages with the
	// collector set as Connect's is, so the ratio compares storing, not
	// two settings of the collector.
	gctuning.Apply(os.Getenv)
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "connect-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	users, groups int
	changes       int
	loadClients   int
	loadFor       time.Duration
	bin           string
	out           string
	keep          bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("connect-bench", flag.ContinueOnError)
	fs.IntVar(&o.users, "users", 100_000, "users in the generated tenant")
	fs.IntVar(&o.groups, "groups", 10_000, "groups in the generated tenant")
	fs.IntVar(&o.changes, "changes", 1000, "directory changes before the incremental sync")
	fs.IntVar(&o.loadClients, "clients", 32, "concurrent clients for the page load test")
	fs.DurationVar(&o.loadFor, "load-for", 10*time.Second, "how long the page load test runs")
	fs.StringVar(&o.bin, "bin", "bin", "folder with the connect and entra-emulator binaries")
	fs.StringVar(&o.out, "out", "bench/results", "folder for the JSON results")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder (database, logs) for inspection")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := newBench(ctx, o)
	if err != nil {
		return err
	}
	defer b.close()
	res, err := b.all(ctx)
	if err != nil {
		return err
	}
	res.print(stdout)
	path, err := res.save(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "results written to", path)
	return nil
}
