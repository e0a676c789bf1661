package pluginhost

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
)

// These tests drive the supervisor's state machine with fake instances; the
// tests in plugin_test.go do the same against real plugin processes.

// stubProvider answers Describe and CreateInvoice/CreateCustomer through
// hooks; any other method panics via the nil embedded interface.
type stubProvider struct {
	core.Provider
	describe       func(ctx context.Context) (core.Descriptor, error)
	createInvoice  func(ctx context.Context) (core.Invoice, error)
	createCustomer func(ctx context.Context) (core.Customer, error)
}

func (p *stubProvider) Describe(ctx context.Context) (core.Descriptor, error) {
	if p.describe != nil {
		return p.describe(ctx)
	}
	return core.Descriptor{Name: "stub", Version: "1"}, nil
}

func (p *stubProvider) CreateInvoice(ctx context.Context, _ core.Connection, _ core.InvoiceRequest) (core.Invoice, error) {
	return p.createInvoice(ctx)
}

func (p *stubProvider) CreateCustomer(ctx context.Context, _ core.Connection, _ core.Customer) (core.Customer, error) {
	return p.createCustomer(ctx)
}

// fakeProc is a pretend plugin process.
type fakeProc struct {
	pid     int
	dead    atomic.Bool
	hung    atomic.Bool
	killed  atomic.Bool
	stopped atomic.Bool
}

func (f *fakeProc) instance(prov core.Provider) *instance {
	return &instance{
		prov:    prov,
		pid:     f.pid,
		started: time.Now(),
		exited:  f.dead.Load,
		ping: func() error {
			if f.dead.Load() || f.hung.Load() {
				return errors.New("connection refused")
			}
			return nil
		},
		kill:      func() { f.stopped.Store(true); f.dead.Store(true) },
		forceKill: func() { f.killed.Store(true); f.dead.Store(true) },
	}
}

// fakeHost is a supervisor whose launches are scripted.
type fakeHost struct {
	s        *supervisor
	mu       sync.Mutex
	procs    []*fakeProc
	launches atomic.Int32
	failNext atomic.Int32 // launches still to fail
	clock    *coretest.Clock
	prov     func(p *fakeProc) core.Provider
	delay    time.Duration
}

func newFakeHost(t *testing.T) *fakeHost {
	t.Helper()
	h := &fakeHost{clock: coretest.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))}
	h.prov = func(*fakeProc) core.Provider { return &stubProvider{} }
	opts := Options{Logger: hclog.NewNullLogger(), CallTimeout: time.Second, BackoffMin: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond}.withDefaults()
	h.s = newSupervisor("stub", KindBuiltin, "/bin/stub", nil, nil, "", opts)
	h.s.now = h.clock.Now
	h.s.launch = func() (*instance, error) {
		n := h.launches.Add(1)
		time.Sleep(h.delay)
		if h.failNext.Load() > 0 {
			h.failNext.Add(-1)
			return nil, errors.New("boom")
		}
		p := &fakeProc{pid: 1000 + int(n)}
		h.mu.Lock()
		h.procs = append(h.procs, p)
		h.mu.Unlock()
		inst := p.instance(h.prov(p))
		inst.started = h.clock.Now()
		return inst, nil
	}
	t.Cleanup(h.s.close)
	return h
}

func (h *fakeHost) proc(i int) *fakeProc {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.procs[i]
}

func TestBackoff(t *testing.T) {
	s := &supervisor{opts: Options{BackoffMin: 200 * time.Millisecond, BackoffMax: time.Second}}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{1, 0}, // first failure after a healthy run: restart at once
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{1000, time.Second}, // no overflow
	} {
		if got := s.backoff(tc.failures); got != tc.want {
			t.Errorf("backoff(%d) = %s, want %s", tc.failures, got, tc.want)
		}
	}
}

