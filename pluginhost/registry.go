package pluginhost

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Provider kinds reported by Plugins.
const (
	KindBuiltin   = "builtin"
	KindExternal  = "external"
	KindInProcess = "in-process"
)

// Plugin statuses reported by Plugins.
const (
	StatusRunning = "running" // the process is up (in-process providers always are)
	StatusStopped = "stopped" // not started yet, or the registry is closed
	StatusFailed  = "failed"  // the last start failed or the process died; see Error
)

// Option defaults.
const (
	DefaultCallTimeout  = 30 * time.Second
	DefaultStartTimeout = 15 * time.Second
	DefaultBackoffMin   = 200 * time.Millisecond
	DefaultBackoffMax   = 30 * time.Second
)

// Options configure a Registry. Zero values take the defaults above; a nil
// Logger discards logs.
type Options struct {
	Logger hclog.Logger
	// CallTimeout bounds each provider call (each attempt, when a call is
	// retried after a crash).
	CallTimeout time.Duration
	// StartTimeout bounds starting a plugin process up to its handshake.
	StartTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between restarts of a plugin
	// that keeps failing.
	BackoffMin, BackoffMax time.Duration
	// Redactor removes credentials from what providers say: it learns the
	// credentials of every call made through a provider the registry hands
	// out, and replaces them (and the operator's secrets it was given) in
	// the call's errors and in plugin output. Nil: NewRegistry makes one
	// that knows only the calls' credentials.
	Redactor *core.Redactor
	// Observer, when set, is told of every call to an out-of-process
	// provider and every restart of a plugin process (for metrics).
	Observer Observer
}

// Observer receives what the supervisors see, for monitoring. Methods must
// be safe for concurrent use and quick: they run on the call path.
type Observer interface {
	// ProviderCall reports one call to a plugin's method, retries included:
	// outcome is core.OutcomeOK or the error's code ("unavailable" for a
	// plugin that could not start, died or timed out), elapsed the time
	// from the call to its answer.
	ProviderCall(provider, method, outcome string, elapsed time.Duration)
	// PluginRestarted reports that a plugin process that had started died
	// or hung and was stopped; the next call starts a new one.
	PluginRestarted(provider string)
	// PluginStartFailed reports a failed attempt to start a plugin process.
	PluginStartFailed(provider string)
}

type noObserver struct{}

func (noObserver) ProviderCall(string, string, string, time.Duration) {}
func (noObserver) PluginRestarted(string)                             {}
func (noObserver) PluginStartFailed(string)                           {}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.Redactor == nil {
		o.Redactor = core.NewRedactor()
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = DefaultBackoffMin
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	return o
}

// PluginInfo describes one registered provider, for `ledgerbridge plugins
// list`.
type PluginInfo struct {
	Name string `json:"name"`
	// Kind is KindBuiltin, KindExternal or KindInProcess.
	Kind string `json:"kind"`
	// Version is what the provider's Describe reports; empty when it could
	// not be asked.
	Version string `json:"version"`
	// Path is the executable; empty for in-process providers.
	Path string `json:"path,omitempty"`
	// SHA256 is the checksum of the file now on disk at Path (which for an
	// external plugin must equal its pinned checksum to start).
	SHA256 string `json:"sha256,omitempty"`
	// Status is StatusRunning, StatusStopped or StatusFailed.
	Status string `json:"status"`
	// Error says why the plugin is failed or could not be described.
	Error string `json:"error,omitempty"`
	// PID is the plugin process while it runs; 0 otherwise.
	PID int `json:"pid,omitempty"`
}

// entry is one registered provider: exactly one of inproc and sup is set.
type entry struct {
	name   string
	kind   string
	inproc core.Provider
	sup    *supervisor
}

// Registry is the one place providers come from. In-process, builtin and
// external providers all resolve to a core.Provider, so callers never ask
// which kind they hold. It implements core.ProviderRegistry and is safe for
// concurrent use. Close it on every exit path so no plugin process outlives
// the gateway.
type Registry struct {
	opts Options

	mu      sync.RWMutex
	entries map[string]*entry
	closed  bool
}

var _ core.ProviderRegistry = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	return &Registry{opts: opts.withDefaults(), entries: map[string]*entry{}}
}

