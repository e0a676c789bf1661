package tripletextest

import (
	"fmt"
	"slices"
	"testing"
)

func TestCustomers(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	a := c.mustDo(201, "POST", "/customer", map[string]any{"name": "Colline SARL", "organizationNumber": "939137599", "email": "post@colline.no"})
	b := c.mustDo(201, "POST", "/customer", map[string]any{"name": "Vestfjord AS"})
	dup := c.mustDo(201, "POST", "/customer", map[string]any{"name": "Vestfjord AS"}) // no uniqueness, as in Tripletex
	for i, cu := range []map[string]any{a, b, dup} {
		if num(cu["customerNumber"]) != fmt.Sprint(10001+i) {
			t.Errorf("customerNumber %v", cu["customerNumber"])
		}
	}
	for k, want := range map[string]any{"language": "NO", "invoicesDueInType": "DAYS", "invoiceSendMethod": "EMAIL",
		"emailAttachmentType": "ATTACHMENT", "invoiceEmail": "", "displayName": "Colline SARL (10001)", "isCustomer": true} {
		if a[k] != want {
			t.Errorf("default %s = %v, want %v", k, a[k], want)
		}
	}
	if num(a["invoicesDueIn"]) != "14" {
		t.Errorf("invoicesDueIn %v", a["invoicesDueIn"])
	}
	search := []struct {
		query string
		want  []string // customer numbers
	}{
		{"organizationNumber=939137599", []string{"10001"}},
		{"customerName=vestfjord", []string{"10002", "10003"}},
		{"customerAccountNumber=10001,10003", []string{"10001", "10003"}},
		{fmt.Sprintf("id=%d", id(b)), []string{"10002"}},
		{"email=post@colline.no", []string{"10001"}},
		{"organizationNumber=999999999", nil},
		{"isInactive=true", nil},
		{"changedSince=2000-01-01T00:00:00Z", []string{"10001", "10002", "10003"}},
		{"changedSince=2999-01-01T00:00:00Z", nil},
		{"changedSince=2999-01-01&customerName=vestfjord", nil},
	}
	for _, s := range search {
		env := c.mustDo(200, "GET", "/customer?"+s.query, nil)
		var got []string
		for _, v := range env["values"].([]any) {
			got = append(got, num(v.(map[string]any)["customerNumber"]))
		}
		if !slices.Equal(got, s.want) {
			t.Errorf("search %s: %v, want %v", s.query, got, s.want)
		}
	}
	if code, m := c.do("POST", "/customer", map[string]any{"name": "X", "organizationNumber": "939 137 599"}); code != 422 || !slices.Equal(messages(m), []string{"organizationNumber: " + msgOrgNumber}) {
		t.Errorf("bad org number: %d %v", code, m)
	}
	if code, m := c.do("POST", "/customer", map[string]any{"email": "x@y.no"}); code != 422 || !slices.Equal(messages(m), []string{"name: " + msgRequired}) {
		t.Errorf("no name: %d %v", code, m)
	}

	// Partial update of the billing address, with optimistic locking.
	path := fmt.Sprintf("/customer/%d", id(a))
	u := c.mustDo(200, "PUT", path, map[string]any{"version": 1, "postalAddress": map[string]any{"addressLine1": "Storgata 1", "postalCode": "0155", "city": "Oslo"}})
	if num(u["version"]) != "2" || u["email"] != "post@colline.no" {
		t.Errorf("after update %v", u)
	}
	if got := srv.Customers()[0].PostalAddress; got.City != "Oslo" || got.AddressLine1 != "Storgata 1" {
		t.Errorf("stored address %+v", got)
	}
	if code, m := c.do("PUT", path, map[string]any{"version": 1, "phoneNumber": "1"}); code != 409 || num(m["code"]) != "8000" {
		t.Errorf("stale version: %d %v", code, m)
	}

	// Delete is refused once the customer has orders.
	newOrder(c, id(a), line("x", "1", "1", 3))
	if code, m := c.do("DELETE", path, nil); code != 422 || !slices.Equal(messages(m), []string{"id: <ul><li>Ordrer er registrert.</li></ul>"}) {
		t.Errorf("delete with orders: %d %v", code, m)
	}
	resp, _ := c.raw("DELETE", fmt.Sprintf("/customer/%d", id(dup)), nil, true)
	if resp.StatusCode != 204 || len(srv.Customers()) != 2 {
		t.Errorf("delete: %d, %d left", resp.StatusCode, len(srv.Customers()))
	}
	// Customers created in Tripletex's own UI.
	if cu := srv.AddCustomer(Customer{Name: "Fra GUI"}); cu.CustomerNumber != 10004 || cu.ID == 0 {
		t.Errorf("AddCustomer %+v", cu)
	}
}

func TestReferenceData(t *testing.T) {
	srv := startMock(t, Options{})
	c := newClient(t, srv)
	// VAT types by number: code 33 is id 32.
	env := c.mustDo(200, "GET", "/ledger/vatType?number=33", nil)
	v := env["values"].([]any)
	if len(v) != 1 || num(v[0].(map[string]any)["id"]) != "32" || num(v[0].(map[string]any)["percentage"]) != "12" {
		t.Errorf("vat 33: %v", v)
	}
	env = c.mustDo(200, "GET", "/ledger/vatType?typeOfVat=OUTGOING", nil)
	var ids []string
	for _, x := range env["values"].([]any) {
		ids = append(ids, num(x.(map[string]any)["id"]))
	}
	if !slices.Equal(ids, []string{"3", "31", "32", "5", "52", "6"}) {
		t.Errorf("OUTGOING ids %v", ids)
	}
	env = c.mustDo(200, "GET", "/ledger/account?number=1500,1920,3000,3030", nil)
	got := map[string]map[string]any{}
	for _, x := range env["values"].([]any) {
		m := x.(map[string]any)
		got[num(m["number"])] = m
	}
	if got["1500"]["ledgerType"] != "CUSTOMER" || got["1500"]["vatLocked"] != true {
		t.Errorf("1500 %v", got["1500"])
	}
	if got["1920"]["bankAccountNumber"] != DefaultBankAccountNumber || got["1920"]["isBankAccount"] != true {
		t.Errorf("1920 %v", got["1920"])
	}
	if got["3000"]["vatLocked"] != true || num(got["3000"]["vatType"].(map[string]any)["id"]) != "3" {
		t.Errorf("3000 %v", got["3000"])
	}
	if got["3030"]["vatLocked"] != false || len(got["3030"]["legalVatTypes"].([]any)) == 0 {
		t.Errorf("3030 %v", got["3030"])
	}
	if n := id(got["1920"]); n < 100_000_000 {
		t.Errorf("account ids should be large: %d", n)
	}
	env = c.mustDo(200, "GET", "/invoice/paymentType?description=Betalt%20til%20bank", nil)
	if len(env["values"].([]any)) != 1 {
		t.Errorf("payment type lookup %v", env)
	}
	env = c.mustDo(200, "GET", "/ledger/voucherType", nil)
	if num(env["count"]) != "17" {
		t.Errorf("voucher types %v", env["count"])
	}
	c.mustDo(200, "GET", "/currency?code=NOK", nil)
	c.mustDo(200, "GET", "/country/161", nil)
	who := c.mustDo(200, "GET", "/token/session/>whoAmI", nil)
	c.mustDo(200, "GET", fmt.Sprintf("/company/%s", num(who["companyId"])), nil)
}
