package tripletextest

import (
	"regexp"
	"strings"
	"time"
)

var orgNumberRE = regexp.MustCompile(`^[0-9]{9}$`)

// applyCustomer copies the writable fields present in o onto cu and
// validates the result.
func (st *state) applyCustomer(o obj, cu *Customer) *apiError {
	o.setStr("name", &cu.Name)
	o.setStr("organizationNumber", &cu.OrganizationNumber)
	o.setStr("email", &cu.Email)
	o.setStr("invoiceEmail", &cu.InvoiceEmail)
	o.setStr("overdueNoticeEmail", &cu.OverdueNoticeEmail)
	o.setStr("phoneNumber", &cu.PhoneNumber)
	o.setStr("phoneNumberMobile", &cu.PhoneNumberMobile)
	o.setStr("description", &cu.Description)
	o.setStr("language", &cu.Language)
	o.setStr("website", &cu.Website)
	o.setStr("invoiceSendMethod", &cu.InvoiceSendMethod)
	o.setStr("emailAttachmentType", &cu.EmailAttachmentType)
	o.setStr("invoicesDueInType", &cu.InvoicesDueInType)
	o.setBool("isInactive", &cu.IsInactive)
	o.setBool("isPrivateIndividual", &cu.IsPrivateIndividual)
	o.setBool("isSupplier", &cu.IsSupplier)
	o.setBool("singleCustomerInvoice", &cu.SingleCustomerInvoice)
	o.setInt("invoicesDueIn", &cu.InvoicesDueIn)
	if n, ok := o.int("customerNumber"); ok && n > 0 {
		cu.CustomerNumber = int(n)
	}
	var msgs []validationMessage
	for _, k := range []struct {
		field string
		addr  *Address
	}{{"postalAddress", &cu.PostalAddress}, {"physicalAddress", &cu.PhysicalAddress}} {
		a := o.obj(k.field)
		if a == nil {
			continue
		}
		a.setStr("addressLine1", &k.addr.AddressLine1)
		a.setStr("addressLine2", &k.addr.AddressLine2)
		a.setStr("postalCode", &k.addr.PostalCode)
		a.setStr("city", &k.addr.City)
		if id, ok := a.ref("country"); ok {
			if id != 161 {
				msgs = append(msgs, vm(k.field+".country.id", msgNoSuchObject))
			} else {
				k.addr.CountryID = id
			}
		}
	}
	if strings.TrimSpace(cu.Name) == "" {
		msgs = append(msgs, vm("name", msgRequired))
	}
	if cu.OrganizationNumber != "" && !orgNumberRE.MatchString(cu.OrganizationNumber) {
		msgs = append(msgs, vm("organizationNumber", msgOrgNumber))
	}
	if len(msgs) > 0 {
		return validationError(msgs...)
	}
	return nil
}

// createCustomer is POST /customer: customerNumber is assigned from 10001
// unless given; defaults as observed on a fresh company.
func createCustomer(c *call) (*result, *apiError) {
	st := c.s.st
	o := asObj(c.body)
	if e := idOnCreate(o); e != nil {
		return nil, e
	}
	cu := &Customer{Version: 1, Language: "NO", InvoiceSendMethod: "EMAIL", EmailAttachmentType: "ATTACHMENT",
		InvoicesDueIn: 14, InvoicesDueInType: "DAYS",
		PostalAddress: Address{CountryID: 161}, PhysicalAddress: Address{CountryID: 161}}
	if e := st.applyCustomer(o, cu); e != nil {
		return nil, e
	}
	cu.ID = st.newID()
	if cu.CustomerNumber == 0 {
		cu.CustomerNumber = st.nextCustomerNumber
		st.nextCustomerNumber++
	}
	cu.PostalAddress.ID = st.newID()
	cu.PhysicalAddress.ID = st.newID()
	cu.Changed = st.clock()
	st.addresses[cu.PostalAddress.ID] = &cu.PostalAddress
	st.addresses[cu.PhysicalAddress.ID] = &cu.PhysicalAddress
	st.customers = append(st.customers, cu)
	return &result{status: 201, value: st.customerJSON(cu)}, nil
}

