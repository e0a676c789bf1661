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
	"github.com/ledgerbridge/ledgerbridge/providers/spiris"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
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
	// Tripletex and Spiris run against their loopback mocks, configured
	// as the gateway configures a built-in (builtinEnv) and connected as an
	// integration is: the employee token, an OAuth2 access token.
	// Both own their customer register: the check invoices a customer
	// found there.
	tx := tripletextest.Start(t, tripletextest.Options{})
	tx.AddCustomer(tripletextest.Customer{Name: "Fjordbygg AS", OrganizationNumber: "991825827",
		Email: "faktura@fjordbygg.example", InvoicesDueIn: 14})
	txConn := core.Connection{MerchantID: "mer_check", Country: core.Norway, Currency: "NOK",
		Credentials: map[string]string{tripletex.FieldEmployeeToken: tx.EmployeeToken()}}
	txEnv := []string{"LEDGERBRIDGE_TRIPLETEX_BASE_URL=" + tx.BaseURL(), "LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN=" + tx.ConsumerToken()}
	sp := spiristest.Start(t, spiristest.Options{})
	org, email := "556016-0680", "faktura@bygg.example"
	sp.AddCustomer(spiristest.Customer{Name: "Byggbolaget i Norden AB", CorporateIdentityNumber: &org,
		InvoicePostalCode: "111 22", InvoiceCity: "Stockholm", EmailAddress: &email, IsActive: true})
	spConn := core.Connection{MerchantID: "mer_check", Country: core.Sweden, Currency: "SEK",
		Credentials: map[string]string{spiris.CredentialAccessToken: sp.IssueToken(spiris.DefaultScopes...).AccessToken}}
	// Spiris isolation: the second merchant connects another company of
	// the mock. The Tripletex mock is one company, so its isolation is
	// skipped (both merchants would share the account) and says so.
	spOther := core.Connection{MerchantID: "mer_check-other", Country: core.Sweden, Currency: "SEK",
		Credentials: map[string]string{spiris.CredentialAccessToken: sp.AddCompany("Annan AB").IssueToken(spiris.DefaultScopes...).AccessToken}}
	spEnv := []string{"LEDGERBRIDGE_SPIRIS_API_URL=" + sp.APIBaseURL(), "LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL=" + sp.AuthorizeURL(),
		"LEDGERBRIDGE_SPIRIS_TOKEN_URL=" + sp.TokenURL()}
	for _, tc := range []struct {
		name   string
		target Target
		ran    []string // scenarios that must have run (not skipped)
		// scenarios that must be skipped, with a reason containing the text
		skipped map[string]string
	}{
		{"example journal", Target{Path: journal, Env: []string{"JOURNAL_DIR=" + t.TempDir()}},
			[]string{"merchant isolation", "idempotent ExportSales"}, nil},
		{"built-in sie", Target{Path: gateway, Args: []string{"plugin", "sie", "--data-dir", t.TempDir()}},
			[]string{"merchant isolation", "idempotent ExportSales"}, nil},
		{"built-in open", Target{Path: gateway, Args: []string{"plugin", "open", "--data-dir", t.TempDir()}, Conn: openConn},
			[]string{"merchant isolation", "idempotent CreateInvoice", "idempotent CreditInvoice"}, nil},
		{"built-in tripletex", Target{Path: gateway, Args: []string{"plugin", "tripletex", "--data-dir", t.TempDir()}, Env: txEnv, Conn: txConn},
			[]string{"idempotent ExportSales", "idempotent CreateInvoice", "idempotent CreditInvoice"},
			map[string]string{"merchant isolation": "auth api_token"}},
		{"built-in spiris", Target{Path: gateway, Args: []string{"plugin", "spiris", "--data-dir", t.TempDir()}, Env: spEnv, Conn: spConn, Other: &spOther},
			[]string{"merchant isolation", "idempotent ExportSales", "idempotent CreateInvoice", "idempotent CreditInvoice"}, nil},
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
			for name, why := range tc.skipped {
				if got := row(r, name); got.Status != Skipped || !strings.Contains(got.Details, why) {
					t.Errorf("%s: %s %q, want it skipped saying %q", name, got.Status, got.Details, why)
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
