package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/testutil"
)

// eventually polls cond; the bound is a safety net, not a timing assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting: %s", what)
}

// waitHealthy waits until serve at addr answers /healthz.
func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	eventually(t, "serve answers /healthz", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// Stopping serve (the context main cancels on SIGTERM) lets a request in
// flight finish: the request here is in flight because its handler waits
// for the body when the stop comes. New connections are refused meanwhile,
// and run returns nil once the request has its answer.
func TestServeFinishesRequestsInFlightOnStop(t *testing.T) {
	addr := "127.0.0.1:" + freePort(t)
	dir := t.TempDir()
	env := map[string]string{"CONNECT_DATA_DIR": dir, "CONNECT_ADDR": addr}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	}()
	waitHealthy(t, addr)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the request is in flight.
	body := "email=nobody%40example.com&password=not+the+password"
	head := "POST /login HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Sec-Fetch-Site: same-origin\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	answers := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(answers, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v", err)
	}

	stop()
	// The listener closes as the shutdown starts.
	eventually(t, "new connections are refused", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) with a request in flight", err)
	default:
	}

	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode >= 500 || !strings.Contains(string(page), "</html>") {
		t.Fatalf("the request in flight: status %d, %d bytes, %v", resp.StatusCode, len(page), err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve after the stop: %v", err)
	}
}

// Lines the store logs while serve runs come out in serve's format: here
// the one-time rebuild of a database made with 4 KB pages, as JSON.
func TestServeLogsTheStoreInItsFormat(t *testing.T) {
	addr := "127.0.0.1:" + freePort(t)
	dir := t.TempDir()
	old, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE kept (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	env := map[string]string{"CONNECT_DATA_DIR": dir, "CONNECT_ADDR": addr, "CONNECT_LOG_FORMAT": "json"}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var stderr testutil.SyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &stderr)
	}()
	waitHealthy(t, addr)
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	want := `"msg":"rebuilt the database with larger pages, once"`
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("serve's log has no JSON line %s:\n%s", want, stderr.String())
	}
}
