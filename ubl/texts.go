package ubl

import "github.com/ledgerbridge/ledgerbridge/core"

// texts are the words an e-invoice carries, in the language of the
// seller's country (the language its PDF is printed in).
type texts struct {
	dueDate string // with the due date
	// notSubject is the exemption reason of a seller outside VAT
	// (category O); the other treatments' texts are core's Statement.
	notSubject string
}

var swedish = texts{
	dueDate:    "Förfallodag %s",
	notSubject: "Säljaren är inte registrerad för mervärdesskatt",
}

var norwegian = texts{
	dueDate:    "Forfallsdato %s",
	notSubject: "Selger er ikke registrert i Merverdiavgiftsregisteret",
}

func textsFor(c core.Country) texts {
	if c == core.Norway {
		return norwegian
	}
	return swedish
}
