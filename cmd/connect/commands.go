package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/config"
	"github.com/connect/connect/internal/store"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := config.Load("connect migrate", args, getenv, stderr, true)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", cfg.DatabasePath(), v)
	return nil
}

// userCommand is `connect user add --email E --role R`, password on stdin, so
// it can be scripted; it may run while `serve` runs (SQLite WAL + busy_timeout).
func userCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: connect user add --email E --role admin|helpdesk (password on standard input)")
	}
	fs := flag.NewFlagSet("connect user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address of the new account")
	role := fs.String("role", "", "admin or helpdesk")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, _, err := config.Load("connect user add", nil, getenv, stderr, false)
	if err != nil {
		return err
	}
	*email = strings.TrimSpace(*email)
	if *email == "" || !strings.Contains(*email, "@") {
		return errors.New("--email: give the new account's email address")
	}
	if _, err := auth.ParseRole(*role); err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, auth.MaxPasswordLen*4+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if msg := auth.CheckPasswordRules(password); msg != "" {
		return fmt.Errorf("password (standard input): %s", msg)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, *email, hash, *role)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("an account with email %s already exists", *email)
	}
	if err != nil {
		return err
	}
	// Who ran the command is not known to Connect: the log says where it came from.
	if err := st.RecordAudit(ctx, store.AuditEvent{At: time.Now(), ActorEmail: "connect user add", Address: "command line",
		Action: store.AuditUserAdded, Target: u.Email + " (" + u.Role + ")"}); err != nil {
		return fmt.Errorf("record the new account in the audit log: %w", err)
	}
	fmt.Fprintf(stdout, "added %s (%s)\n", u.Email, u.Role)
	return nil
}

// openStore opens the database of CONNECT_DATA_DIR, naming the setting when
// it cannot: a wrong directory is a configuration mistake.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabasePath())
	if err != nil {
		return nil, fmt.Errorf("CONNECT_DATA_DIR (--data-dir) %s: %w", cfg.DataDir, err)
	}
	return st, nil
}
