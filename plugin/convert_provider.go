package plugin

import (
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// Conversions of the provider's descriptor and a merchant's connection.

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
