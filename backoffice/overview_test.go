package backoffice

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

// TestOverviewNeedsReauth: while the invoicing integration needs
// reconnecting the overview lists it with the link to its wizard, and the
// overdue invoices' card says they wait for it (in the user's language)
// instead of "no overdue invoices" under the service's English refusal.
func TestOverviewNeedsReauth(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	s.engine.SetConnectionSource(s.integrations)
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
