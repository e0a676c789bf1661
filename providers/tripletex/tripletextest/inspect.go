package tripletextest

// State inspection for tests. Every method returns deep copies, so callers
// may keep and modify them.

// Customers returns the customers in creation order.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, len(s.st.customers))
	for i, c := range s.st.customers {
		out[i] = *c
	}
	return out
}

// Orders returns the orders in creation order, with their lines.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, len(s.st.orders))
	for i, o := range s.st.orders {
		out[i] = *o
		out[i].Lines = copyLines(o.Lines)
	}
	return out
}

func copyLines(ls []*OrderLine) []*OrderLine {
	out := make([]*OrderLine, len(ls))
	for i, l := range ls {
		c := *l
		out[i] = &c
	}
	return out
}

func copyInvoice(inv *Invoice) Invoice {
	c := *inv
	c.Lines = copyLines(inv.Lines)
	c.OrderIDs = append([]int64(nil), inv.OrderIDs...)
	c.Payments = append([]Payment(nil), inv.Payments...)
	return c
}

// Invoices returns the invoices that are not credit notes, in number order.
func (s *Server) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Invoice
	for _, inv := range s.st.invoices {
		if !inv.IsCreditNote {
			out = append(out, copyInvoice(inv))
		}
	}
	return out
}

// CreditNotes returns the credit notes, in number order.
func (s *Server) CreditNotes() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Invoice
	for _, inv := range s.st.invoices {
		if inv.IsCreditNote {
			out = append(out, copyInvoice(inv))
		}
	}
	return out
}

// Vouchers returns every voucher in creation order: those posted through
// POST /ledger/voucher and those the mock made for invoices, credit notes,
// payments and reversals (their VoucherTypeID says which).
func (s *Server) Vouchers() []Voucher {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Voucher, len(s.st.vouchers))
	for i, v := range s.st.vouchers {
		out[i] = *v
		out[i].Postings = make([]*Posting, len(v.Postings))
		for j, p := range v.Postings {
			c := *p
			out[i].Postings[j] = &c
		}
	}
	return out
}

// ManualVouchers returns the vouchers clients posted with
// POST /ledger/voucher, in creation order.
func (s *Server) ManualVouchers() []Voucher {
	var out []Voucher
	for _, v := range s.Vouchers() {
		if v.Source == SourceVoucher {
			out = append(out, v)
		}
	}
	return out
}

// Balance is the sum of the voucher's net amounts including the system
// VAT rows; a booked voucher always has balance 0.
func (v Voucher) Balance() Amount {
	var sum Amount
	for _, p := range v.Postings {
		sum += p.Amount
	}
	return sum
}

// GrossBalance is the sum of the client-written (non-system) gross
// amounts; Tripletex requires it to be 0 per date.
func (v Voucher) GrossBalance() Amount {
	var sum Amount
	for _, p := range v.Postings {
		if !p.SystemGenerated {
			sum += p.AmountGross
		}
	}
	return sum
}

// Accounts returns the chart of accounts, by number.
func (s *Server) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Account, len(s.st.accounts))
	for i, a := range s.st.accounts {
		out[i] = *a
		out[i].LegalVatTypeIDs = append([]int64(nil), a.LegalVatTypeIDs...)
	}
	return out
}

// Account returns the account with the number, and whether it exists.
func (s *Server) Account(number int) (Account, bool) {
	for _, a := range s.Accounts() {
		if a.Number == number {
			return a, true
		}
	}
	return Account{}, false
}

// PaymentTypes returns the incoming payment types ("Kontant", "Betalt til bank").
func (s *Server) PaymentTypes() []PaymentType {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PaymentType, len(s.st.paymentTypes))
	for i, p := range s.st.paymentTypes {
		out[i] = *p
	}
	return out
}

// VoucherTypes returns the 17 voucher types.
func (s *Server) VoucherTypes() []VoucherType {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]VoucherType, len(s.st.voucherTypes))
	for i, v := range s.st.voucherTypes {
		out[i] = *v
	}
	return out
}

// CompanyID is the mock company's id (valid as the Basic-auth username).
func (s *Server) CompanyID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.companyID
}

// SetBankAccountNumber sets (or with "" clears) the bank account number on
// ledger account 1920; without one, invoicing fails with Tripletex's
// "Faktura kan ikke opprettes før selskapet har registrert et
// bankkontonummer."
func (s *Server) SetBankAccountNumber(n string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.accountByNumber(1920).BankAccountNumber = n
}

// AddAccount adds a ledger account to the chart (as the merchant would in
// Tripletex's own UI) and returns it with its id. Type and LedgerType
// default to LIABILITIES and GENERAL.
func (s *Server) AddAccount(a Account) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Type == "" {
		a.Type = "LIABILITIES"
	}
	if a.LedgerType == "" {
		a.LedgerType = "GENERAL"
	}
	return *s.st.addAccount(a)
}

// AddCustomer stores a customer directly (as if created in Tripletex's own
// UI) and returns it with its id and customer number. Empty defaults are
// filled in as POST /customer does.
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	cu := c
	cu.ID = st.newID()
	cu.Version = 1
	cu.Changed = st.clock()
	if cu.CustomerNumber == 0 {
		cu.CustomerNumber = st.nextCustomerNumber
		st.nextCustomerNumber++
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cu.Language, "NO")
	def(&cu.InvoiceSendMethod, "EMAIL")
	def(&cu.EmailAttachmentType, "ATTACHMENT")
	def(&cu.InvoicesDueInType, "DAYS")
	if cu.InvoicesDueIn == 0 {
		cu.InvoicesDueIn = 14
	}
	for _, a := range []*Address{&cu.PostalAddress, &cu.PhysicalAddress} {
		a.ID = st.newID()
		if a.CountryID == 0 {
			a.CountryID = 161
		}
	}
	p := &cu
	st.customers = append(st.customers, p)
	st.addresses[p.PostalAddress.ID] = &p.PostalAddress
	st.addresses[p.PhysicalAddress.ID] = &p.PhysicalAddress
	return cu
}
