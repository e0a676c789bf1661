// Package accesspointtest is a loopback mock of a PEPPOL access point's
// send API (the one package accesspoint documents), for tests. It checks
// what it is sent as the network would: the bearer token, an
// Idempotency-Key, the PEPPOL BIS Billing 3.0 process and document type
// identifiers, and the document itself — well-formed XML with one root,
// Invoice or CreditNote in the UBL 2.1 namespace matching the document
// type, the BIS Billing 3.0 CustomizationID and ProfileID, and the seller's
// and buyer's cbc:EndpointID (schemeID and value) equal to the request's
// sender and receiver. What it does not check is the business rules: the
// Saxon/schematron harness validates documents against those.
//
// It honours idempotency keys as an access point must: a key seen before
// with the same request is answered with the first answer and delivers
// nothing more; with another request it is refused. It can be told to
// fail (FailNext) or to lose its answers after accepting (LoseAnswers), so
// tests prove retries, permanent failures and that a retry after a lost
// answer delivers once.
//
// Its expectations are written out here from the PEPPOL specifications,
// not taken from package accesspoint, so a wrong identifier there fails
// the tests.
package accesspointtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// PEPPOL BIS Billing 3.0 as the mock expects it.
const (
	ProcessID       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
	CustomizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	ProfileID       = ProcessID

	NamespaceInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	NamespaceCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	namespaceCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	namespaceCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
)

// documentTypes maps each accepted document type identifier to the root
// element its document must have.
var documentTypes = map[string]xml.Name{
	"busdox-docid-qns::" + NamespaceInvoice + "::Invoice##" + CustomizationID + "::2.1":       {Space: NamespaceInvoice, Local: "Invoice"},
	"busdox-docid-qns::" + NamespaceCreditNote + "::CreditNote##" + CustomizationID + "::2.1": {Space: NamespaceCreditNote, Local: "CreditNote"},
}

// Token is the bearer token Start's server accepts unless Options says
// otherwise.
const Token = "ap-test-token-7Hq2"

// Options configure a mock. The zero value is usable.
type Options struct {
	// Token is the accepted bearer token (default Token).
	Token string
}

// Delivered is a document the mock accepted for delivery.
type Delivered struct {
	ID             string // the transmission id answered
	IdempotencyKey string
	Sender         string
	Receiver       string
	DocumentTypeID string
	Root           string // Invoice or CreditNote
	Document       []byte
}

// String describes d without its document's bytes, for test failures.
func (d Delivered) String() string {
	return fmt.Sprintf("{%s key %s %s→%s %s, %d bytes}", d.ID, d.IdempotencyKey, d.Sender, d.Receiver, d.Root, len(d.Document))
}

// Rejection is a request the mock refused: its status and why.
type Rejection struct {
	Status int
	Code   string
	Reason string
}

// Server is a running mock. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to configure the client with.
	URL string

	token string
	srv   *httptest.Server

	mu        sync.Mutex
	requests  int
	delivered []Delivered
	rejected  []Rejection
	answers   map[string]answer // by idempotency key
	failNext  []int             // statuses to answer the next requests with
	loseNext  int               // answers to lose after accepting
}

// answer is the first answer to an idempotency key, with the request it
// answered.
type answer struct {
	bodyHash [32]byte
	id       string
}

// Start runs a mock on loopback until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{token: opts.Token, answers: map[string]answer{}}
	if s.token == "" {
		s.token = Token
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// FailNext makes the next n requests fail with status (a 5xx to prove
// retries, a 4xx to prove a rejection is final) before anything is
// checked or delivered.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, status)
	}
}

// LoseAnswers makes the next n accepted requests deliver their document
// and then drop the connection without answering, as a network failure
// after the access point took the document would.
func (s *Server) LoseAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext += n
}

// Requests is how many requests reached the mock.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Delivered returns the documents accepted for delivery, in order; a
// document sent again under its idempotency key appears once.
func (s *Server) Delivered() []Delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivered(nil), s.delivered...)
}

// Rejected returns the requests the mock refused after checking them (not
// those FailNext failed), in order.
func (s *Server) Rejected() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejected...)
}

// request is the JSON body, decoded strictly.
type request struct {
	Sender         *string `json:"sender"`
	Receiver       *string `json:"receiver"`
	DocumentTypeID *string `json:"document_type_id"`
	ProcessID      *string `json:"process_id"`
	Document       []byte  `json:"document"`
}