// add registers e, failing with CodeConflict when the name is taken and
// CodeInvalid when it is empty.
func (r *Registry) add(e *entry) error {
	if e.name == "" {
		return core.Invalid("invalid provider registration", core.FieldError{Field: "name", Message: "is required"})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.entries[e.name]; ok {
		return core.Errorf(core.CodeConflict, "provider %q is already registered (%s)", e.name, old.kind)
	}
	if r.closed && e.sup != nil {
		e.sup.close() // nothing runs yet; calls will say the host is shut down
	}
	r.entries[e.name] = e
	return nil
}

// mustAdd is add for registrations made by the program itself, where a
// duplicate or empty name is a bug.
func (r *Registry) mustAdd(e *entry) {
	if err := r.add(e); err != nil {
		panic("pluginhost: " + err.Error())
	}
}

// RegisterInProcess registers a provider linked into the gateway; it runs no
// process and its calls are passed straight through. It panics when name is
// empty or already registered.
func (r *Registry) RegisterInProcess(name string, p core.Provider) {
	r.mustAdd(&entry{name: name, kind: KindInProcess, inproc: p})
}

// RegisterBuiltin registers a provider compiled into the gateway and run by
// executing executable with args as a plugin, typically
// RegisterBuiltin("open", self, "plugin", "open", "--data-dir", dir) where
// self is os.Executable(). Nothing starts until the provider is first used.
// It panics when name is empty or already registered.
func (r *Registry) RegisterBuiltin(name, executable string, args ...string) {
	r.mustAdd(&entry{name: name, kind: KindBuiltin,
		sup: newSupervisor(name, KindBuiltin, executable, args, nil, "", r.opts)})
}

// RegisterBuiltinEnv is RegisterBuiltin with environment variables for the
// plugin process: its own configuration, since a plugin inherits nothing of
// the gateway's environment but a few neutral variables (see pluginEnv).
func (r *Registry) RegisterBuiltinEnv(name, executable string, env []string, args ...string) {
	r.mustAdd(&entry{name: name, kind: KindBuiltin,
		sup: newSupervisor(name, KindBuiltin, executable, args, env, "", r.opts)})
}

// RegisterExternal registers a separately installed plugin executable pinned
// by its SHA-256 checksum (64 hex digits). The checksum is verified now, so
// misconfiguration shows at startup, and again before every start; a plugin
// whose file does not match is never run.
//
// Errors: CodeInvalid for an empty name or a malformed checksum (nothing is
// registered); CodeConflict when the name is taken; CodeUnavailable when the
// file is missing, not executable or does not match, naming the file and
// both checksums. In the CodeUnavailable case the provider is still
// registered, so Plugins reports it as failed and calls to it fail with the
// same message; a caller that prefers to refuse to run treats the error as
// fatal.
//
// env (KEY=VALUE) is the plugin's own configuration, added to the few
// neutral variables every plugin inherits.
func (r *Registry) RegisterExternal(name, path, sha256hex string, env ...string) error {
	sum, err := parseSHA256(sha256hex)
	if err != nil {
		return core.Invalid(fmt.Sprintf("invalid registration of external provider %q", name),
			core.FieldError{Field: "sha256", Message: err.Error()})
	}
	if path == "" {
		return core.Invalid(fmt.Sprintf("invalid registration of external provider %q", name),
			core.FieldError{Field: "path", Message: "is required"})
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return core.Invalid(fmt.Sprintf("invalid registration of external provider %q", name),
			core.FieldError{Field: "path", Message: err.Error()})
	}
	if err := r.add(&entry{name: name, kind: KindExternal,
		sup: newSupervisor(name, KindExternal, abs, nil, env, sum, r.opts)}); err != nil {
		return err
	}
	if err := verifyChecksum(abs, sum); err != nil {
		return core.Errorf(core.CodeUnavailable, "provider %q: %v", name, err)
	}
	return nil
}

func (r *Registry) lookup(name string) (*entry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.entries[name]
	return e, ok
}

// Provider returns the named provider, starting its plugin if it is not
// running. The returned value stays valid across plugin restarts. Errors:
// CodeNotFound for an unknown name; CodeUnavailable when the plugin cannot
// start, is backing off after failures, or the registry is closed.
func (r *Registry) Provider(ctx context.Context, name string) (core.Provider, error) {
	e, ok := r.lookup(name)
	if !ok {
		return nil, core.ErrNotFound("provider", name)
	}
	if e.inproc != nil {
		return redacting{p: e.inproc, r: r.opts.Redactor}, nil
	}
	if _, err := e.sup.acquire(ctx); err != nil {
		return nil, r.opts.Redactor.Error(err)
	}
	return redacting{p: e.sup, r: r.opts.Redactor}, nil
}

// Names lists the registered providers, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Plugins describes every registered provider, sorted by name. It asks each
// for its version through Describe, starting plugins that are not running;
// a provider that cannot answer is reported with its error rather than
// failing the listing.
func (r *Registry) Plugins(ctx context.Context) []PluginInfo {
	names := r.Names()
	out := make([]PluginInfo, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		e, ok := r.lookup(name)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = e.info(ctx)
			// A start failure may quote what the plugin printed.
			out[i].Error = r.opts.Redactor.String(out[i].Error)
		}()
	}
	wg.Wait()
	return out
}

func (e *entry) info(ctx context.Context) PluginInfo {
	pi := PluginInfo{Name: e.name, Kind: e.kind}
	if e.inproc != nil {
		pi.Status = StatusRunning
		if d, err := e.inproc.Describe(ctx); err != nil {
			pi.Error = err.Error()
		} else {
			pi.Version = d.Version
		}
		return pi
	}
	pi.Path = e.sup.path
	if sum, err := fileSHA256(e.sup.path); err == nil {
		pi.SHA256 = sum
	}
	d, derr := e.sup.Describe(ctx)
	if derr == nil {
		pi.Version = d.Version
	}
	var cause string
	pi.Status, pi.PID, cause = e.sup.state()
	switch {
	case derr != nil:
		pi.Error = core.AsError(derr).Message
	case cause != "":
		pi.Error = cause
	}
	if derr != nil && pi.Status == StatusRunning {
		// Up but not answering Describe: not usable.
		pi.Status = StatusFailed
	}
	return pi
}

// Close stops every plugin process and waits until each has exited, killing
// any that does not stop within a few seconds. Afterwards calls to its
// providers fail with CodeUnavailable. Close may be called more than once.
func (r *Registry) Close() {
	r.mu.Lock()
	r.closed = true
	sups := make([]*supervisor, 0, len(r.entries))
	for _, e := range r.entries {
		if e.sup != nil {
			sups = append(sups, e.sup)
		}
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range sups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.close()
		}()
	}
	wg.Wait()
}
