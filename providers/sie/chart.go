package sie

import "github.com/ledgerbridge/ledgerbridge/core"

// basAccounts are the BAS accounts (Sweden) that mapping.StandardSuggestion
// proposes, with their BAS names (bas.se kontoplan; the sources are listed
// beside mapping's basChart).
var basAccounts = []core.LedgerAccount{
	{Number: "1510", Name: "Kundfordringar"},
	{Number: "1580", Name: "Fordringar för kontokort och kuponger"},
	{Number: "1910", Name: "Kassa"},
	{Number: "1930", Name: "Företagskonto/checkkonto/affärskonto"},
	{Number: "2421", Name: "Ej inlösta presentkort"},
	{Number: "2611", Name: "Utgående moms på försäljning inom Sverige, 25 %"},
	{Number: "2621", Name: "Utgående moms på försäljning inom Sverige, 12 %"},
	{Number: "2631", Name: "Utgående moms på försäljning inom Sverige, 6 %"},
	{Number: "2890", Name: "Övriga kortfristiga skulder"},
	{Number: "3001", Name: "Försäljning inom Sverige, 25 % moms"},
	{Number: "3002", Name: "Försäljning inom Sverige, 12 % moms"},
	{Number: "3003", Name: "Försäljning inom Sverige, 6 % moms"},
	{Number: "3004", Name: "Försäljning inom Sverige, momsfri"},
	{Number: "3730", Name: "Lämnade rabatter"},
	{Number: "3740", Name: "Öres- och kronutjämning"},
}

// ns4102Accounts are the NS 4102 accounts (Norway) that
// mapping.StandardSuggestion proposes, with their names (the sources and
// the accounts marked UNSURE are listed beside mapping's ns4102Chart).
var ns4102Accounts = []core.LedgerAccount{
	{Number: "1500", Name: "Kundefordringer"},
	{Number: "1900", Name: "Kontanter"},
	{Number: "1920", Name: "Bankinnskudd"},
	{Number: "2700", Name: "Utgående merverdiavgift, høy sats"},
	{Number: "2701", Name: "Utgående merverdiavgift, middels sats"},
	{Number: "2703", Name: "Utgående merverdiavgift, lav sats"},
	{Number: "2900", Name: "Forskudd fra kunder"},
	{Number: "2910", Name: "Gjeld til ansatte"},
	{Number: "3000", Name: "Salgsinntekt, avgiftspliktig"},
	{Number: "3030", Name: "Salgsinntekt handelsvarer, avgiftspliktig, middels sats"},
	{Number: "3100", Name: "Salgsinntekt, avgiftsfri"},
	{Number: "7790", Name: "Øreavrunding"},
}

// Chart returns the country's standard accounts, sorted by number, all
// active and without VAT code restrictions; nil for a country not served.
// The result is the caller's to change.
func Chart(country core.Country) []core.LedgerAccount {
	var src []core.LedgerAccount
	switch country {
	case core.Sweden:
		src = basAccounts
	case core.Norway:
		src = ns4102Accounts
	default:
		return nil
	}
	out := make([]core.LedgerAccount, len(src))
	for i, a := range src {
		a.Active = true
		out[i] = a
	}
	return out
}
