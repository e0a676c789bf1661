//go:build linux

package pluginhost

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// These tests run real plugin processes: testdata/fakeplugin, built once in
// TestMain and steered through FAKE_* environment variables.

var fakeBin string // path of the built fake plugin

func TestMain(m *testing.M) {
	if os.Getenv("PLUGINHOST_TEST_HOST") != "" {
		runTestHost()
		return
	}
	dir, err := os.MkdirTemp("", "pluginhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeBin = filepath.Join(dir, "fakeplugin")
	build := exec.Command("go", "build", "-o", fakeBin, "./testdata/fakeplugin")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the fake plugin: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runTestHost is a minimal gateway for TestGatewaySIGKILLTakesPluginsWithIt:
// it starts the fake plugin, prints its PID and waits to be killed.
func runTestHost() {
	r := NewRegistry(Options{})
	r.RegisterBuiltin("fake", os.Getenv("PLUGINHOST_TEST_FAKEBIN"))
	if _, err := r.Provider(context.Background(), "fake"); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	_, pid, _ := r.entries["fake"].sup.state()
	fmt.Println(pid)
	select {}
}

// syncBuffer collects log output from many goroutines.
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

// newRegistry returns a registry logging into the returned buffer, closed
// when the test ends. The log is printed if the test failed or
// PLUGINHOST_TEST_LOG is set.
func newRegistry(t *testing.T, opts Options) (*Registry, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	opts.Logger = hclog.New(&hclog.LoggerOptions{Output: buf, Level: hclog.Debug})
	r := NewRegistry(opts)
	t.Cleanup(func() {
		r.Close()
		if t.Failed() || os.Getenv("PLUGINHOST_TEST_LOG") != "" {
			t.Logf("registry log:\n%s", buf.String())
		}
	})
	return r, buf
}

// pidOf returns the PID of the named provider's running plugin, or 0.
func pidOf(r *Registry, name string) int {
	e, _ := r.lookup(name)
	_, pid, _ := e.sup.state()
	return pid
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// waitGone waits up to d for pid to end.
func waitGone(t *testing.T, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after %s", pid, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// callLog reads the fake plugin's call log as "<pid> <method>" lines.
func callLog(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func countLines(lines []string, suffix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasSuffix(l, " "+suffix) {
			n++
		}
	}
	return n
}

var conn = core.Connection{MerchantID: "m1", Country: "SE", Currency: "SEK"}

func TestPluginStartsAndServes(t *testing.T) {
	r, logs := newRegistry(t, Options{})
	r.RegisterBuiltinEnv("fake", fakeBin, []string{"FAKE_VERSION=1.2.3"})
	if pid := pidOf(r, "fake"); pid != 0 {
		t.Fatalf("plugin started before first use (pid %d)", pid)
	}
	ctx := context.Background()
	p, err := r.Provider(ctx, "fake")
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Describe(ctx)
	if err != nil || d.Name != "fake" || d.Version != "1.2.3" {
		t.Fatalf("Describe = %+v, %v", d, err)
	}
	pid := pidOf(r, "fake")
	if pid == 0 || !alive(pid) {
		t.Fatalf("plugin pid %d not alive", pid)
	}
	inv, err := p.CreateInvoice(ctx, conn, core.InvoiceRequest{ExternalRef: "r1", CustomerID: "c1", Total: 12500, Currency: "SEK"})
	if err != nil || inv.ID == "" || inv.Total != 12500 {
		t.Fatalf("CreateInvoice = %+v, %v", inv, err)
	}
	// Provider errors cross the process boundary with their code.
	if _, err := p.GetCustomer(ctx, conn, "nope"); core.Code(err) != core.CodeNotFound {
		t.Errorf("GetCustomer(unknown) = %v, want not_found", err)
	}
	if _, err := r.Provider(ctx, "missing"); core.Code(err) != core.CodeNotFound {
		t.Errorf("Provider(missing) = %v, want not_found", err)
	}
	if !strings.Contains(logs.String(), "pluginhost: plugin started") {
		t.Error("start not logged")
	}
}

// Drafts, posting and collective invoicing work end to end through a real
// plugin process.
func TestInvoicingMethodsThroughPlugin(t *testing.T) {
	r, _ := newRegistry(t, Options{})
	r.RegisterBuiltinEnv("fake", fakeBin, nil)
	ctx := context.Background()
	p, err := r.Provider(ctx, "fake")
	if err != nil {
		t.Fatal(err)
	}

	draft, err := p.CreateInvoice(ctx, conn, core.InvoiceRequest{Draft: true, ExternalRef: "d1", CustomerID: "c1", Total: 100, Currency: "SEK"})
	if err != nil || draft.Status != core.StatusDraft || draft.Number != 0 {
		t.Fatalf("CreateInvoice(draft) = %+v, %v; want an unnumbered draft", draft, err)
	}
	upd, err := p.UpdateDraft(ctx, conn, draft.ID, core.InvoiceRequest{CustomerID: "c0", OrderedBy: "c1", InvoiceDate: "2026-05-02", Total: 250, Currency: "SEK"})
	if err != nil || upd.ID != draft.ID || upd.CustomerID != "c0" || upd.OrderedByCustomerID != "c1" || upd.Total != 250 {
		t.Fatalf("UpdateDraft = %+v, %v", upd, err)
	}
	posted, err := p.PostInvoice(ctx, conn, draft.ID, "2026-05-03")
	if err != nil || posted.Status != core.StatusPosted || posted.Number == 0 || posted.InvoiceDate != "2026-05-03" {
		t.Fatalf("PostInvoice = %+v, %v; want posted and numbered", posted, err)
	}
	again, err := p.PostInvoice(ctx, conn, draft.ID, "2026-06-01")
	if err != nil || again.Number != posted.Number || again.InvoiceDate != posted.InvoiceDate {
		t.Errorf("PostInvoice again = %+v, %v; want it unchanged", again, err)
	}
	if _, err := p.UpdateDraft(ctx, conn, draft.ID, core.InvoiceRequest{}); core.Code(err) != core.CodeConflict {
		t.Errorf("UpdateDraft(posted) = %v, want conflict", err)
	}
	if _, err := p.PostInvoice(ctx, conn, "nope", ""); core.Code(err) != core.CodeNotFound {
		t.Errorf("PostInvoice(unknown) = %v, want not_found", err)
	}

	line := core.InvoiceLine{Description: "Lunch", Quantity: decimal.RequireFromString("1.500"), VATRate: decimal.RequireFromString("12"), Net: 1000, VAT: 120, Total: 1120}
	var orderIDs []string
	for i, ref := range []string{"o1", "o2", "o1"} {
		o, err := p.CreateOrder(ctx, conn, core.InvoiceRequest{ExternalRef: ref, CustomerID: "c1", Currency: "SEK",
			Lines: []core.InvoiceLine{line}, VATBreakdown: []core.VATAmount{{VATRate: line.VATRate, Net: 1000, VAT: 120}},
			NetTotal: 1000, VATTotal: 120, Total: 1120})
		if err != nil || o.Status != core.OrderOpen {
			t.Fatalf("CreateOrder(%s) = %+v, %v", ref, o, err)
		}
		if i < 2 {
			orderIDs = append(orderIDs, o.ID)
		} else if o.ID != orderIDs[0] {
			t.Errorf("CreateOrder repeated under %s made %s, want %s", ref, o.ID, orderIDs[0])
		}
	}
	page, err := p.ListOrders(ctx, conn, core.OrderQuery{CustomerID: "c1", Status: core.OrderOpen, Limit: 1})
	if err != nil || len(page.Orders) != 1 || page.Orders[0].ID != orderIDs[0] || page.NextCursor == "" {
		t.Fatalf("ListOrders page 1 = %+v, %v", page, err)
	}
	page, err = p.ListOrders(ctx, conn, core.OrderQuery{CustomerID: "c1", Limit: 1, Cursor: page.NextCursor})
	if err != nil || len(page.Orders) != 1 || page.Orders[0].ID != orderIDs[1] || page.NextCursor != "" {
		t.Fatalf("ListOrders page 2 = %+v, %v", page, err)
	}
	if _, err := p.ListOrders(ctx, conn, core.OrderQuery{Cursor: "x"}); core.Code(err) != core.CodeInvalid {
		t.Errorf("ListOrders(bad cursor) = %v, want invalid", err)
	}

	req := core.CollectiveRequest{ExternalRef: "coll-1", CustomerID: "c1", BillToCustomerID: "c0", InvoiceDate: "2026-05-31"}
	inv, err := p.InvoiceOrders(ctx, conn, req)
	if err != nil || inv.CustomerID != "c0" || inv.OrderedByCustomerID != "c1" || inv.Total != 2240 ||
		strings.Join(inv.OrderIDs, ",") != strings.Join(orderIDs, ",") || len(inv.Lines) != 2 || inv.Lines[1].OrderID != orderIDs[1] ||
		len(inv.VATBreakdown) != 1 || inv.VATBreakdown[0].Net != 2000 || inv.VATBreakdown[0].VAT != 240 {
		t.Fatalf("InvoiceOrders = %+v, %v", inv, err)
	}
	if again, err := p.InvoiceOrders(ctx, conn, req); err != nil || again.ID != inv.ID {
		t.Errorf("InvoiceOrders repeated = %+v, %v; want %s again", again, err, inv.ID)
	}
	page, err = p.ListOrders(ctx, conn, core.OrderQuery{Status: core.OrderInvoiced})
	if err != nil || len(page.Orders) != 2 || page.Orders[0].InvoiceID != inv.ID {
		t.Errorf("ListOrders(invoiced) = %+v, %v", page, err)
	}
	if _, err := p.InvoiceOrders(ctx, conn, core.CollectiveRequest{ExternalRef: "coll-2", CustomerID: "c1"}); core.Code(err) != core.CodeNotFound {
		t.Errorf("InvoiceOrders with nothing open = %v, want not_found", err)
	}
}

func TestKilledPluginRestartsOnNextCall(t *testing.T) {
	r, logs := newRegistry(t, Options{})
	r.RegisterBuiltinEnv("fake", fakeBin, nil)
	ctx := context.Background()
	p, err := r.Provider(ctx, "fake")
	if err != nil {
		t.Fatal(err)
	}
	pid1 := pidOf(r, "fake")
	if err := syscall.Kill(pid1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Straight away, many callers at once: all succeed, one restart.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = p.Describe(ctx)
			} else {
				_, err = p.CreateInvoice(ctx, conn, core.InvoiceRequest{ExternalRef: "r" + strconv.Itoa(i)})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("call after kill -9: %v", err)
		}
	}
	pid2 := pidOf(r, "fake")
	if pid2 == 0 || pid2 == pid1 {
		t.Fatalf("pid after restart = %d, before %d", pid2, pid1)
	}
	waitGone(t, pid1, 2*time.Second)
	log := logs.String()
	if n := strings.Count(log, "pluginhost: plugin started"); n != 2 {
		t.Errorf("plugin started %d times, want 2 (one restart)", n)
	}
	if !strings.Contains(log, "will restart") {
		t.Error("exit not logged")
	}
}

func TestPluginDeathDuringCall(t *testing.T) {
	for _, tc := range []struct {
		method    string
		call      func(core.Provider) error
		wantRetry bool
	}{
		{"CreateInvoice", func(p core.Provider) error {
			_, err := p.CreateInvoice(context.Background(), conn, core.InvoiceRequest{ExternalRef: "r1"})
			return err
		}, true},
		{"ExportSales", func(p core.Provider) error {
			_, err := p.ExportSales(context.Background(), conn, core.Voucher{ExternalRef: "day-1", Date: "2026-05-01", Currency: "SEK",
				Postings: []core.Posting{{Account: "1930", Amount: 100}, {Account: "3001", Amount: -100}}})
			return err
		}, true},
		{"CreateOrder", func(p core.Provider) error {
			_, err := p.CreateOrder(context.Background(), conn, core.InvoiceRequest{ExternalRef: "o1", CustomerID: "c1"})
			return err
		}, true},
		{"ListOrders", func(p core.Provider) error {
			_, err := p.ListOrders(context.Background(), conn, core.OrderQuery{})
			return err
		}, true},
		{"CreateCustomer", func(p core.Provider) error {
			_, err := p.CreateCustomer(context.Background(), conn, core.Customer{Name: "Acme"})
			return err
		}, false},
	} {
		t.Run(tc.method, func(t *testing.T) {
			dir := t.TempDir()
			logPath := filepath.Join(dir, "calls.log")
			r, _ := newRegistry(t, Options{})
			r.RegisterBuiltinEnv("fake", fakeBin, []string{
				"FAKE_LOG=" + logPath,
				"FAKE_CRASH_METHODS=" + tc.method,
				"FAKE_CRASH_MARKER=" + filepath.Join(dir, "crashed"),
			})
			p, err := r.Provider(context.Background(), "fake")
			if err != nil {
				t.Fatal(err)
			}
			pid1 := pidOf(r, "fake")
			err = tc.call(p)
			calls := callLog(t, logPath)
			if tc.wantRetry {
				if err != nil {
					t.Fatalf("%s after the plugin died mid-call: %v, want success after one retry", tc.method, err)
				}
				want := []string{fmt.Sprintf("%d %s", pid1, tc.method)}
				if pid2 := pidOf(r, "fake"); pid2 != pid1 {
					want = append(want, fmt.Sprintf("%d %s", pid2, tc.method))
				}
				if strings.Join(calls, "\n") != strings.Join(want, "\n") {
					t.Errorf("plugin saw calls %q, want %q", calls, want)
				}
				return
			}
			if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "died during "+tc.method) {
				t.Fatalf("%s = %v, want unavailable 'died during'", tc.method, err)
			}
			if n := countLines(calls, tc.method); n != 1 {
				t.Errorf("%s reached the plugin %d times, want 1 (never repeated)", tc.method, n)
			}
			// The next call restarts the plugin and works.
			if err := tc.call(p); err != nil {
				t.Fatalf("next %s: %v", tc.method, err)
			}
			if pidOf(r, "fake") == pid1 {
				t.Error("plugin was not restarted")
			}
		})
	}
}

func TestCallTimeout(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "calls.log")
	r, _ := newRegistry(t, Options{CallTimeout: 300 * time.Millisecond})
	r.RegisterBuiltinEnv("fake", fakeBin, []string{"FAKE_LOG=" + logPath, "FAKE_SLOW=10s", "FAKE_SLOW_METHODS=ListLedgerAccounts"})
	ctx := context.Background()
	p, err := r.Provider(ctx, "fake")
	if err != nil {
		t.Fatal(err)
	}
	pid := pidOf(r, "fake")
	t0 := time.Now()
	_, err = p.ListLedgerAccounts(ctx, conn)
	took := time.Since(t0)
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "did not answer ListLedgerAccounts within 300ms") {
		t.Fatalf("err = %v, want unavailable timeout", err)
	}
	if took > 2*time.Second {
		t.Errorf("timeout took %s", took)
	}
	// The deadline reached the plugin, which gave up too.
	waitFor(t, 2*time.Second, func() bool { return countLines(callLog(t, logPath), "cancelled ListLedgerAccounts") == 1 })
	// A slow plugin is not a dead one: same process, still serving.
	if _, err := p.Describe(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pidOf(r, "fake"); got != pid {
		t.Errorf("pid changed from %d to %d after a timeout", pid, got)
	}
}

func TestCallerCancellationPropagates(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "calls.log")
	r, _ := newRegistry(t, Options{})
	r.RegisterBuiltinEnv("fake", fakeBin, []string{"FAKE_LOG=" + logPath, "FAKE_SLOW=10s", "FAKE_SLOW_METHODS=SearchCustomers"})
	p, err := r.Provider(context.Background(), "fake")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	t0 := time.Now()
	_, err = p.SearchCustomers(ctx, conn, core.CustomerQuery{Q: "a"})
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "cancelled by the caller") {
		t.Fatalf("err = %v, want unavailable cancelled", err)
	}
	if took := time.Since(t0); took > 2*time.Second {
		t.Errorf("cancel took %s", took)
	}
	waitFor(t, 2*time.Second, func() bool { return countLines(callLog(t, logPath), "cancelled SearchCustomers") == 1 })
}

