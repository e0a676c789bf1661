// Package coretest holds fixtures that the tests of several packages
// share: a seller and customers complete enough that the built-in
// invoicing may post their invoices (core.CheckInvoiceContent), with valid
// Swedish and Norwegian numbers (research notes §6).
package coretest

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Valid test numbers: Luhn-valid (SE) and MOD11-valid (NO) organization
// numbers and the VAT numbers derived from them.
const (
	OrgNumberSE = "5560160680"
	VATNumberSE = "SE556016068001"
	OrgNumberNO = "991825827"
	VATNumberNO = "NO991825827MVA"
)

// Address is a complete postal address in country (Sweden unless Norway).
func Address(country core.Country) core.Address {
	if country == core.Norway {
		return core.Address{Line1: "Bryggen 1", PostalCode: "5003", City: "Bergen", Country: "NO"}
	}
	return core.Address{Line1: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE"}
}

// Seller returns invoice settings of a VAT-registered merchant in country
// named name, with every item a full invoice of that country needs: name,
// organization and VAT number, address. The series starts at 1.
func Seller(country core.Country, name string) core.InvoiceSettings {
	s := core.InvoiceSettings{StartNumber: 1, Company: core.Company{Name: name,
		OrganizationNumber: OrgNumberSE, VATNumber: VATNumberSE, Address: Address(country)}}
	if country == core.Norway {
		s.Company.OrganizationNumber, s.Company.VATNumber = OrgNumberNO, VATNumberNO
	}
	return s
}

// Completed is s with every seller item a full invoice of country needs
// that s lacks (name, organization and VAT number, address) taken from
// Seller; what s has is kept. A merchant's settings completed so still
// validate (core.CheckInvoiceSettings) when s's numbers were valid or
// empty, and its start number is unchanged.
func Completed(country core.Country, s core.InvoiceSettings) core.InvoiceSettings {
	full := Seller(country, s.Company.Name)
	c := &s.Company
	if c.Name == "" {
		c.Name = "Kafé Test AB"
	}
	if c.OrganizationNumber == "" && c.VATNumber == "" {
		c.OrganizationNumber, c.VATNumber = full.Company.OrganizationNumber, full.Company.VATNumber
	}
	if !c.Address.Complete() {
		c.Address = full.Company.Address
	}
	return s
}

// CompleteSeller completes the merchant's saved invoice settings with
// Completed, through the engine as its admin would. Errors are the
// engine's.
func CompleteSeller(ctx context.Context, e *core.Engine, admin core.Principal, country core.Country) error {
	s, err := e.InvoiceSettings(ctx, admin)
	if err != nil {
		return err
	}
	_, err = e.UpdateInvoiceSettings(ctx, admin, Completed(country, s))
	return err
}