// participant is "scheme:value" with a four-digit ICD scheme.
var participant = regexp.MustCompile(`^([0-9]{4}):(\S+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	var fail int
	if len(s.failNext) > 0 {
		fail, s.failNext = s.failNext[0], s.failNext[1:]
	}
	s.mu.Unlock()
	if fail != 0 {
		writeError(w, fail, "injected", fmt.Sprintf("injected failure %d", fail))
		return
	}
	if r.URL.Path != "/v1/documents" {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		s.reject(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.reject(w, http.StatusBadRequest, "idempotency_key_required", "an Idempotency-Key header is required")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.reject(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json, not "+ct)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		s.reject(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	hash := sha256.Sum256(body)

	s.mu.Lock()
	first, seen := s.answers[key]
	s.mu.Unlock()
	if seen {
		if first.bodyHash != hash {
			s.reject(w, http.StatusUnprocessableEntity, "idempotency_key_reused", "the Idempotency-Key was used with another request")
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"id": first.id})
		return
	}

	d, status, code, reason := check(body)
	if status != 0 {
		s.reject(w, status, code, reason)
		return
	}
	d.IdempotencyKey = key

	s.mu.Lock()
	if first, seen := s.answers[key]; seen { // a concurrent twin got here first
		s.mu.Unlock()
		writeJSON(w, http.StatusAccepted, map[string]string{"id": first.id})
		return
	}
	d.ID = fmt.Sprintf("tx-%04d", len(s.delivered)+1)
	s.answers[key] = answer{bodyHash: hash, id: d.ID}
	s.delivered = append(s.delivered, d)
	lose := s.loseNext > 0
	if lose {
		s.loseNext--
	}
	s.mu.Unlock()

	if lose {
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": d.ID})
}

// check validates a request body and its document; status is 0 when they
// pass.
func check(body []byte) (d Delivered, status int, code, reason string) {
	var req request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return d, http.StatusBadRequest, "bad_request", "malformed JSON: " + err.Error()
	}
	switch {
	case req.Sender == nil || req.Receiver == nil || req.DocumentTypeID == nil || req.ProcessID == nil || req.Document == nil:
		return d, http.StatusBadRequest, "bad_request", "sender, receiver, document_type_id, process_id and document are required"
	case *req.ProcessID != ProcessID:
		return d, http.StatusUnprocessableEntity, "unknown_process", "process_id " + *req.ProcessID + " is not PEPPOL BIS Billing 3.0"
	case !participant.MatchString(*req.Sender):
		return d, http.StatusUnprocessableEntity, "invalid_sender", "sender " + *req.Sender + " is not scheme:value"
	case !participant.MatchString(*req.Receiver):
		return d, http.StatusUnprocessableEntity, "invalid_receiver", "receiver " + *req.Receiver + " is not scheme:value"
	}
	root, ok := documentTypes[*req.DocumentTypeID]
	if !ok {
		return d, http.StatusUnprocessableEntity, "unknown_document_type", "document_type_id " + *req.DocumentTypeID + " is not a BIS Billing 3.0 Invoice or CreditNote"
	}
	if err := checkDocument(req.Document, root, *req.Sender, *req.Receiver); err != nil {
		return d, http.StatusUnprocessableEntity, "invalid_document", err.Error()
	}
	return Delivered{Sender: *req.Sender, Receiver: *req.Receiver, DocumentTypeID: *req.DocumentTypeID,
		Root: root.Local, Document: req.Document}, 0, "", ""
}

// ubl is what the mock reads of a document: the root's direct children it
// checks.
type ubl struct {
	XMLName         xml.Name
	CustomizationID []string    `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 CustomizationID"`
	ProfileID       []string    `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 ProfileID"`
	Supplier        []partyRole `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 AccountingSupplierParty"`
	Customer        []partyRole `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 AccountingCustomerParty"`
}

type partyRole struct {
	Party []struct {
		EndpointID []struct {
			SchemeID string `xml:"schemeID,attr"`
			Value    string `xml:",chardata"`
		} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2 EndpointID"`
	} `xml:"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2 Party"`
}

func checkDocument(doc []byte, root xml.Name, sender, receiver string) error {
	if err := wellFormed(doc); err != nil {
		return fmt.Errorf("not well-formed XML: %v", err)
	}
	var u ubl
	if err := xml.Unmarshal(doc, &u); err != nil {
		return fmt.Errorf("not readable as UBL: %v", err)
	}
	if u.XMLName != root {
		return fmt.Errorf("root element is {%s}%s; the document type wants {%s}%s", u.XMLName.Space, u.XMLName.Local, root.Space, root.Local)
	}
	if len(u.CustomizationID) != 1 || u.CustomizationID[0] != CustomizationID {
		return fmt.Errorf("cbc:CustomizationID %q is not %s", u.CustomizationID, CustomizationID)
	}
	if len(u.ProfileID) != 1 || u.ProfileID[0] != ProfileID {
		return fmt.Errorf("cbc:ProfileID %q is not %s", u.ProfileID, ProfileID)
	}
	for _, p := range []struct {
		role  string
		roles []partyRole
		want  string
		field string
	}{
		{"cac:AccountingSupplierParty", u.Supplier, sender, "sender"},
		{"cac:AccountingCustomerParty", u.Customer, receiver, "receiver"},
	} {
		got, err := endpointOf(p.roles)
		if err != nil {
			return fmt.Errorf("%s: %v", p.role, err)
		}
		if got != p.want {
			return fmt.Errorf("%s/cac:Party/cbc:EndpointID is %s but the %s is %s", p.role, got, p.field, p.want)
		}
	}
	return nil
}

// endpointOf is the one cac:Party/cbc:EndpointID of a party role as
// "schemeID:value".
func endpointOf(roles []partyRole) (string, error) {
	if len(roles) != 1 || len(roles[0].Party) != 1 {
		return "", errors.New("must occur once with one cac:Party")
	}
	eps := roles[0].Party[0].EndpointID
	if len(eps) != 1 || eps[0].SchemeID == "" || eps[0].Value == "" {
		return "", errors.New("cac:Party must have one cbc:EndpointID with a schemeID and a value")
	}
	return eps[0].SchemeID + ":" + eps[0].Value, nil
}

// wellFormed reads doc to its end: well-formed XML with exactly one root
// element and nothing but white space, comments and processing
// instructions around it.
func wellFormed(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d root elements, want 1", roots)
	}
	return nil
}

func (s *Server) reject(w http.ResponseWriter, status int, code, reason string) {
	s.mu.Lock()
	s.rejected = append(s.rejected, Rejection{Status: status, Code: code, Reason: reason})
	s.mu.Unlock()
	writeError(w, status, code, reason)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, message
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
