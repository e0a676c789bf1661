package tripletextest

import (
	"strings"
)

// Reference data: company, employee, currency, country, ledger accounts,
// VAT types, payment types and voucher types; ledger accounts can be added.

func one(m map[string]any) (*result, *apiError) {
	if m == nil {
		return nil, notFoundError()
	}
	return &result{status: 200, value: m}, nil
}

func list(ms []map[string]any) (*result, *apiError) {
	if ms == nil {
		ms = []map[string]any{}
	}
	return &result{status: 200, list: true, values: ms}, nil
}

func getCompany(c *call) (*result, *apiError) {
	if pathID(c, "id") != c.s.st.companyID {
		return nil, notFoundError()
	}
	return one(c.s.st.companyJSON())
}

func companiesWithLoginAccess(c *call) (*result, *apiError) {
	st := c.s.st
	return list([]map[string]any{{"id": st.companyID, "url": st.url("company", st.companyID), "name": st.companyName, "displayName": st.companyName}})
}

func getEmployee(c *call) (*result, *apiError) {
	if pathID(c, "id") != c.s.st.employeeID {
		return nil, notFoundError()
	}
	return one(c.s.st.employeeJSON())
}

func getCurrency(c *call) (*result, *apiError) {
	return one(c.s.st.resolve("currency/" + c.params["id"]))
}

func searchCurrency(c *call) (*result, *apiError) {
	if code := c.query.Get("code"); code != "" && !strings.EqualFold(code, "NOK") {
		return list(nil)
	}
	if ids := c.query.Get("id"); ids != "" && !containsID(queryIDs(ids), 1) {
		return list(nil)
	}
	return list([]map[string]any{c.s.st.currencyJSON()})
}

func getCountry(c *call) (*result, *apiError) {
	return one(c.s.st.resolve("country/" + c.params["id"]))
}

func searchCountry(c *call) (*result, *apiError) {
	if code := c.query.Get("code"); code != "" && !strings.EqualFold(code, "NO") {
		return list(nil)
	}
	if ids := c.query.Get("id"); ids != "" && !containsID(queryIDs(ids), 161) {
		return list(nil)
	}
	return list([]map[string]any{c.s.st.countryJSON()})
}

func getAccount(c *call) (*result, *apiError) {
	a := c.s.st.accountByID(pathID(c, "id"))
	if a == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.accountJSON(a))
}

// createAccount is POST /ledger/account: number and name are required (as
// the document's guide to the endpoint says); a number in use is refused
// with a validation message on number (mock wording). The new account is
// a general-ledger account of no VAT treatment, unlocked, as Tripletex
// creates one without vatType.
func createAccount(c *call) (*result, *apiError) {
	st := c.s.st
	o := asObj(c.body)
	if e := idOnCreate(o); e != nil {
		return nil, e
	}
	number, okNumber := o.int("number")
	name, _ := o.str("name")
	var msgs []validationMessage
	if !okNumber || number < 1 {
		msgs = append(msgs, vm("number", msgRequired))
	}
	if strings.TrimSpace(name) == "" {
		msgs = append(msgs, vm("name", msgRequired))
	}
	if len(msgs) > 0 {
		return nil, validationError(msgs...)
	}
	if st.accountByNumber(int(number)) != nil {
		return nil, validationError(vm("number", msgAccountInUse))
	}
	typ := "LIABILITIES"
	switch {
	case number < 2000:
		typ = "ASSETS"
	case number >= 3000 && number < 4000:
		typ = "OPERATING_REVENUES"
	case number >= 4000:
		typ = "OPERATING_EXPENSES"
	}
	a := st.addAccount(Account{Number: int(number), Name: name, Type: typ, LedgerType: "GENERAL"})
	return &result{status: 201, value: st.accountJSON(a)}, nil
}

// searchAccounts is GET /ledger/account with the id, number (comma list),
// isBankAccount, ledgerType and isInactive filters.
func searchAccounts(c *call) (*result, *apiError) {
	st := c.s.st
	ids, numbers := queryIDs(c.query.Get("id")), queryIDs(c.query.Get("number"))
	var out []map[string]any
	for _, a := range st.accounts {
		if c.query.Get("id") != "" && !containsID(ids, a.ID) {
			continue
		}
		if c.query.Get("number") != "" && !containsID(numbers, int64(a.Number)) {
			continue
		}
		if v := c.query.Get("isBankAccount"); v != "" && queryBool(c, "isBankAccount", false) != a.IsBankAccount {
			continue
		}
		if v := c.query.Get("ledgerType"); v != "" && v != a.LedgerType {
			continue
		}
		if queryBool(c, "isInactive", false) {
			continue // no inactive accounts are seeded
		}
		out = append(out, st.accountJSON(a))
	}
	return list(out)
}

func getVatType(c *call) (*result, *apiError) {
	v := c.s.st.vatType(pathID(c, "id"))
	if v == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.vatTypeJSON(v))
}

// searchVatTypes is GET /ledger/vatType: id and number list filters;
// typeOfVat=OUTGOING lists only the codes the company has activated,
// INCOMING the deductible codes.
func searchVatTypes(c *call) (*result, *apiError) {
	st := c.s.st
	ids, numbers := c.query.Get("id"), c.query.Get("number")
	var out []map[string]any
	for _, v := range st.vatTypes {
		if ids != "" && !containsID(queryIDs(ids), v.ID) {
			continue
		}
		if numbers != "" && !containsString(strings.Split(numbers, ","), v.Number) {
			continue
		}
		switch c.query.Get("typeOfVat") {
		case "OUTGOING":
			if !activeOutgoing[v.ID] {
				continue
			}
		case "INCOMING", "INCOMING_INVOICE":
			if v.Kind != "INCOMING" {
				continue
			}
		}
		out = append(out, st.vatTypeJSON(v))
	}
	return list(out)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

func getPaymentType(c *call) (*result, *apiError) {
	p := c.s.st.paymentType(pathID(c, "id"))
	if p == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.paymentTypeJSON(p))
}

// searchPaymentTypes is GET /invoice/paymentType: id list, description
// (containing) and query filters.
func searchPaymentTypes(c *call) (*result, *apiError) {
	st := c.s.st
	var out []map[string]any
	for _, p := range st.paymentTypes {
		if ids := c.query.Get("id"); ids != "" && !containsID(queryIDs(ids), p.ID) {
			continue
		}
		if d := c.query.Get("description"); d != "" && !containsFold(p.Description, d) {
			continue
		}
		if q := c.query.Get("query"); q != "" && !containsFold(p.Description, q) {
			continue
		}
		out = append(out, st.paymentTypeJSON(p))
	}
	return list(out)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func getVoucherType(c *call) (*result, *apiError) {
	v := c.s.st.voucherType(pathID(c, "id"))
	if v == nil {
		return nil, notFoundError()
	}
	return one(c.s.st.voucherTypeJSON(v))
}

// searchVoucherTypes is GET /ledger/voucherType?name= (containing).
func searchVoucherTypes(c *call) (*result, *apiError) {
	st := c.s.st
	var out []map[string]any
	for _, v := range st.voucherTypes {
		if n := c.query.Get("name"); n != "" && !containsFold(v.Name, n) {
			continue
		}
		out = append(out, st.voucherTypeJSON(v))
	}
	return list(out)
}
