package spiristest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// registerRoutes maps document operations (method + path template with
// parameter names erased) to the mock's handlers. Operations of the document
// without a handler answer 501.
func (s *Server) registerRoutes() {
	s.routes = map[string]handler{
		"GET /companysettings": s.getCompanySettings,

		"GET /fiscalyears":        s.listFiscalYears,
		"GET /fiscalyears/{}":     s.getFiscalYear,
		"GET /accounts":           s.listAllAccounts,
		"POST /accounts":          s.postAccount,
		"GET /accounts/{}":        s.listAccounts,
		"GET /accounts/{}/{}":     s.getAccount,
		"GET /vatcodes":           s.listVatCodes,
		"GET /vatcodes/{}":        s.getVatCode,
		"GET /vouchers":           s.listAllVouchers,
		"POST /vouchers":          s.postVoucher,
		"GET /vouchers/{}":        s.listVouchers,
		"GET /vouchers/{}/{}":     s.getVoucher,
		"GET /termsofpayments":    s.listTerms,
		"GET /termsofpayments/{}": s.getTerms,
		"GET /units":              s.listUnits,
		"GET /units/{}":           s.getUnit,

		"GET /articleaccountcodings":    s.listCodings,
		"GET /articleaccountcodings/{}": s.getCoding,
		"GET /articles":                 s.listArticles,
		"POST /articles":                s.postArticle,
		"GET /articles/{}":              s.getArticle,
		"PUT /articles/{}":              s.putArticle,

		"GET /customers":       s.listCustomers,
		"POST /customers":      s.postCustomer,
		"GET /customers/{}":    s.getCustomer,
		"PUT /customers/{}":    s.putCustomer,
		"DELETE /customers/{}": s.deleteCustomer,

		"GET /customerinvoicedrafts":             s.listDrafts,
		"POST /customerinvoicedrafts":            s.postDraft,
		"GET /customerinvoicedrafts/{}":          s.getDraft,
		"PUT /customerinvoicedrafts/{}":          s.putDraft,
		"DELETE /customerinvoicedrafts/{}":       s.deleteDraft,
		"POST /customerinvoicedrafts/{}/convert": s.convertDraft,
		"GET /customerinvoices":                  s.listInvoices,
		"POST /customerinvoices":                 s.postInvoice,
		"GET /customerinvoices/{}":               s.getInvoice,
		"GET /customerinvoices/{}/pdf":           s.invoicePDFLink,
		"GET /customerinvoices/{}/print":         s.printInvoice,
	}
	for k := range s.routes {
		method, path, _ := strings.Cut(k, " ")
		_ = method
		if !s.spec.hasPattern(path) {
			panic("spiristest: route not in the API document: " + k)
		}
	}
}

func (sp *spec) hasPattern(key string) bool {
	for _, p := range sp.doc.Paths.InMatchingOrder() {
		if patternKey(p) == key {
			return true
		}
	}
	return false
}

// list answers a paged list of items with $filter/$orderby/$page support.
func list[T any](c *reqCtx, items []*T) (int, any, *apiError) {
	lq, err := parseListQuery(c.query)
	if err != nil {
		return 0, nil, err
	}
	if lq.filter != nil {
		var zero T
		sample, _ := json.Marshal(zero)
		var obj map[string]any
		_ = json.Unmarshal(sample, &obj)
		var bad string
		walkFields(lq.filter, func(path string) {
			first, _, _ := strings.Cut(path, "/")
			if _, ok := obj[first]; ok {
				return
			}
			for k := range obj {
				if strings.EqualFold(k, first) {
					return
				}
			}
			if bad == "" {
				bad = first
			}
		})
		if bad != "" {
			return 0, nil, invalid("The query specified in the URI is not valid. Could not find a property named '"+bad+"'.", "$filter")
		}
	}
	raws := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		b, _ := json.Marshal(it)
		raws = append(raws, b)
	}
	out, aerr := lq.apply(raws, c.now)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, out, nil
}

func walkFields(n node, fn func(string)) {
	switch x := n.(type) {
	case field:
		fn(x.path)
	case unary:
		walkFields(x.x, fn)
	case binary:
		walkFields(x.l, fn)
		walkFields(x.r, fn)
	case call:
		for _, a := range x.args {
			walkFields(a, fn)
		}
	}
}

func find[T any](items []*T, match func(*T) bool) *T {
	i := slices.IndexFunc(items, match)
	if i < 0 {
		return nil
	}
	return items[i]
}
