// Package integrations is the lifecycle of a merchant's integrations with
// accounting providers and the setup wizard that leads to their activation:
// create an integration for the invoicing and/or bookkeeping mode, connect
// it (API token fields, verified by the provider before they are stored;
// or OAuth2, see oauth.go: StartOAuth and CompleteOAuth, with access tokens
// refreshed before they expire; credentials are sealed with AES-256-GCM at
// rest either way), choose its settings and its account
// mapping (checked against the provider's live chart of accounts and VAT
// codes), and activate it, which replaces the merchant's previous active
// integration for the same mode.
//
// The Service implements core.ConnectionSource for the invoicing engine and
// resolves the active bookkeeping integration for the export engine
// (ActiveBookkeeping). Its persistence is the Store interface declared here
// and implemented by package store.
//
// Every error is a *core.Error: CodeForbidden when the caller's role lacks
// the right, CodeNotFound for an unknown integration or one of another
// merchant, CodeInvalid naming each bad field, CodeConflict when the
// integration's state forbids the operation (or it changed concurrently),
// and the provider's own codes (CodeUnavailable, CodeProviderError, ...)
// passed through.
package integrations

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// Settings are an integration's choices in the wizard. They are the JSON
// body of PUT /v1/integrations/{id}/settings.
type Settings struct {
	// ExportStartDate is the first business day whose sales are exported
	// (bookkeeping mode only, where it is required).
	ExportStartDate core.Date `json:"export_start_date,omitempty"`
	// InvoicingEnabled turns invoicing through the provider on (invoicing
	// mode only, where activation requires it).
	InvoicingEnabled bool `json:"invoicing_enabled"`
	// CollectiveInvoicingEnabled lets customers collect purchases on one
	// invoice a month (needs InvoicingEnabled and the provider's
	// collective_invoices capability).
	CollectiveInvoicingEnabled bool `json:"collective_invoicing_enabled"`
}

// Keys of an integration's settings in core.ActiveConnection.Settings and
// core.Connection.Settings, as strings ("2026-04-01", "true", "false").
const (
	SettingExportStartDate            = "export_start_date"
	SettingInvoicingEnabled           = "invoicing_enabled"
	SettingCollectiveInvoicingEnabled = "collective_invoicing_enabled"
)

// strings renders the settings for a provider connection.
func (s Settings) strings() map[string]string {
	out := map[string]string{
		SettingInvoicingEnabled:           strconv.FormatBool(s.InvoicingEnabled),
		SettingCollectiveInvoicingEnabled: strconv.FormatBool(s.CollectiveInvoicingEnabled),
	}
	if s.ExportStartDate != "" {
		out[SettingExportStartDate] = string(s.ExportStartDate)
	}
	return out
}

// Record is an integration as the Store keeps it.
type Record struct {
	ID         string
	MerchantID string
	Provider   string
	// Modes is non-empty, without duplicates, in the order invoicing,
	// bookkeeping.
	Modes        []core.IntegrationMode
	Status       core.IntegrationStatus
	StatusReason string
	// Credentials are the credential fields as JSON sealed by a Sealer
	// with the integration ID as associated data; nil when none are stored.
	Credentials []byte
	// Settings are nil until the merchant first saves them.
	Settings *Settings
	// Mapping is nil until the merchant first saves one.
	Mapping *mapping.Mapping
	// Problems are what the last failed activation found, less the ones
	// of steps saved since; empty after a successful activation.
	Problems []core.FieldError
	// Version increases with every saved change; SaveIntegration and
	// ActivateIntegration only apply to the version they were given.
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ActivatedAt time.Time // zero until first activated
}

// HasMode reports whether the integration works in mode.
func (r Record) HasMode(mode core.IntegrationMode) bool {
	for _, m := range r.Modes {
		if m == mode {
			return true
		}
	}
	return false
}

