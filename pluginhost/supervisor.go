package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Supervision timings that are not worth an option.
const (
	// watchInterval is how often a running plugin is checked for having
	// exited, so an exit is logged and counted even when nobody calls.
	watchInterval = 200 * time.Millisecond
	// pingTimeout bounds the health check that decides whether a plugin
	// whose call failed is still alive.
	pingTimeout = 2 * time.Second
	// exitWait is how long a plugin that stopped answering gets to be
	// reaped before it is declared hung and killed.
	exitWait = time.Second
	// killGrace is how long Close lets go-plugin stop a plugin gracefully
	// before the process is sent SIGKILL.
	killGrace = 5 * time.Second
)

// instance is one started plugin process.
type instance struct {
	prov    core.Provider
	pid     int
	started time.Time
	// exited reports whether the process has exited and been reaped.
	exited func() bool
	// ping asks the plugin's health service; it may block while the
	// process does not answer.
	ping func() error
	// kill stops the process and waits until it is reaped.
	kill func()
	// forceKill sends SIGKILL without waiting.
	forceKill func()
}

// startOp is one start attempt that callers can wait for.
type startOp struct {
	done chan struct{}
	inst *instance
	err  error
}

// supervisor runs one out-of-process provider and is itself a core.Provider.
// Its zero state is "stopped"; the first call starts the plugin.
type supervisor struct {
	name   string
	kind   string
	path   string
	args   []string
	env    []string // the plugin's own environment, after pluginEnv's few inherited variables
	sha256 string   // expected checksum in lower-case hex; external plugins only
	opts   Options
	log    hclog.Logger
	launch func() (*instance, error)
	now    func() time.Time

	mu        sync.Mutex
	cur       *instance
	starting  *startOp
	failures  int       // failed starts and crashes since the last healthy call
	retryAt   time.Time // no start before this
	lastCause string    // why the last start failed or the last process died
	probing   bool      // a hang probe is running
	closed    bool
	done      chan struct{}  // closed by close
	wg        sync.WaitGroup // starts, kills, watchers and probes in flight
}

func newSupervisor(name, kind, path string, args, env []string, sha string, opts Options) *supervisor {
	s := &supervisor{
		name:   name,
		kind:   kind,
		path:   path,
		args:   args,
		env:    env,
		sha256: sha,
		opts:   opts,
		log:    opts.Logger.Named("pluginhost").With("provider", name),
		now:    time.Now,
		done:   make(chan struct{}),
	}
	s.launch = s.launchPlugin
	return s
}

// errClosed is returned once the registry is closed.
func (s *supervisor) errClosed() error {
	return core.Errorf(core.CodeUnavailable, "provider %q: the plugin host is shut down", s.name)
}

// acquire returns the running plugin, starting it when none runs. Only one
// start happens at a time; concurrent callers wait for it, each giving up
// when its own ctx ends. Errors: CodeUnavailable when the start fails, when
// the supervisor is backing off after failures (the message says when the
// next attempt is due and RetryAfter is set), when ctx ends while waiting, or
// after close.
func (s *supervisor) acquire(ctx context.Context) (*instance, error) {
	s.mu.Lock()
	for {
		if s.closed {
			s.mu.Unlock()
			return nil, s.errClosed()
		}
		if inst := s.cur; inst != nil {
			if !inst.exited() {
				s.mu.Unlock()
				return inst, nil
			}
			s.retireLocked(inst, fmt.Sprintf("plugin process %d exited", inst.pid), false)
		}
		op := s.starting
		if op == nil {
			if wait := s.retryAt.Sub(s.now()); wait > 0 {
				err := &core.Error{
					Code: core.CodeUnavailable,
					Message: fmt.Sprintf("provider %q is unavailable: %s; next restart attempt in %s (at %s)",
						s.name, s.lastCause, wait.Round(time.Millisecond), s.retryAt.Format("15:04:05.000")),
					RetryAfter: wait,
				}
				s.mu.Unlock()
				return nil, err
			}
			op = &startOp{done: make(chan struct{})}
			s.starting = op
			s.wg.Add(1)
			go s.start(op)
		}
		s.mu.Unlock()

		select {
		case <-op.done:
		case <-ctx.Done():
			return nil, core.Errorf(core.CodeUnavailable, "provider %q: gave up waiting for the plugin to start: %v", s.name, ctx.Err())
		}
		if op.err != nil {
			return nil, op.err
		}
		// The process we waited for may already have died; look again.
		s.mu.Lock()
	}
}

