package integrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// PutCredentials stores the API token fields of an api_token provider,
// replacing any stored before. Values are trimmed of surrounding white space
// (pasted tokens often end in a newline). The provider verifies them first
// (VerifyConnection); only credentials it accepts are stored, sealed with
// AES-256-GCM. An active integration stays active with the new
// credentials; a needs_reauth one (the provider refused its previous
// credentials, see ReportUnauthorized) becomes active again, so work that
// paused for it resumes. Other statuses do not change.
//
// Errors: CodeForbidden; CodeNotFound; CodeInvalid naming each unknown
// field and each declared field that is missing or blank (by its name, e.g.
// "employee_token"), naming "credentials" when the provider connects with
// OAuth2 or needs no credentials, and carrying the provider's message (and
// its fields, or "credentials") when the provider refuses them;
// CodeUnavailable when the provider does not answer; CodeConflict when
// the integration kept changing concurrently.
func (s *Service) PutCredentials(ctx context.Context, p core.Principal, id string, fields map[string]string) (Integration, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return Integration{}, err
	}
	switch d.Auth.Type {
	case core.AuthAPIToken:
	case core.AuthOAuth2:
		return Integration{}, core.Invalid("invalid credentials", core.FieldError{Field: "credentials",
			Message: displayName(d) + " connects with OAuth2: start the connection with oauth/start instead"})
	default:
		return Integration{}, core.Invalid("invalid credentials", core.FieldError{Field: "credentials",
			Message: displayName(d) + " needs no credentials"})
	}
	creds, errs := checkCredentialFields(d.Auth.Fields, fields)
	if err := core.Invalid("invalid credentials", errs...); err != nil {
		return Integration{}, err
	}
	m, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return Integration{}, err
	}
	prov, err := s.providers.Provider(ctx, r.Provider)
	if err != nil {
		return Integration{}, core.AsError(err)
	}
	if err := prov.VerifyConnection(ctx, connectionFor(m, r, creds)); err != nil {
		return Integration{}, refusal(d, err)
	}
	sealed, err := s.sealCredentials(r.ID, creds)
	if err != nil {
		return Integration{}, err
	}
	saved, err := s.saveCredentials(ctx, id, sealed)
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, saved, d)
}

// saveCredentials stores sealed credentials on the integration, marks the
// wizard's credentials step done, and makes an integration that needed
// re-authorisation active again: new credentials are the reconnection.
func (s *Service) saveCredentials(ctx context.Context, id string, sealed []byte) (Record, error) {
	return s.update(ctx, id, func(r *Record) error {
		r.Credentials = sealed
		r.Problems = dropProblems(r.Problems, StepCredentials)
		if r.Status == core.IntegrationNeedsReauth {
			r.Status, r.StatusReason = core.IntegrationActive, ""
		}
		return nil
	})
}

// checkCredentialFields returns the declared fields, trimmed, or an error
// per unknown, missing or blank field, sorted by name.
func checkCredentialFields(declared []core.AuthField, fields map[string]string) (map[string]string, []core.FieldError) {
	var errs []core.FieldError
	known := map[string]bool{}
	for _, f := range declared {
		known[f.Name] = true
	}
	for _, name := range sortedKeys(fields) {
		if !known[name] {
			errs = append(errs, core.FieldError{Field: name, Message: "is not a credential of this provider"})
		}
	}
	out := map[string]string{}
	for _, f := range declared {
		v := strings.TrimSpace(fields[f.Name])
		if v == "" {
			label := f.Label
			if label == "" {
				label = f.Name
			}
			errs = append(errs, core.FieldError{Field: f.Name, Message: label + " is required"})
			continue
		}
		if e := core.TextError(f.Name, v, core.MaxCredentialLength, false); e != nil {
			errs = append(errs, *e)
			continue
		}
		out[f.Name] = v
	}
	return out, errs
}

