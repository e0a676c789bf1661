package spiristest

import (
	"context"
	"testing"

	"golang.org/x/oauth2"
)

// TestCompaniesAreIsolated connects two merchants to two companies, one by
// the authorization-code flow (and a refresh) and one by a direct token, and
// checks that neither sees or reaches the other's data.
func TestCompaniesAreIsolated(t *testing.T) {
	srv := Start(t, Options{})
	other := srv.AddCompany("Andra Bolaget AB")

	other.LogIn()
	conf, tok, _ := connect(t, srv, allScopes)
	refreshed, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	srv.DefaultCompany().LogIn()
	b := &apiClient{t: t, srv: srv, token: refreshed.AccessToken, http: newAPI(t, srv).http}
	a := newAPI(t, srv)

	var sa, sb CompanySettings
	a.call("GET", "/companysettings", nil, 200, &sa)
	b.call("GET", "/companysettings", nil, 200, &sb)
	if sa.Name != "Mockbolaget AB" || sb.Name != "Andra Bolaget AB" || *sa.CompanyIdentifier == *sb.CompanyIdentifier {
		t.Fatalf("company settings %q %v / %q %v", sa.Name, *sa.CompanyIdentifier, sb.Name, *sb.CompanyIdentifier)
	}

	var ca Customer
	a.call("POST", "/customers", customerBody("Kund A AB", nil), 201, &ca)
	direct := other.AddCustomer(Customer{Name: "Kund B AB", InvoicePostalCode: "41101", InvoiceCity: "Göteborg", IsActive: true})
	if *ca.CustomerNumber != "1" || *direct.CustomerNumber != "1" {
		t.Fatalf("each company numbers its own customers: %s %s", *ca.CustomerNumber, *direct.CustomerNumber)
	}
	var pa, pb page[Customer]
	a.call("GET", "/customers", nil, 200, &pa)
	b.call("GET", "/customers", nil, 200, &pb)
	if len(pa.Data) != 1 || pa.Data[0].Id != ca.Id || len(pb.Data) != 1 || pb.Data[0].Id != direct.Id {
		t.Fatalf("lists: A %+v, B %+v", pa.Data, pb.Data)
	}
	b.fail("GET", "/customers/"+ca.Id, nil, 404, CodeNotFound)
	a.fail("GET", "/customers/"+direct.Id, nil, 404, CodeNotFound)
	b.fail("PUT", "/customers/"+ca.Id, customerBody("Kapad AB", nil), 404, CodeNotFound)

	b.call("POST", "/vouchers", voucherBody(today(), dr(1930, 100), cr(3001, 100)), 201, nil)
	if len(other.Vouchers()) != 1 || len(srv.Vouchers()) != 0 || len(srv.DefaultCompany().Vouchers()) != 0 {
		t.Fatalf("vouchers: B %d, default %d", len(other.Vouchers()), len(srv.Vouchers()))
	}
	if len(srv.Customers()) != 1 || len(other.Customers()) != 1 || other.Settings().Name != "Andra Bolaget AB" {
		t.Fatalf("accessors: default %d customers, other %d", len(srv.Customers()), len(other.Customers()))
	}
}