// copyFile copies the fake plugin so a test may alter its copy.
func copyFile(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "plugin-copy")
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestExternalPluginChecksum(t *testing.T) {
	sum, err := fileSHA256(fakeBin)
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Repeat("ab", 32)
	ctx := context.Background()

	t.Run("mismatch is refused naming file and checksums", func(t *testing.T) {
		r, _ := newRegistry(t, Options{})
		err := r.RegisterExternal("fake", fakeBin, wrong)
		if core.Code(err) != core.CodeUnavailable {
			t.Fatalf("RegisterExternal = %v, want unavailable", err)
		}
		for _, want := range []string{fakeBin, "expected " + wrong, "actual " + sum} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
		// Registered anyway, but it never runs.
		if _, err := r.Provider(ctx, "fake"); core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "actual "+sum) {
			t.Errorf("Provider = %v, want the checksum refusal", err)
		}
		if pid := pidOf(r, "fake"); pid != 0 {
			t.Errorf("mismatching plugin runs as pid %d", pid)
		}
	})

	t.Run("match serves", func(t *testing.T) {
		r, _ := newRegistry(t, Options{})
		if err := r.RegisterExternal("fake", fakeBin, strings.ToUpper(sum)); err != nil {
			t.Fatal(err)
		}
		p, err := r.Provider(ctx, "fake")
		if err != nil {
			t.Fatal(err)
		}
		if d, err := p.Describe(ctx); err != nil || d.Version != "1.0.0" {
			t.Fatalf("Describe = %+v, %v", d, err)
		}
	})

	t.Run("checked again before every start", func(t *testing.T) {
		path := copyFile(t, fakeBin)
		r, _ := newRegistry(t, Options{})
		if err := r.RegisterExternal("fake", path, sum); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("tampered"))
		f.Close()
		_, err = r.Provider(ctx, "fake")
		if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "mismatch") {
			t.Fatalf("Provider after tampering = %v, want refusal naming %s", err, path)
		}
	})

	t.Run("bad registrations", func(t *testing.T) {
		r, _ := newRegistry(t, Options{})
		missing := filepath.Join(t.TempDir(), "no-such-plugin")
		if err := r.RegisterExternal("gone", missing, sum); core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), missing) {
			t.Errorf("missing file: %v, want unavailable naming %s", err, missing)
		}
		for _, bad := range []string{"", "abc", strings.Repeat("zz", 32), sum + "00"} {
			err := r.RegisterExternal("bad", fakeBin, bad)
			if ce := core.AsError(err); ce == nil || ce.Code != core.CodeInvalid || len(ce.Fields) != 1 || ce.Fields[0].Field != "sha256" {
				t.Errorf("checksum %q: %v, want invalid naming sha256", bad, err)
			}
		}
		if err := r.RegisterExternal("gone", fakeBin, sum); core.Code(err) != core.CodeConflict {
			t.Errorf("duplicate name: %v, want conflict", err)
		}
		if got := r.Names(); strings.Join(got, ",") != "gone" {
			t.Errorf("Names = %v, want only the registered one", got)
		}
	})
}

