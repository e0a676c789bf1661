package spiristest

import "time"

// Company is one company of the mock. Each has its own settings, chart,
// customers, articles, invoices and vouchers; a token sees only the data of
// the company its grant was made for, so two merchants connected to
// different companies cannot see each other's data. The Server's own
// accessors (Customers, Invoices, ...) show the default company.
type Company struct {
	s *Server
	d *companyData
}

// DefaultCompany returns the company seeded at start (Options.CompanyName).
func (s *Server) DefaultCompany() *Company { return &Company{s: s, d: s.def} }

// AddCompany seeds another company named name (the same Swedish company
// setup as the default one: BAS chart, VAT codes, terms of payment, units
// and codings, with the same ids) and returns it.
func (s *Server) AddCompany(name string) *Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Company{s: s, d: s.newCompanyLocked(name, newID())}
}

func (c *Company) do(f func()) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.inCompany(c.d, f)
}

// LogIn makes the user at the browser pick this company: the authorizations
// that follow (GET /connect/authorize) consent for it, and the codes, access
// and refresh tokens they lead to reach only its data.
func (c *Company) LogIn() {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.loginAs = c.d
}

// IssueToken is Server.IssueToken for this company.
func (c *Company) IssueToken(scopes ...string) Token {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	ti := c.s.issueLocked(c.d, "direct", c.s.opts.ClientID, scopes, "")
	return Token{AccessToken: ti.AccessToken, RefreshToken: ti.RefreshToken,
		Expiry: ti.Time.Add(time.Duration(ti.ExpiresIn) * time.Second), Scope: ti.Scope}
}

// Settings returns the company settings as the API answers them.
func (c *Company) Settings() (out CompanySettings) {
	c.do(func() { out = c.s.companyView() })
	return out
}

// Customers returns the company's customers, oldest first.
func (c *Company) Customers() (out []Customer) {
	c.do(func() { out = c.s.customersLocked() })
	return out
}

// AddCustomer stores a customer in the company, as Server.AddCustomer does.
func (c *Company) AddCustomer(cu Customer) (out Customer) {
	c.do(func() { out = c.s.addCustomerLocked(cu) })
	return out
}

// Invoices returns the company's booked customer invoices, oldest first.
func (c *Company) Invoices() (out []Invoice) {
	c.do(func() { out = c.s.invoicesLocked() })
	return out
}

// Vouchers returns the company's vouchers, oldest first.
func (c *Company) Vouchers() (out []Voucher) {
	c.do(func() { out = c.s.vouchersLocked() })
	return out
}
