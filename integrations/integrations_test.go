package integrations_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

var (
	ctx         = context.Background()
	bookkeeping = []core.IntegrationMode{core.ModeBookkeeping}
	invoicing   = []core.IntegrationMode{core.ModeInvoicing}
	both        = []core.IntegrationMode{core.ModeInvoicing, core.ModeBookkeeping}
)

// goodMapping is a complete Norwegian mapping that the fake chart accepts.
func goodMapping() mapping.Mapping {
	return mapping.Mapping{
		PaymentMethods:         map[string]string{"cash": "1900", "card": "1920", "vipps": "1920"},
		FallbackPaymentAccount: "1920",
		VATRates:               map[string]string{"25": "3000", "15": "3030", "0": "3100"},
		VATAccounts:            map[string]string{"25": "2700", "15": "2701", "12": "2703"},
		ProductGroups:          map[string]mapping.GroupAccounts{"food": {EatIn: "3000", Takeaway: "3030"}},
		Events: map[string]string{mapping.EventTips: "2910", mapping.EventRounding: "7740",
			mapping.EventGiftCards: "2900", mapping.EventReceivables: "1500"},
	}
}

// ready creates an integration of the merchant of p and completes every
// step but finish.
func ready(t testing.TB, f *fixture, p core.Principal, provider string, modes []core.IntegrationMode) string {
	t.Helper()
	in, err := f.svc.Create(ctx, p, provider, modes)
	if err != nil {
		t.Fatal(err)
	}
	if in.Auth == core.AuthAPIToken {
		if _, err := f.svc.PutCredentials(ctx, p, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
			t.Fatal(err)
		}
	}
	st := integrations.Settings{}
	for _, m := range in.Modes {
		if m == core.ModeBookkeeping {
			st.ExportStartDate = "2026-05-01"
		} else {
			st.InvoicingEnabled = true
		}
	}
	if _, err := f.svc.PutSettings(ctx, p, in.ID, st); err != nil {
		t.Fatal(err)
	}
	if st.ExportStartDate != "" {
		if _, err := f.svc.PutMapping(ctx, p, in.ID, goodMapping()); err != nil {
			t.Fatal(err)
		}
	}
	return in.ID
}

// connected creates a bookkeeping integration of the fake ledger and
// saves working credentials, so its chart can be read.
func connected(t *testing.T, f *fixture) integrations.Integration {
	t.Helper()
	in, err := f.svc.Create(ctx, f.admin, "ledger", bookkeeping)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	return in
}

func activate(t *testing.T, f *fixture, p core.Principal, id string) integrations.Integration {
	t.Helper()
	in, err := f.svc.Activate(ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != core.IntegrationActive {
		t.Fatalf("status after activation = %s", in.Status)
	}
	return in
}

func stepNames(w integrations.Wizard) []string {
	var out []string
	for _, s := range w.Steps {
		out = append(out, s.Name)
	}
	return out
}

func step(t *testing.T, w integrations.Wizard, name string) integrations.Step {
	t.Helper()
	for _, s := range w.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q in %v", name, stepNames(w))
	return integrations.Step{}
}

func TestWizardStepsFollowProviderAndModes(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		provider string
		modes    []core.IntegrationMode
		want     []string
	}{
		{"ledger", both, []string{"credentials", "export_start_date", "payment_methods", "vat_rates",
			"product_groups", "events", "invoicing", "collective_invoicing", "finish"}},
		{"ledger", invoicing, []string{"credentials", "invoicing", "collective_invoicing", "finish"}},
		{"oauthy", bookkeeping, []string{"credentials", "export_start_date", "payment_methods", "vat_rates",
			"product_groups", "events", "finish"}},
		// No credentials (auth none), no collective invoices capability.
		{"invoiceonly", invoicing, []string{"invoicing", "finish"}},
	}
	for _, tt := range tests {
		in, err := f.svc.Create(ctx, f.admin, tt.provider, tt.modes)
		if err != nil {
			t.Fatalf("%s %v: %v", tt.provider, tt.modes, err)
		}
		if in.Status != core.IntegrationSetup {
			t.Errorf("%s: status %s, want setup", tt.provider, in.Status)
		}
		if got := stepNames(in.Wizard); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %v: steps %v, want %v", tt.provider, tt.modes, got, tt.want)
		}
		if in.Wizard.Next != tt.want[0] {
			t.Errorf("%s: next %q, want %q", tt.provider, in.Wizard.Next, tt.want[0])
		}
		for _, s := range in.Wizard.Steps {
			if s.Status != integrations.StepTodo || s.Message == "" {
				t.Errorf("%s: new step %+v, want todo with a message", tt.provider, s)
			}
		}
	}
}

func TestWizardAdvancesAsStepsAreSaved(t *testing.T) {
	f := newFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "ledger", both)
	if err != nil {
		t.Fatal(err)
	}
	if in, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	if s := step(t, in.Wizard, "credentials"); s.Status != integrations.StepDone || in.Wizard.Next != "export_start_date" || !in.Connected {
		t.Fatalf("after credentials: %+v next %q connected %v", s, in.Wizard.Next, in.Connected)
	}
	if in, err = f.svc.PutSettings(ctx, f.admin, in.ID, integrations.Settings{ExportStartDate: "2026-05-01"}); err != nil {
		t.Fatal(err)
	}
	if in.Wizard.Next != "payment_methods" || in.Settings.ExportStartDate != "2026-05-01" {
		t.Fatalf("after settings: next %q settings %+v", in.Wizard.Next, in.Settings)
	}
	partial := goodMapping()
	delete(partial.Events, mapping.EventTips)
	if in, err = f.svc.PutMapping(ctx, f.admin, in.ID, partial); err != nil {
		t.Fatal(err)
	}
	if s := step(t, in.Wizard, "events"); s.Status != integrations.StepTodo || !strings.Contains(s.Message, "events.tips") {
		t.Fatalf("events step with tips missing: %+v", s)
	}
	if in.Wizard.Next != "events" {
		t.Fatalf("next = %q, want events", in.Wizard.Next)
	}
	if in, err = f.svc.PutMapping(ctx, f.admin, in.ID, goodMapping()); err != nil {
		t.Fatal(err)
	}
	if in.Wizard.Next != "invoicing" {
		t.Fatalf("next = %q, want invoicing", in.Wizard.Next)
	}
	if in, err = f.svc.PutSettings(ctx, f.admin, in.ID, integrations.Settings{ExportStartDate: "2026-05-01", InvoicingEnabled: true}); err != nil {
		t.Fatal(err)
	}
	if in.Wizard.Next != "finish" {
		t.Fatalf("next = %q, want finish", in.Wizard.Next)
	}
	in = activate(t, f, f.admin, in.ID)
	if in.Wizard.Next != "" || step(t, in.Wizard, "finish").Status != integrations.StepDone {
		t.Fatalf("active wizard: %+v", in.Wizard)
	}
}

