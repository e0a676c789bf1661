package webhooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/seal"
)

// Limits of an endpoint.
const (
	MaxURLLength         = 2048
	MaxEndpointsPerMerch = 16
)

// Endpoint is a merchant's webhook endpoint, as listed: never its secret.
type Endpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
}

// CreatedEndpoint is a new endpoint with its signing secret, the only
// time the secret is shown.
type CreatedEndpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret"`
}

// EndpointInput is the body of POST /v1/webhook-endpoints.
type EndpointInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// Delivery is one event's delivery to one endpoint, as its log shows it.
type Delivery struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpoint_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	// Status is queued (waiting, possibly after failed attempts), sending,
	// sent, or failed (given up).
	Status   string `json:"status"`
	Attempts int    `json:"attempts"`
	// LastError is why the last attempt failed (the receiver's status and
	// the start of its answer, or the network error).
	LastError string `json:"last_error,omitempty"`
	// ResponseStatus is the receiver's HTTP status once delivered.
	ResponseStatus int        `json:"response_status,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
}

// DeliveryPage is a page of an endpoint's delivery log, newest first.
type DeliveryPage struct {
	Deliveries []Delivery
	NextCursor string
}

// Payload is the JSON body of every delivery.
type Payload struct {
	// ID is the event's id: the same on every attempt and to every
	// endpoint; receivers dedupe on it.
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	CreatedAt  time.Time       `json:"created_at"`
	MerchantID string          `json:"merchant_id"`
	Data       json.RawMessage `json:"data"`
}

// Config tunes a Service. Zero fields take the defaults.
type Config struct {
	// Outbox is the delivery worker's configuration (clock, poll interval,
	// lease, backoff from MinBackoff to MaxBackoff, logger, redaction).
	Outbox outbox.Config
	// Client sends the deliveries; nil means one with a 10 s timeout that
	// follows no redirects (a redirect is a failed attempt).
	Client *http.Client
	// MaxAttempts is how many attempts a delivery gets before it fails
	// for good (default 20: with the default backoff about 15 hours).
	MaxAttempts int
	// AllowPrivateNetworks lets endpoints reach loopback, private,
	// link-local and other non-public addresses, and plain http to
	// loopback (tests; receivers on the gateway's own network). Off, a
	// literal such address is refused when the endpoint is saved and the
	// default Client refuses to connect to one a name resolves to, so an
	// endpoint cannot make the gateway call its own network (SSRF).
	AllowPrivateNetworks bool
}

// DefaultMaxAttempts is Config.MaxAttempts's default.
const DefaultMaxAttempts = 20

// Service manages webhook endpoints and delivers events to them. It is
// the core.EventPublisher of the gateway and safe for concurrent use.
type Service struct {
	store        *SQLiteStore
	sealer       *seal.Sealer
	client       *http.Client
	maxAttempts  int
	allowPrivate bool
	now          func() time.Time
	worker       *outbox.Worker[job]
}

var _ core.EventPublisher = (*Service)(nil)

// New returns a service over store that seals the endpoints' secrets with
// sealer (the credentials key). Start delivery with Run.
func New(store *SQLiteStore, sealer *seal.Sealer, cfg Config) *Service {
	s := &Service{store: store, sealer: sealer, client: cfg.Client, maxAttempts: cfg.MaxAttempts, allowPrivate: cfg.AllowPrivateNetworks}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second, Transport: transport(cfg.AllowPrivateNetworks),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	s.worker = outbox.NewWorker(outbox.Queue[job]{
		Name:  "webhooks",
		Store: store,
		Key: func(j job) outbox.Key {
			return outbox.Key{ID: j.ID, Attempt: j.Attempts,
				LogAttrs: []any{"merchant_id", j.MerchantID, "endpoint_id", j.EndpointID, "event_id", j.EventID}}
		},
		Send: s.send,
	}, cfg.Outbox)
	s.now = s.worker.Config().Now
	return s
}

// CreateEndpoint registers an endpoint for the caller's merchant (admin)
// and returns it with its signing secret, shown this once. Errors:
// CodeForbidden; CodeInvalid naming url (not https, or http to other than
// a loopback address; credentials in it; too long), events or events[i]
// (none, unknown, repeated), or url when the merchant has
// MaxEndpointsPerMerch endpoints; the store's.
func (s *Service) CreateEndpoint(ctx context.Context, p core.Principal, in EndpointInput) (CreatedEndpoint, error) {
	if err := p.Authorize(core.ActionManageWebhooks); err != nil {
		return CreatedEndpoint{}, err
	}
	var fields []core.FieldError
	u, msg := checkURL(in.URL, s.allowPrivate)
	if msg != "" {
		fields = append(fields, core.FieldError{Field: "url", Message: msg})
	}
	if len(in.Events) == 0 {
		fields = append(fields, core.FieldError{Field: "events", Message: "must list at least one of " + strings.Join(core.EventTypes, ", ")})
	}
	for i, t := range in.Events {
		f := "events[" + strconv.Itoa(i) + "]"
		switch {
		case !core.ValidEventType(t):
			fields = append(fields, core.FieldError{Field: f, Message: "must be one of " + strings.Join(core.EventTypes, ", ")})
		case indexOf(in.Events[:i], t) >= 0:
			fields = append(fields, core.FieldError{Field: f, Message: "is listed twice"})
		}
	}
	if err := core.Invalid("invalid webhook endpoint", fields...); err != nil {
		return CreatedEndpoint{}, err
	}
	existing, err := s.store.endpoints(ctx, p.MerchantID)
	if err != nil {
		return CreatedEndpoint{}, err
	}
	if len(existing) >= MaxEndpointsPerMerch {
		return CreatedEndpoint{}, core.Invalid("too many webhook endpoints", core.FieldError{Field: "url",
			Message: fmt.Sprintf("a merchant has at most %d endpoints; delete one first", MaxEndpointsPerMerch)})
	}
	secret := newSecret()
	e := storedEndpoint{Endpoint: Endpoint{ID: core.NewID("whe"), URL: u, Events: append([]string(nil), in.Events...),
		CreatedAt: s.now().UTC().Truncate(time.Second)}, MerchantID: p.MerchantID}
	e.Secret = s.sealer.Seal([]byte(secret), []byte(e.ID))
	if err := s.store.createEndpoint(ctx, e); err != nil {
		return CreatedEndpoint{}, err
	}
	return CreatedEndpoint{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: e.CreatedAt, Secret: secret}, nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// newSecret is a signing secret: "whsec_" and 32 random bytes in base32.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("webhooks: no randomness: " + err.Error())
	}
	return "whsec_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// checkURL returns the endpoint URL as stored, or why it is refused; a
// literal non-public address is refused unless allowPrivate.
func checkURL(raw string, allowPrivate bool) (string, string) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", "is required"
	case len(raw) > MaxURLLength || !utf8.ValidString(raw):
		return "", fmt.Sprintf("must be a URL of at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", "must be an absolute URL such as https://example.com/webhooks"
	}
	if u.User != nil {
		return "", "must not carry credentials (user:password@); verify the signature instead"
	}
	if u.Fragment != "" {
		return "", "must not have a #fragment"
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !allowPrivate || !isLoopback(u.Hostname()) {
			return "", "must use https"
		}
	default:
		return "", "must use https"
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && !allowPrivate && !publicIP(ip) {
		return "", "must not be a loopback, private or link-local address"
	}
	return u.String(), ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ListEndpoints returns the caller's merchant's endpoints, oldest first,
// without secrets (admin). Errors: CodeForbidden; the store's.
func (s *Service) ListEndpoints(ctx context.Context, p core.Principal) ([]Endpoint, error) {
	if err := p.Authorize(core.ActionManageWebhooks); err != nil {
		return nil, err
	}
	es, err := s.store.endpoints(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(es))
	for _, e := range es {
		out = append(out, e.Endpoint)
	}
	return out, nil
}

// DeleteEndpoint deletes one of the caller's merchant's endpoints with its
// delivery log and returns it (admin); nothing more is delivered to it.
// Errors: CodeForbidden; CodeNotFound, also for another merchant's; the
// store's.
func (s *Service) DeleteEndpoint(ctx context.Context, p core.Principal, id string) (Endpoint, error) {
	if err := p.Authorize(core.ActionManageWebhooks); err != nil {
		return Endpoint{}, err
	}
	e, err := s.store.endpoint(ctx, p.MerchantID, id)
	if err != nil {
		return Endpoint{}, err
	}
	if err := s.store.deleteEndpoint(ctx, p.MerchantID, id); err != nil {
		return Endpoint{}, err
	}
	return e.Endpoint, nil
}

// Deliveries returns a page of an endpoint's delivery log, newest first
// (admin): limit as core.NormalizeLimit, cursor from a previous page.
// Errors: CodeForbidden; CodeNotFound, also for another merchant's
// endpoint; CodeInvalid naming limit or cursor; the store's.
func (s *Service) Deliveries(ctx context.Context, p core.Principal, endpointID string, limit int, cursor string) (DeliveryPage, error) {
	if err := p.Authorize(core.ActionManageWebhooks); err != nil {
		return DeliveryPage{}, err
	}
	limit, err := core.NormalizeLimit(limit)
	if err != nil {
		return DeliveryPage{}, err
	}
	var after *deliveryCursor
	if cursor != "" {
		var c deliveryCursor
		if err := core.DecodeCursor(cursor, &c); err != nil || c.Seq <= 0 || c.CreatedAt == "" {
			return DeliveryPage{}, core.ErrInvalidCursor()
		}
		after = &c
	}
	if _, err := s.store.endpoint(ctx, p.MerchantID, endpointID); err != nil {
		return DeliveryPage{}, err
	}
	ds, next, err := s.store.listDeliveries(ctx, endpointID, after, limit)
	if err != nil {
		return DeliveryPage{}, err
	}
	return DeliveryPage{Deliveries: ds, NextCursor: next}, nil
}

// Publish implements core.EventPublisher: ev is stored with its body and
// queued to each subscribed endpoint of its merchant, and a worker woken;
// a key published before, or an event no endpoint subscribes to, stores
// nothing. Errors: CodeInvalid naming merchant_id, type, key or data (not
// encodable as JSON); the store's.
func (s *Service) Publish(ctx context.Context, ev core.Event) error {
	var fields []core.FieldError
	if strings.TrimSpace(ev.MerchantID) == "" {
		fields = append(fields, core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	if !core.ValidEventType(ev.Type) {
		fields = append(fields, core.FieldError{Field: "type", Message: "must be one of " + strings.Join(core.EventTypes, ", ")})
	}
	if strings.TrimSpace(ev.Key) == "" {
		fields = append(fields, core.FieldError{Field: "key", Message: "is required"})
	}
	data, err := json.Marshal(ev.Data)
	if err != nil {
		fields = append(fields, core.FieldError{Field: "data", Message: "must encode as JSON: " + err.Error()})
	}
	if err := core.Invalid("invalid event", fields...); err != nil {
		return err
	}
	// Most merchants have no endpoint: a read spares the charge that
	// publishes a write transaction. The write checks again.
	if ok, err := s.store.subscribed(ctx, ev.MerchantID, ev.Type); err != nil || !ok {
		return err
	}
	at := ev.OccurredAt
	if at.IsZero() {
		at = s.now()
	}
	id := core.NewID("evt")
	body, err := json.Marshal(Payload{ID: id, Type: ev.Type, CreatedAt: at.UTC(), MerchantID: ev.MerchantID, Data: data})
	if err != nil {
		return core.Errorf(core.CodeInternal, "webhooks: encode event: %v", err)
	}
	n, err := s.store.publish(ctx, ev.MerchantID, ev.Type, ev.Key, id, body, s.now().UTC())
	if err != nil {
		return err
	}
	if n > 0 {
		s.Wake()
	}
	return nil
}

// Subscribed implements core.EventPublisher. Errors: the store's.
func (s *Service) Subscribed(ctx context.Context, merchantID, eventType string) (bool, error) {
	return s.store.subscribed(ctx, merchantID, eventType)
}

// maxErrorBody bounds how much of a refusing receiver's answer is kept in
// the delivery's last error.
const maxErrorBody = 200

// send POSTs one claimed delivery, signed now. Errors: CodeUnavailable for
// a network error or an answer other than 2xx (retried); after
// MaxAttempts attempts CodeProviderError (given up); CodeInternal when the
// secret does not open.
func (s *Service) send(ctx context.Context, j job) (string, error) {
	secret, err := s.sealer.Open(j.Secret, []byte(j.EndpointID))
	if err != nil {
		return "", core.Errorf(core.CodeInternal, "webhooks: the signing secret of endpoint %s does not open: %v", j.EndpointID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Payload))
	if err != nil {
		return "", s.giveUp(j, core.Errorf(core.CodeInvalid, "webhooks: endpoint URL: %v", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ledgerbridge-webhooks/1")
	req.Header.Set(EventIDHeader, j.EventID)
	req.Header.Set(EventTypeHeader, j.EventType)
	req.Header.Set(DeliveryIDHeader, j.ID)
	req.Header.Set(SignatureHeader, Sign(string(secret), s.now(), j.Payload))
	resp, err := s.client.Do(req)
	var refused *core.Error
	if errors.As(err, &refused) && refused.Code == core.CodeInvalid {
		// The transport refused a non-public address: no retry will
		// change where the name points for long enough to matter.
		return "", refused
	}
	if err != nil {
		return "", s.giveUp(j, core.Errorf(core.CodeUnavailable, "webhooks: %v", err))
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return strconv.Itoa(resp.StatusCode), nil
	}
	msg := fmt.Sprintf("webhooks: the receiver answered HTTP %d", resp.StatusCode)
	if text := strings.TrimSpace(strings.ToValidUTF8(string(head), "")); text != "" {
		msg += ": " + text
	}
	return "", s.giveUp(j, &core.Error{Code: core.CodeUnavailable, Message: msg})
}

// giveUp turns the failure of j's last allowed attempt into a permanent
// one; earlier failures are returned as they are (retried).
func (s *Service) giveUp(j job, err error) error {
	if outbox.IsPermanent(err) || j.Attempts < s.maxAttempts {
		return err
	}
	return core.Errorf(core.CodeProviderError, "gave up after %d attempts: %s", j.Attempts, core.AsError(err).Message)
}

// Wake makes a waiting worker look for due deliveries now. It never
// blocks.
func (s *Service) Wake() { s.worker.Wake() }

// Run delivers due events until ctx ends (outbox.Worker.Run). Several Run
// calls may work the same store at once.
func (s *Service) Run(ctx context.Context) { s.worker.Run(ctx) }

// Drain delivers what is due now and returns how many deliveries it tried
// (outbox.Worker.Drain).
func (s *Service) Drain(ctx context.Context) int { return s.worker.Drain(ctx) }

// transport is the deliveries' HTTP transport: with allowPrivate false it
// refuses to connect to a non-public address, checked on the address a
// name resolved to, at connect time, so DNS rebinding cannot slip one past
// the check made when the endpoint was saved.
func transport(allowPrivate bool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // a proxy would connect on the delivery's behalf, unchecked
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return core.Invalid("the endpoint is not on the public internet", core.FieldError{Field: "url",
					Message: "resolves to " + host + ", a loopback, private or link-local address the gateway does not call"})
			}
			return nil
		}
	}
	t.DialContext = dialer.DialContext
	return t
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// publicIP reports whether ip is a public unicast address: not loopback,
// private (RFC 1918, fc00::/7), link-local (169.254/16, where cloud
// metadata lives; fe80::/10), unspecified, multicast, "this network"
// (0/8) or carrier-grade NAT.
func publicIP(ip net.IP) bool {
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
		if ip4[0] == 0 || cgnat.Contains(ip4) {
			return false
		}
	}
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified())
}
