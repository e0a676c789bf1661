package ubl

import "github.com/ledgerbridge/ledgerbridge/core"

// texts are the words an e-invoice carries, in the language of the
// seller's country (the language its PDF is printed in).
type texts struct {
	invoiceFile, creditFile string
	dueDate                 string // with the due date
	reverseCharge           string // ML 17 kap. 24 § 14 / mval. § 11-1
	intraCommunity          string
	export                  string
	notSubject              string
}

var swedish = texts{
	invoiceFile:    "faktura",
	creditFile:     "kreditfaktura",
	dueDate:        "Förfallodag %s",
	reverseCharge:  "Omvänd betalningsskyldighet",
	intraCommunity: "Unionsintern leverans, undantagen från skatteplikt enligt artikel 138 i mervärdesskattedirektivet 2006/112/EG",
	export:         "Export, undantagen från skatteplikt enligt 10 kap. mervärdesskattelagen",
	notSubject:     "Säljaren är inte registrerad för mervärdesskatt",
}

var norwegian = texts{
	invoiceFile:    "faktura",
	creditFile:     "kreditnota",
	dueDate:        "Forfallsdato %s",
	reverseCharge:  "Omvendt avgiftsplikt",
	intraCommunity: "Leveranse av varer til annet EØS-land, fritatt for merverdiavgift",
	export:         "Utførsel, fritatt for merverdiavgift (mval. § 6-21)",
	notSubject:     "Selger er ikke registrert i Merverdiavgiftsregisteret",
}

func textsFor(c core.Country) texts {
	if c == core.Norway {
		return norwegian
	}
	return swedish
}
