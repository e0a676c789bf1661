package tripletextest

import (
	"encoding/json"
	"net/http"
)

// apiError is Tripletex's error envelope. Field names and order follow the
// real responses: status, code, message, link, developerMessage,
// validationMessages, requestId.
type apiError struct {
	Status             int                 `json:"status"`
	Code               int                 `json:"code"`
	Message            *string             `json:"message"`
	Link               string              `json:"link"`
	DeveloperMessage   *string             `json:"developerMessage"`
	ValidationMessages []validationMessage `json:"validationMessages"`
	RequestID          string              `json:"requestId"`
	headers            map[string]string   // extra response headers (429)
}

// validationMessage is one entry of validationMessages; field and path are
// null when Tripletex has none (business rules such as an unbalanced voucher).
type validationMessage struct {
	Field   *string `json:"field"`
	Message string  `json:"message"`
	Path    *string `json:"path"`
	RootID  *int64  `json:"rootId"`
}

func (e *apiError) Error() string {
	if e.Message != nil {
		return *e.Message
	}
	return http.StatusText(e.Status)
}

func strp(s string) *string { return &s }

const (
	linkDocs   = "https://tripletex.no/v2-docs/"
	linkLegacy = "https://www.tripletex.no/tripletex-api-2-0/"
)

// The messages below are Tripletex's own, from real responses (see
// shared/research/tripletex.md §2.4 and §4). Messages marked "mock wording"
// are the mock's where no real response was found.
const (
	msgValidationFailed = "Validering feilet."
	msgMappingFailed    = "Request mapping failed"
	msgRequired         = "Feltet må fylles ut."
	msgIDOnCreate       = "ID kan ikke settes når man oppretter et objekt."
	msgNotFound         = "Object not found"
	msgNoSuchObject     = "Objektet finnes ikke." // mock wording: reference to an id that does not exist
	msgInvalidVatType   = "Ugyldig mva-kode."
	msgRowZero          = "Posteringene på rad 0 (guiRow 0) er systemgenererte og kan ikke opprettes eller endres på utsiden av Tripletex."
	msgNoPostings       = "Et bilag kan ikke registreres uten posteringer."
	msgCustomerMissing  = "Kunde mangler."
	msgSupplierMissing  = "Leverandør mangler."
	msgEmployeeMissing  = "Ansatt mangler."
	msgBadVoucherType   = "Ugyldig bilagstype."
	msgNoBankAccount    = "Faktura kan ikke opprettes før selskapet har registrert et bankkontonummer."
	msgNoOrderLines     = "Fakturaen inneholder ingen ordrelinjer."
	msgPriceInclVat     = "Enhetspris må være med mva siden enhetspris på ordre er med mva."
	msgPriceExclVat     = "Enhetspris må være uten mva siden enhetspris på ordre er uten mva."
	msgNotIncomingPay   = "Den angitte betalingstypen må være en innbetaling."
	msgOrgNumber        = "The organization number must consist of 9 numbers and cannot have any spaces."
	msgBadConsumer      = "The consumer token is invalid or does not exist."
	msgBadEmployee      = "The employee token is invalid or does not exist."                       // mock wording, modelled on the consumer-token message
	msgExpirationDate   = "Utløpsdatoen må være etter dagens dato."                                // mock wording
	msgBadDate          = "Ugyldig dato."                                                          // mock wording
	msgOrderClosed      = "Ordren er lukket og kan ikke faktureres."                               // mock wording (issue #25: closed orders cannot be invoiced)
	msgAlreadyCredited  = "Fakturaen er allerede kreditert."                                       // mock wording
	msgRevision         = "Objektet er endret av en annen bruker. Last inn på nytt og prøv igjen." // mock wording, code 8000
	msgTooLarge         = "Result set too large. Limit of 10.000 reached."
	msgReverseTwice     = "Bilaget er allerede tilbakeført."  // mock wording
	msgAccountInUse     = "Kontonummeret er allerede i bruk." // mock wording
)

// vm builds one validation message; an empty field is null.
func vm(field, message string) validationMessage {
	m := validationMessage{Message: message}
	if field != "" {
		m.Field = strp(field)
	}
	return m
}

// validationError is 422/18000 "Validering feilet." with its messages.
func validationError(msgs ...validationMessage) *apiError {
	return &apiError{Status: 422, Code: 18000, Message: strp(msgValidationFailed), Link: linkDocs,
		DeveloperMessage: strp("VALIDATION_ERROR"), ValidationMessages: msgs}
}

// mappingError is 422/16000 "Request mapping failed".
func mappingError(msgs ...validationMessage) *apiError {
	return &apiError{Status: 422, Code: 16000, Message: strp(msgMappingFailed), Link: linkDocs, ValidationMessages: msgs}
}

func notFoundError() *apiError {
	return &apiError{Status: 404, Code: 6000, Message: strp(msgNotFound), Link: linkLegacy}
}

// unauthorizedError is the real 401 body (status 401, code 3000,
// "Unauthorized", the legacy link); developerMessage is set only for a
// malformed username, as observed.
func unauthorizedError(developer string) *apiError {
	e := &apiError{Status: 401, Code: 3000, Message: strp("Unauthorized"), Link: linkLegacy}
	if developer != "" {
		e.DeveloperMessage = strp(developer)
	}
	return e
}

// serverError is the observed 500 body: message and developerMessage null.
func serverError() *apiError {
	return &apiError{Status: 500, Code: 1000, Link: linkDocs}
}

func writeError(w http.ResponseWriter, e *apiError, requestID string) {
	e.RequestID = requestID
	for k, v := range e.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(e)
}