func TestRetrySafe(t *testing.T) {
	want := map[string]bool{
		"Describe": true, "VerifyConnection": true, "SearchCustomers": true, "GetCustomer": true,
		"UpdateCustomer": true, "CreateInvoice": true, "GetInvoice": true, "ListInvoices": true,
		"CreditInvoice": true, "MarkInvoicePaid": true, "InvoicePDF": true, "InvoiceUBL": true, "ListLedgerAccounts": true,
		"ListVATCodes": true, "ListPaymentTypes": true, "ExportSales": true,
		// Replaces the draft wholesale.
		"UpdateDraft": true,
		// Posting a posted invoice returns it.
		"PostInvoice": true,
		// Idempotent on ExternalRef.
		"CreateOrder": true, "InvoiceOrders": true, "RefundOrder": true,
		// A read.
		"ListOrders": true,
		// No idempotency key: a repeat could create a duplicate customer.
		"CreateCustomer": false,
		// A repeat would be refused as a duplicate of the first.
		"CreateLedgerAccount": false,
	}
	for m, safe := range want {
		if got := retrySafe(m); got != safe {
			t.Errorf("retrySafe(%s) = %v, want %v", m, got, safe)
		}
	}
	// Every method of core.Provider is classified on purpose, here and in
	// retryClass; a new method must be added to both.
	iface := reflect.TypeOf((*core.Provider)(nil)).Elem()
	for i := 0; i < iface.NumMethod(); i++ {
		m := iface.Method(i).Name
		if _, ok := want[m]; !ok {
			t.Errorf("core.Provider.%s has no expected retry class in this test", m)
		}
		if _, ok := retryClass[m]; !ok {
			t.Errorf("core.Provider.%s is not classified in retryClass", m)
		}
	}
	if len(retryClass) != iface.NumMethod() {
		t.Errorf("retryClass has %d entries, core.Provider %d methods", len(retryClass), iface.NumMethod())
	}
	if retrySafe("NoSuchMethod") {
		t.Error("an unclassified method is retried")
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.CallTimeout != 30*time.Second || o.StartTimeout != 15*time.Second ||
		o.BackoffMin != 200*time.Millisecond || o.BackoffMax != 30*time.Second || o.Logger == nil {
		t.Errorf("defaults = %+v", o)
	}
	o = Options{CallTimeout: time.Second, BackoffMin: time.Minute, BackoffMax: time.Second}.withDefaults()
	if o.CallTimeout != time.Second || o.BackoffMax != time.Minute {
		t.Errorf("explicit options not kept or max below min: %+v", o)
	}
}

func TestSupervisorStartsOnceForConcurrentCallers(t *testing.T) {
	h := newFakeHost(t)
	h.delay = 50 * time.Millisecond
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.s.Describe(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Describe: %v", err)
		}
	}
	if n := h.launches.Load(); n != 1 {
		t.Errorf("launches = %d, want 1", n)
	}
}

func TestSupervisorBacksOffAfterRepeatedStartFailures(t *testing.T) {
	h := newFakeHost(t)
	ctx := context.Background()
	h.failNext.Store(3)

	// First failure: reported as is, and the next call may try again at once.
	_, err := h.s.Describe(ctx)
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "failed to start: boom") {
		t.Fatalf("first call: %v, want unavailable 'failed to start: boom'", err)
	}
	// Second failure: now backing off BackoffMin.
	if _, err = h.s.Describe(ctx); core.Code(err) != core.CodeUnavailable {
		t.Fatalf("second call: %v", err)
	}
	if n := h.launches.Load(); n != 2 {
		t.Fatalf("launches = %d, want 2", n)
	}
	// While backing off, calls fail fast, say when, and do not launch.
	_, err = h.s.Describe(ctx)
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeUnavailable || ce.RetryAfter != 100*time.Millisecond ||
		!strings.Contains(ce.Message, "next restart attempt in 100ms") || !strings.Contains(ce.Message, "boom") {
		t.Fatalf("during backoff: %#v", err)
	}
	if n := h.launches.Load(); n != 2 {
		t.Fatalf("launched during backoff: launches = %d", n)
	}
	if status, _, cause := h.s.state(); status != StatusFailed || !strings.Contains(cause, "boom") {
		t.Errorf("state = %s %q, want failed with cause", status, cause)
	}
	// After the backoff the next call starts again; it fails and the wait doubles.
	h.clock.Advance(100 * time.Millisecond)
	if _, err = h.s.Describe(ctx); err == nil {
		t.Fatal("third launch should fail")
	}
	if _, err = h.s.Describe(ctx); !errors.As(err, &ce) || ce.RetryAfter != 200*time.Millisecond {
		t.Fatalf("after third failure: %v, want retry after 200ms", err)
	}
	// The fourth launch succeeds, and a successful call resets the count.
	h.clock.Advance(200 * time.Millisecond)
	if _, err = h.s.Describe(ctx); err != nil {
		t.Fatalf("after backoff: %v", err)
	}
	if status, pid, _ := h.s.state(); status != StatusRunning || pid != 1004 {
		t.Errorf("state = %s pid %d, want running 1004", status, pid)
	}
	h.s.mu.Lock()
	failures := h.s.failures
	h.s.mu.Unlock()
	if failures != 0 {
		t.Errorf("failures after a healthy call = %d, want 0", failures)
	}
}

func TestSupervisorRestartsExitedProcessOnNextCall(t *testing.T) {
	h := newFakeHost(t)
	ctx := context.Background()
	if _, err := h.s.Describe(ctx); err != nil {
		t.Fatal(err)
	}
	h.proc(0).dead.Store(true)
	if _, err := h.s.Describe(ctx); err != nil {
		t.Fatalf("call after crash: %v", err)
	}
	if n := h.launches.Load(); n != 2 {
		t.Errorf("launches = %d, want 2", n)
	}
	waitFor(t, time.Second, h.proc(0).stopped.Load) // the dead process's client is killed
}