// start launches a plugin process for op and records the outcome.
func (s *supervisor) start(op *startOp) {
	defer s.wg.Done()
	s.mu.Lock()
	attempt := s.failures + 1
	s.mu.Unlock()
	s.log.Info("starting plugin", "kind", s.kind, "path", s.path, "attempt", attempt)
	t0 := s.now()
	inst, err := s.launch()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.starting = nil
	if err == nil && s.closed {
		// close ran while we were starting and waits for us on s.wg.
		s.mu.Unlock()
		inst.kill()
		s.mu.Lock()
		err = s.errClosed()
		inst = nil
	}
	if err != nil {
		var ce *core.Error
		if !errors.As(err, &ce) {
			ce = core.Errorf(core.CodeUnavailable, "provider %q: plugin %s failed to start: %v", s.name, s.path, err)
			err = ce
		}
		if !s.closed {
			s.failures++
			delay := s.backoff(s.failures)
			s.retryAt = s.now().Add(delay)
			s.lastCause = ce.Message
			s.opts.Observer.PluginStartFailed(s.name)
			s.log.Error("plugin failed to start", "error", ce.Message, "failures", s.failures, "retry_in", delay)
		}
		op.err = err
		close(op.done)
		return
	}
	s.cur = inst
	s.log.Info("plugin started", "pid", inst.pid, "took", s.now().Sub(t0).Round(time.Millisecond))
	s.wg.Add(1)
	go s.watch(inst)
	op.inst = inst
	close(op.done)
}

// backoff is the wait before the next start after n consecutive failures.
// The first failure of a plugin that was healthy restarts it at once, so
// one crash costs callers nothing; after that the wait doubles from
// BackoffMin up to BackoffMax.
func (s *supervisor) backoff(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	return core.Backoff(n-1, s.opts.BackoffMin, s.opts.BackoffMax)
}

// retireLocked forgets inst after it died or hung, counts the failure,
// schedules the next start and stops the process in the background (with
// SIGKILL first when force is set). It does nothing when inst is no longer
// current. The caller holds s.mu.
func (s *supervisor) retireLocked(inst *instance, cause string, force bool) {
	if s.cur != inst {
		return
	}
	s.cur = nil
	now := s.now()
	uptime := now.Sub(inst.started)
	if uptime >= s.opts.BackoffMax {
		s.failures = 0 // it ran long enough to count as healthy
	}
	s.failures++
	delay := s.backoff(s.failures)
	s.retryAt = now.Add(delay)
	s.lastCause = cause
	s.opts.Observer.PluginRestarted(s.name)
	s.log.Warn("plugin stopped; will restart on next call", "pid", inst.pid, "cause", cause,
		"uptime", uptime.Round(time.Millisecond), "failures", s.failures, "restart_in", delay)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if force {
			inst.forceKill()
		}
		inst.kill()
	}()
}

