package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// credentials is what the emulator writes with --write-credentials.
type credentials struct {
	TenantDomain  string `json:"tenant_domain"`
	TenantID      string `json:"tenant_id"`
	ApplicationID string `json:"application_id"`
	Key           string `json:"key"`
	AuthorityHost string `json:"authority_host"`
	GraphURL      string `json:"graph_url"`
	CAFile        string `json:"ca_file"`
}

// process is a child program the benchmark started and must stop.
type process struct {
	cmd  *exec.Cmd
	name string
}

func start(ctx context.Context, name, logFile string, env []string, bin string, args ...string) (*process, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &process{cmd: cmd, name: name}, nil
}

// stop sends SIGTERM and waits, as an operator's Ctrl-C would.
func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// memory reads the process's current and peak resident set (VmRSS, VmHWM).
func (p *process) memory() (rssMB, peakMB float64) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "status"))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rssMB = kb / 1024
		case "VmHWM:":
			peakMB = kb / 1024
		}
	}
	return rssMB, peakMB
}

// userHZ is the unit of /proc/<pid>/stat's CPU times: Linux fixes it at
// 100 for user space whatever the kernel's own tick.
const userHZ = 100

// cpuSeconds is the CPU time, user and system, that a process used so far
// (0 when /proc cannot tell).
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	return statCPUSeconds(string(data))
}

// statCPUSeconds reads utime and stime from a /proc/<pid>/stat line.
func statCPUSeconds(stat string) float64 {
	// The command name, field 2, is in parentheses and may hold spaces and
	// parentheses; utime and stime are fields 14 and 15, the 12th and 13th
	// after its last closing parenthesis.
	i := strings.LastIndex(stat, ") ")
	if i < 0 {
		return 0
	}
	fields := strings.Fields(stat[i+2:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / userHZ
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitFor(ctx context.Context, what string, timeout time.Duration, ok func() bool) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: not ready after %s", what, timeout)
}

func readCredentials(path string) (credentials, *http.Client, error) {
	var c credentials
	data, err := os.ReadFile(path)
	if err != nil {
		return c, nil, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, nil, fmt.Errorf("decode %s: %w", path, err)
	}
	ca, err := os.ReadFile(c.CAFile)
	if err != nil {
		return c, nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 64}}
	return c, hc, nil
}
