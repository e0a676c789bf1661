package backoffice

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/core/coretest"
)

// customerForm is a complete, valid customer form.
func validCustomerForm() url.Values {
	return url.Values{
		"name": {"Glasmästeriet i Solna AB"}, "organization_number": {"556016-0680"},
		"email": {"faktura@glas.example"}, "phone": {"+46 8 111 22 33"},
		"billing_address.line1": {"Solnavägen 4"}, "billing_address.postal_code": {"171 65"},
		"billing_address.city": {"Solna"}, "billing_address.country": {"se"},
		"active": {"on"}, "invoicing_enabled": {"on"}, "due_days": {"20"},
		"purchase_instruction": {"Ask for the project number"},
	}
}

// searchA returns merchant A's customers matching q, through the engine.
func (s *stack) searchA(q string) []core.Customer {
	s.t.Helper()
	page, err := s.engine.SearchCustomers(context.Background(), s.admin(), core.CustomerQuery{Q: q, Limit: 100})
	if err != nil {
		s.t.Fatal(err)
	}
	return page.Customers
}

func (s *stack) createA(c core.Customer) core.Customer {
	s.t.Helper()
	out, err := s.engine.CreateCustomer(context.Background(), s.admin(), c)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// TestCustomersCreateSearchEdit: an admin creates a customer through the
// form, finds it by organization number, name and customer number, and
// edits it, collective invoicing and parent company included.
func TestCustomersCreateSearchEdit(t *testing.T) {
	s := newStack(t)
	parent := s.createA(core.Customer{Name: "Koncernen Holding AB", Active: true, InvoicingEnabled: true, DueDays: 30})
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/customers/new", http.StatusOK)
	a := c.post("/backoffice/customers", validCustomerForm())
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=customer_created") {
		t.Fatalf("create = %d to %q\n%s", a.status, a.location, a.body)
	}
	found := s.searchA("Glasmästeriet")
	if len(found) != 1 {
		t.Fatalf("created customer found %d times", len(found))
	}
	cu := found[0]
	if cu.OrganizationNumber != "5560160680" || cu.DueDays != 20 || !cu.Active || !cu.InvoicingEnabled ||
		cu.BillingAddress.Country != "SE" || cu.PurchaseInstruction != "Ask for the project number" {
		t.Fatalf("stored %+v", cu)
	}
	a = c.must(a.location, http.StatusOK)
	mustContain(t, "the page after creating", a.body, "Kunden är skapad.", "Glasmästeriet i Solna AB", cu.Number)

	for _, q := range []string{"556016-0680", "5560160680", "glasmäst", cu.Number} {
		a := c.must("/backoffice/customers?"+url.Values{"q": {q}}.Encode(), http.StatusOK)
		mustContain(t, "search "+q, a.body, "/backoffice/customers/"+cu.ID)
		if strings.Contains(a.body, "Koncernen Holding") {
			t.Errorf("search %q also lists a customer it does not match", q)
		}
	}

	a = c.must("/backoffice/customers/"+cu.ID, http.StatusOK)
	mustContain(t, "edit page", a.body, `value="Glasmästeriet i Solna AB"`, `value="5560160680"`, "Ask for the project number",
		`name="collective_invoicing.day_of_month"`, `name="parent_customer_id"`)
	if strings.Contains(a.body, "readonly") {
		t.Error("the built-in provider's customer shows read-only fields")
	}
	// The parent company is chosen from a search.
	a = c.must("/backoffice/customers/parents?"+url.Values{"parent_q": {"koncern"}, "self": {cu.ID}}.Encode(), http.StatusOK)
	mustContain(t, "parent search", a.body, `value="`+parent.ID+`"`, "Koncernen Holding AB")
	if a := c.must("/backoffice/customers/parents?"+url.Values{"parent_q": {"glas"}, "self": {cu.ID}}.Encode(), http.StatusOK); strings.Contains(a.body, cu.ID) {
		t.Error("the parent search offers the customer itself")
	}

	form := validCustomerForm()
	form.Set("phone", "+46 8 999 00 00")
	form.Set("parent_customer_id", parent.ID)
	form.Set("collective_invoicing.enabled", "on")
	form.Set("collective_invoicing.day_of_month", "25")
	form.Set("collective_invoicing.threshold", "5 000,50")
	form.Del("active")
	a = c.post("/backoffice/customers/"+cu.ID, form)
	if a.status != http.StatusSeeOther || a.location != "/backoffice/customers/"+cu.ID+"?done=customer_saved" {
		t.Fatalf("edit = %d to %q\n%s", a.status, a.location, a.body)
	}
	got, err := s.engine.GetCustomer(t.Context(), s.admin(), cu.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := core.CollectiveInvoicing{Enabled: true, DayOfMonth: 25, Threshold: 500050}
	if got.Phone != "+46 8 999 00 00" || got.ParentCustomerID != parent.ID || got.CollectiveInvoicing != want || got.Active {
		t.Fatalf("after edit: %+v", got)
	}
	a = c.must(a.location, http.StatusOK)
	mustContain(t, "edit page after saving", a.body, "Kunden är sparad.", "Koncernen Holding AB", `value="5000,50"`)
}

// TestCustomerInvalid: the engine's refusals are shown beside their
// fields with 422, and nothing is stored.
func TestCustomerInvalid(t *testing.T) {
	s := newStack(t)
	cu := s.createA(core.Customer{Name: "Kvarnen AB", Email: "a@kvarnen.example", Active: true, InvoicingEnabled: true, DueDays: 30})
	c := s.signedIn("admin@a.example")
	before := len(s.searchA(""))

	form := validCustomerForm()
	form.Set("name", " ")
	form.Set("organization_number", "556016-0681")
	a := c.post("/backoffice/customers", form)
	if a.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid create = %d", a.status)
	}
	mustContain(t, "refused create", a.body, `id="e-name"`, `id="e-organization_number"`, "Rätta de markerade fälten.",
		`value="Solnavägen 4"`)
	if n := len(s.searchA("")); n != before {
		t.Fatalf("a refused create stored a customer: %d customers, had %d", n, before)
	}

	form = validCustomerForm()
	form.Set("collective_invoicing.enabled", "on")
	a = c.post("/backoffice/customers", form)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-collective_invoicing.enabled"`) {
		t.Fatalf("collective invoicing without day or threshold = %d\n%s", a.status, a.body)
	}

	for field, value := range map[string]string{"email": "not an address", "due_days": "thirty", "collective_invoicing.threshold": "lots"} {
		form := url.Values{"name": {"Kvarnen AB"}, "email": {"a@kvarnen.example"}, "due_days": {"30"}, "active": {"on"}, "invoicing_enabled": {"on"}, "phone": {"+46 1"}}
		form.Set(field, value)
		a := c.post("/backoffice/customers/"+cu.ID, form)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-`+field+`"`) {
			t.Errorf("edit with %s=%q = %d, want 422 naming the field", field, value, a.status)
		}
	}
	if got, _ := s.engine.GetCustomer(t.Context(), s.admin(), cu.ID); got.Email != cu.Email || got.DueDays != 30 || got.Phone != "" {
		t.Fatalf("a refused edit changed the customer: %+v", got)
	}
	if a := c.get("/backoffice/customers?q=" + strings.Repeat("x", 300)); a.status != http.StatusUnprocessableEntity {
		t.Errorf("an over-long search = %d, want 422", a.status)
	}
}

