package spiristest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Customers returns the customers as the API shows them, oldest first.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.customersLocked()
}

// customersLocked is Customers with s.mu held.
func (s *Server) customersLocked() []Customer {
	out := make([]Customer, 0, len(s.customers))
	for _, c := range s.customers {
		out = append(out, s.customerView(c))
	}
	return out
}

// AddCustomer stores a customer directly (no API call, no validation
// against the document) and returns it as stored. Id and, when empty,
// CustomerNumber and TermsOfPaymentId are assigned.
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addCustomerLocked(c)
}

// addCustomerLocked is AddCustomer with s.mu held.
func (s *Server) addCustomerLocked(c Customer) Customer {
	c.Id = newID()
	if c.CustomerNumber == nil || *c.CustomerNumber == "" {
		c.CustomerNumber = ptr(s.nextCustomerNumber())
	}
	if s.termsByID(c.TermsOfPaymentId) == nil {
		c.TermsOfPaymentId = s.company.TermsOfPaymentId
	}
	s.fillCustomer(&c, utcStamp(s.opts.Now()))
	s.customers = append(s.customers, &c)
	return s.customerView(&c)
}

// customerView adds the fields the API computes from invoices.
func (s *Server) customerView(c *Customer) Customer {
	v := *c
	v.EmailAddresses = slices.Clone(c.EmailAddresses)
	unpaid := decimal.Zero
	var last string
	for _, inv := range s.invoices {
		if inv.CustomerId != c.Id {
			continue
		}
		unpaid = unpaid.Add(inv.RemainingAmount.Decimal)
		if inv.InvoiceDate != nil && *inv.InvoiceDate > last {
			last = *inv.InvoiceDate
		}
	}
	v.UnpaidInvoicesAmount = Dec(unpaid)
	if last != "" {
		v.LastInvoiceDate = ptr(last)
	}
	return v
}

func (s *Server) customerByID(id string) *Customer {
	return find(s.customers, func(c *Customer) bool { return strings.EqualFold(c.Id, id) })
}

// nextCustomerNumber takes the next free number of the company's series.
func (s *Server) nextCustomerNumber() string {
	for {
		n := strconv.Itoa(s.company.NextCustomerNumber)
		s.company.NextCustomerNumber++
		if s.customerByNumber(n, "") == nil {
			return n
		}
	}
}

func (s *Server) customerByNumber(n, exceptID string) *Customer {
	return find(s.customers, func(c *Customer) bool {
		return c.Id != exceptID && c.CustomerNumber != nil && strings.EqualFold(*c.CustomerNumber, n)
	})
}

// fillCustomer sets defaults and server-set fields.
func (s *Server) fillCustomer(c *Customer, stamp string) {
	if c.CurrencyCode == nil || *c.CurrencyCode == "" {
		c.CurrencyCode = s.company.CurrencyCode
	}
	if c.InvoiceCountryCode == nil || *c.InvoiceCountryCode == "" {
		c.InvoiceCountryCode = ptr(s.company.CountryCode)
	}
	t := *s.termsByID(c.TermsOfPaymentId)
	c.TermsOfPaymentId = t.Id
	c.TermsOfPayment = &t
	c.ChangedUtc = ptr(stamp)
	c.LastInvoiceDate = nil
	c.UnpaidInvoicesAmount = Amount{}
	c.IsFutureInvoiceDateAllowed = false
}

func (s *Server) checkCustomer(c *Customer, selfID string) *apiError {
	if c.CustomerNumber != nil && *c.CustomerNumber != "" && s.customerByNumber(*c.CustomerNumber, selfID) != nil {
		return &apiError{Status: http.StatusConflict, Code: CodeConflict,
			Msg:    "ConflictException - A customer with the customer number " + *c.CustomerNumber + " already exists.",
			Errors: []FieldError{{Field: "CustomerNumber", ErrorCode: "Conflict", Message: "The customer number is already in use."}}}
	}
	if s.termsByID(c.TermsOfPaymentId) == nil {
		return refMissing("TermsOfPaymentId", "TermsOfPayment")
	}
	if !maxPlaces(c.DiscountPercentage.Decimal, 4) {
		return invalid("DiscountPercentage can have at most 4 decimals.", "DiscountPercentage")
	}
	return nil
}

func (s *Server) listCustomers(c *reqCtx) (int, any, *apiError) {
	views := make([]*Customer, 0, len(s.customers))
	for _, cu := range s.customers {
		v := s.customerView(cu)
		views = append(views, &v)
	}
	return list(c, views)
}

func (s *Server) getCustomer(c *reqCtx) (int, any, *apiError) {
	cu := s.customerByID(c.params[0])
	if cu == nil {
		return 0, nil, notFound("Customer")
	}
	return http.StatusOK, s.customerView(cu), nil
}

func (s *Server) postCustomer(c *reqCtx) (int, any, *apiError) {
	var in Customer
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.Id = ""
	if err := s.checkCustomer(&in, ""); err != nil {
		return 0, nil, err
	}
	in.Id = newID()
	if in.CustomerNumber == nil || *in.CustomerNumber == "" {
		in.CustomerNumber = ptr(s.nextCustomerNumber())
	}
	s.fillCustomer(&in, utcStamp(c.now))
	s.customers = append(s.customers, &in)
	return http.StatusCreated, s.customerView(&in), nil
}

// putCustomer replaces the customer: fields left out are cleared, as the
// real API does (always GET-modify-PUT). CustomerNumber is kept when omitted.
func (s *Server) putCustomer(c *reqCtx) (int, any, *apiError) {
	old := s.customerByID(c.params[0])
	if old == nil {
		return 0, nil, notFound("Customer")
	}
	var in Customer
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.CustomerNumber == nil || *in.CustomerNumber == "" {
		in.CustomerNumber = old.CustomerNumber
	}
	if err := s.checkCustomer(&in, old.Id); err != nil {
		return 0, nil, err
	}
	in.Id = old.Id
	s.fillCustomer(&in, utcStamp(c.now))
	s.customers[slices.Index(s.customers, old)] = &in
	return http.StatusOK, s.customerView(&in), nil
}

func (s *Server) deleteCustomer(c *reqCtx) (int, any, *apiError) {
	cu := s.customerByID(c.params[0])
	if cu == nil {
		return 0, nil, notFound("Customer")
	}
	used := slices.ContainsFunc(s.invoices, func(i *Invoice) bool { return i.CustomerId == cu.Id }) ||
		slices.ContainsFunc(s.drafts, func(d *InvoiceDraft) bool { return d.CustomerId == cu.Id })
	if used {
		return 0, nil, &apiError{Status: http.StatusBadRequest, Code: CodeCannotDelete,
			Msg: "CanNotBeDeletedException - The customer has invoices and can not be deleted. Set IsActive to false instead."}
	}
	s.customers = slices.DeleteFunc(s.customers, func(x *Customer) bool { return x == cu })
	return http.StatusOK, nil, nil
}
