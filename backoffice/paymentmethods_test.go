package backoffice

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func (s *stack) methodsA() []core.PaymentMethod {
	s.t.Helper()
	pm, err := s.engine.PaymentMethods(s.t.Context(), s.admin())
	if err != nil {
		s.t.Fatal(err)
	}
	return pm.PaymentMethods
}

// TestPaymentMethods: an admin switches invoice off, limits it to chosen
// locations, and adds a method.
func TestPaymentMethods(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	a := c.must("/backoffice/payment-methods", http.StatusOK)
	mustContain(t, "payment methods page", a.body, "Faktura", `name="method.0" value="invoice"`, `name="enabled.0" checked`,
		`name="where.0" value="all" checked`)

	a = c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "where.0": {"all"}})
	if a.status != http.StatusSeeOther || a.location != "/backoffice/payment-methods?done=payment_methods_saved" {
		t.Fatalf("switch off = %d %q\n%s", a.status, a.location, a.body)
	}
	if m := s.methodsA(); len(m) != 1 || m[0].Enabled {
		t.Fatalf("after switching invoice off: %+v", m)
	}
	a = c.must(a.location, http.StatusOK)
	mustContain(t, "page after saving", a.body, "Betalsätten är sparade.")
	if strings.Contains(a.body, `name="enabled.0" checked`) {
		t.Error("invoice still shows as enabled")
	}

	a = c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "enabled.0": {"on"}, "where.0": {"some"},
		"other.0": {"sodermalm, stockholm-city"}, "new_method": {"swish"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("limit to locations = %d\n%s", a.status, a.body)
	}
	m := s.methodsA()
	if len(m) != 2 || m[0].Method != "invoice" || !m[0].Enabled || !slices.Equal(m[0].LocationIDs, []string{"sodermalm", "stockholm-city"}) ||
		m[1].Method != "swish" || !m[1].Enabled || len(m[1].LocationIDs) != 0 {
		t.Fatalf("saved %+v", m)
	}
	// The chosen locations are offered as choices from then on.
	a = c.must("/backoffice/payment-methods", http.StatusOK)
	mustContain(t, "page with locations", a.body, `name="loc.0" value="sodermalm" checked`, `name="loc.1" value="stockholm-city"`,
		`name="where.0" value="some" checked`, "Swish")
	a = c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "enabled.0": {"on"}, "where.0": {"some"},
		"loc.0": {"stockholm-city"}, "method.1": {"swish"}, "where.1": {"all"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("choose a location = %d\n%s", a.status, a.body)
	}
	if m := s.methodsA(); !slices.Equal(m[0].LocationIDs, []string{"stockholm-city"}) || m[1].Enabled {
		t.Fatalf("saved %+v", m)
	}
}

// TestPaymentMethodsInvalid: refusals are named beside the method, with
// 422, and nothing is saved.
func TestPaymentMethodsInvalid(t *testing.T) {
	s := newStack(t)
	c := s.signedIn("admin@a.example")
	c.must("/backoffice/payment-methods", http.StatusOK)
	a := c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "where.0": {"some"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-locations-0"`) {
		t.Fatalf("no location chosen = %d\n%s", a.status, a.body)
	}
	a = c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "where.0": {"some"}, "other.0": {strings.Repeat("x", 101)}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-locations-0"`) {
		t.Fatalf("over-long location = %d\n%s", a.status, a.body)
	}
	a = c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "where.0": {"all"}, "new_method": {"invoice"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="e-new_method"`) || !strings.Contains(a.body, `value="invoice"`) {
		t.Fatalf("a method listed twice = %d\n%s", a.status, a.body)
	}
	if m := s.methodsA(); len(m) != 1 || !m[0].Enabled || len(m[0].LocationIDs) != 0 {
		t.Fatalf("a refused save changed the methods: %+v", m)
	}
}

// TestPaymentMethodsReadOnly: the accountant and the cashier see the
// methods but cannot change them.
func TestPaymentMethodsReadOnly(t *testing.T) {
	s := newStack(t)
	for _, who := range []string{"accountant@a.example", "cashier@a.example"} {
		c := s.signedIn(who)
		a := c.must("/backoffice/payment-methods", http.StatusOK)
		mustContain(t, who+"'s payment methods", a.body, "Faktura", "Alla platser", "Du kan se betalsätten men inte ändra dem")
		if strings.Contains(a.body, `action="/backoffice/payment-methods"`) {
			t.Errorf("%s is offered the form", who)
		}
		if a := c.post("/backoffice/payment-methods", url.Values{"method.0": {"invoice"}, "where.0": {"all"}}); a.status != http.StatusForbidden {
			t.Errorf("%s save = %d, want 403", who, a.status)
		}
	}
	if m := s.methodsA(); !m[0].Enabled {
		t.Fatal("a read-only role switched invoice off")
	}
}
