package plugin

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Conversions between core values and their wire messages. The encoders
// (…ToPB) never fail. The decoders (…FromPB) accept nil messages as zero
// values and never panic; the only wire content they reject is a decimal
// string that does not parse, reported through a decoder as a field error
// with a JSON path ("lines[2].quantity").
//
// Round trips are lossless: every field, nil versus empty slices and maps
// (through the *_present flags), decimal values with their number of decimal
// places, and instants (which arrive in UTC; the zero time stays zero).

// decoder collects the field errors of one decode.
type decoder struct {
	errs []core.FieldError
}

// err returns nil when every field decoded, else an invalid error naming the
// bad fields.
func (d *decoder) err(message string) error {
	return core.Invalid(message, d.errs...)
}

// decimal parses a wire decimal; "" is zero.
func (d *decoder) decimal(path, s string) decimal.Decimal {
	if s == "" {
		return decimal.Decimal{}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		d.errs = append(d.errs, core.FieldError{Field: path, Message: fmt.Sprintf("%q is not a decimal number", s)})
		return decimal.Decimal{}
	}
	return v
}

// formatDecimal renders v with exactly its number of decimal places, so
// "1.500" stays "1.500" rather than becoming "1.5".
func formatDecimal(v decimal.Decimal) string {
	if e := v.Exponent(); e < 0 {
		return v.StringFixed(-e)
	}
	return v.String()
}

func indexPath(prefix, list string, i int, field string) string {
	p := list + "[" + strconv.Itoa(i) + "]." + field
	if prefix != "" {
		p = prefix + "." + p
	}
	return p
}

