package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

const demoKeysFile = "demo-keys.json"

// seedDemo creates a demo merchant with a few customers on an empty
// database and prints its API keys. The keys are also written (0600) to
// <data-dir>/demo-keys.json, the only place they are kept in the clear, so a
// later `serve --demo` on the same data can print them again.
func seedDemo(ctx context.Context, a *app, out io.Writer) ([]demoUser, error) {
	keysPath := filepath.Join(a.cfg.DataDir, demoKeysFile)
	n, err := a.store.MerchantCount(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		b, err := os.ReadFile(keysPath)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintln(out, "demo: the database already has merchants; no demo data seeded")
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "demo merchant (from %s):\n%s\n", keysPath, b)
		var f demoFile
		_ = json.Unmarshal(b, &f)
		return f.users(), nil
	}
	cm, err := a.engine.CreateMerchant(ctx, core.NewMerchant{Name: "Demo Kafé AB", Country: core.Sweden, InvoiceStartNumber: 1001})
	if err != nil {
		return nil, err
	}
	admin, err := a.engine.Authenticate(ctx, cm.APIKeys[core.RoleAdmin])
	if err != nil {
		return nil, err
	}
	if _, err := a.engine.UpdateInvoiceSettings(ctx, admin, demoInvoiceSettings); err != nil {
		return nil, fmt.Errorf("demo invoice settings: %w", err)
	}
	for _, c := range demoCustomers {
		if _, err := a.engine.CreateCustomer(ctx, admin, c); err != nil {
			return nil, fmt.Errorf("demo customer %s: %w", c.Name, err)
		}
	}
	today := core.DateOf(time.Now().In(core.Sweden.Location()))
	receipts, err := seedDemoSales(ctx, a, admin, today)
	if err != nil {
		return nil, fmt.Errorf("demo sales: %w", err)
	}
	fmt.Fprintf(out, "demo: %d receipts over 30 days at %d locations; each closed day is exported to the SIE file bookkeeping (GET /v1/exports)\n", receipts, len(demoLocations))
	user, err := seedDemoUser(ctx, a, admin, demoAdminEmail)
	if err != nil {
		return nil, fmt.Errorf("demo user: %w", err)
	}
	norway, err := seedDemoNorway(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("Norwegian demo merchant: %w", err)
	}
	f := demoFile{merchantKeys: keysOf(cm), BackOffice: user, Norway: &norway}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(keysPath, append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "demo merchant created (keys saved in %s):\n%s\n", keysPath, b)
	return f.users(), nil
}

// demoFile is what demo-keys.json keeps: the Swedish merchant's API keys
// and its BackOffice admin's sign-in, and the same of the Norwegian one.
type demoFile struct {
	merchantKeys
	BackOffice demoUser      `json:"backoffice"`
	Norway     *demoMerchant `json:"norway,omitempty"`
}

// demoMerchant is a further demo merchant's keys and admin.
type demoMerchant struct {
	merchantKeys
	BackOffice demoUser `json:"backoffice"`
}

type demoUser struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Note says what the user's merchant is for; "" for the main one.
	Note string `json:"-"`
}

// users are the sign-ins to print, the Swedish merchant's first.
func (f demoFile) users() []demoUser {
	var out []demoUser
	if f.BackOffice.Email != "" {
		out = append(out, f.BackOffice)
	}
	if f.Norway != nil && f.Norway.BackOffice.Email != "" {
		u := f.Norway.BackOffice
		u.Note = demoNorwayNote
		out = append(out, u)
	}
	return out
}

const (
	demoNorwayEmail = "admin@bryggen.example"
	demoNorwayNote  = "Norwegian demo merchant Demo Kafé Bryggen AS (for Tripletex)"
)

// seedDemoNorway creates a Norwegian demo merchant with an admin user and
// nothing else: Tripletex, a Norwegian system, is set up for it from the
// BackOffice against the Tripletex mock (README).
func seedDemoNorway(ctx context.Context, a *app) (demoMerchant, error) {
	cm, err := a.engine.CreateMerchant(ctx, core.NewMerchant{Name: "Demo Kafé Bryggen AS", Country: core.Norway, InvoiceStartNumber: 1})
	if err != nil {
		return demoMerchant{}, err
	}
	admin := core.Principal{MerchantID: cm.Merchant.ID, Role: core.RoleAdmin}
	if _, err := a.engine.UpdateInvoiceSettings(ctx, admin, demoNorwayInvoiceSettings); err != nil {
		return demoMerchant{}, fmt.Errorf("invoice settings: %w", err)
	}
	user, err := seedDemoUser(ctx, a, admin, demoNorwayEmail)
	return demoMerchant{merchantKeys: keysOf(cm), BackOffice: user}, err
}

