package backoffice

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/shopspring/decimal"
)

// TestOverviewNeedsReauth: while the invoicing integration needs
// reconnecting the overview lists it with the link to its wizard, and the
// overdue invoices' card says they wait for it (in the user's language)
// instead of "no overdue invoices" under the service's English refusal.
func TestOverviewNeedsReauth(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	s.reconfigure(func(o *core.EngineOptions) { o.Connections = s.integrations })
	admin := s.admin()
	in, err := s.integrations.Create(ctx, admin, "open", []core.IntegrationMode{core.ModeInvoicing})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.integrations.PutSettings(ctx, admin, in.ID, integrations.Settings{InvoicingEnabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.integrations.Activate(ctx, admin, in.ID); err != nil {
		t.Fatal(err)
	}
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/", http.StatusOK)
	if !strings.Contains(a.body, "Inga förfallna fakturor.") {
		t.Fatalf("with the integration active the overview does not read the invoices:\n%s", a.body)
	}

	if err := s.integrations.MarkNeedsReauth(ctx, in.ID, "the provider refused the credentials"); err != nil {
		t.Fatal(err)
	}
	a = c.must("/backoffice/", http.StatusOK)
	for _, want := range []string{`href="/backoffice/integrations/` + in.ID + `">anslut igen</a>`, "the provider refused the credentials",
		"Fakturorna kan inte läsas förrän " + html.EscapeString(in.DisplayName) + " är ansluten igen."} {
		if !strings.Contains(a.body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Inga förfallna fakturor.", "re-authorised", "Tjänsten svarar inte"} {
		if strings.Contains(a.body, unwanted) {
			t.Errorf("the overview says %q", unwanted)
		}
	}
}

// TestOverviewOverdue: a posted invoice past its due date is listed on the
// overview with its number, customer and what is still owed, linked to
// the invoice; a paid one is not.
func TestOverviewOverdue(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	admin := s.admin()
	cust := s.invCustomer("Snickeri Ek AB", core.CollectiveInvoicing{})
	// Posted 60 days ago, due 30 days after.
	s.travel(-60 * 24 * time.Hour)
	long := core.DateOf(time.Now().Add(-60 * 24 * time.Hour).In(core.Sweden.Location()))
	var ids []string
	for range 2 {
		d, err := s.engine.CreateDraft(ctx, admin, core.DraftRequest{CustomerID: cust.ID,
			Lines: []core.LineInput{{Description: "Catering", ProductGroup: "food", Quantity: decimal.NewFromInt(1), UnitPrice: 123450, VATRate: decimal.NewFromInt(12)}}})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := s.engine.PostInvoice(ctx, admin, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	s.travel(0)
	if _, _, err := s.engine.MarkPaid(ctx, admin, "pay-1", ids[1], core.PaymentInput{PaidAt: long.AddDays(5)}); err != nil {
		t.Fatal(err)
	}
	a := s.signedIn("accountant@a.example").must("/backoffice/", http.StatusOK)
	body := html.UnescapeString(a.body)
	for _, want := range []string{`href="/backoffice/invoices/` + ids[0] + `"`, "Snickeri Ek AB", "1\u00a0382,64\u00a0kr"} { // 1 234,50 net + 12 % VAT
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if strings.Contains(body, ids[1]) {
		t.Errorf("the paid invoice is listed as overdue")
	}
	if strings.Contains(body, "Inga förfallna fakturor.") {
		t.Errorf("the overview says nothing is overdue")
	}
}