// refusal turns the provider's refusal of a connection (invalid,
// unauthorized, forbidden) into an invalid error with the provider's
// message; other codes (unavailable, provider_error, ...) pass unchanged.
func refusal(d core.Descriptor, err error) error {
	e := core.AsError(err)
	if e.Code != core.CodeInvalid && e.Code != core.CodeUnauthorized && e.Code != core.CodeForbidden {
		return e
	}
	fields := e.Fields
	if len(fields) == 0 {
		fields = []core.FieldError{{Field: "credentials", Message: e.Message}}
	}
	return &core.Error{Code: core.CodeInvalid, Message: displayName(d) + " refused the credentials: " + e.Message, Fields: fields}
}

// Accounts returns the provider's chart of accounts through the
// integration's connection. Errors: CodeForbidden, CodeNotFound,
// CodeConflict (no credentials yet), the provider's errors (CodeUnsupported
// for a provider without a ledger, CodeUnavailable, ...).
func (s *Service) Accounts(ctx context.Context, p core.Principal, id string) ([]core.LedgerAccount, error) {
	prov, conn, err := s.connected(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out, err := prov.ListLedgerAccounts(ctx, conn)
	return out, asError(err)
}

// VATCodes returns the provider's VAT codes. Errors: as Accounts.
func (s *Service) VATCodes(ctx context.Context, p core.Principal, id string) ([]core.VATCode, error) {
	prov, conn, err := s.connected(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out, err := prov.ListVATCodes(ctx, conn)
	return out, asError(err)
}

// PaymentTypes returns the provider's payment types. Errors: as Accounts.
func (s *Service) PaymentTypes(ctx context.Context, p core.Principal, id string) ([]core.PaymentType, error) {
	prov, conn, err := s.connected(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out, err := prov.ListPaymentTypes(ctx, conn)
	return out, asError(err)
}

func (s *Service) connected(ctx context.Context, p core.Principal, id string) (core.Provider, core.Connection, error) {
	r, d, err := s.load(ctx, p, core.ActionReadIntegrations, id)
	if err != nil {
		return nil, core.Connection{}, err
	}
	return s.connection(ctx, r, d)
}

// asError keeps nil nil and makes any other error a *core.Error.
func asError(err error) error {
	if err == nil {
		return nil
	}
	return core.AsError(err)
}

// CreateLedgerAccount adds an account to the provider's chart through the
// integration's connection: the wizard's "add a new account from the list",
// for an item the chart has no account for. The number must be of the
// standard chart's shape (core.ValidateNewLedgerAccount: four digits in
// classes 1 to 8) and not in the live chart yet. Admin only. Errors:
// CodeForbidden; CodeNotFound; CodeInvalid naming number or name;
// CodeConflict naming number when the chart has it, and when the
// integration has no credentials yet; CodeUnsupported for a provider
// without a ledger or whose plugin cannot add accounts; the provider's
// errors.
func (s *Service) CreateLedgerAccount(ctx context.Context, p core.Principal, id string, a core.NewLedgerAccount) (core.LedgerAccount, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return core.LedgerAccount{}, err
	}
	a, err = core.ValidateNewLedgerAccount(a)
	if err != nil {
		return core.LedgerAccount{}, err
	}
	if !d.Capabilities.LedgerAccounts {
		return core.LedgerAccount{}, core.Errorf(core.CodeUnsupported, "%s has no chart of accounts to add to", displayName(d))
	}
	ch, err := s.chart(ctx, r, d)
	if err != nil {
		return core.LedgerAccount{}, err
	}
	if existing, ok := ch.accounts[a.Number]; ok {
		return core.LedgerAccount{}, &core.Error{Code: core.CodeConflict,
			Message: fmt.Sprintf("account %s already exists in %s (%s)", a.Number, ch.provider, existing.Name),
			Fields:  []core.FieldError{{Field: "number", Message: "account " + a.Number + " already exists"}}}
	}
	prov, conn, err := s.connection(ctx, r, d)
	if err != nil {
		return core.LedgerAccount{}, err
	}
	out, err := prov.CreateLedgerAccount(ctx, conn, a)
	return out, asError(err)
}
