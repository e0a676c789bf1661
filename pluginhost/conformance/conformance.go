// Package conformance runs a provider plugin binary through the protocol
// and behaviour scenarios the built-in providers obey, so a third party
// knows whether its plugin will behave in the gateway before an operator
// installs it (`ledgerbridge plugins check PATH`).
//
// Each scenario is one row of the report: passed, failed (with a line
// saying what the plugin did) or skipped (a capability the plugin does not
// declare). Scenarios that write use the merchants Target.Merchant and
// Target.Merchant+"-other" and fresh external references, so a check can
// run against a real account without touching earlier data.
package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin"
)

// Target is the plugin to check and the connection its calls carry.
type Target struct {
	// Path is the plugin executable; Args its arguments (a built-in is
	// `ledgerbridge plugin NAME`).
	Path string
	Args []string
	// Env is added to the plugin's environment (PATH, TMPDIR and the
	// locale are passed on; nothing else of the caller's is).
	Env []string
	// Conn is the connection of the first merchant: its country,
	// currency, settings and credentials (an API token, say).
	Conn core.Connection
	// Other is the second merchant's connection, for merchant isolation;
	// nil means Conn with MerchantID + "-other" and the same credentials.
	// A provider whose auth is not "none" keeps its data in the account
	// the credentials open, so two merchants sharing credentials share
	// that account by design: its isolation is checked only with an Other
	// carrying another account's credentials, and skipped otherwise.
	// An empty Other.MerchantID is Conn's + "-other".
	Other *core.Connection
	// Timeout bounds each call (default 30 s) and the start.
	Timeout time.Duration
}

// Result is one scenario's outcome.
type Result struct {
	Name    string
	Status  Status
	Details string
}

// Status of a scenario.
type Status string

// The statuses.
const (
	Passed  Status = "pass"
	Failed  Status = "FAIL"
	Skipped Status = "skip"
)

// Report is every scenario's result, in the order they ran.
type Report []Result

// OK reports whether no scenario failed.
func (r Report) OK() bool {
	for _, res := range r {
		if res.Status == Failed {
			return false
		}
	}
	return true
}

// Run starts the plugin and runs every scenario. It does not return an
// error: a plugin that cannot start fails the handshake row and the rest
// are skipped.
func Run(ctx context.Context, t Target) Report {
	if t.Timeout <= 0 {
		t.Timeout = 30 * time.Second
	}
	if t.Conn.MerchantID == "" {
		t.Conn.MerchantID = "conformance"
	}
	if t.Conn.Country == "" {
		t.Conn.Country = core.Sweden
	}
	if t.Conn.Currency == "" {
		t.Conn.Currency = t.Conn.Country.Currency()
	}
	c := &check{t: t, run: fmt.Sprintf("%d", time.Now().UnixNano())}
	c.start(ctx)
	defer c.stop()
	if c.p == nil {
		return c.report
	}
	c.describe(ctx)
	c.verify(ctx)
	c.unsupported(ctx)
	c.isolation(ctx)
	c.idempotency(ctx)
	c.errorCodes(ctx)
	c.cancellation(ctx)
	c.concurrency(ctx)
	c.quietStdout()
	c.exit()
	return c.report
}

// check is one run's state.
type check struct {
	t      Target
	run    string // makes external references unique per run
	client *goplugin.Client
	p      core.Provider
	desc   core.Descriptor
	stdout syncBuffer
	report Report
	exited bool
}

func (c *check) add(name string, status Status, format string, args ...any) {
	c.report = append(c.report, Result{Name: name, Status: status, Details: fmt.Sprintf(format, args...)})
}

func (c *check) pass(name, format string, args ...any) { c.add(name, Passed, format, args...) }
func (c *check) fail(name, format string, args ...any) { c.add(name, Failed, format, args...) }
func (c *check) skip(name, format string, args ...any) { c.add(name, Skipped, format, args...) }

func (c *check) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, c.t.Timeout)
}

// start launches the plugin as the gateway does: go-plugin's handshake,
// gRPC only, mutual TLS, the negotiated protocol version.
func (c *check) start(ctx context.Context) {
	const name = "handshake and protocol version"
	cmd := exec.CommandContext(ctx, c.t.Path, c.t.Args...)
	for _, k := range []string{"PATH", "TMPDIR", "LANG", "LC_ALL", "TZ", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, c.t.Env...)
	var stderr syncBuffer
	c.client = goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  plugin.Handshake,
		VersionedPlugins: plugin.VersionedPlugins(nil),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     c.t.Timeout,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: &stderr, Level: hclog.Debug}),
		SyncStdout:       &c.stdout,
		SyncStderr:       &stderr,
	})
	rpc, err := c.client.Client()
	if err != nil {
		c.fail(name, "the plugin did not complete go-plugin's handshake: %v (is it built with plugin.Serve?)", err)
		return
	}
	raw, err := rpc.Dispense(plugin.PluginName)
	if err != nil {
		c.fail(name, "dispensing %q: %v", plugin.PluginName, err)
		return
	}
	p, ok := raw.(core.Provider)
	if !ok {
		c.fail(name, "the plugin dispensed %T, not a provider", raw)
		return
	}
	c.p = p
	if v := c.client.NegotiatedVersion(); v < plugin.ProtocolVersion {
		c.pass(name, "protocol version %d (the host speaks %d: calls added since answer 501 without asking the plugin)", v, plugin.ProtocolVersion)
		return
	}
	c.pass(name, "protocol version %d", c.client.NegotiatedVersion())
}

