package plugin

import (
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Conversions of the bookkeeping role: accounts, VAT codes, payment types,
// vouchers and export results.

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