func TestCreateRejectsUnknownProviderAndImpossibleModes(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		provider string
		modes    []core.IntegrationMode
		field    string
	}{
		{"nosuch", bookkeeping, "provider"},
		{"", bookkeeping, "provider"},
		{"invoiceonly", bookkeeping, "modes"}, // no sales export
		{"oauthy", invoicing, "modes"},        // no invoices
		{"ledger", nil, "modes"},
		{"ledger", []core.IntegrationMode{"payroll"}, "modes[0]"},
	}
	for _, tt := range tests {
		_, err := f.svc.Create(ctx, f.admin, tt.provider, tt.modes)
		e := wantCode(t, err, core.CodeInvalid)
		if fieldMessage(e, tt.field) == "" {
			t.Errorf("Create(%q, %v): fields %v, want %q", tt.provider, tt.modes, fieldNames(e), tt.field)
		}
	}
	list, err := f.svc.List(ctx, f.admin)
	if err != nil || len(list) != 0 {
		t.Fatalf("refused creations stored something: %v %v", list, err)
	}
}

func TestCredentialsAreVerifiedBeforeTheyAreStored(t *testing.T) {
	f := newFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "ledger", bookkeeping)
	if err != nil {
		t.Fatal(err)
	}
	// Unknown and missing fields are refused without asking the provider.
	_, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"password": "x"})
	e := wantCode(t, err, core.CodeInvalid)
	if got := fieldNames(e); !reflect.DeepEqual(got, []string{"password", "employee_token"}) {
		t.Fatalf("fields = %v, want password and employee_token", got)
	}
	if n := f.ledger.verifyCount(); n != 0 {
		t.Fatalf("provider asked %d times about malformed credentials", n)
	}
	// The provider's refusal comes back with its message; nothing is stored.
	_, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": "wrong"})
	e = wantCode(t, err, core.CodeInvalid)
	if !strings.Contains(fieldMessage(e, "credentials"), "the employee token was not accepted") {
		t.Fatalf("refusal = %v, want the provider's message on credentials", e)
	}
	got, err := f.svc.Get(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Connected || step(t, got.Wizard, "credentials").Status != integrations.StepTodo {
		t.Fatalf("refused credentials were stored: connected %v", got.Connected)
	}
	if _, err := f.svc.Accounts(ctx, f.admin, in.ID); core.Code(err) != core.CodeConflict {
		t.Fatalf("Accounts without credentials: %v, want conflict", err)
	}
	// Accepted credentials (with the pasted newline trimmed) are stored.
	got, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Connected {
		t.Fatal("accepted credentials not stored")
	}
	if last := f.ledger.verified[len(f.ledger.verified)-1]; last["employee_token"] != goodToken {
		t.Fatalf("provider verified %v", last)
	}
	accounts, err := f.svc.Accounts(ctx, f.acct, in.ID)
	if err != nil || len(accounts) != len(norwegianChart()) {
		t.Fatalf("Accounts = %d accounts, %v", len(accounts), err)
	}
	if codes, err := f.svc.VATCodes(ctx, f.acct, in.ID); err != nil || len(codes) != len(norwegianCodes()) {
		t.Fatalf("VATCodes = %v, %v", codes, err)
	}
	if types, err := f.svc.PaymentTypes(ctx, f.acct, in.ID); err != nil || len(types) != 1 {
		t.Fatalf("PaymentTypes = %v, %v", types, err)
	}
}

func TestCredentialsOfOAuthAndNoAuthProvidersAreRefused(t *testing.T) {
	f := newFixture(t)
	for _, provider := range []string{"oauthy", "invoiceonly"} {
		modes := bookkeeping
		if provider == "invoiceonly" {
			modes = invoicing
		}
		in, err := f.svc.Create(ctx, f.admin, provider, modes)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"token": "x"})
		if e := wantCode(t, err, core.CodeInvalid); fieldMessage(e, "credentials") == "" {
			t.Errorf("%s: fields %v, want credentials", provider, fieldNames(e))
		}
	}
}

func TestCredentialsAreEncryptedAtRest(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", both)
	activate(t, f, f.admin, id)
	// The token is usable: the engine gets it back decrypted.
	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || !found || ac.Credentials["employee_token"] != goodToken {
		t.Fatalf("ActiveConnection = %+v, %v, %v", ac, found, err)
	}
	var files [][]byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(f.store.Path() + suffix)
		if err == nil {
			files = append(files, data)
		}
	}
	var all []byte
	for _, data := range files {
		all = append(all, data...)
	}
	// The search works: the integration's ID, stored in clear, is found.
	if !bytes.Contains(all, []byte(id)) {
		t.Fatalf("integration ID not found in %s*: the test reads the wrong files", filepath.Base(f.store.Path()))
	}
	for _, needle := range []string{goodToken, "SECRET-employee"} {
		if bytes.Contains(all, []byte(needle)) {
			t.Fatalf("plaintext credential %q found in the database files", needle)
		}
	}
}

func TestMappingIsCheckedAgainstTheLiveChart(t *testing.T) {
	f := newFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "ledger", bookkeeping)
	if err != nil {
		t.Fatal(err)
	}
	// Without credentials the chart cannot be read.
	if _, err := f.svc.PutMapping(ctx, f.admin, in.ID, goodMapping()); core.Code(err) != core.CodeConflict {
		t.Fatalf("PutMapping without credentials: %v, want conflict", err)
	}
	if _, err := f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	bad := goodMapping()
	bad.VATRates["15"] = "3000"                                         // locked to code 3 (25 %)
	bad.VATRates["12"] = "3030"                                         // accepts only code 31 (15 %)
	bad.PaymentMethods["card"] = "9999"                                 // does not exist
	bad.PaymentMethods["vipps"] = "3400"                                // inactive
	bad.Events[mapping.EventTips] = "3000"                              // posted without VAT code
	bad.ProductGroups["food"] = mapping.GroupAccounts{Takeaway: "3000"} // takeaway food is 15 % in Norway
	bad.VATAccounts["6"] = "2700"                                       // not a Norwegian rate
	bad.PaymentMethods["swish"] = "19x0"                                // malformed
	// CheckMapping finds the same problems without saving anything (the
	// wizard's inline check); a cashier may not ask.
	checked, err := f.svc.CheckMapping(ctx, f.admin, in.ID, bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckMapping(ctx, core.Principal{MerchantID: f.admin.MerchantID, Role: core.RoleCashier}, in.ID, bad); core.Code(err) != core.CodeForbidden {
		t.Errorf("CheckMapping as cashier: %v, want forbidden", err)
	}
	if ok, err := f.svc.CheckMapping(ctx, f.admin, in.ID, goodMapping()); err != nil || len(ok) != 0 {
		t.Errorf("CheckMapping of a good mapping: %v %v", ok, err)
	}
	_, err = f.svc.PutMapping(ctx, f.admin, in.ID, bad)
	e := wantCode(t, err, core.CodeInvalid)
	if !reflect.DeepEqual(checked, e.Fields) {
		t.Errorf("CheckMapping = %v, PutMapping refused %v", checked, e.Fields)
	}
	want := map[string]string{
		"vat_rates.15":                 "account 3000 is locked to VAT code 3 (25 %), cannot book 15 %",
		"vat_rates.12":                 "account 3030 accepts only VAT codes 31 (15 %); cannot book 12 %",
		"payment_methods.card":         "account 9999 does not exist in Ledger ledger",
		"payment_methods.vipps":        "inactive",
		"events.tips":                  "account 3000 is locked to VAT code 3 (25 %), but event postings carry no VAT code",
		"product_groups.food.takeaway": "account 3000 is locked to VAT code 3 (25 %), cannot book 15 %",
		"vat_accounts.6":               "is not a VAT rate in NO",
		"payment_methods.swish":        "4 to 10 digits",
	}
	if len(e.Fields) != len(want) {
		t.Errorf("got %d problems %v, want %d", len(e.Fields), fieldNames(e), len(want))
	}
	for field, msg := range want {
		if got := fieldMessage(e, field); !strings.Contains(got, msg) {
			t.Errorf("%s: %q, want it to contain %q", field, got, msg)
		}
	}
	if m, saved, err := f.svc.GetMapping(ctx, f.admin, in.ID); err != nil || saved || len(m.PaymentMethods) != 0 {
		t.Fatalf("refused mapping was saved: %v %v %v", m, saved, err)
	}
	if _, err := f.svc.PutMapping(ctx, f.admin, in.ID, goodMapping()); err != nil {
		t.Fatal(err)
	}
	m, saved, err := f.svc.GetMapping(ctx, f.admin, in.ID)
	if err != nil || !saved || !reflect.DeepEqual(m, goodMapping()) {
		t.Fatalf("GetMapping = %+v, %v, %v", m, saved, err)
	}
}