func timeToPB(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeFromPB(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// sliceFromPB maps a wire list to a Go slice: nil when the list is empty and
// not marked present.
func sliceFromPB[P any, T any](in []P, present bool, conv func(int, P) T) []T {
	if len(in) == 0 && !present {
		return nil
	}
	out := make([]T, len(in))
	for i, p := range in {
		out[i] = conv(i, p)
	}
	return out
}

func sliceToPB[T any, P any](in []T, conv func(T) P) []P {
	if len(in) == 0 {
		return nil
	}
	out := make([]P, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	return out
}

func stringsFromPB(in []string, present bool) []string {
	return sliceFromPB(in, present, func(_ int, s string) string { return s })
}

func stringsToPB(in []string) []string {
	return sliceToPB(in, func(s string) string { return s })
}

func mapFromPB(in map[string]string, present bool) map[string]string {
	if len(in) == 0 && !present {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func mapToPB(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// ------------------------------------------------------------- errors

// errorToPB converts any error to its wire form; foreign errors become
// internal errors carrying their text.
func errorToPB(err error) *pb.Error {
	e := core.AsError(err)
	if e == nil {
		return nil
	}
	return &pb.Error{
		Code:         string(e.Code),
		Message:      e.Message,
		Fields:       sliceToPB(e.Fields, fieldErrorToPB),
		RetryAfterMs: durationToMillis(e.RetryAfter),
		Syntax:       e.Syntax,
	}
}

// durationToMillis rounds up, so a positive RetryAfter never becomes zero.
func durationToMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func fieldErrorToPB(f core.FieldError) *pb.FieldError {
	return &pb.FieldError{Field: f.Field, Message: f.Message}
}

// errorFromPB converts a wire error back. A nil message yields nil.
func errorFromPB(p *pb.Error) *core.Error {
	if p == nil {
		return nil
	}
	e := &core.Error{
		Code:       core.ErrorCode(p.GetCode()),
		Message:    p.GetMessage(),
		RetryAfter: time.Duration(p.GetRetryAfterMs()) * time.Millisecond,
		Syntax:     p.GetSyntax(),
	}
	e.Fields = sliceFromPB(p.GetFields(), false, func(_ int, f *pb.FieldError) core.FieldError {
		return core.FieldError{Field: f.GetField(), Message: f.GetMessage()}
	})
	return e
}

// --------------------------------------------------------- descriptor

func descriptorToPB(d core.Descriptor) *pb.Descriptor {
	out := &pb.Descriptor{
		Name:        d.Name,
		DisplayName: d.DisplayName,
		Version:     d.Version,
		Auth: &pb.AuthScheme{
			Type:          string(d.Auth.Type),
			Fields:        sliceToPB(d.Auth.Fields, authFieldToPB),
			FieldsPresent: d.Auth.Fields != nil,
		},
		Capabilities: &pb.Capabilities{
			OwnsCustomers:                   d.Capabilities.OwnsCustomers,
			AdjustableCustomerFields:        stringsToPB(d.Capabilities.AdjustableCustomerFields),
			AdjustableCustomerFieldsPresent: d.Capabilities.AdjustableCustomerFields != nil,
			Invoices:                        d.Capabilities.Invoices,
			Drafts:                          d.Capabilities.Drafts,
			RoutesCharges:                   d.Capabilities.RoutesCharges,
			CreditInvoices:                  d.Capabilities.CreditInvoices,
			CollectiveInvoices:              d.Capabilities.CollectiveInvoices,
			Pdf:                             d.Capabilities.PDF,
			Ubl:                             d.Capabilities.UBL,
			SalesExport:                     d.Capabilities.SalesExport,
			LedgerAccounts:                  d.Capabilities.LedgerAccounts,
		},
	}
	if o := d.Auth.OAuth2; o != nil {
		out.Auth.Oauth2 = &pb.OAuth2Endpoints{
			AuthorizeUrl:  o.AuthorizeURL,
			TokenUrl:      o.TokenURL,
			Scopes:        stringsToPB(o.Scopes),
			ScopesPresent: o.Scopes != nil,
		}
	}
	return out
}

func authFieldToPB(f core.AuthField) *pb.AuthField {
	return &pb.AuthField{Name: f.Name, Label: f.Label, Secret: f.Secret}
}

func descriptorFromPB(p *pb.Descriptor) core.Descriptor {
	a, c := p.GetAuth(), p.GetCapabilities()
	d := core.Descriptor{
		Name:        p.GetName(),
		DisplayName: p.GetDisplayName(),
		Version:     p.GetVersion(),
		Auth: core.AuthScheme{
			Type: core.AuthType(a.GetType()),
			Fields: sliceFromPB(a.GetFields(), a.GetFieldsPresent(), func(_ int, f *pb.AuthField) core.AuthField {
				return core.AuthField{Name: f.GetName(), Label: f.GetLabel(), Secret: f.GetSecret()}
			}),
		},
		Capabilities: core.Capabilities{
			OwnsCustomers:            c.GetOwnsCustomers(),
			AdjustableCustomerFields: stringsFromPB(c.GetAdjustableCustomerFields(), c.GetAdjustableCustomerFieldsPresent()),
			Invoices:                 c.GetInvoices(),
			Drafts:                   c.GetDrafts(),
			RoutesCharges:            c.GetRoutesCharges(),
			CreditInvoices:           c.GetCreditInvoices(),
			CollectiveInvoices:       c.GetCollectiveInvoices(),
			PDF:                      c.GetPdf(),
			UBL:                      c.GetUbl(),
			SalesExport:              c.GetSalesExport(),
			LedgerAccounts:           c.GetLedgerAccounts(),
		},
	}
	if o := a.GetOauth2(); o != nil {
		d.Auth.OAuth2 = &core.OAuth2Endpoints{
			AuthorizeURL: o.GetAuthorizeUrl(),
			TokenURL:     o.GetTokenUrl(),
			Scopes:       stringsFromPB(o.GetScopes(), o.GetScopesPresent()),
		}
	}
	return d
}

// --------------------------------------------------------- connection

func connectionToPB(c core.Connection) *pb.Connection {
	return &pb.Connection{
		MerchantId:         c.MerchantID,
		Country:            string(c.Country),
		Currency:           string(c.Currency),
		Settings:           mapToPB(c.Settings),
		SettingsPresent:    c.Settings != nil,
		Credentials:        mapToPB(c.Credentials),
		CredentialsPresent: c.Credentials != nil,
	}
}

func connectionFromPB(p *pb.Connection) core.Connection {
	return core.Connection{
		MerchantID:  p.GetMerchantId(),
		Country:     core.Country(p.GetCountry()),
		Currency:    core.Currency(p.GetCurrency()),
		Settings:    mapFromPB(p.GetSettings(), p.GetSettingsPresent()),
		Credentials: mapFromPB(p.GetCredentials(), p.GetCredentialsPresent()),
	}
}

// ---------------------------------------------------------- customers

func addressToPB(a core.Address) *pb.Address {
	return &pb.Address{Line1: a.Line1, Line2: a.Line2, PostalCode: a.PostalCode, City: a.City, Country: a.Country}
}

func addressFromPB(p *pb.Address) core.Address {
	return core.Address{
		Line1:      p.GetLine1(),
		Line2:      p.GetLine2(),
		PostalCode: p.GetPostalCode(),
		City:       p.GetCity(),
		Country:    p.GetCountry(),
	}
}

func collectiveToPB(c core.CollectiveInvoicing) *pb.CollectiveInvoicing {
	return &pb.CollectiveInvoicing{Enabled: c.Enabled, DayOfMonth: int64(c.DayOfMonth), Threshold: c.Threshold}
}

func collectiveFromPB(p *pb.CollectiveInvoicing) core.CollectiveInvoicing {
	return core.CollectiveInvoicing{Enabled: p.GetEnabled(), DayOfMonth: int(p.GetDayOfMonth()), Threshold: p.GetThreshold()}
}

func customerToPB(c core.Customer) *pb.Customer {
	return &pb.Customer{
		Id:                  c.ID,
		Number:              c.Number,
		Name:                c.Name,
		OrganizationNumber:  c.OrganizationNumber,
		Email:               c.Email,
		Phone:               c.Phone,
		BillingAddress:      addressToPB(c.BillingAddress),
		Active:              c.Active,
		InvoicingEnabled:    c.InvoicingEnabled,
		DueDays:             int64(c.DueDays),
		ParentCustomerId:    c.ParentCustomerID,
		PurchaseInstruction: c.PurchaseInstruction,
		CollectiveInvoicing: collectiveToPB(c.CollectiveInvoicing),
		CreatedAt:           timeToPB(c.CreatedAt),
		UpdatedAt:           timeToPB(c.UpdatedAt),
		VatNumber:           c.VATNumber,
		PeppolId:            c.PeppolID,
		BuyerReference:      c.BuyerReference,
		InvoiceDelivery:     string(c.InvoiceDelivery),
	}
}

func customerFromPB(p *pb.Customer) core.Customer {
	return core.Customer{
		ID:                  p.GetId(),
		Number:              p.GetNumber(),
		Name:                p.GetName(),
		OrganizationNumber:  p.GetOrganizationNumber(),
		Email:               p.GetEmail(),
		Phone:               p.GetPhone(),
		BillingAddress:      addressFromPB(p.GetBillingAddress()),
		Active:              p.GetActive(),
		InvoicingEnabled:    p.GetInvoicingEnabled(),
		DueDays:             int(p.GetDueDays()),
		ParentCustomerID:    p.GetParentCustomerId(),
		PurchaseInstruction: p.GetPurchaseInstruction(),
		CollectiveInvoicing: collectiveFromPB(p.GetCollectiveInvoicing()),
		CreatedAt:           timeFromPB(p.GetCreatedAt()),
		UpdatedAt:           timeFromPB(p.GetUpdatedAt()),
		VATNumber:           p.GetVatNumber(),
		PeppolID:            p.GetPeppolId(),
		BuyerReference:      p.GetBuyerReference(),
		InvoiceDelivery:     core.InvoiceDelivery(p.GetInvoiceDelivery()),
	}
}

func customersFromPB(in []*pb.Customer, present bool) []core.Customer {
	return sliceFromPB(in, present, func(_ int, c *pb.Customer) core.Customer { return customerFromPB(c) })
}

// copyPtr returns a pointer to a copy of *p, or nil, so the two sides never
// share memory.
func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func patchToPB(p core.CustomerPatch) *pb.CustomerPatch {
	out := &pb.CustomerPatch{
		Name:                copyPtr(p.Name),
		OrganizationNumber:  copyPtr(p.OrganizationNumber),
		Email:               copyPtr(p.Email),
		Phone:               copyPtr(p.Phone),
		Active:              copyPtr(p.Active),
		InvoicingEnabled:    copyPtr(p.InvoicingEnabled),
		ParentCustomerId:    copyPtr(p.ParentCustomerID),
		PurchaseInstruction: copyPtr(p.PurchaseInstruction),
		VatNumber:           copyPtr(p.VATNumber),
		PeppolId:            copyPtr(p.PeppolID),
		BuyerReference:      copyPtr(p.BuyerReference),
	}
	if p.BillingAddress != nil {
		out.BillingAddress = addressToPB(*p.BillingAddress)
	}
	if p.InvoiceDelivery != nil {
		v := string(*p.InvoiceDelivery)
		out.InvoiceDelivery = &v
	}
	if p.DueDays != nil {
		v := int64(*p.DueDays)
		out.DueDays = &v
	}
	if p.CollectiveInvoicing != nil {
		out.CollectiveInvoicing = collectiveToPB(*p.CollectiveInvoicing)
	}
	return out
}

func patchFromPB(p *pb.CustomerPatch) core.CustomerPatch {
	if p == nil {
		return core.CustomerPatch{}
	}
	out := core.CustomerPatch{
		Name:                copyPtr(p.Name),
		OrganizationNumber:  copyPtr(p.OrganizationNumber),
		Email:               copyPtr(p.Email),
		Phone:               copyPtr(p.Phone),
		Active:              copyPtr(p.Active),
		InvoicingEnabled:    copyPtr(p.InvoicingEnabled),
		ParentCustomerID:    copyPtr(p.ParentCustomerId),
		PurchaseInstruction: copyPtr(p.PurchaseInstruction),
		VATNumber:           copyPtr(p.VatNumber),
		PeppolID:            copyPtr(p.PeppolId),
		BuyerReference:      copyPtr(p.BuyerReference),
	}
	if p.BillingAddress != nil {
		a := addressFromPB(p.BillingAddress)
		out.BillingAddress = &a
	}
	if p.InvoiceDelivery != nil {
		v := core.InvoiceDelivery(*p.InvoiceDelivery)
		out.InvoiceDelivery = &v
	}
	if p.DueDays != nil {
		v := int(*p.DueDays)
		out.DueDays = &v
	}
	if p.CollectiveInvoicing != nil {
		c := collectiveFromPB(p.CollectiveInvoicing)
		out.CollectiveInvoicing = &c
	}
	return out
}

func customerQueryToPB(q core.CustomerQuery) *pb.CustomerQuery {
	return &pb.CustomerQuery{Q: q.Q, Limit: int64(q.Limit), Cursor: q.Cursor, Refresh: q.Refresh}
}

func customerQueryFromPB(p *pb.CustomerQuery) core.CustomerQuery {
	return core.CustomerQuery{Q: p.GetQ(), Limit: int(p.GetLimit()), Cursor: p.GetCursor(), Refresh: p.GetRefresh()}
}

// customerSyncToPB is nil for nil: no refresh was made.
func customerSyncToPB(s *core.CustomerSync) *pb.CustomerSync {
	if s == nil {
		return nil
	}
	return &pb.CustomerSync{Customers: int64(s.Customers), Added: int64(s.Added), Updated: int64(s.Updated), Removed: int64(s.Removed)}
}

func customerSyncFromPB(p *pb.CustomerSync) *core.CustomerSync {
	if p == nil {
		return nil
	}
	return &core.CustomerSync{Customers: int(p.GetCustomers()), Added: int(p.GetAdded()), Updated: int(p.GetUpdated()), Removed: int(p.GetRemoved())}
}

// ----------------------------------------------------------- invoices

func vatAmountToPB(v core.VATAmount) *pb.VATAmount {
	return &pb.VATAmount{VatRate: formatDecimal(v.VATRate), Net: v.Net, Vat: v.VAT}
}

func (d *decoder) vatAmounts(prefix string, in []*pb.VATAmount, present bool) []core.VATAmount {
	return sliceFromPB(in, present, func(i int, p *pb.VATAmount) core.VATAmount {
		return core.VATAmount{
			VATRate: d.decimal(indexPath(prefix, "vat_breakdown", i, "vat_rate"), p.GetVatRate()),
			Net:     p.GetNet(),
			VAT:     p.GetVat(),
		}
	})
}

func invoiceLineToPB(l core.InvoiceLine) *pb.InvoiceLine {
	return &pb.InvoiceLine{
		Description:  l.Description,
		ProductGroup: l.ProductGroup,
		Quantity:     formatDecimal(l.Quantity),
		UnitPrice:    l.UnitPrice,
		VatRate:      formatDecimal(l.VATRate),
		Takeaway:     l.Takeaway,
		Net:          l.Net,
		Vat:          l.VAT,
		Total:        l.Total,
		OrderId:      l.OrderID,
	}
}

func (d *decoder) invoiceLines(prefix string, in []*pb.InvoiceLine, present bool) []core.InvoiceLine {
	return sliceFromPB(in, present, func(i int, p *pb.InvoiceLine) core.InvoiceLine {
		return core.InvoiceLine{
			Description:  p.GetDescription(),
			ProductGroup: p.GetProductGroup(),
			Quantity:     d.decimal(indexPath(prefix, "lines", i, "quantity"), p.GetQuantity()),
			UnitPrice:    p.GetUnitPrice(),
			VATRate:      d.decimal(indexPath(prefix, "lines", i, "vat_rate"), p.GetVatRate()),
			Takeaway:     p.GetTakeaway(),
			Net:          p.GetNet(),
			VAT:          p.GetVat(),
			Total:        p.GetTotal(),
			OrderID:      p.GetOrderId(),
		}
	})
}

func invoiceToPB(inv core.Invoice) *pb.Invoice {
	return &pb.Invoice{
		Id:                      inv.ID,
		Number:                  inv.Number,
		Kind:                    string(inv.Kind),
		Status:                  string(inv.Status),
		InvoiceDate:             string(inv.InvoiceDate),
		DueDate:                 string(inv.DueDate),
		CustomerId:              inv.CustomerID,
		CustomerName:            inv.CustomerName,
		Reference:               inv.Reference,
		Comment:                 inv.Comment,
		Currency:                string(inv.Currency),
		NetTotal:                inv.NetTotal,
		VatTotal:                inv.VATTotal,
		Total:                   inv.Total,
		VatBreakdown:            sliceToPB(inv.VATBreakdown, vatAmountToPB),
		VatBreakdownPresent:     inv.VATBreakdown != nil,
		Ocr:                     inv.OCR,
		PaidAt:                  string(inv.PaidAt),
		CreditsInvoiceId:        inv.CreditsInvoiceID,
		CreditsInvoiceNumber:    inv.CreditsInvoiceNumber,
		Rounding:                inv.Rounding,
		PaidAmount:              inv.PaidAmount,
		OutstandingAmount:       inv.OutstandingAmount,
		Lines:                   sliceToPB(inv.Lines, invoiceLineToPB),
		LinesPresent:            inv.Lines != nil,
		EmailStatus:             inv.EmailStatus,
		EmailError:              inv.EmailError,
		EinvoiceStatus:          inv.EInvoiceStatus,
		EinvoiceError:           inv.EInvoiceError,
		Provider:                inv.Provider,
		ProviderRef:             inv.ProviderRef,
		ExternalRef:             inv.ExternalRef,
		LocationId:              inv.LocationID,
		ReceiptId:               inv.ReceiptID,
		OrderedByCustomerId:     inv.OrderedByCustomerID,
		OrderIds:                stringsToPB(inv.OrderIDs),
		OrderIdsPresent:         inv.OrderIDs != nil,
		CreditInvoiceIds:        stringsToPB(inv.CreditInvoiceIDs),
		CreditInvoiceIdsPresent: inv.CreditInvoiceIDs != nil,
		CreatedAt:               timeToPB(inv.CreatedAt),
		VatTreatment:            string(inv.VATTreatment),
	}
}

// invoice decodes an invoice; prefix is the JSON path of the invoice
// ("invoices[3]") or "" for a top-level invoice.
func (d *decoder) invoice(prefix string, p *pb.Invoice) core.Invoice {
	return core.Invoice{
		ID:                   p.GetId(),
		Number:               p.GetNumber(),
		Kind:                 core.InvoiceKind(p.GetKind()),
		Status:               core.InvoiceStatus(p.GetStatus()),
		InvoiceDate:          core.Date(p.GetInvoiceDate()),
		DueDate:              core.Date(p.GetDueDate()),
		CustomerID:           p.GetCustomerId(),
		CustomerName:         p.GetCustomerName(),
		Reference:            p.GetReference(),
		Comment:              p.GetComment(),
		Currency:             core.Currency(p.GetCurrency()),
		NetTotal:             p.GetNetTotal(),
		VATTotal:             p.GetVatTotal(),
		Total:                p.GetTotal(),
		VATBreakdown:         d.vatAmounts(prefix, p.GetVatBreakdown(), p.GetVatBreakdownPresent()),
		OCR:                  p.GetOcr(),
		PaidAt:               core.Date(p.GetPaidAt()),
		CreditsInvoiceID:     p.GetCreditsInvoiceId(),
		CreditsInvoiceNumber: p.GetCreditsInvoiceNumber(),
		Rounding:             p.GetRounding(),
		PaidAmount:           p.GetPaidAmount(),
		OutstandingAmount:    p.GetOutstandingAmount(),
		Lines:                d.invoiceLines(prefix, p.GetLines(), p.GetLinesPresent()),
		EmailStatus:          p.GetEmailStatus(),
		EmailError:           p.GetEmailError(),
		EInvoiceStatus:       p.GetEinvoiceStatus(),
		EInvoiceError:        p.GetEinvoiceError(),
		Provider:             p.GetProvider(),
		ProviderRef:          p.GetProviderRef(),
		ExternalRef:          p.GetExternalRef(),
		LocationID:           p.GetLocationId(),
		ReceiptID:            p.GetReceiptId(),
		OrderedByCustomerID:  p.GetOrderedByCustomerId(),
		OrderIDs:             stringsFromPB(p.GetOrderIds(), p.GetOrderIdsPresent()),
		CreditInvoiceIDs:     stringsFromPB(p.GetCreditInvoiceIds(), p.GetCreditInvoiceIdsPresent()),
		CreatedAt:            timeFromPB(p.GetCreatedAt()),
		VATTreatment:         core.VATTreatment(p.GetVatTreatment()),
	}
}

func (d *decoder) invoices(in []*pb.Invoice, present bool) []core.Invoice {
	return sliceFromPB(in, present, func(i int, p *pb.Invoice) core.Invoice {
		return d.invoice("invoices["+strconv.Itoa(i)+"]", p)
	})
}

func invoiceRequestToPB(r core.InvoiceRequest) *pb.InvoiceRequest {
	return &pb.InvoiceRequest{
		Draft:               r.Draft,
		Route:               r.Route,
		ExternalRef:         r.ExternalRef,
		CustomerId:          r.CustomerID,
		OrderedBy:           r.OrderedBy,
		InvoiceDate:         string(r.InvoiceDate),
		Reference:           r.Reference,
		Comment:             r.Comment,
		Currency:            string(r.Currency),
		LocationId:          r.LocationID,
		ReceiptId:           r.ReceiptID,
		Lines:               sliceToPB(r.Lines, invoiceLineToPB),
		LinesPresent:        r.Lines != nil,
		VatBreakdown:        sliceToPB(r.VATBreakdown, vatAmountToPB),
		VatBreakdownPresent: r.VATBreakdown != nil,
		NetTotal:            r.NetTotal,
		VatTotal:            r.VATTotal,
		Total:               r.Total,
		VatTreatment:        string(r.VATTreatment),
	}
}

func (d *decoder) invoiceRequest(p *pb.InvoiceRequest) core.InvoiceRequest {
	return core.InvoiceRequest{
		Draft:        p.GetDraft(),
		Route:        p.GetRoute(),
		ExternalRef:  p.GetExternalRef(),
		CustomerID:   p.GetCustomerId(),
		OrderedBy:    p.GetOrderedBy(),
		InvoiceDate:  core.Date(p.GetInvoiceDate()),
		Reference:    p.GetReference(),
		Comment:      p.GetComment(),
		Currency:     core.Currency(p.GetCurrency()),
		LocationID:   p.GetLocationId(),
		ReceiptID:    p.GetReceiptId(),
		Lines:        d.invoiceLines("", p.GetLines(), p.GetLinesPresent()),
		VATBreakdown: d.vatAmounts("", p.GetVatBreakdown(), p.GetVatBreakdownPresent()),
		NetTotal:     p.GetNetTotal(),
		VATTotal:     p.GetVatTotal(),
		Total:        p.GetTotal(),
		VATTreatment: core.VATTreatment(p.GetVatTreatment()),
	}
}

func creditRequestToPB(r core.CreditRequest) *pb.CreditRequest {
	return &pb.CreditRequest{
		Void:         r.Void,
		ExternalRef:  r.ExternalRef,
		InvoiceId:    r.InvoiceID,
		Date:         string(r.Date),
		Lines:        creditLinesToPB(r.Lines),
		LinesPresent: r.Lines != nil,
	}
}

func (d *decoder) creditRequest(p *pb.CreditRequest) core.CreditRequest {
	return core.CreditRequest{
		Void:        p.GetVoid(),
		ExternalRef: p.GetExternalRef(),
		InvoiceID:   p.GetInvoiceId(),
		Date:        core.Date(p.GetDate()),
		Lines:       d.creditLines(p.GetLines(), p.GetLinesPresent()),
	}
}

// creditLinesToPB and decoder.creditLines carry the lines of a credit and
// of an order refund alike.
func creditLinesToPB(lines []core.CreditLine) []*pb.CreditLine {
	return sliceToPB(lines, func(l core.CreditLine) *pb.CreditLine {
		return &pb.CreditLine{Line: int64(l.Line), Quantity: formatDecimal(l.Quantity)}
	})
}

func (d *decoder) creditLines(in []*pb.CreditLine, present bool) []core.CreditLine {
	return sliceFromPB(in, present, func(i int, l *pb.CreditLine) core.CreditLine {
		return core.CreditLine{Line: int(l.GetLine()), Quantity: d.decimal(indexPath("", "lines", i, "quantity"), l.GetQuantity())}
	})
}

func orderRefundRequestToPB(conn core.Connection, r core.OrderRefundRequest) *pb.RefundOrderRequest {
	return &pb.RefundOrderRequest{
		Connection:   connectionToPB(conn),
		ExternalRef:  r.ExternalRef,
		OrderId:      r.OrderID,
		Lines:        creditLinesToPB(r.Lines),
		LinesPresent: r.Lines != nil,
	}
}

func (d *decoder) orderRefundRequest(p *pb.RefundOrderRequest) core.OrderRefundRequest {
	return core.OrderRefundRequest{
		ExternalRef: p.GetExternalRef(),
		OrderID:     p.GetOrderId(),
		Lines:       d.creditLines(p.GetLines(), p.GetLinesPresent()),
	}
}

func invoiceQueryToPB(q core.InvoiceQuery) *pb.InvoiceQuery {
	return &pb.InvoiceQuery{
		From:       string(q.From),
		To:         string(q.To),
		Status:     string(q.Status),
		CustomerId: q.CustomerID,
		Sort:       q.Sort,
		Desc:       q.Desc,
		Limit:      int64(q.Limit),
		Cursor:     q.Cursor,
		Today:      string(q.Today),
	}
}

func invoiceQueryFromPB(p *pb.InvoiceQuery) core.InvoiceQuery {
	return core.InvoiceQuery{
		From:       core.Date(p.GetFrom()),
		To:         core.Date(p.GetTo()),
		Status:     core.InvoiceStatus(p.GetStatus()),
		CustomerID: p.GetCustomerId(),
		Sort:       p.GetSort(),
		Desc:       p.GetDesc(),
		Limit:      int(p.GetLimit()),
		Cursor:     p.GetCursor(),
		Today:      core.Date(p.GetToday()),
	}
}

func documentToPB(doc core.Document) *pb.Document {
	out := &pb.Document{ContentType: doc.ContentType, Filename: doc.Filename}
	if doc.Data != nil {
		out.Data = append([]byte{}, doc.Data...)
	}
	return out
}

func documentFromPB(p *pb.Document) core.Document {
	doc := core.Document{ContentType: p.GetContentType(), Filename: p.GetFilename()}
	if p.GetData() != nil {
		doc.Data = append([]byte{}, p.GetData()...)
	}
	return doc
}

// ------------------------------------------------------------- orders

func orderToPB(o core.Order) *pb.Order {
	return &pb.Order{
		Id:                  o.ID,
		CustomerId:          o.CustomerID,
		CustomerName:        o.CustomerName,
		Status:              o.Status,
		OrderDate:           string(o.OrderDate),
		Reference:           o.Reference,
		Comment:             o.Comment,
		Currency:            string(o.Currency),
		NetTotal:            o.NetTotal,
		VatTotal:            o.VATTotal,
		Total:               o.Total,
		VatBreakdown:        sliceToPB(o.VATBreakdown, vatAmountToPB),
		VatBreakdownPresent: o.VATBreakdown != nil,
		Lines:               sliceToPB(o.Lines, invoiceLineToPB),
		LinesPresent:        o.Lines != nil,
		InvoiceId:           o.InvoiceID,
		LocationId:          o.LocationID,
		ReceiptId:           o.ReceiptID,
		ExternalRef:         o.ExternalRef,
		CreatedAt:           timeToPB(o.CreatedAt),
	}
}

// order decodes an order; prefix is the JSON path of the order
// ("orders[3]") or "" for a top-level order.
func (d *decoder) order(prefix string, p *pb.Order) core.Order {
	return core.Order{
		ID:           p.GetId(),
		CustomerID:   p.GetCustomerId(),
		CustomerName: p.GetCustomerName(),
		Status:       p.GetStatus(),
		OrderDate:    core.Date(p.GetOrderDate()),
		Reference:    p.GetReference(),
		Comment:      p.GetComment(),
		Currency:     core.Currency(p.GetCurrency()),
		NetTotal:     p.GetNetTotal(),
		VATTotal:     p.GetVatTotal(),
		Total:        p.GetTotal(),
		VATBreakdown: d.vatAmounts(prefix, p.GetVatBreakdown(), p.GetVatBreakdownPresent()),
		Lines:        d.invoiceLines(prefix, p.GetLines(), p.GetLinesPresent()),
		InvoiceID:    p.GetInvoiceId(),
		LocationID:   p.GetLocationId(),
		ReceiptID:    p.GetReceiptId(),
		ExternalRef:  p.GetExternalRef(),
		CreatedAt:    timeFromPB(p.GetCreatedAt()),
	}
}

func (d *decoder) orders(in []*pb.Order, present bool) []core.Order {
	return sliceFromPB(in, present, func(i int, p *pb.Order) core.Order {
		return d.order("orders["+strconv.Itoa(i)+"]", p)
	})
}

func orderQueryToPB(q core.OrderQuery) *pb.OrderQuery {
	return &pb.OrderQuery{CustomerId: q.CustomerID, Status: q.Status, Limit: int64(q.Limit), Cursor: q.Cursor}
}

func orderQueryFromPB(p *pb.OrderQuery) core.OrderQuery {
	return core.OrderQuery{CustomerID: p.GetCustomerId(), Status: p.GetStatus(), Limit: int(p.GetLimit()), Cursor: p.GetCursor()}
}

func collectiveRequestToPB(r core.CollectiveRequest) *pb.CollectiveRequest {
	return &pb.CollectiveRequest{
		ExternalRef:      r.ExternalRef,
		CustomerId:       r.CustomerID,
		BillToCustomerId: r.BillToCustomerID,
		InvoiceDate:      string(r.InvoiceDate),
		OrdersBefore:     string(r.OrdersBefore),
	}
}

func collectiveRequestFromPB(p *pb.CollectiveRequest) core.CollectiveRequest {
	return core.CollectiveRequest{
		ExternalRef:      p.GetExternalRef(),
		CustomerID:       p.GetCustomerId(),
		BillToCustomerID: p.GetBillToCustomerId(),
		InvoiceDate:      core.Date(p.GetInvoiceDate()),
		OrdersBefore:     core.Date(p.GetOrdersBefore()),
	}
}

// ------------------------------------------------------------- ledger

func ledgerAccountToPB(a core.LedgerAccount) *pb.LedgerAccount {
	return &pb.LedgerAccount{
		Number:                 a.Number,
		Name:                   a.Name,
		Active:                 a.Active,
		LockedVatCode:          a.LockedVATCode,
		AllowedVatCodes:        stringsToPB(a.AllowedVATCodes),
		AllowedVatCodesPresent: a.AllowedVATCodes != nil,
	}
}

func ledgerAccountFromPB(p *pb.LedgerAccount) core.LedgerAccount {
	return core.LedgerAccount{
		Number:          p.GetNumber(),
		Name:            p.GetName(),
		Active:          p.GetActive(),
		LockedVATCode:   p.GetLockedVatCode(),
		AllowedVATCodes: stringsFromPB(p.GetAllowedVatCodes(), p.GetAllowedVatCodesPresent()),
	}
}

func ledgerAccountsFromPB(in []*pb.LedgerAccount, present bool) []core.LedgerAccount {
	return sliceFromPB(in, present, func(_ int, p *pb.LedgerAccount) core.LedgerAccount { return ledgerAccountFromPB(p) })
}

func vatCodeToPB(c core.VATCode) *pb.VATCode {
	return &pb.VATCode{Code: c.Code, Name: c.Name, Rate: formatDecimal(c.Rate), Account: c.Account}
}

func (d *decoder) vatCodes(in []*pb.VATCode, present bool) []core.VATCode {
	return sliceFromPB(in, present, func(i int, p *pb.VATCode) core.VATCode {
		return core.VATCode{Code: p.GetCode(), Name: p.GetName(), Rate: d.decimal(indexPath("", "vat_codes", i, "rate"), p.GetRate()), Account: p.GetAccount()}
	})
}

func paymentTypeToPB(t core.PaymentType) *pb.PaymentType {
	return &pb.PaymentType{Id: t.ID, Name: t.Name, AccountNumber: t.AccountNumber}
}

func paymentTypesFromPB(in []*pb.PaymentType, present bool) []core.PaymentType {
	return sliceFromPB(in, present, func(_ int, p *pb.PaymentType) core.PaymentType {
		return core.PaymentType{ID: p.GetId(), Name: p.GetName(), AccountNumber: p.GetAccountNumber()}
	})
}

func postingToPB(p core.Posting) *pb.Posting {
	return &pb.Posting{
		Account:     p.Account,
		Amount:      p.Amount,
		VatCode:     p.VATCode,
		Description: p.Description,
		CustomerId:  p.CustomerID,
	}
}

func voucherToPB(v core.Voucher) *pb.Voucher {
	return &pb.Voucher{
		ExternalRef:     v.ExternalRef,
		Date:            string(v.Date),
		Description:     v.Description,
		Currency:        string(v.Currency),
		Postings:        sliceToPB(v.Postings, postingToPB),
		PostingsPresent: v.Postings != nil,
	}
}

func voucherFromPB(p *pb.Voucher) core.Voucher {
	return core.Voucher{
		ExternalRef: p.GetExternalRef(),
		Date:        core.Date(p.GetDate()),
		Description: p.GetDescription(),
		Currency:    core.Currency(p.GetCurrency()),
		Postings: sliceFromPB(p.GetPostings(), p.GetPostingsPresent(), func(_ int, q *pb.Posting) core.Posting {
			return core.Posting{
				Account:     q.GetAccount(),
				Amount:      q.GetAmount(),
				VATCode:     q.GetVatCode(),
				Description: q.GetDescription(),
				CustomerID:  q.GetCustomerId(),
			}
		}),
	}
}

func exportResultToPB(r core.ExportResult) *pb.ExportResult {
	return &pb.ExportResult{ProviderRef: r.ProviderRef, AlreadyExisted: r.AlreadyExisted}
}

func exportResultFromPB(p *pb.ExportResult) core.ExportResult {
	return core.ExportResult{ProviderRef: p.GetProviderRef(), AlreadyExisted: p.GetAlreadyExisted()}
}