// TestCustomerOtherMerchant: another merchant's customer is not found,
// not shown, not changed.
func TestCustomerOtherMerchant(t *testing.T) {
	s := newStack(t)
	adminB := core.Principal{MerchantID: s.b, Role: core.RoleAdmin}
	theirs, err := s.engine.CreateCustomer(t.Context(), adminB, core.Customer{Name: "Fjordfisk AS", Active: true, InvoicingEnabled: true, DueDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/customers/"+theirs.ID, http.StatusNotFound)
	if a := c.post("/backoffice/customers/"+theirs.ID, url.Values{"name": {"Taken over"}, "due_days": {"1"}}); a.status != http.StatusNotFound {
		t.Fatalf("edit another merchant's customer = %d, want 404", a.status)
	}
	if a := c.must("/backoffice/customers?q=Fjordfisk", http.StatusOK); strings.Contains(a.body, theirs.ID) {
		t.Fatal("another merchant's customer is listed")
	}
	if a := c.must("/backoffice/customers/parents?parent_q=Fjordfisk", http.StatusOK); strings.Contains(a.body, theirs.ID) {
		t.Fatal("another merchant's customer is offered as parent company")
	}
	form := validCustomerForm()
	form.Set("parent_customer_id", theirs.ID)
	if a := c.post("/backoffice/customers", form); a.status < 400 {
		t.Fatalf("another merchant's customer as parent = %d, want a refusal", a.status)
	}
	got, err := s.engine.GetCustomer(t.Context(), adminB, theirs.ID)
	if err != nil || got.Name != "Fjordfisk AS" {
		t.Fatalf("merchant B's customer: %+v, %v", got, err)
	}
}

// TestCustomerCashier: a cashier searches, creates and edits customers
// (as the register does) but sets no billing fields, cannot refresh them
// from a provider and cannot open the invoice settings.
func TestCustomerCashier(t *testing.T) {
	s := newStack(t)
	parent := s.createA(core.Customer{Name: "Moder AB", Active: true, InvoicingEnabled: true})
	c := s.signedIn("cashier@a.example")
	a := c.must("/backoffice/customers", http.StatusOK)
	mustContain(t, "cashier's customer list", a.body, "/backoffice/customers/new", "Moder AB")
	a = c.must("/backoffice/customers/new", http.StatusOK)
	if strings.Contains(a.body, `name="collective_invoicing.enabled"`) || strings.Contains(a.body, `name="parent_customer_id"`) {
		t.Error("a cashier is offered the billing fields")
	}
	form := validCustomerForm()
	form.Set("parent_customer_id", parent.ID) // a crafted post: ignored
	form.Set("collective_invoicing.enabled", "on")
	form.Set("collective_invoicing.day_of_month", "5")
	if a := c.post("/backoffice/customers", form); a.status != http.StatusSeeOther {
		t.Fatalf("cashier create = %d\n%s", a.status, a.body)
	}
	cu := s.searchA("Glasmästeriet")[0]
	if cu.ParentCustomerID != "" || cu.CollectiveInvoicing.Enabled {
		t.Fatalf("a cashier's create set billing fields: %+v", cu)
	}
	form = validCustomerForm()
	form.Set("email", "ny@glas.example")
	form.Set("parent_customer_id", parent.ID)
	if a := c.post("/backoffice/customers/"+cu.ID, form); a.status != http.StatusSeeOther {
		t.Fatalf("cashier edit = %d\n%s", a.status, a.body)
	}
	got, _ := s.engine.GetCustomer(t.Context(), s.admin(), cu.ID)
	if got.Email != "ny@glas.example" || got.ParentCustomerID != "" {
		t.Fatalf("after the cashier's edit: %+v", got)
	}
	c.must("/backoffice/invoice-settings", http.StatusForbidden)
	if a := c.post("/backoffice/customers/sync", nil); a.status != http.StatusForbidden {
		t.Errorf("cashier refresh = %d, want 403", a.status)
	}
	if a := c.post("/backoffice/invoice-settings", url.Values{"start_number": {"5"}, "company.name": {"X"}}); a.status != http.StatusForbidden {
		t.Errorf("cashier saves settings = %d, want 403", a.status)
	}
}

// owningProvider is the built-in provider described as one that owns the
// customer register and lets us change only the billing address, as
// Tripletex and Visma Spiris do.
type owningProvider struct{ core.Provider }

func (o owningProvider) Describe(ctx context.Context) (core.Descriptor, error) {
	d, err := o.Provider.Describe(ctx)
	d.Name, d.DisplayName = "owner", "Ägarsystemet"
	d.Capabilities.OwnsCustomers = true
	d.Capabilities.AdjustableCustomerFields = []string{core.FieldBillingAddress}
	return d, err
}

// TestCustomerOwnedByProvider: when the invoicing provider owns the
// customers, the fields it keeps are read-only with the reason, only the
// billing address is written, no customer can be created here, and the
// customers can be refreshed from it.
func TestCustomerOwnedByProvider(t *testing.T) {
	ctx := context.Background()
	_, st, prov := openStore(t, nil)
	engine := core.NewEngine(st, coretest.Registry{"owner": owningProvider{prov}}, core.EngineOptions{})
	s := &stack{t: t, engine: engine, store: st}
	s.srv = httptest.NewServer(New(engine, Options{}))
	t.Cleanup(s.srv.Close)
	cm, err := engine.CreateMerchant(ctx, core.NewMerchant{Name: "Kafé Ägd AB", Country: core.Sweden, InvoicingProvider: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	s.user(cm.Merchant.ID, "admin@a.example", core.RoleAdmin)
	conn := core.Connection{MerchantID: cm.Merchant.ID, Country: core.Sweden, Currency: "SEK"}
	cu, err := prov.CreateCustomer(ctx, conn, core.Customer{Name: "Från Systemet AB", Email: "a@system.example", Active: true, InvoicingEnabled: true, DueDays: 30,
		BillingAddress: core.Address{Line1: "Gamla vägen 1", City: "Malmö"}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/customers", http.StatusOK)
	mustContain(t, "list", a.body, "Ägarsystemet", `action="/backoffice/customers/sync"`)
	if strings.Contains(a.body, `href="/backoffice/customers/new"`) {
		t.Error("the list offers to create a customer the provider owns")
	}
	if a := c.must("/backoffice/customers/new", http.StatusOK); strings.Contains(a.body, `id="customer-form"`) {
		t.Error("the new-customer page shows a form although customers are created in the provider")
	}
	a = c.must("/backoffice/customers/"+cu.ID, http.StatusOK)
	readonly := regexp.MustCompile(`name="(name|email|due_days)"[^>]*readonly`)
	if n := len(readonly.FindAllString(a.body, -1)); n != 3 {
		t.Errorf("%d of name, email, due_days are read-only, want 3\n%s", n, a.body)
	}
	if regexp.MustCompile(`name="billing_address.line1"[^>]*readonly`).MatchString(a.body) {
		t.Error("the billing address, which the provider lets us change, is read-only")
	}
	mustContain(t, "edit page", a.body, "Hanteras i bokföringssystemet; ändra det där.")

	form := url.Values{"name": {"Nytt Namn AB"}, "email": {"b@system.example"}, "due_days": {"10"}, "active": {"on"}, "invoicing_enabled": {"on"},
		"billing_address.line1": {"Nya vägen 2"}, "billing_address.city": {"Lund"}}
	if a := c.post("/backoffice/customers/"+cu.ID, form); a.status != http.StatusSeeOther {
		t.Fatalf("edit = %d\n%s", a.status, a.body)
	}
	got, err := prov.GetCustomer(ctx, conn, cu.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Från Systemet AB" || got.Email != "a@system.example" || got.DueDays != 30 ||
		got.BillingAddress.Line1 != "Nya vägen 2" || got.BillingAddress.City != "Lund" {
		t.Fatalf("after edit: %+v", got)
	}
	if a := c.post("/backoffice/customers/sync", nil); a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=customers_synced") {
		t.Fatalf("refresh = %d %q", a.status, a.location)
	}
	if a := c.post("/backoffice/customers", url.Values{"name": {"Ny AB"}}); a.status != http.StatusConflict {
		t.Fatalf("create with an owning provider = %d, want 409", a.status)
	}
}

// TestPageKeysInCatalogue: every key the templates pass to partials
// ("Label" "customers.name" ...) has a text; TestCatalogue sees only the
// keys written after .T. A quoted string counts as a key when it begins
// with a group of the catalogue and a dot (.Can "invoices.read" names an
// action, not a text).
func TestPageKeysInCatalogue(t *testing.T) {
	cat, err := loadCatalogue(assets)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]bool{}
	for k := range cat {
		groups[strings.SplitN(k, ".", 2)[0]] = true
	}
	key := regexp.MustCompile(`"([a-z]+)\.([a-z0-9_.]+)"`)
	action := regexp.MustCompile(`\.Can "[^"]*"`)
	for path, text := range templateFiles(t) {
		for _, m := range key.FindAllStringSubmatch(action.ReplaceAllString(text, ""), -1) {
			if groups[m[1]] && !cat.has(m[1]+"."+m[2]) {
				t.Errorf("%s uses %q, which the catalogue lacks", path, m[1]+"."+m[2])
			}
		}
	}
	for _, k := range []string{"customers.readonly_provider", "customers.not_a_number", "customers.not_an_amount",
		"settings.not_a_number", "paymentmethods.choose_location", "done.customer_created", "done.customer_saved",
		"done.customers_synced", "done.settings_saved", "done.payment_methods_saved"} {
		if !cat.has(k) {
			t.Errorf("the handlers use %q, which the catalogue lacks", k)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"5000": 500000, "5 000,50": 500050, "5000.5": 500050, "0,05": 5, "1\u00a0234,00": 123400} {
		if got, ok := parseAmount(in); !ok || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-5", "5,555", "abc", "5,-5", "1,2,3", ",5"} {
		if _, ok := parseAmount(in); ok {
			t.Errorf("parseAmount(%q) accepted", in)
		}
	}
	if v := amountValue(core.LanguageSwedish, 500005); v != "5000,05" {
		t.Errorf("amountValue = %q", v)
	}
	if v := amountValue(core.LanguageEnglish, 500050); v != "5000.50" {
		t.Errorf("amountValue = %q", v)
	}
}

// TestCustomerEInvoiceForm: the VAT number, Peppol id, buyer reference and
// invoice delivery are saved from the form in canonical form, shown again,
// and refused beside their fields in the user's language.
func TestCustomerEInvoiceForm(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/customers/new", http.StatusOK)
	mustContain(t, "new customer form", a.body, `name="vat_number"`, `name="peppol_id"`, `name="buyer_reference"`,
		`name="invoice_delivery"`, `<option value="email" selected>E-post</option>`, "Moms och e-faktura")

	form := validCustomerForm()
	form.Set("vat_number", "se 5560 1606 8001")
	form.Set("peppol_id", "0007:556016-0680")
	form.Set("buyer_reference", "Avd 12")
	form.Set("invoice_delivery", "peppol")
	if a := c.post("/backoffice/customers", form); a.status != http.StatusSeeOther {
		t.Fatalf("create = %d\n%s", a.status, a.body)
	}
	cu := s.searchA("Glasmästeriet")[0]
	if cu.VATNumber != "SE556016068001" || cu.PeppolID != "0007:5560160680" || cu.BuyerReference != "Avd 12" || cu.InvoiceDelivery != core.DeliveryPeppol {
		t.Fatalf("stored %+v", cu)
	}
	a = c.must("/backoffice/customers/"+cu.ID, http.StatusOK)
	mustContain(t, "edit page", a.body, `value="SE556016068001"`, `value="0007:5560160680"`, `value="Avd 12"`,
		`<option value="peppol" selected>`)

	tests := []struct {
		name   string
		set    map[string]string
		fields []string
		texts  []string
	}{
		{"bad check digits", map[string]string{"vat_number": "SE556016068101", "peppol_id": "0192:123456786"},
			[]string{"vat_number", "peppol_id"}, []string{"Kontrollsiffran stämmer inte."}},
		{"unknown scheme", map[string]string{"peppol_id": "9999:1"}, []string{"peppol_id"}, []string{"Identifierartypen"}},
		{"Peppol without id or organization number", map[string]string{"peppol_id": "", "organization_number": "", "invoice_delivery": "peppol"},
			[]string{"peppol_id"}, []string{"E-faktura via Peppol kräver kundens Peppol-ID, eller ett svenskt eller norskt organisationsnummer"}},
	}
	for _, tt := range tests {
		form := validCustomerForm()
		form.Set("vat_number", cu.VATNumber)
		form.Set("peppol_id", cu.PeppolID)
		form.Set("invoice_delivery", "peppol")
		for k, v := range tt.set {
			form.Set(k, v)
		}
		a := c.post("/backoffice/customers/"+cu.ID, form)
		if a.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.name, a.status)
			continue
		}
		for _, f := range tt.fields {
			mustContain(t, tt.name, a.body, `id="e-`+f+`"`)
		}
		mustContain(t, tt.name, a.body, tt.texts...)
	}
	if got, _ := s.engine.GetCustomer(t.Context(), s.admin(), cu.ID); got != cu {
		t.Fatalf("a refused edit changed the customer:\n%+v\n%+v", got, cu)
	}
	form = validCustomerForm()
	form.Set("invoice_delivery", "email")
	if a := c.post("/backoffice/customers/"+cu.ID, form); a.status != http.StatusSeeOther {
		t.Fatalf("back to e-mail = %d\n%s", a.status, a.body)
	}
	if got, _ := s.engine.GetCustomer(t.Context(), s.admin(), cu.ID); got.InvoiceDelivery != core.DeliveryEmail || got.PeppolID != "" || got.VATNumber != "" {
		t.Fatalf("after clearing: %+v", got)
	}
}