func TestActivateListsEveryMissingItemAtOnce(t *testing.T) {
	f := newFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "ledger", both)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Activate(ctx, f.admin, in.ID)
	e := wantCode(t, err, core.CodeInvalid)
	want := []string{"credentials", "events.rounding", "events.tips", "export_start_date", "fallback_payment_account",
		"invoicing_enabled", "vat_accounts.15", "vat_accounts.25", "vat_rates.15", "vat_rates.25"}
	if got := fieldNames(e); !reflect.DeepEqual(got, want) {
		t.Fatalf("problems = %v, want %v", got, want)
	}
	got, err := f.svc.Get(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != core.IntegrationSetup {
		t.Fatalf("status = %s", got.Status)
	}
	for _, name := range []string{"credentials", "export_start_date", "payment_methods", "vat_rates", "events", "invoicing"} {
		if s := step(t, got.Wizard, name); s.Status != integrations.StepInvalid {
			t.Errorf("step %s = %+v, want invalid after the failed activation", name, s)
		}
	}
	// Saving a step clears its problems.
	if got, err = f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	if s := step(t, got.Wizard, "credentials"); s.Status != integrations.StepDone {
		t.Fatalf("credentials step after saving: %+v", s)
	}
}

func TestActivateRechecksTheLiveChart(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", bookkeeping)
	// The accountant deactivates the rounding account after the mapping
	// was saved, and the token is revoked in a second integration.
	f.ledger.setActive("7740", false)
	_, err := f.svc.Activate(ctx, f.admin, id)
	e := wantCode(t, err, core.CodeInvalid)
	if got := fieldNames(e); !reflect.DeepEqual(got, []string{"events.rounding"}) {
		t.Fatalf("problems = %v, want events.rounding", got)
	}
	f.ledger.setActive("7740", true)
	f.ledger.token = "rotated"
	defer func() { f.ledger.token = goodToken }()
	_, err = f.svc.Activate(ctx, f.admin, id)
	e = wantCode(t, err, core.CodeInvalid)
	if !strings.Contains(fieldMessage(e, "credentials"), "not accepted") {
		t.Fatalf("revoked token: %v", e)
	}
}

func TestActivationSwitchesTheActiveIntegrationPerMode(t *testing.T) {
	f := newFixture(t)
	// Invoicing through a program that does no bookkeeping (as the
	// built-in open provider): switching bookkeeping leaves it alone.
	invoicer := ready(t, f, f.admin, "invoiceonly", invoicing)
	bookA := ready(t, f, f.admin, "ledger", bookkeeping)
	bookB := ready(t, f, f.admin, "other", bookkeeping)
	activate(t, f, f.admin, invoicer)
	in := activate(t, f, f.admin, bookA)
	if !reflect.DeepEqual(in.MerchantPaymentMethods, []string{"invoice"}) {
		t.Fatalf("merchant payment methods = %v, want invoice after activating invoicing", in.MerchantPaymentMethods)
	}
	activate(t, f, f.admin, bookB)
	status := func(id string) integrations.Integration {
		t.Helper()
		in, err := f.svc.Get(ctx, f.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	if a := status(bookA); a.Status != core.IntegrationDisabled || !strings.Contains(a.StatusReason, bookB) {
		t.Fatalf("previous bookkeeping integration: %s %q, want disabled naming %s", a.Status, a.StatusReason, bookB)
	}
	// Switching bookkeeping programs leaves invoicing alone.
	if inv := status(invoicer); inv.Status != core.IntegrationActive {
		t.Fatalf("invoicing integration became %s", inv.Status)
	}
	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeBookkeeping)
	if err != nil || !found || ac.IntegrationID != bookB || ac.Provider != "other" || ac.Settings[integrations.SettingExportStartDate] != "2026-05-01" {
		t.Fatalf("active bookkeeping = %+v %v %v", ac, found, err)
	}
	// An integration in both modes displaces both.
	bothID := ready(t, f, f.admin, "ledger", both)
	activate(t, f, f.admin, bothID)
	for _, id := range []string{invoicer, bookB} {
		if s := status(id); s.Status != core.IntegrationDisabled {
			t.Errorf("%s is %s after activating one for both modes", id, s.Status)
		}
	}
	for _, mode := range both {
		ac, found, err := f.svc.ActiveConnection(ctx, "m1", mode)
		if err != nil || !found || ac.IntegrationID != bothID {
			t.Errorf("active %s = %+v %v %v, want %s", mode, ac, found, err, bothID)
		}
	}
	// Re-activating the disabled one switches back.
	activate(t, f, f.admin, bookB)
	if s := status(bothID); s.Status != core.IntegrationDisabled {
		t.Fatalf("both-mode integration is %s after bookkeeping switched back", s.Status)
	}
	if _, found, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); found {
		t.Fatal("an invoicing integration is still active after its integration was disabled")
	}
	list, err := f.svc.List(ctx, f.admin)
	if err != nil || len(list) != 4 {
		t.Fatalf("List = %d, %v", len(list), err)
	}
	active := 0
	for _, in := range list {
		if in.Status == core.IntegrationActive {
			active++
		}
	}
	if active != 1 {
		t.Fatalf("%d active integrations, want 1", active)
	}
	// The other merchant is untouched.
	if _, found, _ := f.svc.ActiveConnection(ctx, "m2", core.ModeBookkeeping); found {
		t.Fatal("merchant m2 has an active integration")
	}
}