func TestSupervisorRetriesOnlySafeMethodsAfterMidCallDeath(t *testing.T) {
	h := newFakeHost(t)
	var crashed atomic.Bool
	h.prov = func(p *fakeProc) core.Provider {
		die := func() error {
			if crashed.CompareAndSwap(false, true) {
				p.dead.Store(true)
				return core.Errorf(core.CodeUnavailable, "transport is closing")
			}
			return nil
		}
		return &stubProvider{
			createInvoice: func(context.Context) (core.Invoice, error) {
				if err := die(); err != nil {
					return core.Invoice{}, err
				}
				return core.Invoice{ID: "i1", ProviderRef: string(rune('0' + p.pid%10))}, nil
			},
			createCustomer: func(context.Context) (core.Customer, error) {
				if err := die(); err != nil {
					return core.Customer{}, err
				}
				return core.Customer{ID: "c1"}, nil
			},
		}
	}
	ctx := context.Background()

	inv, err := h.s.CreateInvoice(ctx, core.Connection{}, core.InvoiceRequest{ExternalRef: "r1"})
	if err != nil || inv.ID != "i1" {
		t.Fatalf("CreateInvoice = %+v, %v; want retried success", inv, err)
	}
	if n := h.launches.Load(); n != 2 {
		t.Errorf("launches = %d, want 2 (restart for the retry)", n)
	}

	crashed.Store(false)
	_, err = h.s.CreateCustomer(ctx, core.Connection{}, core.Customer{Name: "A"})
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "died during CreateCustomer") {
		t.Fatalf("CreateCustomer = %v, want unavailable without retry", err)
	}
	if n := h.launches.Load(); n != 2 {
		t.Errorf("CreateCustomer was retried: launches = %d, want 2", n)
	}
	// The next call restarts the plugin.
	if _, err := h.s.CreateCustomer(ctx, core.Connection{}, core.Customer{Name: "A"}); err != nil {
		t.Fatalf("CreateCustomer after restart: %v", err)
	}
}

func TestSupervisorPassesProviderUnavailableThroughWhenProcessIsAlive(t *testing.T) {
	h := newFakeHost(t)
	h.prov = func(*fakeProc) core.Provider {
		return &stubProvider{createInvoice: func(context.Context) (core.Invoice, error) {
			return core.Invoice{}, core.Errorf(core.CodeUnavailable, "Fortnox is down")
		}}
	}
	_, err := h.s.CreateInvoice(context.Background(), core.Connection{}, core.InvoiceRequest{})
	if core.Code(err) != core.CodeUnavailable || core.AsError(err).Message != "Fortnox is down" {
		t.Fatalf("err = %v, want the provider's own message", err)
	}
	if n := h.launches.Load(); n != 1 {
		t.Errorf("launches = %d, want 1: a live plugin must not be restarted", n)
	}
}

func TestSupervisorKillsHungProcess(t *testing.T) {
	h := newFakeHost(t)
	h.prov = func(p *fakeProc) core.Provider {
		return &stubProvider{createInvoice: func(context.Context) (core.Invoice, error) {
			if p.hung.Load() {
				return core.Invoice{}, core.Errorf(core.CodeUnavailable, "connection reset")
			}
			return core.Invoice{ID: "ok"}, nil
		}}
	}
	ctx := context.Background()
	if _, err := h.s.Describe(ctx); err != nil {
		t.Fatal(err)
	}
	h.proc(0).hung.Store(true) // alive but not answering health checks
	inv, err := h.s.CreateInvoice(ctx, core.Connection{}, core.InvoiceRequest{})
	if err != nil || inv.ID != "ok" {
		t.Fatalf("CreateInvoice = %+v, %v; want retried on a new process", inv, err)
	}
	waitFor(t, time.Second, h.proc(0).killed.Load) // the hung process is SIGKILLed
}

func TestSupervisorCallTimeoutAndCancellation(t *testing.T) {
	h := newFakeHost(t)
	h.s.opts.CallTimeout = 50 * time.Millisecond
	h.prov = func(*fakeProc) core.Provider {
		return &stubProvider{describe: func(ctx context.Context) (core.Descriptor, error) {
			<-ctx.Done()
			return core.Descriptor{}, core.Errorf(core.CodeUnavailable, "%v", ctx.Err())
		}}
	}
	_, err := h.s.Describe(context.Background())
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "did not answer Describe within 50ms") {
		t.Errorf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	h.s.opts.CallTimeout = time.Minute
	_, err = h.s.Describe(ctx)
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "cancelled by the caller") {
		t.Errorf("cancel: %v", err)
	}
	if n := h.launches.Load(); n != 1 {
		t.Errorf("launches = %d: a slow but alive plugin must not be restarted", n)
	}
}

func TestSupervisorClosed(t *testing.T) {
	h := newFakeHost(t)
	if _, err := h.s.Describe(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.s.close()
	if !h.proc(0).stopped.Load() {
		t.Error("close did not stop the process")
	}
	_, err := h.s.Describe(context.Background())
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), "shut down") {
		t.Errorf("after close: %v", err)
	}
	if status, _, _ := h.s.state(); status != StatusStopped {
		t.Errorf("status after close = %s", status)
	}
}

// waitFor fails the test unless cond becomes true within d.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
