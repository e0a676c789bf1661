package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

var conn = core.Connection{MerchantID: "mer_1", Country: core.Sweden, Currency: "SEK"}

func voucher(ref string) core.Voucher {
	return core.Voucher{ExternalRef: ref, Date: "2026-12-07", Description: "Dagskassa Kafé\nStorgatan", Currency: "SEK",
		Postings: []core.Posting{
			{Account: "1910", Amount: -112000, Description: "Kontant"},
			{Account: "3001", Amount: 100000, VATCode: "12"},
			{Account: "2631", Amount: 12000},
		}}
}

// TestExportSalesOncePerReference books a voucher, answers a retry (also
// from a new process on the same files) with the same number, and writes
// the ledger format with the amounts to the öre.
func TestExportSalesOncePerReference(t *testing.T) {
	dir := t.TempDir()
	j := newJournal(dir)
	ctx := context.Background()
	first, err := j.ExportSales(ctx, conn, voucher("day-1"))
	if err != nil || first.ProviderRef != "J000001" || first.AlreadyExisted {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := newJournal(dir).ExportSales(ctx, conn, voucher("day-1"))
	if err != nil || again.ProviderRef != "J000001" || !again.AlreadyExisted {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	second, err := j.ExportSales(ctx, conn, voucher("day-2"))
	if err != nil || second.ProviderRef != "J000002" {
		t.Fatalf("second: %+v, %v", second, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "mer_1.journal"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"2026-12-07 * (J000001) Dagskassa Kafé Storgatan\n",
		"    ; ledgerbridge-ref: day-1\n",
		"    1910             -1120.00 SEK  ; Kontant\n",
		"    3001              1000.00 SEK\n",
		"    2631               120.00 SEK\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("journal lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "ledgerbridge-ref: day-1\n"); n != 1 {
		t.Errorf("day-1 booked %d times", n)
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	j := newJournal(t.TempDir())
	unbalanced := voucher("u")
	unbalanced.Postings[0].Amount++
	nok := voucher("n")
	nok.Currency = "NOK"
	for _, tc := range []struct {
		name string
		err  error
		code core.ErrorCode
	}{
		{"unbalanced", func() error { _, err := j.ExportSales(ctx, conn, unbalanced); return err }(), core.CodeInvalid},
		{"another currency", func() error { _, err := j.ExportSales(ctx, conn, nok); return err }(), core.CodeInvalid},
		{"a merchant id that is no file name", func() error {
			c := conn
			c.MerchantID = "../etc"
			_, err := j.ExportSales(ctx, c, voucher("x"))
			return err
		}(), core.CodeInvalid},
		{"no JOURNAL_DIR", newJournal("").VerifyConnection(ctx, conn), core.CodeUnavailable},
		{"invoicing", func() error { _, err := j.CreateInvoice(ctx, conn, core.InvoiceRequest{}); return err }(), core.CodeUnsupported},
		{"customers", func() error { _, err := j.GetCustomer(ctx, conn, "c"); return err }(), core.CodeUnsupported},
	} {
		if core.Code(tc.err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.code)
		}
	}
	if err := j.VerifyConnection(ctx, conn); err != nil {
		t.Errorf("verify: %v", err)
	}
}

func TestChart(t *testing.T) {
	ctx := context.Background()
	j := newJournal(t.TempDir())
	if chart, err := j.ListLedgerAccounts(ctx, conn); err != nil || len(chart) != 0 {
		t.Fatalf("new chart: %v, %v", chart, err)
	}
	for _, a := range []core.NewLedgerAccount{{Number: "3001", Name: "Försäljning 12 %"}, {Number: "1910", Name: "Kassa"}} {
		if _, err := j.CreateLedgerAccount(ctx, conn, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.CreateLedgerAccount(ctx, conn, core.NewLedgerAccount{Number: "1910", Name: "Kassa 2"}); core.Code(err) != core.CodeConflict {
		t.Errorf("duplicate account: %v, want conflict", err)
	}
	chart, err := j.ListLedgerAccounts(ctx, conn)
	if err != nil || len(chart) != 2 || chart[0].Number != "1910" || chart[1].Name != "Försäljning 12 %" {
		t.Fatalf("chart %+v, %v", chart, err)
	}
	codes, err := j.ListVATCodes(ctx, conn)
	if err != nil || len(codes) == 0 {
		t.Fatalf("VAT codes %v, %v", codes, err)
	}
}