func TestActiveBookkeepingForTheExportEngine(t *testing.T) {
	f := newFixture(t)
	if _, found, err := f.svc.ActiveBookkeeping(ctx, "m1"); found || err != nil {
		t.Fatalf("no integration: found %v err %v", found, err)
	}
	id := ready(t, f, f.admin, "ledger", bookkeeping)
	activate(t, f, f.admin, id)
	bt, found, err := f.svc.ActiveBookkeeping(ctx, "m1")
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if bt.Connection.IntegrationID != id || bt.ExportStartDate != "2026-05-01" || bt.SameAsInvoicing ||
		!reflect.DeepEqual(bt.Mapping, goodMapping()) || bt.Connection.Credentials["employee_token"] != goodToken {
		t.Fatalf("target = %+v", bt)
	}
	// An invoicing integration with the same program and token: invoices
	// already booked their sales.
	inv := ready(t, f, f.admin, "ledger", invoicing)
	activate(t, f, f.admin, inv)
	if bt, _, _ = f.svc.ActiveBookkeeping(ctx, "m1"); !bt.SameAsInvoicing {
		t.Fatal("same program and token: SameAsInvoicing false")
	}
	other := ready(t, f, f.admin, "invoiceonly", invoicing)
	activate(t, f, f.admin, other)
	if bt, _, _ = f.svc.ActiveBookkeeping(ctx, "m1"); bt.SameAsInvoicing {
		t.Fatal("different invoicing program: SameAsInvoicing true")
	}
	bothID := ready(t, f, f.admin, "other", both)
	activate(t, f, f.admin, bothID)
	if bt, _, _ = f.svc.ActiveBookkeeping(ctx, "m1"); !bt.SameAsInvoicing || bt.Connection.IntegrationID != bothID {
		t.Fatalf("one integration in both modes: %+v", bt)
	}
}

func TestNeedsReauthAndReauthorisation(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", both)
	if err := f.svc.MarkNeedsReauth(ctx, id, "refresh token revoked"); core.Code(err) != core.CodeConflict {
		t.Fatalf("MarkNeedsReauth in setup: %v, want conflict", err)
	}
	if err := f.svc.MarkNeedsReauth(ctx, "int_nosuch", "x"); core.Code(err) != core.CodeNotFound {
		t.Fatalf("unknown integration: %v", err)
	}
	activate(t, f, f.admin, id)
	// The engine has seen it active (and cached that).
	if ac, _, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); ac.Status != core.IntegrationActive {
		t.Fatalf("status before = %s", ac.Status)
	}
	if err := f.svc.MarkNeedsReauth(ctx, id, "refresh token revoked"); err != nil {
		t.Fatal(err)
	}
	in, _ := f.svc.Get(ctx, f.admin, id)
	if in.Status != core.IntegrationNeedsReauth || in.StatusReason != "refresh token revoked" {
		t.Fatalf("after MarkNeedsReauth: %s %q", in.Status, in.StatusReason)
	}
	if s := step(t, in.Wizard, "credentials"); s.Status != integrations.StepInvalid || !strings.Contains(s.Message, "revoked") {
		t.Fatalf("credentials step = %+v", s)
	}
	// It keeps its place: the engine sees it and pauses.
	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing)
	if err != nil || !found || ac.Status != core.IntegrationNeedsReauth {
		t.Fatalf("ActiveConnection = %+v %v %v", ac, found, err)
	}
	// Reconnecting (new credentials, verified by the provider) makes it
	// active again and clears the reason and the invalid step.
	if _, err := f.svc.PutCredentials(ctx, f.admin, id, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	in, _ = f.svc.Get(ctx, f.admin, id)
	if in.Status != core.IntegrationActive || in.StatusReason != "" || step(t, in.Wizard, "credentials").Status != integrations.StepDone {
		t.Fatalf("after reconnecting: %s %q %+v", in.Status, in.StatusReason, step(t, in.Wizard, "credentials"))
	}
	if ac, _, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); ac.Status != core.IntegrationActive {
		t.Fatalf("the engine still sees %s", ac.Status)
	}
}

func TestSettingsValidation(t *testing.T) {
	f := newFixture(t) // today is 2026-05-04
	book, _ := f.svc.Create(ctx, f.admin, "ledger", bookkeeping)
	inv, _ := f.svc.Create(ctx, f.admin, "ledger", invoicing)
	noCollective, _ := f.svc.Create(ctx, f.admin, "invoiceonly", invoicing)
	tests := []struct {
		name   string
		id     string
		s      integrations.Settings
		fields []string
	}{
		{"bookkeeping ok", book.ID, integrations.Settings{ExportStartDate: "2026-01-01"}, nil},
		{"a year ahead ok", book.ID, integrations.Settings{ExportStartDate: "2027-05-04"}, nil},
		{"start date required", book.ID, integrations.Settings{}, []string{"export_start_date"}},
		{"malformed", book.ID, integrations.Settings{ExportStartDate: "2026-13-01"}, []string{"export_start_date"}},
		{"too far ahead", book.ID, integrations.Settings{ExportStartDate: "2027-05-05"}, []string{"export_start_date"}},
		{"invoicing without mode", book.ID, integrations.Settings{ExportStartDate: "2026-01-01", InvoicingEnabled: true}, []string{"invoicing_enabled"}},
		{"invoicing ok", inv.ID, integrations.Settings{InvoicingEnabled: true, CollectiveInvoicingEnabled: true}, nil},
		{"start date without bookkeeping", inv.ID, integrations.Settings{ExportStartDate: "2026-01-01", InvoicingEnabled: true}, []string{"export_start_date"}},
		{"collective needs invoicing", inv.ID, integrations.Settings{CollectiveInvoicingEnabled: true}, []string{"collective_invoicing_enabled"}},
		{"collective needs capability", noCollective.ID, integrations.Settings{InvoicingEnabled: true, CollectiveInvoicingEnabled: true}, []string{"collective_invoicing_enabled"}},
	}
	for _, tt := range tests {
		got, err := f.svc.PutSettings(ctx, f.admin, tt.id, tt.s)
		if tt.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if got.Settings != tt.s {
				t.Errorf("%s: stored %+v", tt.name, got.Settings)
			}
			continue
		}
		e := wantCode(t, err, core.CodeInvalid)
		if !reflect.DeepEqual(fieldNames(e), tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, fieldNames(e), tt.fields)
		}
	}
}

