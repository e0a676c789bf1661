package plugin

import (
	"strconv"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Conversions of invoices, their lines and VAT, requests, queries and
// documents.

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