// An external plugin is known by the name it is configured under; one that
// reports another name through Describe is refused (never served), with an
// error naming both names, in calls and in the listing.
func TestExternalPluginMustReportItsConfiguredName(t *testing.T) {
	sum, err := fileSHA256(fakeBin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, _ := newRegistry(t, Options{BackoffMin: time.Minute})
	if err := r.RegisterExternal("fortnox", fakeBin, sum); err != nil {
		t.Fatal(err) // the checksum matches: nothing is known yet
	}
	wants := []string{`"fortnox"`, `"fake"`, fakeBin, "plugins.external"}
	_, err = r.Provider(ctx, "fortnox")
	if core.Code(err) != core.CodeUnavailable {
		t.Fatalf("Provider = %v, want unavailable", err)
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if pid := pidOf(r, "fortnox"); pid != 0 {
		t.Errorf("misnamed plugin still runs as pid %d", pid)
	}
	pi := r.Plugins(ctx)[0]
	if pi.Status != StatusFailed || !strings.Contains(pi.Error, `reports its name as "fake"`) {
		t.Errorf("listing = %+v, want failed with the mismatch", pi)
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	r, _ := newRegistry(t, Options{})
	r.RegisterBuiltinEnv("a", fakeBin, nil)
	r.RegisterBuiltinEnv("b", fakeBin, nil)
	ctx := context.Background()
	var pids []int
	for _, name := range []string{"a", "b"} {
		if _, err := r.Provider(ctx, name); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pidOf(r, name))
	}
	pa, _ := r.Provider(ctx, "a")
	r.Close()
	for _, pid := range pids {
		if pid == 0 || alive(pid) {
			t.Errorf("plugin pid %d alive after Close", pid)
		}
		// Reaped, not just dead.
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("plugin pid %d not reaped after Close", pid)
		}
	}
	if _, err := pa.Describe(ctx); core.Code(err) != core.CodeUnavailable {
		t.Errorf("call after Close = %v, want unavailable", err)
	}
	r.Close() // idempotent
}

func TestPluginsListing(t *testing.T) {
	sum, err := fileSHA256(fakeBin)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRegistry(t, Options{BackoffMin: time.Minute})
	r.RegisterBuiltinEnv("open", fakeBin, []string{"FAKE_VERSION=2.0.0"})
	if err := r.RegisterExternal("fake", fakeBin, sum); err != nil {
		t.Fatal(err)
	}
	r.RegisterInProcess("mem", &stubProvider{describe: func(context.Context) (core.Descriptor, error) {
		return core.Descriptor{Name: "mem", Version: "0.9"}, nil
	}})
	r.RegisterBuiltinEnv("broken", fakeBin, []string{"FAKE_EXIT_AT_START=1"})

	got := r.Plugins(context.Background())
	byName := map[string]PluginInfo{}
	var names []string
	for _, pi := range got {
		byName[pi.Name] = pi
		names = append(names, pi.Name)
	}
	if strings.Join(names, ",") != "broken,fake,mem,open" {
		t.Fatalf("names = %v, want sorted", names)
	}
	check := func(pi PluginInfo, kind, version, path, sha, status string) {
		t.Helper()
		if pi.Kind != kind || pi.Version != version || pi.Path != path || pi.SHA256 != sha || pi.Status != status {
			t.Errorf("%s = %+v, want kind %s version %q path %q sha %q status %s", pi.Name, pi, kind, version, path, sha, status)
		}
	}
	check(byName["open"], KindBuiltin, "2.0.0", fakeBin, sum, StatusRunning)
	check(byName["fake"], KindExternal, "1.0.0", fakeBin, sum, StatusRunning)
	check(byName["mem"], KindInProcess, "0.9", "", "", StatusRunning)
	check(byName["broken"], KindBuiltin, "", fakeBin, sum, StatusFailed)
	for _, name := range []string{"open", "fake"} {
		if pi := byName[name]; pi.PID == 0 || !alive(pi.PID) || pi.Error != "" {
			t.Errorf("%s: pid %d error %q, want a live process and no error", name, pi.PID, pi.Error)
		}
	}
	if pi := byName["mem"]; pi.PID != 0 {
		t.Errorf("in-process pid = %d, want 0", pi.PID)
	}
	if pi := byName["broken"]; pi.PID != 0 || !strings.Contains(pi.Error, "failed to start") {
		t.Errorf("broken = %+v, want an error saying it failed to start", pi)
	}
	if got := r.Names(); strings.Join(got, ",") != "broken,fake,mem,open" {
		t.Errorf("Names = %v", got)
	}
}

func TestBrokenPluginBacksOff(t *testing.T) {
	r, logs := newRegistry(t, Options{BackoffMin: 300 * time.Millisecond})
	r.RegisterBuiltinEnv("broken", fakeBin, []string{"FAKE_EXIT_AT_START=1"})
	ctx := context.Background()
	for i := range 2 {
		if _, err := r.Provider(ctx, "broken"); core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "failed to start") {
			t.Fatalf("attempt %d: %v, want unavailable failed to start", i, err)
		}
	}
	_, err := r.Provider(ctx, "broken")
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "next restart attempt in") {
		t.Fatalf("during backoff: %v, want fail-fast with retry time", err)
	}
	if n := strings.Count(logs.String(), "pluginhost: starting plugin"); n != 2 {
		t.Errorf("start attempts = %d, want 2 (none while backing off)", n)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := r.Provider(ctx, "broken"); !strings.Contains(err.Error(), "failed to start") {
		t.Fatalf("after backoff: %v, want a new attempt", err)
	}
}

func TestGatewaySIGKILLTakesPluginsWithIt(t *testing.T) {
	host := exec.Command(os.Args[0], "-test.run=^$")
	host.Env = append(os.Environ(), "PLUGINHOST_TEST_HOST=1", "PLUGINHOST_TEST_FAKEBIN="+fakeBin)
	out, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	defer host.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading plugin pid from host: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid == 0 || !alive(pid) {
		t.Fatalf("host said %q", line)
	}
	host.Process.Kill() // SIGKILL: no cleanup code runs in the host
	host.Wait()
	waitGone(t, pid, 3*time.Second)
}

func TestParentDeathSignalIsSet(t *testing.T) {
	cmd := exec.Command(fakeBin)
	setParentDeathSignal(cmd)
	if cmd.SysProcAttr == nil || cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL {
		t.Errorf("SysProcAttr = %+v, want Pdeathsig SIGKILL", cmd.SysProcAttr)
	}
}