// Store is the persistence the Service needs; package store implements it.
// Every error is a *core.Error.
type Store interface {
	// GetMerchant returns a merchant. Errors: CodeNotFound.
	GetMerchant(ctx context.Context, id string) (core.Merchant, error)
	// CreateIntegration stores a new integration at version 1. Errors:
	// CodeNotFound for an unknown merchant, CodeConflict if the ID exists.
	CreateIntegration(ctx context.Context, r Record) (Record, error)
	// GetIntegration returns an integration of any merchant. Errors:
	// CodeNotFound.
	GetIntegration(ctx context.Context, id string) (Record, error)
	// ListIntegrations returns the merchant's integrations, oldest first.
	ListIntegrations(ctx context.Context, merchantID string) ([]Record, error)
	// SalesNames returns the product groups and payment methods the
	// merchant's sales receipts have used, each sorted and never nil.
	SalesNames(ctx context.Context, merchantID string) (groups, methods []string, err error)
	// SaveIntegration replaces the integration's status, status reason,
	// credentials, settings, mapping and problems if it is still at
	// r.Version, and returns it at its new version. Errors: CodeNotFound;
	// CodeConflict when it changed since r.Version was read, or when the
	// change would leave two active integrations for a mode.
	SaveIntegration(ctx context.Context, r Record) (Record, error)
	// ActivateIntegration makes the integration (still at r.Version)
	// active in one transaction: the merchant's other active or
	// needs_reauth integrations sharing one of its modes become disabled
	// with a reason naming it, so do the invoicing-only integrations of a
	// provider whose bookkeeping integration was among them (unless the
	// provider keeps an active one), and, when it has the invoicing mode,
	// "invoice" becomes one of the merchant's payment methods. With
	// needsBookkeeping, an invoicing-only integration activates only while
	// the merchant has an active (or needs_reauth) bookkeeping integration
	// of the same provider. It returns the integration as stored and the
	// IDs of those it disabled. Errors: CodeNotFound; CodeConflict when it
	// changed since r.Version was read or needsBookkeeping is not met.
	ActivateIntegration(ctx context.Context, r Record, at time.Time, needsBookkeeping bool) (Record, []string, error)
	// DisableIntegration makes an active or needs_reauth integration
	// disabled with reason, in one transaction with the merchant's
	// invoicing-only integrations of the same provider when it was that
	// provider's last active bookkeeping integration. A disabled one is
	// returned unchanged. It returns the integration as stored and the IDs
	// of the others it disabled. Errors: CodeNotFound; CodeConflict for an
	// integration in setup.
	DisableIntegration(ctx context.Context, id, reason string, at time.Time) (Record, []string, error)
	// ActiveIntegration returns the merchant's active or needs_reauth
	// integration for mode; found is false when there is none.
	ActiveIntegration(ctx context.Context, merchantID string, mode core.IntegrationMode) (r Record, found bool, err error)
	// MerchantPaymentMethods lists, sorted, the merchant's enabled payment
	// methods (activating invoicing enables "invoice"; the saved list may
	// limit each to some locations).
	MerchantPaymentMethods(ctx context.Context, merchantID string) ([]string, error)
	// CreateOAuthState stores a pending OAuth2 authorization (and purges
	// those expired before st.CreatedAt). Errors: CodeNotFound for an
	// unknown merchant or integration, CodeConflict for a known hash.
	CreateOAuthState(ctx context.Context, st OAuthState) error
	// ConsumeOAuthState deletes and returns the pending authorization with
	// hash; found is false when there is none. Of concurrent calls with one
	// hash exactly one finds it. An expired one may still be returned:
	// check ExpiresAt.
	ConsumeOAuthState(ctx context.Context, hash string) (st OAuthState, found bool, err error)
}

// Service runs the integration lifecycle and the setup wizard. It is safe
// for concurrent use.
type Service struct {
	store     Store
	providers core.ProviderRegistry
	sealer    *Sealer
	now       core.Clock

	descriptors *core.Descriptors
	conns       *connCache

	oauthMu sync.RWMutex
	oauth   OAuthConfig // see SetOAuthConfig
	tokens  tokenLocks  // oauth.go: one refresh at a time per integration

	events    core.EventPublisher // see SetEventPublisher
	eventsLog *slog.Logger
}

// NewService returns a Service over store and providers that seals
// credentials with sealer. A nil clock means time.Now.
func NewService(store Store, providers core.ProviderRegistry, sealer *Sealer, clock core.Clock) *Service {
	if clock == nil {
		clock = time.Now
	}
	return &Service{store: store, providers: providers, sealer: sealer, now: clock,
		descriptors: core.NewDescriptors(providers), conns: newConnCache(), tokens: tokenLocks{m: map[string]*tokenLock{}}}
}

var _ core.ConnectionSource = (*Service)(nil)