func TestSuggestionReconcilesTheStandardChartWithTheProviders(t *testing.T) {
	f := newFixture(t)
	// This company lacks 3030 (15 % sales) and 7740 (rounding) but has 7700.
	chart := norwegianChart()
	var trimmed []core.LedgerAccount
	for _, a := range chart {
		if a.Number != "3030" && a.Number != "7740" {
			trimmed = append(trimmed, a)
		}
	}
	f.ledger.accounts = append(trimmed, core.LedgerAccount{Number: "7700", Name: "Øredifferanser", Active: true})
	in := connected(t, f)
	// The merchant already chose cash's account.
	saved := mapping.Mapping{PaymentMethods: map[string]string{"cash": "1920"}, FallbackPaymentAccount: "1920"}
	if _, err := f.svc.PutMapping(ctx, f.admin, in.ID, saved); err != nil {
		t.Fatal(err)
	}
	s, err := f.svc.Suggestion(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Mapping
	if m.PaymentMethods["cash"] != "1920" || contains(s.Suggested, "payment_methods.cash") || contains(s.Suggested, "fallback_payment_account") {
		t.Errorf("saved items changed or marked: cash %q suggested %v", m.PaymentMethods["cash"], s.Suggested)
	}
	if m.PaymentMethods["vipps"] != "1920" || m.PaymentMethods["card"] != "1920" || !contains(s.Suggested, "payment_methods.vipps") {
		t.Errorf("standard methods not suggested: %v %v", m.PaymentMethods, s.Suggested)
	}
	if _, ok := m.PaymentMethods["invoice"]; ok {
		t.Error("invoice suggested as a payment method row; it is booked on events.receivables")
	}
	if m.Events[mapping.EventRounding] != "7700" || !contains(s.Suggested, "events.rounding") {
		t.Errorf("rounding = %q, want the closest class-7 account 7700", m.Events[mapping.EventRounding])
	}
	if !hasField(s.Notes, "events.rounding") {
		t.Errorf("no note on the substituted rounding account: %v", s.Notes)
	}
	// No class-3 account of this chart takes 15 %: left out, and said so.
	if _, ok := m.VATRates["15"]; ok || !hasField(s.Unresolved, "vat_rates.15") || contains(s.Suggested, "vat_rates.15") {
		t.Errorf("vat_rates.15 = %q, unresolved %v", m.VATRates["15"], s.Unresolved)
	}
	if m.VATRates["25"] != "3000" || m.VATAccounts["15"] != "2701" || m.Events[mapping.EventTips] != "2910" {
		t.Errorf("standard accounts not kept: %+v", m)
	}
	// The suggestion, completed with the unresolved item, is accepted.
	m.VATRates["15"] = "3000"
	f.ledger.accounts = append(f.ledger.accounts, core.LedgerAccount{Number: "3030", Active: true, AllowedVATCodes: []string{"31"}})
	m.VATRates["15"] = "3030"
	if _, err := f.svc.PutMapping(ctx, f.admin, in.ID, m); err != nil {
		t.Fatalf("the completed suggestion is refused: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasField(list []core.FieldError, field string) bool {
	for _, f := range list {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestAnotherMerchantsIntegrationIsNotFound(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", both)
	calls := map[string]func() error{
		"Get": func() error { _, err := f.svc.Get(ctx, f.admin2, id); return err },
		"PutCredentials": func() error {
			_, err := f.svc.PutCredentials(ctx, f.admin2, id, map[string]string{"employee_token": goodToken})
			return err
		},
		"PutSettings":  func() error { _, err := f.svc.PutSettings(ctx, f.admin2, id, integrations.Settings{}); return err },
		"GetMapping":   func() error { _, _, err := f.svc.GetMapping(ctx, f.admin2, id); return err },
		"PutMapping":   func() error { _, err := f.svc.PutMapping(ctx, f.admin2, id, goodMapping()); return err },
		"Suggestion":   func() error { _, err := f.svc.Suggestion(ctx, f.admin2, id); return err },
		"Accounts":     func() error { _, err := f.svc.Accounts(ctx, f.admin2, id); return err },
		"VATCodes":     func() error { _, err := f.svc.VATCodes(ctx, f.admin2, id); return err },
		"PaymentTypes": func() error { _, err := f.svc.PaymentTypes(ctx, f.admin2, id); return err },
		"Activate":     func() error { _, err := f.svc.Activate(ctx, f.admin2, id); return err },
	}
	for name, call := range calls {
		if err := call(); core.Code(err) != core.CodeNotFound {
			t.Errorf("%s of another merchant's integration: %v, want not_found", name, err)
		}
	}
	if list, err := f.svc.List(ctx, f.admin2); err != nil || len(list) != 0 {
		t.Fatalf("m2 lists %d integrations, %v", len(list), err)
	}
	if in, _ := f.svc.Get(ctx, f.admin, id); in.Status != core.IntegrationSetup {
		t.Fatalf("another merchant changed the integration: %s", in.Status)
	}
}

func TestRoles(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", bookkeeping)
	type op struct {
		name   string
		call   func(p core.Principal) error
		allows []core.Role
	}
	admin, both := []core.Role{core.RoleAdmin}, []core.Role{core.RoleAdmin, core.RoleAccountant}
	ops := []op{
		{"List", func(p core.Principal) error { _, err := f.svc.List(ctx, p); return err }, both},
		{"Get", func(p core.Principal) error { _, err := f.svc.Get(ctx, p, id); return err }, both},
		{"Accounts", func(p core.Principal) error { _, err := f.svc.Accounts(ctx, p, id); return err }, both},
		{"VATCodes", func(p core.Principal) error { _, err := f.svc.VATCodes(ctx, p, id); return err }, both},
		{"PaymentTypes", func(p core.Principal) error { _, err := f.svc.PaymentTypes(ctx, p, id); return err }, both},
		{"Create", func(p core.Principal) error { _, err := f.svc.Create(ctx, p, "ledger", bookkeeping); return err }, admin},
		{"PutCredentials", func(p core.Principal) error {
			_, err := f.svc.PutCredentials(ctx, p, id, map[string]string{"employee_token": goodToken})
			return err
		}, admin},
		{"PutSettings", func(p core.Principal) error {
			_, err := f.svc.PutSettings(ctx, p, id, integrations.Settings{ExportStartDate: "2026-05-01"})
			return err
		}, admin},
		{"GetMapping", func(p core.Principal) error { _, _, err := f.svc.GetMapping(ctx, p, id); return err }, both},
		{"PutMapping", func(p core.Principal) error { _, err := f.svc.PutMapping(ctx, p, id, goodMapping()); return err }, admin},
		{"Suggestion", func(p core.Principal) error { _, err := f.svc.Suggestion(ctx, p, id); return err }, admin},
		{"Activate", func(p core.Principal) error { _, err := f.svc.Activate(ctx, p, id); return err }, admin},
		{"Disable", func(p core.Principal) error { _, err := f.svc.Disable(ctx, p, id); return err }, admin},
	}
	for _, o := range ops {
		for _, p := range []core.Principal{f.admin, f.acct, f.cash} {
			err := o.call(p)
			allowed := false
			for _, r := range o.allows {
				allowed = allowed || r == p.Role
			}
			if allowed && err != nil {
				t.Errorf("%s as %s: %v", o.name, p.Role, err)
			}
			if !allowed && core.Code(err) != core.CodeForbidden {
				t.Errorf("%s as %s: %v, want forbidden", o.name, p.Role, err)
			}
		}
	}
}

func TestConcurrentActivationsLeaveOneActivePerMode(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := 0; i < 4; i++ {
		ids = append(ids, ready(t, f, f.admin, "ledger", bookkeeping))
	}
	errs := make(chan error, len(ids))
	for _, id := range ids {
		go func() {
			_, err := f.svc.Activate(ctx, f.admin, id)
			errs <- err
		}()
	}
	for range ids {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.svc.List(ctx, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	active := ""
	for _, in := range list {
		if in.Status == core.IntegrationActive {
			if active != "" {
				t.Fatalf("two active bookkeeping integrations: %s and %s", active, in.ID)
			}
			active = in.ID
		}
	}
	ac, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeBookkeeping)
	if err != nil || !found || ac.IntegrationID != active {
		t.Fatalf("active = %s, ActiveConnection = %+v %v %v", active, ac, found, err)
	}
}

func TestConcurrentStepsAreAllKept(t *testing.T) {
	f := newFixture(t)
	in, err := f.svc.Create(ctx, f.admin, "ledger", both)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() {
		_, err := f.svc.PutSettings(ctx, f.admin, in.ID, integrations.Settings{ExportStartDate: "2026-05-01", InvoicingEnabled: true})
		done <- err
	}()
	go func() { _, err := f.svc.PutMapping(ctx, f.admin, in.ID, goodMapping()); done <- err }()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.svc.Get(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Wizard.Next != "finish" || !got.Connected || got.Settings.ExportStartDate != "2026-05-01" {
		t.Fatalf("a concurrent step was lost: %+v", got)
	}
}

func BenchmarkActiveConnection(b *testing.B) {
	f := newFixture(b)
	id := ready(b, f, f.admin, "ledger", both)
	if _, err := f.svc.Activate(ctx, f.admin, id); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, found, err := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}

// Invoicing through an accounting system (a provider that invoices and
// books sales, as Tripletex and Spiris) needs its bookkeeping: seeds 001
// and 002.
func TestInvoicingThroughAnAccountingSystemNeedsItsBookkeeping(t *testing.T) {
	for _, tc := range []struct {
		name       string
		bookkeeper string // the provider of the active bookkeeping integration, "" for none
		provider   string
		modes      []core.IntegrationMode
		refusal    string // in the "modes" problem; "" when it activates
	}{
		{"no bookkeeping", "", "ledger", invoicing, "Ledger ledger for bookkeeping too, and the merchant has no active bookkeeping integration"},
		{"bookkeeping elsewhere", "other", "ledger", invoicing, "the merchant's bookkeeping goes to Ledger other: activate a Ledger ledger bookkeeping integration first"},
		{"its own bookkeeping", "ledger", "ledger", invoicing, ""},
		{"both in one step", "", "ledger", both, ""},
		{"both in one step replacing another", "other", "ledger", both, ""},
		{"an invoicing-only provider", "", "invoiceonly", invoicing, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.bookkeeper != "" {
				activate(t, f, f.admin, ready(t, f, f.admin, tc.bookkeeper, bookkeeping))
			}
			id := ready(t, f, f.admin, tc.provider, tc.modes)
			in, err := f.svc.Activate(ctx, f.admin, id)
			if tc.refusal == "" {
				if err != nil || in.Status != core.IntegrationActive {
					t.Fatalf("Activate = %s, %v", in.Status, err)
				}
				return
			}
			e := wantCode(t, err, core.CodeInvalid)
			if msg := fieldMessage(e, "modes"); !strings.Contains(msg, tc.refusal) ||
				!strings.Contains(msg, "or set up one Ledger ledger integration for both invoicing and bookkeeping") {
				t.Fatalf("modes problem = %q, want it to contain %q", msg, tc.refusal)
			}
			got, _ := f.svc.Get(ctx, f.admin, id)
			if got.Status != core.IntegrationSetup || step(t, got.Wizard, integrations.StepFinish).Status != integrations.StepInvalid {
				t.Fatalf("after the refusal: %s, finish step %+v", got.Status, step(t, got.Wizard, integrations.StepFinish))
			}
			if _, found, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); found {
				t.Fatal("an invoicing integration is active after the refusal")
			}
		})
	}
}

// Disabling or replacing an accounting system's bookkeeping disables its
// invoicing side; invoicing through another provider is left alone.
func TestLosingItsBookkeepingDisablesTheInvoicingSide(t *testing.T) {
	status := func(t *testing.T, f *fixture, id string) integrations.Integration {
		t.Helper()
		in, err := f.svc.Get(ctx, f.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	t.Run("disabled", func(t *testing.T) {
		f := newFixture(t)
		book := ready(t, f, f.admin, "ledger", bookkeeping)
		activate(t, f, f.admin, book)
		inv := ready(t, f, f.admin, "ledger", invoicing)
		activate(t, f, f.admin, inv)
		if _, err := f.svc.Disable(ctx, f.admin, book); err != nil {
			t.Fatal(err)
		}
		if got := status(t, f, inv); got.Status != core.IntegrationDisabled || !strings.Contains(got.StatusReason, "bookkeeping integration "+book+" was disabled") {
			t.Fatalf("invoicing side: %s %q", got.Status, got.StatusReason)
		}
		if _, found, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); found {
			t.Fatal("invoicing still goes through ledger")
		}
		// Re-activating the invoicing side alone is refused; the
		// bookkeeping side first, then it.
		_, err := f.svc.Activate(ctx, f.admin, inv)
		if e := wantCode(t, err, core.CodeInvalid); fieldMessage(e, "modes") == "" {
			t.Fatalf("re-activation problems: %v", e)
		}
		activate(t, f, f.admin, book)
		activate(t, f, f.admin, inv)
	})
	t.Run("replaced", func(t *testing.T) {
		f := newFixture(t)
		activate(t, f, f.admin, ready(t, f, f.admin, "ledger", bookkeeping))
		inv := ready(t, f, f.admin, "ledger", invoicing)
		activate(t, f, f.admin, inv)
		// A second bookkeeping integration of the same program keeps it.
		book2 := ready(t, f, f.admin, "ledger", bookkeeping)
		activate(t, f, f.admin, book2)
		if got := status(t, f, inv); got.Status != core.IntegrationActive {
			t.Fatalf("invoicing side after a new ledger bookkeeping integration: %s %q", got.Status, got.StatusReason)
		}
		other := ready(t, f, f.admin, "other", bookkeeping)
		activate(t, f, f.admin, other)
		if got := status(t, f, inv); got.Status != core.IntegrationDisabled || !strings.Contains(got.StatusReason, "was replaced by integration "+other) {
			t.Fatalf("invoicing side after switching bookkeeping: %s %q", got.Status, got.StatusReason)
		}
	})
	t.Run("another invoicing provider", func(t *testing.T) {
		f := newFixture(t)
		book := ready(t, f, f.admin, "ledger", bookkeeping)
		activate(t, f, f.admin, book)
		inv := ready(t, f, f.admin, "invoiceonly", invoicing)
		activate(t, f, f.admin, inv)
		if _, err := f.svc.Disable(ctx, f.admin, book); err != nil {
			t.Fatal(err)
		}
		if got := status(t, f, inv); got.Status != core.IntegrationActive {
			t.Fatalf("invoiceonly after ledger bookkeeping was disabled: %s", got.Status)
		}
	})
}

// Integrations can be stopped: nothing of the merchant's
// setup is lost, invoicing falls back to the built-in provider, and
// activating it again resumes it.
func TestDisableStopsAnIntegration(t *testing.T) {
	f := newFixture(t)
	id := ready(t, f, f.admin, "ledger", both)
	if _, err := f.svc.Disable(ctx, f.admin, id); core.Code(err) != core.CodeConflict {
		t.Fatalf("disabling one in setup: %v, want conflict", err)
	}
	activate(t, f, f.admin, id)
	for _, tc := range []struct {
		p    core.Principal
		id   string
		code core.ErrorCode
	}{
		{f.acct, id, core.CodeForbidden},
		{f.cash, id, core.CodeForbidden},
		{f.admin2, id, core.CodeNotFound},
		{f.admin, "int_nosuch", core.CodeNotFound},
	} {
		if _, err := f.svc.Disable(ctx, tc.p, tc.id); core.Code(err) != tc.code {
			t.Errorf("Disable(%s, %s) = %v, want %s", tc.p.Role, tc.id, err, tc.code)
		}
	}
	// The engine has the connection cached.
	if _, found, _ := f.svc.ActiveConnection(ctx, "m1", core.ModeInvoicing); !found {
		t.Fatal("not active before disabling")
	}
	f.now = f.now.Add(time.Hour)
	in, err := f.svc.Disable(ctx, f.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != core.IntegrationDisabled || in.StatusReason != "disabled by an administrator on 2026-05-04 11:00 UTC" ||
		!in.Connected || in.Settings.ExportStartDate != "2026-05-01" {
		t.Fatalf("disabled: %+v", in)
	}
	if s := step(t, in.Wizard, integrations.StepFinish); s.Status != integrations.StepTodo || !strings.Contains(s.Message, "activate it to use it again") {
		t.Fatalf("finish step = %+v", s)
	}
	for _, mode := range both {
		if ac, found, err := f.svc.ActiveConnection(ctx, "m1", mode); found || err != nil {
			t.Fatalf("%s after disabling: %+v %v %v", mode, ac, found, err)
		}
	}
	if _, found, err := f.svc.ActiveBookkeeping(ctx, "m1"); found || err != nil {
		t.Fatalf("bookkeeping after disabling: %v %v", found, err)
	}
	if m, saved, err := f.svc.GetMapping(ctx, f.admin, id); err != nil || !saved || !reflect.DeepEqual(m, goodMapping()) {
		t.Fatalf("mapping after disabling: %+v %v %v", m, saved, err)
	}
	// Again: nothing changes.
	again, err := f.svc.Disable(ctx, f.admin, id)
	if err != nil || again.Status != core.IntegrationDisabled || !again.UpdatedAt.Equal(in.UpdatedAt) {
		t.Fatalf("disabling again: %+v %v", again, err)
	}
	activate(t, f, f.admin, id)
	for _, mode := range both {
		if ac, found, err := f.svc.ActiveConnection(ctx, "m1", mode); !found || err != nil || ac.IntegrationID != id {
			t.Fatalf("%s after re-activation: %+v %v %v", mode, ac, found, err)
		}
	}
}

// Spiris links each output VAT account to its VAT code (2611 to MP1) and
// tags every voucher row with its account's code, so the code's own VAT
// account is where output VAT of that rate belongs: mappable, while the
// same lock still refuses other rates and other uses.
func TestOutputVATAccountOfItsOwnCodeIsMappable(t *testing.T) {
	f := newFixture(t)
	codes := norwegianCodes()
	for i := range codes {
		switch codes[i].Code {
		case "3":
			codes[i].Account = "2700"
		case "31":
			codes[i].Account = "2701"
		}
	}
	f.ledger.codes = codes
	for i := range f.ledger.accounts {
		switch f.ledger.accounts[i].Number {
		case "2700":
			f.ledger.accounts[i].LockedVATCode = "3"
		case "2701":
			f.ledger.accounts[i].LockedVATCode = "31"
		}
	}
	in := connected(t, f)
	if _, err := f.svc.PutMapping(ctx, f.admin, in.ID, goodMapping()); err != nil {
		t.Fatalf("output VAT on the codes' own accounts refused: %v", err)
	}
	tests := []struct {
		name, field, account, want string
	}{
		{"another rate's VAT account", "vat_accounts.25", "2701", "locked to VAT code 31 (15 %)"},
		{"a sales account locked to the rate's code", "vat_accounts.25", "3000", "locked to VAT code 3 (25 %)"},
		{"an event on a VAT account", "events.tips", "2700", "locked to VAT code 3 (25 %)"},
	}
	for _, tt := range tests {
		m := goodMapping()
		if list, key, _ := strings.Cut(tt.field, "."); list == "vat_accounts" {
			m.VATAccounts[key] = tt.account
		} else {
			m.Events[key] = tt.account
		}
		_, err := f.svc.PutMapping(ctx, f.admin, in.ID, m)
		e := wantCode(t, err, core.CodeInvalid)
		if got := fieldMessage(e, tt.field); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %s = %q, want it to contain %q", tt.name, tt.field, got, tt.want)
		}
	}
	s, err := f.svc.Suggestion(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mapping.VATAccounts["25"] != "2700" || s.Mapping.VATAccounts["15"] != "2701" || hasField(s.Notes, "vat_accounts.25") {
		t.Errorf("suggested VAT accounts %v, notes %v; want the standard 2700 and 2701", s.Mapping.VATAccounts, s.Notes)
	}
}

// A chart without the standard tips and gift-card accounts (as Tripletex's
// default company, which has 2740 Oppgjørskonto merverdiavgift) gets no
// VAT settlement account for them: a substitute comes from the standard
// account's own group (29xx), else the item is left for the merchant.
// Rounding goes to 7790 Øreavrunding, not the nearby bank fees.
func TestSuggestionKeepsSubstitutesInTheAccountGroup(t *testing.T) {
	tests := []struct {
		name    string
		extra   []core.LedgerAccount
		want    map[string]string // path → account, "" for unresolved
		noteFor []string
	}{
		{"no 29xx account", nil,
			map[string]string{"events.tips": "", "events.gift_cards": "", "payment_methods.gift_card": "", "events.rounding": "7790"}, nil},
		{"another 29xx account", []core.LedgerAccount{{Number: "2990", Name: "Annen kortsiktig gjeld", Active: true}},
			map[string]string{"events.tips": "2990", "events.gift_cards": "2990", "events.rounding": "7790"}, []string{"events.tips"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var accounts []core.LedgerAccount
			for _, a := range norwegianChart() {
				if a.Number != "2900" && a.Number != "2910" && a.Number != "7740" {
					accounts = append(accounts, a)
				}
			}
			accounts = append(accounts,
				core.LedgerAccount{Number: "2740", Name: "Oppgjørskonto merverdiavgift", Active: true, LockedVATCode: "0"},
				core.LedgerAccount{Number: "7770", Name: "Bank og kortgebyrer", Active: true},
				core.LedgerAccount{Number: "7790", Name: "Øreavrunding", Active: true})
			f.ledger.accounts = append(accounts, tt.extra...)
			in := connected(t, f)
			s, err := f.svc.Suggestion(ctx, f.admin, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, u := range s.Mapping.Accounts() {
				got[u.Path] = u.Account
			}
			for path, want := range tt.want {
				if got[path] != want {
					t.Errorf("%s = %q, want %q", path, got[path], want)
				}
				if want == "" && !hasField(s.Unresolved, path) {
					t.Errorf("%s not listed as unresolved: %v", path, s.Unresolved)
				}
			}
			for _, path := range tt.noteFor {
				if !hasField(s.Notes, path) {
					t.Errorf("no note on the substitute for %s: %v", path, s.Notes)
				}
			}
		})
	}
}

// The suggestion lists the merchant's own product groups and payment
// methods: those its receipts used plus those it added to its mapping;
// the country's usual methods only while nothing is known yet, and no
// fixed product groups at all.
func TestSuggestionListsTheMerchantsOwnGroupsAndMethods(t *testing.T) {
	f := newFixture(t)
	in := connected(t, f)
	s, err := f.svc.Suggestion(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.PaymentMethods, []string{"cash", "card", "vipps", "invoice", "gift_card"}) || len(s.ProductGroups) != 0 || len(s.Mapping.ProductGroups) != 0 {
		t.Fatalf("no sales yet: methods %v groups %v %v, want Norway's usual methods and no groups", s.PaymentMethods, s.ProductGroups, s.Mapping.ProductGroups)
	}
	for i, sale := range []struct {
		groups  []string
		methods []string
	}{{[]string{"Pizza", "Øl"}, []string{"card"}}, {[]string{"Pizza"}, []string{"Vipps", "kupong"}}} {
		r := core.SalesReceipt{ReceiptID: fmt.Sprint("r", i), LocationID: "loc", BusinessDate: "2026-05-03", Currency: "NOK"}
		for _, g := range sale.groups {
			r.Lines = append(r.Lines, core.SalesLine{ProductGroup: g, VATRate: dec("25"), Amount: 100})
		}
		for _, m := range sale.methods {
			r.Payments = append(r.Payments, core.SalesPayment{Method: m, Amount: 100})
		}
		if _, _, err := f.store.SaveSalesReceipt(ctx, exports.StoredReceipt{MerchantID: "m1", Receipt: r, RequestHash: "h", Total: 100}); err != nil {
			t.Fatal(err)
		}
	}
	// The merchant adds a group and a method of its own by saving them.
	saved := mapping.Mapping{PaymentMethods: map[string]string{"cash": "1900"}, FallbackPaymentAccount: "1920",
		ProductGroups: map[string]mapping.GroupAccounts{"Dessert": {}}}
	if _, err := f.svc.PutMapping(ctx, f.admin, in.ID, saved); err != nil {
		t.Fatal(err)
	}
	s, err = f.svc.Suggestion(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Vipps", "card", "cash", "kupong"}; !reflect.DeepEqual(s.PaymentMethods, want) {
		t.Errorf("methods %v, want %v", s.PaymentMethods, want)
	}
	if want := []string{"Dessert", "Pizza", "Øl"}; !reflect.DeepEqual(s.ProductGroups, want) {
		t.Errorf("groups %v, want %v", s.ProductGroups, want)
	}
	want := map[string]string{"Vipps": "1920", "card": "1920", "cash": "1900", "kupong": "1920"}
	if !reflect.DeepEqual(s.Mapping.PaymentMethods, want) {
		t.Errorf("method accounts %v, want %v", s.Mapping.PaymentMethods, want)
	}
	if len(s.Mapping.ProductGroups) != 3 || !contains(s.Suggested, "product_groups.Pizza") || contains(s.Suggested, "product_groups.Dessert") {
		t.Errorf("group rows %v, suggested %v", s.Mapping.ProductGroups, s.Suggested)
	}
	for _, g := range []string{"food", "drinks", "alcohol", "general"} {
		if _, ok := s.Mapping.ProductGroups[g]; ok {
			t.Errorf("fixed group %s proposed", g)
		}
	}
}

// "Add a new account from the list": the wizard adds the account the
// suggestion could not find, and the next suggestion uses it. Bad input
// is refused naming the field; a number the chart has is a conflict.
func TestCreateLedgerAccountFillsTheSuggestion(t *testing.T) {
	f := newFixture(t)
	var accounts []core.LedgerAccount
	for _, a := range norwegianChart() {
		if a.Number != "2900" && a.Number != "2910" {
			accounts = append(accounts, a)
		}
	}
	f.ledger.accounts = accounts
	in, err := f.svc.Create(ctx, f.admin, "ledger", bookkeeping)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateLedgerAccount(ctx, f.admin, in.ID, core.NewLedgerAccount{Number: "2910", Name: "Gjeld til ansatte"}); core.Code(err) != core.CodeConflict {
		t.Fatalf("without credentials: %v, want conflict", err)
	}
	if _, err := f.svc.PutCredentials(ctx, f.admin, in.ID, map[string]string{"employee_token": goodToken}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		p     core.Principal
		in    core.NewLedgerAccount
		code  core.ErrorCode
		field string
	}{
		{"accountant", f.acct, core.NewLedgerAccount{Number: "2910", Name: "Gjeld til ansatte"}, core.CodeForbidden, ""},
		{"no number", f.admin, core.NewLedgerAccount{Name: "X"}, core.CodeInvalid, "number"},
		{"five digits", f.admin, core.NewLedgerAccount{Number: "29100", Name: "X"}, core.CodeInvalid, "number"},
		{"letters", f.admin, core.NewLedgerAccount{Number: "29a0", Name: "X"}, core.CodeInvalid, "number"},
		{"class 9", f.admin, core.NewLedgerAccount{Number: "9100", Name: "X"}, core.CodeInvalid, "number"},
		{"class 0", f.admin, core.NewLedgerAccount{Number: "0910", Name: "X"}, core.CodeInvalid, "number"},
		{"no name", f.admin, core.NewLedgerAccount{Number: "2910", Name: "  "}, core.CodeInvalid, "name"},
		{"long name", f.admin, core.NewLedgerAccount{Number: "2910", Name: strings.Repeat("n", core.MaxLedgerAccountNameLength+1)}, core.CodeInvalid, "name"},
		{"two lines", f.admin, core.NewLedgerAccount{Number: "2910", Name: "a\nb"}, core.CodeInvalid, "name"},
		{"in the chart", f.admin, core.NewLedgerAccount{Number: "1920", Name: "Bank"}, core.CodeConflict, "number"},
	}
	for _, tt := range tests {
		_, err := f.svc.CreateLedgerAccount(ctx, tt.p, in.ID, tt.in)
		e := wantCode(t, err, tt.code)
		if tt.field != "" && fieldMessage(e, tt.field) == "" {
			t.Errorf("%s: %v does not name %s", tt.name, err, tt.field)
		}
	}
	s, err := f.svc.Suggestion(ctx, f.admin, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !hasField(s.Unresolved, "events.tips") {
		t.Fatalf("tips not unresolved before the account is added: %v", s.Unresolved)
	}
	got, err := f.svc.CreateLedgerAccount(ctx, f.admin, in.ID, core.NewLedgerAccount{Number: " 2910 ", Name: "Gjeld til ansatte"})
	if err != nil || got.Number != "2910" || got.Name != "Gjeld til ansatte" {
		t.Fatalf("create: %+v %v", got, err)
	}
	if s, err = f.svc.Suggestion(ctx, f.admin, in.ID); err != nil || s.Mapping.Events[mapping.EventTips] != "2910" {
		t.Fatalf("tips after adding 2910: %q %v", s.Mapping.Events[mapping.EventTips], err)
	}
}
