package plugin

import (
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Conversions of customers, their patches, queries and sync counts.

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