// Integration is an integration as the API shows it: the JSON of
// GET /v1/integrations/{id}. Credentials are never shown.
type Integration struct {
	ID           string                 `json:"id"`
	Provider     string                 `json:"provider"`
	DisplayName  string                 `json:"display_name"`
	Modes        []core.IntegrationMode `json:"modes"`
	Status       core.IntegrationStatus `json:"status"`
	StatusReason string                 `json:"status_reason,omitempty"`
	// Auth is how the provider connects: none, api_token or oauth2.
	Auth core.AuthType `json:"auth"`
	// Connected is true when credentials are stored (or none are needed).
	Connected bool     `json:"connected"`
	Settings  Settings `json:"settings"`
	Wizard    Wizard   `json:"wizard"`
	// MerchantPaymentMethods are the merchant's enabled payment methods:
	// "invoice" once an invoicing integration was activated (unless an
	// admin switched it off since; GET /v1/payment-methods says where).
	MerchantPaymentMethods []string   `json:"merchant_payment_methods"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
	ActivatedAt            *time.Time `json:"activated_at,omitempty"`
}

// Create starts an integration of the merchant with provider for modes, in
// status setup with its wizard. Duplicate modes count once. Errors:
// CodeForbidden; CodeInvalid naming "provider" (unknown) or "modes" (none,
// unknown, or one the provider cannot do: bookkeeping needs the
// sales_export capability, invoicing the invoices capability);
// CodeUnavailable when the provider does not answer.
func (s *Service) Create(ctx context.Context, p core.Principal, provider string, modes []core.IntegrationMode) (Integration, error) {
	if err := p.Authorize(core.ActionManageIntegrations); err != nil {
		return Integration{}, err
	}
	var errs []core.FieldError
	provider = strings.TrimSpace(provider)
	if provider == "" {
		errs = append(errs, core.FieldError{Field: "provider", Message: "is required"})
	}
	errs = core.CheckText(errs, "provider", provider, core.MaxIDLength, false)
	modes, modeErrs := normalizeModes(modes)
	errs = append(errs, modeErrs...)
	if err := core.Invalid("invalid integration", errs...); err != nil {
		return Integration{}, err
	}
	d, err := s.describe(ctx, provider)
	if core.Code(err) == core.CodeNotFound {
		return Integration{}, core.Invalid("invalid integration", core.FieldError{Field: "provider",
			Message: "unknown provider " + strconv.Quote(provider) + "; installed: " + strings.Join(s.providers.Names(), ", ")})
	} else if err != nil {
		return Integration{}, err
	}
	if errs := modeCapabilityErrors(d, modes); len(errs) > 0 {
		return Integration{}, core.Invalid("invalid integration", errs...)
	}
	if _, err := s.store.GetMerchant(ctx, p.MerchantID); err != nil {
		return Integration{}, err
	}
	now := s.now()
	r, err := s.store.CreateIntegration(ctx, Record{
		ID: core.NewID("int"), MerchantID: p.MerchantID, Provider: d.Name, Modes: modes,
		Status: core.IntegrationSetup, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, r, d)
}

// normalizeModes checks modes and returns them deduplicated in the order
// invoicing, bookkeeping.
func normalizeModes(modes []core.IntegrationMode) ([]core.IntegrationMode, []core.FieldError) {
	if len(modes) == 0 {
		return nil, []core.FieldError{{Field: "modes", Message: "choose invoicing, bookkeeping or both"}}
	}
	var errs []core.FieldError
	seen := map[core.IntegrationMode]bool{}
	for i, m := range modes {
		if m != core.ModeInvoicing && m != core.ModeBookkeeping {
			errs = append(errs, core.FieldError{Field: "modes[" + strconv.Itoa(i) + "]", Message: "must be invoicing or bookkeeping"})
			continue
		}
		seen[m] = true
	}
	var out []core.IntegrationMode
	for _, m := range []core.IntegrationMode{core.ModeInvoicing, core.ModeBookkeeping} {
		if seen[m] {
			out = append(out, m)
		}
	}
	return out, errs
}

// modeCapabilityErrors names "modes" for each mode the provider cannot do.
func modeCapabilityErrors(d core.Descriptor, modes []core.IntegrationMode) []core.FieldError {
	var errs []core.FieldError
	for _, m := range modes {
		switch {
		case m == core.ModeBookkeeping && !d.Capabilities.SalesExport:
			errs = append(errs, core.FieldError{Field: "modes", Message: displayName(d) + " cannot do bookkeeping: it does not export sales"})
		case m == core.ModeInvoicing && !d.Capabilities.Invoices:
			errs = append(errs, core.FieldError{Field: "modes", Message: displayName(d) + " cannot do invoicing: it does not create invoices"})
		}
	}
	return errs
}

// List returns the merchant's integrations, oldest first. Errors:
// CodeForbidden; CodeUnavailable when a provider never answered Describe.
func (s *Service) List(ctx context.Context, p core.Principal) ([]Integration, error) {
	if err := p.Authorize(core.ActionReadIntegrations); err != nil {
		return nil, err
	}
	recs, err := s.store.ListIntegrations(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	m, err := s.store.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	methods, err := s.store.MerchantPaymentMethods(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	out := make([]Integration, 0, len(recs))
	for _, r := range recs {
		d, err := s.describe(ctx, r.Provider)
		if err != nil {
			return nil, err
		}
		out = append(out, viewOf(r, d, m.Country, methods))
	}
	return out, nil
}

// Get returns one of the merchant's integrations with its wizard. Errors:
// CodeForbidden, CodeNotFound (also for another merchant's),
// CodeUnavailable.
func (s *Service) Get(ctx context.Context, p core.Principal, id string) (Integration, error) {
	r, d, err := s.load(ctx, p, core.ActionReadIntegrations, id)
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, r, d)
}

// load authorizes p for a, reads the merchant's integration id and describes
// its provider.
func (s *Service) load(ctx context.Context, p core.Principal, a core.Action, id string) (Record, core.Descriptor, error) {
	if err := p.Authorize(a); err != nil {
		return Record{}, core.Descriptor{}, err
	}
	r, err := s.store.GetIntegration(ctx, id)
	if err != nil {
		return Record{}, core.Descriptor{}, err
	}
	if r.MerchantID != p.MerchantID {
		return Record{}, core.Descriptor{}, core.ErrNotFound("integration", id)
	}
	d, err := s.describe(ctx, r.Provider)
	if err != nil {
		return Record{}, core.Descriptor{}, err
	}
	return r, d, nil
}

// update applies change to the latest version of integration id and saves
// it, re-reading and re-applying when another write got in between (up to
// a few times, then CodeConflict). change must only edit the record.
func (s *Service) update(ctx context.Context, id string, change func(*Record) error) (Record, error) {
	var err error
	for range 4 {
		var r Record
		if r, err = s.store.GetIntegration(ctx, id); err != nil {
			return Record{}, err
		}
		if err = change(&r); err != nil {
			return Record{}, err
		}
		r.UpdatedAt = s.now()
		var saved Record
		if saved, err = s.save(ctx, r); core.Code(err) != core.CodeConflict {
			return saved, err
		}
	}
	return Record{}, err
}

// save stores r through the connection cache.
func (s *Service) save(ctx context.Context, r Record) (saved Record, err error) {
	err = s.conns.write(r.MerchantID, func() error {
		saved, err = s.store.SaveIntegration(ctx, r)
		return err
	})
	return saved, err
}

// view is the API form of r.
func (s *Service) view(ctx context.Context, r Record, d core.Descriptor) (Integration, error) {
	m, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return Integration{}, err
	}
	methods, err := s.store.MerchantPaymentMethods(ctx, r.MerchantID)
	if err != nil {
		return Integration{}, err
	}
	return viewOf(r, d, m.Country, methods), nil
}

func viewOf(r Record, d core.Descriptor, country core.Country, methods []string) Integration {
	in := Integration{
		ID: r.ID, Provider: r.Provider, DisplayName: displayName(d), Modes: r.Modes, Status: r.Status,
		StatusReason: r.StatusReason, Auth: d.Auth.Type, Connected: connected(r, d),
		Wizard: wizardOf(r, d, country), MerchantPaymentMethods: methods,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if in.MerchantPaymentMethods == nil {
		in.MerchantPaymentMethods = []string{}
	}
	if r.Settings != nil {
		in.Settings = *r.Settings
	}
	if !r.ActivatedAt.IsZero() {
		t := r.ActivatedAt
		in.ActivatedAt = &t
	}
	return in
}

func connected(r Record, d core.Descriptor) bool {
	return d.Auth.Type == core.AuthNone || d.Auth.Type == "" || r.Credentials != nil
}

func displayName(d core.Descriptor) string {
	if d.DisplayName != "" {
		return d.DisplayName
	}
	return d.Name
}

// describe returns the provider's descriptor, cached for the process's
// life after the first answer (a provider's auth scheme and capabilities
// do not change while it is installed). Errors: CodeNotFound for an unknown
// provider, CodeUnavailable.
func (s *Service) describe(ctx context.Context, name string) (core.Descriptor, error) {
	return s.descriptors.Get(ctx, name)
}

// connection returns the provider with a connection for r's merchant
// carrying r's credentials (for an oauth2 provider a current access token,
// refreshed first when needed, see fresh). Errors: CodeConflict when the
// provider needs credentials and none are stored; CodeInvalid naming
// "credentials" when the OAuth2 grant is revoked (needs_reauth);
// CodeInternal when the credentials do not open; CodeUnavailable; provider
// errors.
func (s *Service) connection(ctx context.Context, r Record, d core.Descriptor) (core.Provider, core.Connection, error) {
	prov, conn, _, err := s.connectionOf(ctx, r, d)
	return prov, conn, err
}

// connectionOf is connection that also returns r as stored afterwards: a
// newer version when its OAuth2 tokens were refreshed.
func (s *Service) connectionOf(ctx context.Context, r Record, d core.Descriptor) (core.Provider, core.Connection, Record, error) {
	reauth := func(r Record) error {
		return core.Invalid("the connection needs to be re-authorised", core.FieldError{Field: "credentials",
			Message: "re-authorise the connection: " + r.StatusReason})
	}
	if d.Auth.Type == core.AuthOAuth2 && r.Status == core.IntegrationNeedsReauth {
		return nil, core.Connection{}, r, reauth(r)
	}
	fr, err := s.fresh(ctx, r)
	if err != nil {
		if fr.ID == "" {
			fr = r
		}
		return nil, core.Connection{}, fr, err
	}
	if d.Auth.Type == core.AuthOAuth2 && fr.Status == core.IntegrationNeedsReauth {
		return nil, core.Connection{}, fr, reauth(fr)
	}
	if !connected(fr, d) {
		return nil, core.Connection{}, fr, core.Errorf(core.CodeConflict,
			"integration %s has no credentials yet: complete the credentials step first", fr.ID)
	}
	m, err := s.store.GetMerchant(ctx, fr.MerchantID)
	if err != nil {
		return nil, core.Connection{}, fr, err
	}
	creds, err := s.providerCredentials(ctx, fr)
	if err != nil {
		return nil, core.Connection{}, fr, err
	}
	prov, err := s.providers.Provider(ctx, fr.Provider)
	if err != nil {
		return nil, core.Connection{}, fr, core.AsError(err)
	}
	return prov, connectionFor(m, fr, creds), fr, nil
}

// providerCredentials are r's credentials as its provider receives them:
// all fields of an api_token provider; the access token and its expiry of
// an oauth2 provider (never the refresh token). nil when none are stored.
func (s *Service) providerCredentials(ctx context.Context, r Record) (map[string]string, error) {
	creds, err := s.openCredentials(r)
	if err != nil || creds == nil {
		return creds, err
	}
	d, err := s.describe(ctx, r.Provider)
	if err != nil {
		return nil, err
	}
	if d.Auth.Type == core.AuthOAuth2 {
		return providerFields(creds), nil
	}
	return creds, nil
}

func connectionFor(m core.Merchant, r Record, creds map[string]string) core.Connection {
	settings := Settings{}
	if r.Settings != nil {
		settings = *r.Settings
	}
	return core.Connection{MerchantID: m.ID, Country: m.Country, Currency: m.Currency,
		Settings: settings.strings(), Credentials: creds}
}

// sealCredentials seals fields for integration id.
func (s *Service) sealCredentials(id string, fields map[string]string) ([]byte, error) {
	plain, err := json.Marshal(fields)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "encode credentials: %v", err)
	}
	return s.sealer.Seal(plain, []byte(id)), nil
}

// openCredentials returns r's credential fields; nil when none are stored.
func (s *Service) openCredentials(r Record) (map[string]string, error) {
	if r.Credentials == nil {
		return nil, nil
	}
	plain, err := s.sealer.Open(r.Credentials, []byte(r.ID))
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "credentials of integration %s: %s", r.ID, core.AsError(err).Message)
	}
	var fields map[string]string
	if err := json.Unmarshal(plain, &fields); err != nil {
		return nil, core.Errorf(core.CodeInternal, "credentials of integration %s are malformed", r.ID)
	}
	return fields, nil
}

// dropProblems removes the problems that belong to the given steps.
func dropProblems(problems []core.FieldError, steps ...string) []core.FieldError {
	out := []core.FieldError{}
	for _, p := range problems {
		drop := false
		for _, st := range steps {
			drop = drop || stepOf(p.Field) == st
		}
		if !drop {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
