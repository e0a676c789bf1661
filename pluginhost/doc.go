// Package pluginhost runs ledgerbridge's accounting providers and hands them
// out through one registry.
//
// A provider is one of three kinds, and callers never ask which:
//
//   - in-process: a core.Provider linked into the gateway (tests, benchmarks);
//   - builtin: a provider compiled into the gateway binary and run by
//     re-executing that binary as a hashicorp/go-plugin gRPC plugin;
//   - external: a separate plugin executable pinned by its SHA-256 checksum,
//     which is verified before every start.
//
// Every out-of-process provider sits behind a supervisor that is itself a
// core.Provider. The supervisor starts the plugin lazily, applies a deadline
// to every call, notices when the process dies, restarts it with exponential
// backoff, and retries a call interrupted by a crash once when the method is
// safe to repeat (every method but CreateCustomer: the writes that may be
// repeated are idempotent by their external reference, or, like UpdateDraft
// and PostInvoice, leave the same result when repeated; see retryClass).
// Callers see *core.Error values only; a plugin that is down, restarting,
// refused or too slow is core.CodeUnavailable.
//
// Restart policy: the first crash of a plugin that has been serving is
// repaired on the next call at once, so a single kill -9 costs callers
// nothing. Further failures without a successful call in between (a plugin
// that cannot start, or crashes again) wait BackoffMin, then twice that, up
// to BackoffMax; during the wait calls fail fast with CodeUnavailable saying
// when the next attempt is due. A successful call, or a process that ran for
// BackoffMax before dying, resets the count.
//
// Orphans: Registry.Close stops and reaps every plugin. On Linux each plugin
// also gets SIGKILL from the kernel when the gateway dies (Pdeathsig), and
// plugin.Serve exits when its parent changes.
package pluginhost
