// Package accesspoint sends e-invoices into the PEPPOL network through an
// access point's HTTP API: Client is an einvoice.Transmitter.
//
// A PEPPOL access point (AP) is the operator's contracted service that
// looks the receiver up in the SML/SMP and delivers the document over AS4.
// Their send APIs differ in detail but share a shape; ledgerbridge speaks
// this one, and a thin adapter in front of an AP with another maps it:
//
//	POST {url}/v1/documents
//	Authorization: Bearer {token}
//	Idempotency-Key: {key}
//	Content-Type: application/json
//
//	{"sender":           "0007:5560160680",
//	 "receiver":         "0192:991825827",
//	 "document_type_id": "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
//	 "process_id":       "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
//	 "document":         "<the UBL 2.1 XML, base64>"}
//
// sender and receiver are participant identifiers (ISO 6523 ICD scheme and
// value; identifier scheme iso6523-actorid-upis), process_id the PEPPOL
// BIS Billing 3.0 process (scheme cenbii-procid-ubl), document_type_id the
// BIS Billing 3.0 Invoice or CreditNote document type with its scheme.
//
// Answers:
//
//	202 Accepted {"id": "..."}   taken for delivery; id is the AP's transmission id
//	4xx {"error": {"code": "...", "message": "..."}}   see below
//	5xx                          the AP failed; try again
//
// The Idempotency-Key is the same on every retry of one delivery: an AP
// must answer a key it has seen with its first answer (202 and the same
// id) and deliver the document once, so a retry after a lost answer does
// not deliver twice.
//
// Transmit's errors, which the e-invoice outbox retries or not
// (outbox.IsPermanent): a 4xx answer is the AP rejecting the document, the
// sender or the receiver (invalid UBL, receiver not registered for the
// document type) and is permanent, CodeProviderError with the AP's
// message — except 401 and 403 (the operator's token), 404 and 405 (the
// URL), 408, 409 (the key's first request still running), 425 and 429,
// which are configuration or passing trouble that retrying after it is
// fixed cures, and so CodeUnavailable like every 5xx, network error and
// timeout.
package accesspoint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/einvoice"
)

