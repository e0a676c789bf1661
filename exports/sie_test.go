package exports_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sie"
	"golang.org/x/text/encoding/charmap"
)

// The SIE file parses back with our reader and holds every booked voucher,
// account by account.
func TestSIEFileMatchesBookedVouchers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.store.PutInvoiceSettings(ctx, merchantID, core.InvoiceSettings{StartNumber: 1,
		Company: core.Company{Name: "Kafé Exempel AB", OrganizationNumber: "5560160680"}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, loc := range []string{"loc_1", "loc_2"} {
		for _, d := range dates("2026-04-01", 3) {
			e.record(genReceipts(rng, loc, d, 25)...)
			e.close(loc, d)
		}
	}
	e.close("loc_1", "2026-04-04") // nothing to book: no #VER
	e.run()
	booked, err := e.sie.Vouchers(ctx, merchantID, "2026-04-01", "2026-04-30")
	if err != nil || len(booked) != 6 {
		t.Fatalf("booked %d %v", len(booked), err)
	}
	// The provider lists in booking order; the file is in date then
	// location order.
	sort.Slice(booked, func(i, j int) bool {
		if booked[i].Date != booked[j].Date {
			return booked[i].Date < booked[j].Date
		}
		return booked[i].ExternalRef < booked[j].ExternalRef
	})
	data, err := e.svc.SIE(ctx, accountant, "2026-04-01", "2026-04-30")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("Kaf\x82 Exempel AB")) {
		t.Error("company name is not in code page 437")
	}
	f, err := sie.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if f.CompanyName != "Kafé Exempel AB" || f.OrgNumber != "556016-0680" || f.Currency != "SEK" || f.Program != "ledgerbridge" || f.Generated != "2026-04-20" {
		t.Fatalf("header %+v", f)
	}
	if len(f.Vouchers) != len(booked) {
		t.Fatalf("%d #VER, %d booked", len(f.Vouchers), len(booked))
	}
	// A 4I import file, saying so; texts in Swedish.
	text := string(decode437(t, data))
	for _, line := range []string{"#PROGRAM \"ledgerbridge\" 1.0\n", "#FORMAT PC8\n", "#SIETYP 4\n",
		"#PROSA \"" + sie.ImportComment + "\"\n", "#ORGNR 556016-0680\n", "#FNAMN \"Kafé Exempel AB\"\n",
		"\"Försäljning loc_1 2026-04-01\"\n", "\"Kort\"\n", "\"Utgående moms 12 %\"\n"} {
		if !strings.Contains(text, line) {
			t.Errorf("the file has no %q", line)
		}
	}
	for _, english := range []string{"card", "payment", "sales", "VAT", "ledgerbridge:"} {
		if strings.Contains(text, english) {
			t.Errorf("the file says %q", english)
		}
	}
	names := map[string]string{}
	for _, a := range f.Accounts {
		names[a.Number] = a.Name
	}
	for i, v := range booked {
		got := f.Vouchers[i]
		if got.Date != v.Date || got.Series != "A" {
			t.Errorf("#VER %d: %+v", i, got)
		}
		want, have := map[string]int64{}, map[string]int64{}
		for _, p := range v.Postings {
			want[p.Account] += p.Amount
			if names[p.Account] == "" {
				t.Errorf("account %s has no named #KONTO", p.Account)
			}
		}
		for _, tr := range got.Transactions {
			have[tr.Account] += tr.Amount
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("#VER %d (%s): %v, want %v", i, v.ExternalRef, have, want)
		}
	}
	if names["1580"] != "Fordringar för kontokort och kuponger" {
		t.Errorf("#KONTO 1580 %q", names["1580"])
	}
	// A narrower range holds only its days; an empty one is still a file.
	data, err = e.svc.SIE(ctx, admin, "2026-04-02", "2026-04-02")
	if err != nil {
		t.Fatal(err)
	}
	if f, err = sie.Read(bytes.NewReader(data)); err != nil || len(f.Vouchers) != 2 {
		t.Fatalf("one day: %d vouchers, %v", len(f.Vouchers), err)
	}
	data, err = e.svc.SIE(ctx, admin, "2025-01-01", "2025-01-31")
	if err != nil {
		t.Fatal(err)
	}
	if f, err = sie.Read(bytes.NewReader(data)); err != nil || len(f.Vouchers) != 0 || f.CompanyName == "" {
		t.Fatalf("empty range: %+v, %v", f, err)
	}
	_, err = e.svc.SIE(ctx, cashier, "2026-04-01", "2026-04-30")
	wantCode(t, err, core.CodeForbidden)
	_, err = e.svc.SIE(ctx, admin, "2026-04-30", "2026-04-01")
	wantCode(t, err, core.CodeInvalid, "to")
}

// Without invoice settings the merchant's name heads the file.
func TestSIEFileWithoutSettings(t *testing.T) {
	e := newEnv(t)
	data, err := e.svc.SIE(context.Background(), admin, "2026-04-01", "2026-04-30")
	if err != nil {
		t.Fatal(err)
	}
	f, err := sie.Read(bytes.NewReader(data))
	if err != nil || f.CompanyName != "Kafé Exempel" || f.OrgNumber != "" {
		t.Fatalf("%+v %v", f, err)
	}
}

func decode437(t *testing.T, b []byte) []byte {
	t.Helper()
	d, err := charmap.CodePage437.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