const demoAdminEmail = "admin@demokafe.example"

// seedDemoUser creates a demo merchant's BackOffice admin with e-mail
// address email and a random password.
func seedDemoUser(ctx context.Context, a *app, admin core.Principal, email string) (demoUser, error) {
	password := strings.TrimPrefix(core.NewID("pw"), "pw_")[:16]
	_, _, err := a.engine.CreateUser(ctx, admin, core.NewUser{Email: email, Role: core.RoleAdmin, Password: password})
	return demoUser{Email: email, Password: password}, err
}

// printBackOffice tells where the pages are and how to sign in, once the
// listener's address is known.
func printBackOffice(out io.Writer, addr string, users []demoUser) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/backoffice/"
	fmt.Fprintf(out, "BackOffice: %s\n", url)
	for _, u := range users {
		if u.Note != "" {
			fmt.Fprintf(out, "  %s:\n", u.Note)
		}
		fmt.Fprintf(out, "  sign in as %s with password %s\n", u.Email, u.Password)
	}
}

var demoInvoiceSettings = core.InvoiceSettings{
	StartNumber:          1001,
	LateInterestText:     "Dröjsmålsränta enligt räntelagen (referensränta + 8 %).",
	PaymentReferenceText: "Ange OCR-numret vid betalning.",
	Bankgiro:             "5402-9681",
	FTaxApproved:         true,
	Company: core.Company{
		Name: "Demo Kafé AB", OrganizationNumber: "5561034249", VATNumber: "SE556103424901",
		Address: core.Address{Line1: "Drottninggatan 12", PostalCode: "111 51", City: "Stockholm", Country: "SE"},
		Email:   "faktura@demokafe.example", Phone: "+46 8 555 123 45",
	},
	RoundToWholeKronor: true,
}

// demoNorwayInvoiceSettings are the Norwegian demo merchant's: everything
// a Norwegian invoice needs of the seller (bokføringsforskriften § 5-1-1:
// name, organization number, address; the VAT number of a seller in
// Merverdiavgiftsregisteret), so its invoices can be posted.
var demoNorwayInvoiceSettings = core.InvoiceSettings{
	StartNumber:      1,
	LateInterestText: "Forsinkelsesrente etter forsinkelsesrenteloven.",
	BankAccount:      "12345678903",
	Company: core.Company{
		Name: "Demo Kafé Bryggen AS", OrganizationNumber: "991825827", VATNumber: "NO991825827MVA",
		Address: core.Address{Line1: "Bryggen 5", PostalCode: "5003", City: "Bergen", Country: "NO"},
		Email:   "faktura@bryggen.example", Phone: "+47 55 55 12 34",
	},
	RegisteredInForetaksregisteret: true,
}

var demoCustomers = []core.Customer{
	{
		Name: "Byggbolaget i Norden AB", OrganizationNumber: "5560160680", Email: "faktura@byggbolaget.example",
		Phone: "+46 8 123 45 67", Active: true, InvoicingEnabled: true, DueDays: 30,
		BillingAddress:      core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE"},
		PurchaseInstruction: "Ask for the buyer's full name and department",
	},
	{
		Name: "Kontorsservice Väst AB", OrganizationNumber: "2021005489", Email: "ekonomi@kontorsservice.example",
		Active: true, InvoicingEnabled: true, DueDays: 15,
		BillingAddress: core.Address{Line1: "Hamngatan 5", PostalCode: "411 14", City: "Göteborg", Country: "SE"},
	},
	{
		Name: "Advokatbyrån Lind & Co KB", OrganizationNumber: "9696798744", Email: "ekonomi@lindco.example",
		Active: true, InvoicingEnabled: true, DueDays: 30,
		BillingAddress:      core.Address{Line1: "Kungsgatan 20", PostalCode: "111 35", City: "Stockholm", Country: "SE"},
		CollectiveInvoicing: core.CollectiveInvoicing{Enabled: true, DayOfMonth: 25, Threshold: 500000},
	},
	{
		Name: "Föreningen Kaffekoppen", Email: "kassor@kaffekoppen.example",
		Active: true, InvoicingEnabled: false, DueDays: 10,
		BillingAddress: core.Address{Line1: "Parkvägen 3", PostalCode: "753 20", City: "Uppsala", Country: "SE"},
	},
}