// watch retires inst as soon as its process exits, so exits are logged and
// counted even when no call notices them.
func (s *supervisor) watch(inst *instance) {
	defer s.wg.Done()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.cur != inst {
			s.mu.Unlock()
			return
		}
		if inst.exited() {
			s.retireLocked(inst, fmt.Sprintf("plugin process %d exited", inst.pid), false)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// responsive reports whether inst answers a health check within pingTimeout.
func responsive(inst *instance) bool {
	ch := make(chan error, 1)
	go func() { ch <- inst.ping() }()
	t := time.NewTimer(pingTimeout)
	defer t.Stop()
	select {
	case err := <-ch:
		return err == nil
	case <-t.C:
		return false
	}
}

// died decides, after a call through inst failed with CodeUnavailable,
// whether the process is gone. A process that still answers health checks
// is alive and the error was the provider's own. One that has exited, or
// does not answer and is not reaped within exitWait, is retired (a hung one
// is killed) and died returns true.
func (s *supervisor) died(inst *instance) bool {
	if !inst.exited() && responsive(inst) {
		return false
	}
	deadline := time.Now().Add(exitWait)
	for !inst.exited() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if inst.exited() {
		s.retireLocked(inst, fmt.Sprintf("plugin process %d exited", inst.pid), false)
	} else {
		s.retireLocked(inst, fmt.Sprintf("plugin process %d stopped answering and was killed", inst.pid), true)
	}
	return true
}

// probeLocked checks in the background whether inst, whose call just timed
// out, still answers health checks, and replaces it when it does not: a
// slow provider is left alone, a wedged process is killed. The caller holds
// s.mu.
func (s *supervisor) probeLocked(inst *instance) {
	if s.probing || s.closed || s.cur != inst {
		return
	}
	s.probing = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ok := responsive(inst)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.probing = false
		if !ok && !s.closed {
			s.retireLocked(inst, fmt.Sprintf("plugin process %d stopped answering and was killed", inst.pid), true)
		}
	}()
}

// healthy records that a call went through inst, which resets the backoff.
func (s *supervisor) healthy(inst *instance) {
	s.mu.Lock()
	if s.cur == inst && s.failures != 0 {
		s.failures = 0
		s.retryAt = time.Time{}
		s.lastCause = ""
	}
	s.mu.Unlock()
}

// retryClass classifies every core.Provider method by whether it may be
// sent again after the plugin died during it (true). Reads are naturally
// safe. Writes are safe when a repeat cannot change the outcome:
// CreateInvoice, CreateOrder, InvoiceOrders, RefundOrder, CreditInvoice,
// MarkInvoicePaid (the engine gives every payment an external reference)
// and ExportSales are idempotent on their external reference; UpdateCustomer applies the
// same patch again, UpdateDraft replaces the draft wholesale, and
// PostInvoice leaves an invoice already posted as it is. CreateCustomer has
// no idempotency key, so a repeat could create the customer twice; a
// repeated CreateLedgerAccount would be refused as a duplicate of the
// account the first attempt may have created.
var retryClass = map[string]bool{
	"Describe":            true,
	"VerifyConnection":    true,
	"SearchCustomers":     true,
	"GetCustomer":         true,
	"CreateCustomer":      false,
	"CreateLedgerAccount": false,
	"UpdateCustomer":      true,
	"CreateInvoice":       true,
	"UpdateDraft":         true,
	"PostInvoice":         true,
	"GetInvoice":          true,
	"ListInvoices":        true,
	"CreditInvoice":       true,
	"MarkInvoicePaid":     true,
	"InvoicePDF":          true,
	"InvoiceUBL":          true,
	"CreateOrder":         true,
	"ListOrders":          true,
	"InvoiceOrders":       true,
	"RefundOrder":         true,
	"ListLedgerAccounts":  true,
	"ListVATCodes":        true,
	"ListPaymentTypes":    true,
	"ExportSales":         true,
}

// retrySafe reports whether a call to method may be sent again after the
// plugin died during it (see retryClass). A method missing from retryClass
// is never repeated.
func retrySafe(method string) bool {
	return retryClass[method]
}

// call runs fn against the running plugin with a deadline of CallTimeout
// (or the caller's, if earlier). When the process died during the call it
// is restarted, and the call is repeated once if retrySafe(method). Errors
// are the provider's own *core.Error, or CodeUnavailable when the plugin
// cannot be started, died, timed out, or the caller cancelled.
func call[T any](s *supervisor, ctx context.Context, method string, fn func(context.Context, core.Provider) (T, error)) (v T, err error) {
	start := s.now()
	defer func() { s.opts.Observer.ProviderCall(s.name, method, core.Outcome(false, err), s.now().Sub(start)) }()
	return callOnce(s, ctx, method, fn)
}

// deadlineSkew is how far apart the host's and a plugin's timers for one
// call deadline may fire.
const deadlineSkew = 50 * time.Millisecond

// callOnce is call without the observation.
func callOnce[T any](s *supervisor, ctx context.Context, method string, fn func(context.Context, core.Provider) (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		inst, err := s.acquire(ctx)
		if err != nil {
			return zero, err
		}
		cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		deadline, _ := cctx.Deadline()
		v, err := fn(cctx, inst.prov)
		// The deadline travels to the plugin, whose own timer may fire a
		// little before ours: its "cancelled" answer then arrives while
		// cctx is not yet done. An error that close to the deadline is the
		// timeout.
		timedOut := cctx.Err() != nil || (err != nil && time.Until(deadline) < deadlineSkew)
		cancel()
		if err == nil {
			s.healthy(inst)
			return v, nil
		}
		if ctx.Err() != nil {
			return zero, core.Errorf(core.CodeUnavailable, "provider %q: %s cancelled by the caller: %v", s.name, method, ctx.Err())
		}
		if timedOut {
			s.log.Warn("plugin call timed out", "method", method, "timeout", s.opts.CallTimeout, "pid", inst.pid)
			s.mu.Lock()
			s.probeLocked(inst)
			s.mu.Unlock()
			return zero, core.Errorf(core.CodeUnavailable, "provider %q did not answer %s within %s", s.name, method, s.opts.CallTimeout)
		}
		if core.Code(err) != core.CodeUnavailable || !s.died(inst) {
			s.healthy(inst)
			return zero, core.AsError(err)
		}
		if attempt > 0 || !retrySafe(method) {
			return zero, core.Errorf(core.CodeUnavailable, "provider %q: plugin process %d died during %s: %s", s.name, inst.pid, method, core.AsError(err).Message)
		}
		s.log.Warn("plugin died during call; restarting and retrying once", "method", method, "pid", inst.pid)
	}
}

// state is a snapshot for PluginInfo.
func (s *supervisor) state() (status string, pid int, cause string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return StatusStopped, 0, ""
	case s.cur != nil && !s.cur.exited():
		return StatusRunning, s.cur.pid, ""
	case s.lastCause != "":
		return StatusFailed, 0, s.lastCause
	default:
		return StatusStopped, 0, ""
	}
}

// close stops the plugin and waits for every goroutine of the supervisor,
// so no process outlives it. A plugin that does not stop within killGrace
// is sent SIGKILL.
func (s *supervisor) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.closed = true
	close(s.done)
	inst := s.cur
	s.cur = nil
	s.mu.Unlock()

	if inst != nil {
		stopped := make(chan struct{})
		go func() { inst.kill(); close(stopped) }()
		t := time.NewTimer(killGrace)
		select {
		case <-stopped:
		case <-t.C:
			s.log.Warn("plugin did not stop in time; killing it", "pid", inst.pid)
			inst.forceKill()
			<-stopped
		}
		t.Stop()
		s.log.Info("plugin stopped", "pid", inst.pid)
	}
	s.wg.Wait()
}