// PEPPOL identifiers of BIS Billing 3.0 (EHF Billing 3.0 in Norway uses the
// same).
const (
	// ProcessID is the billing process, scheme cenbii-procid-ubl.
	ProcessID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
	// InvoiceDocumentTypeID is a UBL 2.1 Invoice conforming to BIS
	// Billing 3.0, with its scheme.
	InvoiceDocumentTypeID = "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
	// CreditNoteDocumentTypeID is a UBL 2.1 CreditNote conforming to BIS
	// Billing 3.0, with its scheme.
	CreditNoteDocumentTypeID = "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)

// DocumentTypeID is the PEPPOL document type identifier of a
// core.EInvoice* document type, or "" for an unknown one.
func DocumentTypeID(documentType string) string {
	switch documentType {
	case core.EInvoiceInvoice:
		return InvoiceDocumentTypeID
	case core.EInvoiceCreditNote:
		return CreditNoteDocumentTypeID
	}
	return ""
}

// DefaultTimeout bounds one request when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config is how to reach the access point.
type Config struct {
	// URL is the API's base URL; requests go to URL/v1/documents. It must
	// be https, except on a loopback host (a local adapter, tests): the
	// token travels with every request.
	URL string
	// Token is the bearer token the AP issued to the operator.
	Token string
	// Timeout bounds each request, answer included; DefaultTimeout when
	// zero. The outbox's lease must exceed it.
	Timeout time.Duration
	// HTTPClient, when set, sends the requests (a private CA, a proxy);
	// its own Timeout is left as it is and Timeout still applies per
	// request.
	HTTPClient *http.Client
}

// Client sends documents to one access point. It is safe for concurrent
// use.
type Client struct {
	endpoint string
	token    string
	timeout  time.Duration
	http     *http.Client
}

var _ einvoice.Transmitter = (*Client)(nil)

// NewClient checks cfg and returns a Client. It does not connect. Errors:
// CodeInvalid naming peppol.access_point_url, peppol.access_point_token or
// peppol.timeout (the configuration keys).
func NewClient(cfg Config) (*Client, error) {
	var fields []core.FieldError
	add := func(field, msg string) { fields = append(fields, core.FieldError{Field: field, Message: msg}) }
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		add("peppol.access_point_url", "must be an https URL")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		add("peppol.access_point_url", "must be https (plain http only on a loopback host): the token is sent with every request")
	case u.RawQuery != "" || u.Fragment != "":
		add("peppol.access_point_url", "must be a base URL without query or fragment")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		add("peppol.access_point_token", "is required")
	}
	if cfg.Timeout < 0 {
		add("peppol.timeout", "must not be negative")
	}
	if err := core.Invalid("invalid access point settings", fields...); err != nil {
		return nil, err
	}
	c := &Client{
		endpoint: strings.TrimRight(u.String(), "/") + "/v1/documents",
		token:    cfg.Token,
		timeout:  cfg.Timeout,
		http:     cfg.HTTPClient,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Request is the JSON body of POST /v1/documents.
type Request struct {
	Sender         string `json:"sender"`
	Receiver       string `json:"receiver"`
	DocumentTypeID string `json:"document_type_id"`
	ProcessID      string `json:"process_id"`
	// Document is the UBL XML; encoding/json writes it as base64.
	Document []byte `json:"document"`
}

// Accepted is the 202 answer.
type Accepted struct {
	ID string `json:"id"`
}

// ErrorBody is a 4xx or 5xx answer's JSON.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 1 << 16

// Transmit implements einvoice.Transmitter: it posts t to the access point
// and returns the AP's transmission id. Errors: CodeInvalid for an unknown
// document type (permanent); CodeProviderError for a rejection
// (permanent); CodeUnavailable for everything retrying may cure (see the
// package documentation).
func (c *Client) Transmit(ctx context.Context, t einvoice.Transmission) (string, error) {
	docType := DocumentTypeID(t.DocumentType)
	if docType == "" {
		return "", core.Invalid("invalid e-invoice", core.FieldError{Field: "document_type", Message: fmt.Sprintf("%q is not a known document type", t.DocumentType)})
	}
	body, err := json.Marshal(Request{Sender: t.Sender, Receiver: t.Receiver, DocumentTypeID: docType,
		ProcessID: ProcessID, Document: t.Document})
	if err != nil {
		return "", core.Errorf(core.CodeInternal, "accesspoint: encode request: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", core.Errorf(core.CodeInternal, "accesspoint: build request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", t.IdempotencyKey)
	resp, err := c.http.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "", core.Errorf(core.CodeUnavailable, "accesspoint: timed out after %s: %v", c.timeout, err)
		}
		return "", core.Errorf(core.CodeUnavailable, "accesspoint: unreachable: %v", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		// Whether it was accepted is unknown: the retry's idempotency key
		// makes asking again safe.
		return "", core.Errorf(core.CodeUnavailable, "accesspoint: reading the answer (HTTP %d): %v", resp.StatusCode, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		var a Accepted
		if err := json.Unmarshal(answer, &a); err != nil {
			// Accepted all the same; a retry would only get this answer again.
			return "", nil
		}
		return a.ID, nil
	}
	return "", classify(resp.StatusCode, answer)
}

// classify turns an error answer into a *core.Error whose code says
// whether retrying can help.
func classify(status int, answer []byte) error {
	msg := answerMessage(answer)
	switch {
	case status >= 500,
		status == http.StatusUnauthorized, status == http.StatusForbidden,
		status == http.StatusNotFound, status == http.StatusMethodNotAllowed,
		status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return core.Errorf(core.CodeUnavailable, "accesspoint: HTTP %d: %s", status, msg)
	case status >= 400:
		return core.Errorf(core.CodeProviderError, "accesspoint: rejected (HTTP %d): %s", status, msg)
	}
	return core.Errorf(core.CodeUnavailable, "accesspoint: unexpected HTTP %d: %s", status, msg)
}

// answerMessage is the AP's own words for an error: code and message of
// the JSON error body, else the start of the body.
func answerMessage(answer []byte) string {
	var e ErrorBody
	if json.Unmarshal(answer, &e) == nil && (e.Error.Code != "" || e.Error.Message != "") {
		if e.Error.Code == "" {
			return e.Error.Message
		}
		return e.Error.Code + ": " + e.Error.Message
	}
	s := strings.TrimSpace(string(answer))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	if s == "" {
		s = "no message"
	}
	return s
}