// stop kills the plugin if exit did not.
func (c *check) stop() {
	if c.client != nil && !c.exited {
		c.client.Kill()
	}
}

var providerName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// describe checks the descriptor: a name the gateway can store, a
// version, a known auth scheme, the same answer twice.
func (c *check) describe(ctx context.Context) {
	const name = "Describe"
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	d, err := c.p.Describe(cctx)
	if err != nil {
		c.fail(name, "Describe failed: %v", err)
		return
	}
	again, err := c.p.Describe(cctx)
	var problems []string
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("a second Describe failed: %v", err))
	case again.Name != d.Name || again.Version != d.Version || again.Capabilities.Invoices != d.Capabilities.Invoices:
		problems = append(problems, "two Describe calls disagree")
	}
	if !providerName.MatchString(d.Name) {
		problems = append(problems, fmt.Sprintf("name %q is not [a-z][a-z0-9_-]*", d.Name))
	}
	if d.Version == "" {
		problems = append(problems, "no version")
	}
	switch d.Auth.Type {
	case core.AuthNone, core.AuthAPIToken, core.AuthOAuth2:
	default:
		problems = append(problems, fmt.Sprintf("auth type %q is none of none, api_token, oauth2", d.Auth.Type))
	}
	if d.Auth.Type == core.AuthOAuth2 && d.Auth.OAuth2 == nil {
		problems = append(problems, "oauth2 without its endpoints")
	}
	caps := d.Capabilities
	if !caps.Invoices && (caps.CreditInvoices || caps.Drafts || caps.CollectiveInvoices || caps.PDF || caps.UBL || caps.RoutesCharges) {
		problems = append(problems, "invoice capabilities without invoices")
	}
	if !caps.Invoices && !caps.SalesExport {
		problems = append(problems, "neither invoices nor sales export: the plugin can serve no integration")
	}
	if len(problems) > 0 {
		c.fail(name, "%s", join(problems))
		return
	}
	c.desc = d
	c.pass(name, "%s %s, auth %s", d.Name, d.Version, d.Auth.Type)
}

// verify checks VerifyConnection with the target's connection.
func (c *check) verify(ctx context.Context) {
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.p.VerifyConnection(cctx, c.t.Conn); err != nil {
		c.fail("VerifyConnection", "refused the connection given (merchant %s, country %s): %v", c.t.Conn.MerchantID, c.t.Conn.Country, err)
		return
	}
	c.pass("VerifyConnection", "accepted merchant %s", c.t.Conn.MerchantID)
}

// unsupported checks that a capability the plugin does not declare
// answers CodeUnsupported (501), not a crash or a silent success.
func (c *check) unsupported(ctx context.Context) {
	const name = "undeclared capabilities answer unsupported"
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	caps := c.desc.Capabilities
	var calls []struct {
		what string
		err  error
	}
	probe := func(what string, err error) {
		calls = append(calls, struct {
			what string
			err  error
		}{what, err})
	}
	if !caps.Invoices {
		_, err := c.p.CreateInvoice(cctx, c.t.Conn, core.InvoiceRequest{ExternalRef: c.ref("unsupported")})
		probe("CreateInvoice", err)
		_, err = c.p.GetInvoice(cctx, c.t.Conn, "conformance-none")
		probe("GetInvoice", err)
	}
	if !caps.SalesExport {
		_, err := c.p.ExportSales(cctx, c.t.Conn, c.voucher("unsupported"))
		probe("ExportSales", err)
	}
	if !caps.LedgerAccounts {
		_, err := c.p.ListLedgerAccounts(cctx, c.t.Conn)
		probe("ListLedgerAccounts", err)
	}
	if !caps.PDF {
		_, err := c.p.InvoicePDF(cctx, c.t.Conn, "conformance-none")
		probe("InvoicePDF", err)
	}
	if len(calls) == 0 {
		c.skip(name, "the plugin declares every capability probed")
		return
	}
	for _, call := range calls {
		if core.Code(call.err) != core.CodeUnsupported {
			c.fail(name, "%s is not declared but answered %v, want unsupported", call.what, describeErr(call.err))
			return
		}
	}
	c.pass(name, "%d calls answered unsupported", len(calls))
}

func (c *check) ref(what string) string { return "conformance-" + what + "-" + c.run }

// other is the second merchant's connection (Target.Other).
func (c *check) other() core.Connection {
	if c.t.Other != nil {
		o := *c.t.Other
		if o.MerchantID == "" {
			o.MerchantID = c.t.Conn.MerchantID + "-other"
		}
		return o
	}
	o := c.t.Conn
	o.MerchantID += "-other"
	return o
}

func describeErr(err error) string {
	if err == nil {
		return "success"
	}
	return fmt.Sprintf("%s (%v)", core.Code(err), err)
}

func join(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer safe for go-plugin's copy goroutines.
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
