package conformance

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
)

// build compiles a package of this module into dir and returns the binary.
func build(t *testing.T, dir, pkg, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func logReport(t *testing.T, r Report) {
	t.Helper()
	for _, res := range r {
		t.Logf("%-4s %-45s %s", res.Status, res.Name, res.Details)
	}
}

func row(r Report, name string) Result {
	for _, res := range r {
		if res.Name == name {
			return res
		}
	}
	return Result{}
}

// TestPluginsPass: the example third-party provider and the built-in
// providers pass every scenario they can run.
func TestPluginsPass(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts plugins")
	}
	bin := t.TempDir()
	journal := build(t, bin, "../../examples/journal", "ledgerbridge-provider-journal")
	gateway := build(t, bin, "../../cmd/ledgerbridge", "ledgerbridge")
	settings, err := json.Marshal(coretest.Seller(core.Sweden, "Konformans AB"))
	if err != nil {
		t.Fatal(err)
	}
	openConn := core.Connection{MerchantID: "mer_check", Country: core.Sweden, Currency: "SEK",
		Settings: map[string]string{core.SettingInvoiceStartNumber: "1001", core.SettingInvoiceSettings: string(settings)}}
	for _, tc := range []struct {
		name   string
		target Target
		ran    []string // scenarios that must have run (not skipped)
	}{
		{"example journal", Target{Path: journal, Env: []string{"JOURNAL_DIR=" + t.TempDir()}},
			[]string{"merchant isolation", "idempotent ExportSales"}},
		{"built-in sie", Target{Path: gateway, Args: []string{"plugin", "sie", "--data-dir", t.TempDir()}},
			[]string{"merchant isolation", "idempotent ExportSales"}},
		{"built-in open", Target{Path: gateway, Args: []string{"plugin", "open", "--data-dir", t.TempDir()}, Conn: openConn},
			[]string{"merchant isolation", "idempotent CreateInvoice", "idempotent CreditInvoice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Run(context.Background(), tc.target)
			logReport(t, r)
			if !r.OK() {
				t.Fatal("the plugin fails the conformance kit")
			}
			for _, name := range tc.ran {
				if got := row(r, name); got.Status != Passed {
					t.Errorf("%s: %s, want it run and passed", name, got.Status)
				}
			}
		})
	}
}

// TestBrokenPluginFails: the fixture that books every retry again and
// writes on stdout fails with lines that say so.
func TestBrokenPluginFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts plugins")
	}
	broken := build(t, t.TempDir(), "../testdata/brokenplugin", "broken")
	r := Run(context.Background(), Target{Path: broken})
	logReport(t, r)
	if r.OK() {
		t.Fatal("the broken plugin passes")
	}
	for name, want := range map[string]string{
		"idempotent ExportSales": "booked again",
		"no output on stdout":    "wrote to stdout",
	} {
		if got := row(r, name); got.Status != Failed || !strings.Contains(got.Details, want) {
			t.Errorf("%s: %s %q, want a failure saying %q", name, got.Status, got.Details, want)
		}
	}
}

// TestNotAPlugin: a program that is no plugin fails the handshake row
// clearly, and nothing else runs.
func TestNotAPlugin(t *testing.T) {
	r := Run(context.Background(), Target{Path: "/bin/true", Timeout: 5e9})
	if r.OK() || len(r) != 1 || !strings.Contains(r[0].Details, "handshake") {
		t.Fatalf("report %+v", r)
	}
}
