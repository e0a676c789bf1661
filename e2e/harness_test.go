// Package e2e tests the real ledgerbridge binary: the gateway process, its
// plugin child processes, the SQLite files and the HTTP API, as a register
// and BackOffice would use them.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
)

// binary is the ledgerbridge executable built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ledgerbridge-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "ledgerbridge")
	build := exec.Command("go", "build", "-o", binary, "../cmd/ledgerbridge")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build ledgerbridge:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gateway is a running `ledgerbridge serve`.
type gateway struct {
	t   *testing.T
	cmd *exec.Cmd
	URL string
	// OpsURL is the operations listener (/metrics, /debug/pprof/).
	OpsURL  string
	DataDir string
	logs    *syncBuffer
	done    chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run runs a ledgerbridge command to completion and returns its stdout.
func run(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("ledgerbridge %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

// merchant is a merchant created with `ledgerbridge merchants create`.
type merchant struct {
	ID   string            `json:"merchant_id"`
	Keys map[string]string `json:"api_keys"`
}

// createMerchant creates a Swedish merchant with `ledgerbridge merchants
// create` (see createMerchantIn).
func createMerchant(t *testing.T, dataDir, name string, startNumber int) merchant {
	t.Helper()
	return createMerchantIn(t, dataDir, name, core.Sweden, "--invoice-start-number", strconv.Itoa(startNumber))
}

// createMerchantIn creates a merchant in country with `ledgerbridge
// merchants create` and args. The command sets only the company name; the
// next gateway started on dataDir completes the seller data a posted
// invoice needs (see completeSellers).
func createMerchantIn(t *testing.T, dataDir, name string, country core.Country, args ...string) merchant {
	t.Helper()
	out := run(t, append([]string{"merchants", "create", "--data-dir", dataDir, "--name", name, "--country", string(country)}, args...)...)
	var m merchant
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("merchants create printed %q: %v", out, err)
	}
	incomplete.Lock()
	incomplete.byDir[dataDir] = append(incomplete.byDir[dataDir], pendingSeller{m, country})
	incomplete.Unlock()
	return m
}

// pendingSeller is a merchant whose seller data is still to be completed.
type pendingSeller struct {
	m       merchant
	country core.Country
}

// incomplete are the merchants createMerchant made whose seller data no
// gateway has completed yet, by data directory.
var incomplete = struct {
	sync.Mutex
	byDir map[string][]pendingSeller
}{byDir: map[string][]pendingSeller{}}

// completeSellers gives the merchants createMerchant made in g's data
// directory the organization number, VAT number and address a posted
// invoice needs (coretest.Completed), through the API as their admin
// would, keeping the rest of their settings.
func (g *gateway) completeSellers() {
	g.t.Helper()
	incomplete.Lock()
	ms := incomplete.byDir[g.DataDir]
	delete(incomplete.byDir, g.DataDir)
	incomplete.Unlock()
	for _, p := range ms {
		var s core.InvoiceSettings
		g.must("GET", "/v1/invoice-settings", p.m.Keys["admin"], nil, "", 200).decode(g.t, &s)
		g.must("PUT", "/v1/invoice-settings", p.m.Keys["admin"], coretest.Completed(p.country, s), "", 200)
	}
}

// startGateway starts `ledgerbridge serve` on a free loopback port with
// extra args and waits until it serves.
func startGateway(t *testing.T, dataDir string, args ...string) *gateway {
	t.Helper()
	return startGatewayAt(t, dataDir, "127.0.0.1:0", args...)
}

// startGatewayAt starts `ledgerbridge serve` on addr.
func startGatewayAt(t *testing.T, dataDir, addr string, args ...string) *gateway {
	t.Helper()
	g := &gateway{t: t, DataDir: dataDir, logs: &syncBuffer{}, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	// The ops listener on a free port too, so gateways run side by side.
	g.cmd = exec.Command(binary, append([]string{"serve", "--addr", addr, "--ops-addr", "127.0.0.1:0", "--data-dir", dataDir}, args...)...)
	g.cmd.Stdout = g.logs
	g.cmd.Stderr = io.MultiWriter(g.logs, pw)
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { g.done <- g.cmd.Wait(); pw.Close() }()
	type addrs struct {
		Msg     string `json:"msg"`
		Addr    string `json:"addr"`
		OpsAddr string `json:"ops_addr"`
	}
	served := make(chan addrs, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var line addrs
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ledgerbridge serving" {
				served <- line
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-served:
		g.URL, g.OpsURL = "http://"+a.Addr, "http://"+a.OpsAddr
	case err := <-g.done:
		t.Fatalf("gateway exited before serving: %v\n%s", err, g.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gateway did not start within 30s\n%s", g.logs.String())
	}
	t.Cleanup(func() {
		g.stop()
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.logs.String())
		}
	})
	g.completeSellers()
	return g
}

// stop sends SIGTERM and waits for the gateway to exit.
func (g *gateway) stop() {
	if g.cmd.ProcessState != nil {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(20 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
		g.t.Errorf("gateway ignored SIGTERM for 20s")
	}
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

var client = &http.Client{Timeout: 60 * time.Second}

// do sends a JSON request with an API key and optional Idempotency-Key.
func (g *gateway) do(method, path, key string, body any, idempotencyKey string) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, g.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

// must is do that fails the test on a transport error or an unexpected status.
func (g *gateway) must(method, path, key string, body any, idempotencyKey string, want int) response {
	g.t.Helper()
	r, err := g.do(method, path, key, body, idempotencyKey)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.Status != want {
		g.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// pluginPIDs returns the PIDs of the gateway's children running
// `ledgerbridge plugin NAME`.
func (g *gateway) pluginPIDs(name string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid(pid) != g.cmd.Process.Pid {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(cmdline), "plugin\x00"+name+"\x00") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ppid reads a process's parent PID from /proc, or -1.
func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name is in parentheses and may contain spaces.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return -1
	}
	n, _ := strconv.Atoi(fields[1])
	return n
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func decodeBase64(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	if err != nil {
		t.Fatalf("base64 attachment: %v", err)
	}
	return out
}
