package backoffice

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestOrdersPage: a collective customer's charges are orders; the page lists
// them, filters by customer and status, and shows what the next collective
// invoice holds with the customer's invoice day and threshold.
func TestOrdersPage(t *testing.T) {
	s := newStack(t)
	lind := s.invCustomer("Advokatbyrån Lind KB", core.CollectiveInvoicing{Enabled: true, DayOfMonth: 25, Threshold: 500000})
	nord := s.invCustomer("Nordbygg AB", core.CollectiveInvoicing{Enabled: true, Threshold: 100000})
	plain := s.invCustomer("Kontorsservice AB", core.CollectiveInvoicing{})
	for i, price := range []int64{12000, 8000} {
		if res := s.invCharge(lind, "l"+string(rune('0'+i)), price); res.Status != core.ChargeCollected {
			t.Fatalf("charge of a collective customer: %s", res.Status)
		}
	}
	s.invCharge(nord, "n0", 4000)
	s.invCharge(plain, "p0", 1000)
	c := s.signedIn("accountant@a.example")

	a := c.must("/backoffice/orders", http.StatusOK)
	for _, want := range []string{"Nästa samlingsfakturor", "Advokatbyrån Lind KB", "200,00\u00a0kr", "den 25 varje månad",
		"5\u00a0000,00\u00a0kr", "Nordbygg AB", "passerar beloppsgränsen", "Ej fakturerad"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("orders page lacks %q", want)
		}
	}
	if strings.Contains(a.body, "Kontorsservice") {
		t.Error("a customer without collective invoicing shows on the orders page")
	}
	if t.Failed() {
		t.Fatal(a.body)
	}
	if n := strings.Count(c.must("/backoffice/orders?customer=nordbygg", http.StatusOK).body, "<td>Nordbygg AB</td>"); n != 1 {
		t.Fatalf("customer=nordbygg lists %d orders", n)
	}
	a = c.must("/backoffice/orders?customer=lind&status=open", http.StatusOK)
	if n := strings.Count(a.body, "<td>Advokatbyrån Lind KB</td>"); n != 2 || strings.Contains(a.body, "<td>Nordbygg AB</td>") {
		t.Fatalf("customer=lind lists %d of Lind's orders:\n%s", n, a.body)
	}
	if a := c.must("/backoffice/orders?status=invoiced", http.StatusOK); !strings.Contains(a.body, "Inga ordrar matchar filtret") {
		t.Fatalf("status=invoiced:\n%s", a.body)
	}
	if a := c.must("/backoffice/orders?status=lost", http.StatusUnprocessableEntity); !strings.Contains(a.body, `id="e-status"`) {
		t.Fatalf("status=lost:\n%s", a.body)
	}
	if a := c.must("/backoffice/orders?customer=nobody", http.StatusUnprocessableEntity); !strings.Contains(a.body, `id="e-customer"`) {
		t.Fatalf("customer=nobody:\n%s", a.body)
	}
	// Another merchant sees none of A's orders; a cashier may not look.
	if a := s.signedIn("admin@b.example").must("/backoffice/orders", http.StatusOK); strings.Contains(a.body, "Lind") {
		t.Fatal("merchant B sees A's orders")
	}
	s.signedIn("cashier@a.example").must("/backoffice/orders", http.StatusForbidden)
}

func TestNextInvoiceDay(t *testing.T) {
	for _, tc := range []struct {
		today core.Date
		day   int
		want  core.Date
	}{
		{"2026-03-02", 25, "2026-03-25"},
		{"2026-03-25", 25, "2026-03-25"},
		{"2026-03-26", 25, "2026-04-25"},
		{"2026-02-01", 31, "2026-02-28"},
		{"2026-12-31", 1, "2027-01-01"},
	} {
		if got := nextInvoiceDay(tc.today, tc.day); got != tc.want {
			t.Errorf("nextInvoiceDay(%s, %d) = %s, want %s", tc.today, tc.day, got, tc.want)
		}
	}
}