// updateCustomer is PUT /customer/{id}: a partial update; a stale version
// is 409/8000.
func updateCustomer(c *call) (*result, *apiError) {
	st := c.s.st
	cu := st.customer(pathID(c, "id"))
	if cu == nil {
		return nil, notFoundError()
	}
	o := asObj(c.body)
	if e := checkVersion(o, cu.Version); e != nil {
		return nil, e
	}
	next := *cu
	if e := st.applyCustomer(o, &next); e != nil {
		return nil, e
	}
	next.Version++
	next.Changed = st.clock()
	*cu = next
	st.addresses[cu.PostalAddress.ID] = &cu.PostalAddress
	st.addresses[cu.PhysicalAddress.ID] = &cu.PhysicalAddress
	return &result{status: 200, value: st.customerJSON(cu)}, nil
}

// checkVersion implements optimistic locking: a version in the body that
// is not the current one is 409/8000.
func checkVersion(o obj, current int) *apiError {
	if v, ok := o.int("version"); ok && int(v) != current {
		return &apiError{Status: 409, Code: 8000, Message: strp(msgRevision), Link: linkDocs, DeveloperMessage: strp("RevisionException")}
	}
	return nil
}

func getCustomer(c *call) (*result, *apiError) {
	cu := c.s.st.customer(pathID(c, "id"))
	if cu == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.customerJSON(cu))
}

// searchCustomers is GET /customer with the id and customerAccountNumber
// list filters, organizationNumber, email, invoiceEmail and
// phoneNumberMobile (equal), customerName (containing, case-insensitive),
// isInactive (default false: active customers only) and changedSince
// (created or changed at or after that time; RFC 3339, or a date and time
// without a zone read as UTC, or a date).
func searchCustomers(c *call) (*result, *apiError) {
	st := c.s.st
	q := c.query
	inactive := queryBool(c, "isInactive", false)
	var since time.Time
	if v, ok := queryString(q, "changedSince"); ok && v != "" {
		t, ok := parseChangedSince(v)
		if !ok {
			return nil, validationError(vm("changedSince", "Ugyldig dato/tid: "+v))
		}
		since = t
	}
	var out []map[string]any
	for _, cu := range st.customers {
		if !since.IsZero() && cu.Changed.Before(since) {
			continue
		}
		if v := q.Get("id"); v != "" && !containsID(queryIDs(v), cu.ID) {
			continue
		}
		if v := q.Get("customerAccountNumber"); v != "" && !containsID(queryIDs(v), int64(cu.CustomerNumber)) {
			continue
		}
		if v, ok := queryString(q, "organizationNumber"); ok && v != "" && v != cu.OrganizationNumber {
			continue
		}
		if v, ok := queryString(q, "email"); ok && v != "" && !strings.EqualFold(v, cu.Email) {
			continue
		}
		if v, ok := queryString(q, "invoiceEmail"); ok && v != "" && !strings.EqualFold(v, cu.InvoiceEmail) {
			continue
		}
		if v, ok := queryString(q, "phoneNumberMobile"); ok && v != "" && v != cu.PhoneNumberMobile {
			continue
		}
		if v := q.Get("customerName"); v != "" && !containsFold(cu.Name, v) {
			continue
		}
		if cu.IsInactive != inactive {
			continue
		}
		out = append(out, st.customerJSON(cu))
	}
	return list(out)
}

// deleteCustomer is DELETE /customer/{id}; a customer with orders,
// invoices or postings cannot be deleted (422, as observed).
func deleteCustomer(c *call) (*result, *apiError) {
	st := c.s.st
	id := pathID(c, "id")
	cu := st.customer(id)
	if cu == nil {
		return nil, notFoundError()
	}
	var reasons []string
	for _, o := range st.orders {
		if o.CustomerID == id {
			reasons = append(reasons, "<li>Ordrer er registrert.</li>")
			break
		}
	}
	for _, inv := range st.invoices {
		if inv.CustomerID == id {
			reasons = append(reasons, "<li>Fakturaer er registrert.</li>")
			break
		}
	}
	posted := false
	for _, v := range st.vouchers {
		for _, p := range v.Postings {
			posted = posted || p.CustomerID == id
		}
	}
	if posted {
		reasons = append(reasons, "<li>Posteringer er registrert.</li>")
	}
	if len(reasons) > 0 {
		return nil, validationError(vm("id", "<ul>"+strings.Join(reasons, "")+"</ul>"))
	}
	for i, x := range st.customers {
		if x == cu {
			st.customers = append(st.customers[:i], st.customers[i+1:]...)
			break
		}
	}
	return &result{status: 204}, nil
}

// parseChangedSince reads changedSince's date and time.
func parseChangedSince(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
