package plugin

import (
	"strconv"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Conversions of collective-invoice orders and their requests.

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
