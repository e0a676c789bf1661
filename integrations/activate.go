package integrations

import (
	"context"
	"maps"
	"sort"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

// Activate rechecks every step and makes the integration active. The checks:
// the provider can still do the integration's modes; credentials are stored
// and the provider accepts them now; the settings pass PutSettings' rules
// and an invoicing integration has invoicing enabled; a bookkeeping
// integration's mapping has every required item (see missingMappingItems)
// and each of its accounts passes the live chart (as in PutMapping).
//
// If anything fails it returns ONE CodeInvalid error listing every missing
// or invalid item by field ("credentials", "export_start_date",
// "fallback_payment_account", "vat_rates.12", "events.tips", ...), and the
// wizard shows those steps invalid until they are saved again. The chart is
// only checked once the credentials work.
//
// Invoicing through an accounting system (a provider that both invoices
// and exports sales, as Tripletex and Visma Spiris) needs its bookkeeping:
// an invoicing-only integration of such a provider activates only while
// the merchant's active bookkeeping integration is of the same provider
// (otherwise the problem names "modes" and says so in plain words); an
// integration for both modes activates both at once.
//
// On success the integration is active and the merchant's previously active
// (or needs_reauth) integrations sharing one of its modes are disabled
// whole, so there is one active integration per mode; an integration in
// both modes displaces both. When that disables an accounting system's
// bookkeeping integration, its invoicing-only integration is disabled too. Activating an invoicing integration makes
// "invoice" a payment method at all the merchant's locations. Nothing else
// changes: invoices, customers and other integrations stay as they are.
// Activating an active integration rechecks it and keeps it active.
//
// Errors: CodeForbidden; CodeNotFound; CodeInvalid as above; CodeConflict
// when the integration changed while it was being checked (try again);
// CodeUnavailable when the provider does not answer.
func (s *Service) Activate(ctx context.Context, p core.Principal, id string) (Integration, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return Integration{}, err
	}
	merchant, err := s.store.GetMerchant(ctx, r.MerchantID)
	if err != nil {
		return Integration{}, err
	}
	var problems []core.FieldError
	for attempt := 0; ; attempt++ {
		var checked Record
		problems, checked, err = s.activationProblems(ctx, r, d, merchant)
		if err != nil {
			return Integration{}, err
		}
		if checked.Version == r.Version {
			break
		}
		// Checking refreshed the OAuth2 tokens (a write): check the
		// integration as it is now.
		if attempt == 2 {
			return Integration{}, core.Errorf(core.CodeConflict, "integration %s changed while it was being activated; activate it again", id)
		}
		r = checked
	}
	if len(problems) > 0 {
		r.Problems = problems
		r.UpdatedAt = s.now()
		// Best effort: the wizard shows them; a concurrent change (which
		// the caller's next activation rechecks) may win instead.
		if _, err := s.save(ctx, r); err != nil && core.Code(err) != core.CodeConflict {
			return Integration{}, err
		}
		return Integration{}, core.Invalid("the integration cannot be activated: complete or correct every listed item", problems...)
	}
	r.Problems = nil
	r.StatusReason = ""
	now := s.now()
	r.UpdatedAt = now
	var saved Record
	err = s.conns.write(r.MerchantID, func() error {
		var err error
		saved, _, err = s.store.ActivateIntegration(ctx, r, now, needsItsBookkeeping(d))
		return err
	})
	if core.Code(err) == core.CodeConflict {
		return Integration{}, core.Errorf(core.CodeConflict, "integration %s changed while it was being activated; activate it again", id)
	} else if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, saved, d)
}

// activationProblems is every missing or invalid item of r, sorted by
// field, and r as stored after the check (a newer version when its OAuth2
// tokens were refreshed). It returns an error only when a check could not
// run.
func (s *Service) activationProblems(ctx context.Context, r Record, d core.Descriptor, merchant core.Merchant) ([]core.FieldError, Record, error) {
	problems := modeCapabilityErrors(d, r.Modes)
	credentialsOK := true
	switch {
	case d.Auth.Type != core.AuthAPIToken && d.Auth.Type != core.AuthOAuth2:
	case r.Credentials == nil:
		credentialsOK = false
		msg := "connect " + displayName(d) + " with OAuth2"
		if d.Auth.Type == core.AuthAPIToken {
			msg = "enter " + fieldLabels(d.Auth.Fields)
		}
		problems = append(problems, core.FieldError{Field: "credentials", Message: "missing: " + msg})
	default:
		prov, conn, checked, err := s.connectionOf(ctx, r, d)
		if e := core.AsError(err); e != nil && e.Code == core.CodeInvalid {
			// The OAuth2 grant is revoked or needs renewing.
			if checked.Version != r.Version {
				return nil, checked, nil
			}
			credentialsOK = false
			problems = append(problems, e.Fields...)
			break
		} else if err != nil {
			return nil, r, err
		}
		if checked.Version != r.Version {
			return nil, checked, nil
		}
		if err := prov.VerifyConnection(ctx, conn); err != nil {
			e := core.AsError(refusal(d, err))
			if e.Code != core.CodeInvalid {
				return nil, r, e
			}
			credentialsOK = false
			problems = append(problems, core.FieldError{Field: "credentials", Message: e.Message})
		}
	}
	settings := Settings{}
	if r.Settings != nil {
		settings = *r.Settings
	}
	problems = append(problems, s.settingsErrors(r, d, merchant, settings, true)...)
	if needsItsBookkeeping(d) && r.HasMode(core.ModeInvoicing) && !r.HasMode(core.ModeBookkeeping) {
		b, found, err := s.store.ActiveIntegration(ctx, r.MerchantID, core.ModeBookkeeping)
		if err != nil {
			return nil, r, err
		}
		if !found || b.Provider != r.Provider {
			name := displayName(d)
			now := "the merchant has no active bookkeeping integration"
			if found {
				now = "the merchant's bookkeeping goes to " + b.Provider
				if bd, err := s.describe(ctx, b.Provider); err == nil {
					now = "the merchant's bookkeeping goes to " + displayName(bd)
				}
			}
			problems = append(problems, core.FieldError{Field: "modes", Message: "invoicing through " + name +
				" needs " + name + " for bookkeeping too, and " + now + ": activate a " + name +
				" bookkeeping integration first, or set up one " + name + " integration for both invoicing and bookkeeping"})
		}
	}
	if r.HasMode(core.ModeBookkeeping) {
		problems = append(problems, missingMappingItems(r, merchant.Country)...)
		if r.Mapping != nil && credentialsOK {
			errs, err := s.mappingErrors(ctx, r, d, merchant)
			if err != nil {
				return nil, r, err
			}
			problems = append(problems, errs...)
		}
	}
	sort.SliceStable(problems, func(a, b int) bool { return problems[a].Field < problems[b].Field })
	return problems, r, nil
}

// needsItsBookkeeping reports whether invoicing through the provider
// requires the merchant's bookkeeping to go to the same provider: it is an
// accounting system (it both invoices and books sales, as Tripletex and
// Visma Spiris do), whose invoices are entries of its own ledger. The
// built-in open provider only invoices and needs nothing.
func needsItsBookkeeping(d core.Descriptor) bool {
	return d.Capabilities.Invoices && d.Capabilities.SalesExport
}

// Disable stops one of the merchant's integrations (POST
// /v1/integrations/{id}/disable): it becomes disabled with a reason saying
// who stopped it and when, keeping its credentials, settings and mapping.
// Invoicing then falls back to the built-in open provider (the merchant
// has no active invoicing integration) and the merchant's export jobs wait,
// pending, until a bookkeeping integration is active again (activating
// this one again resumes them: nothing is lost or booked twice). Disabling
// a bookkeeping integration disables the merchant's invoicing-only
// integration of the same provider too, when it has no other active
// bookkeeping integration: invoicing through an accounting system needs
// its bookkeeping. Disabling a disabled integration changes nothing.
//
// Errors: CodeForbidden; CodeNotFound (also for another merchant's);
// CodeConflict for an integration still in setup.
func (s *Service) Disable(ctx context.Context, p core.Principal, id string) (Integration, error) {
	r, d, err := s.load(ctx, p, core.ActionManageIntegrations, id)
	if err != nil {
		return Integration{}, err
	}
	now := s.now()
	reason := "disabled by an administrator on " + now.UTC().Format("2006-01-02 15:04 MST")
	var saved Record
	err = s.conns.write(r.MerchantID, func() error {
		var err error
		saved, _, err = s.store.DisableIntegration(ctx, id, reason, now)
		return err
	})
	if err != nil {
		return Integration{}, err
	}
	return s.view(ctx, saved, d)
}

// ActiveConnection returns the merchant's active (or needs_reauth)
// integration for mode with its decrypted credentials and its settings as
// strings (SettingExportStartDate, ...); found is false when there is none.
// It implements core.ConnectionSource.
//
// For an oauth2 provider the credentials are CredentialAccessToken and
// CredentialExpiresAt (never the refresh token), and the access token is
// valid for at least RefreshMargin: one that expires sooner is refreshed
// first, once however many callers ask at the same time (the others wait
// for it and get the new token). When the provider answers invalid_grant
// the integration becomes needs_reauth and is returned with that status
// (and StatusReason saying so): callers pause instead of calling the
// provider. A needs_reauth integration is never refreshed.
//
// Errors: CodeUnavailable when the database is busy or the token endpoint
// fails while the access token is (nearly) expired (the status does not
// change; try again); CodeInternal when the credentials do not open (the
// key changed).
//
// It answers from memory after the first read (see connCache), yet always
// with what the database holds at some instant during the call.
func (s *Service) ActiveConnection(ctx context.Context, merchantID string, mode core.IntegrationMode) (core.ActiveConnection, bool, error) {
	key := connKey{merchantID, mode}
	ac, found, hit, gen := s.conns.get(key)
	if hit && !(found && s.staleConnection(ctx, ac)) {
		return ac, found, nil
	}
	for range 3 {
		r, found, err := s.store.ActiveIntegration(ctx, merchantID, mode)
		if err != nil {
			return core.ActiveConnection{}, false, err
		}
		if !found {
			if !hit {
				s.conns.fill(key, gen, core.ActiveConnection{}, false)
			}
			return core.ActiveConnection{}, false, nil
		}
		if r, err = s.fresh(ctx, r); core.Code(err) == core.CodeInvalid {
			continue // disabled while it was refreshed
		} else if err != nil {
			return core.ActiveConnection{}, false, err
		}
		if r.Status != core.IntegrationActive && r.Status != core.IntegrationNeedsReauth {
			continue // replaced while it was refreshed
		}
		ac, err := s.activeConnection(ctx, r)
		if err != nil {
			return core.ActiveConnection{}, false, err
		}
		if !hit {
			s.conns.fill(key, gen, ac, true)
		}
		return ac, true, nil
	}
	return core.ActiveConnection{}, false, core.Errorf(core.CodeUnavailable,
		"the merchant's %s integration kept changing while its connection was read; try again", mode)
}

// activeConnection is r with its credentials as the provider receives them
// (see ActiveConnection).
func (s *Service) activeConnection(ctx context.Context, r Record) (core.ActiveConnection, error) {
	creds, err := s.providerCredentials(ctx, r)
	if err != nil {
		return core.ActiveConnection{}, err
	}
	settings := Settings{}
	if r.Settings != nil {
		settings = *r.Settings
	}
	return core.ActiveConnection{IntegrationID: r.ID, Provider: r.Provider, Status: r.Status,
		Settings: settings.strings(), Credentials: creds}, nil
}

// BookkeepingTarget is where and how a merchant's daily sales are exported:
// the export engine's own type, so that *Service is its
// exports.Bookkeeping as it is.
type BookkeepingTarget = exports.BookkeepingTarget

var _ exports.Bookkeeping = (*Service)(nil)

// ActiveBookkeeping returns the merchant's active (or needs_reauth: check
// Connection.Status and pause) bookkeeping integration for the export
// engine, its OAuth2 access token refreshed as in ActiveConnection; found is
// false when there is none. Errors: as ActiveConnection.
func (s *Service) ActiveBookkeeping(ctx context.Context, merchantID string) (BookkeepingTarget, bool, error) {
	r, found, err := s.store.ActiveIntegration(ctx, merchantID, core.ModeBookkeeping)
	if err != nil || !found {
		return BookkeepingTarget{}, false, err
	}
	if r, err = s.fresh(ctx, r); err != nil {
		return BookkeepingTarget{}, false, err
	}
	ac, err := s.activeConnection(ctx, r)
	if err != nil {
		return BookkeepingTarget{}, false, err
	}
	t := BookkeepingTarget{Connection: ac, Mapping: normalizeMapping(mapping.Mapping{})}
	if r.Mapping != nil {
		t.Mapping = normalizeMapping(copyMapping(*r.Mapping))
	}
	if r.Settings != nil {
		t.ExportStartDate = r.Settings.ExportStartDate
	}
	if r.HasMode(core.ModeInvoicing) {
		t.SameAsInvoicing = true
	} else {
		inv, found, err := s.ActiveConnection(ctx, merchantID, core.ModeInvoicing)
		if err != nil {
			return BookkeepingTarget{}, false, err
		}
		t.SameAsInvoicing = found && inv.Provider == ac.Provider && maps.Equal(inv.Credentials, ac.Credentials)
	}
	return t, true, nil
}

// ReportUnauthorized records that the provider refused integration
// integrationID's credentials although they looked valid (the merchant
// revoked the consent, or the provider expired the access token on its
// side). It implements core.ConnectionSource; the invoicing and export
// engines call it when a provider call answers CodeUnauthorized, then
// resolve the connection again.
//
// For an oauth2 provider the access token is refreshed now, whatever its
// expiry, under the integration's token lock (as in ActiveConnection):
// when the token endpoint answers invalid_grant the integration becomes
// needs_reauth with a reason. Of concurrent reports of one refused token
// only the first refreshes; the others wait for it and find the token
// renewed (so does a report within a few seconds of any refresh). An
// api_token integration becomes needs_reauth (PutCredentials with
// credentials the provider accepts makes it active again). An integration
// that is not active, or whose provider needs no credentials, is left as
// it is.
//
// Errors: CodeNotFound; CodeUnavailable when the token endpoint fails (the
// status is unchanged; try again) or ctx ends while waiting for another
// refresh; CodeInternal when the credentials do not open.
func (s *Service) ReportUnauthorized(ctx context.Context, integrationID string) error {
	r, err := s.store.GetIntegration(ctx, integrationID)
	if err != nil || r.Status != core.IntegrationActive || r.Credentials == nil {
		return err
	}
	d, err := s.describe(ctx, r.Provider)
	if err != nil {
		return err
	}
	switch d.Auth.Type {
	case core.AuthOAuth2:
		creds, err := s.openCredentials(r)
		if err != nil {
			return err
		}
		_, err = s.refresh(ctx, r.ID, d, tokensFrom(creds).access)
		if core.Code(err) == core.CodeInvalid {
			return nil // no longer active: revoked says what happened
		}
		return err
	case core.AuthAPIToken:
		reason := displayName(d) + " refused the connection's API credentials on " + s.now().UTC().Format("2006-01-02 15:04 MST") +
			": an administrator must enter new credentials in BackOffice; invoicing and exports through it are paused until then, nothing queued is lost"
		err := s.MarkNeedsReauth(ctx, r.ID, reason)
		if core.Code(err) == core.CodeConflict {
			return nil // disabled or replaced meanwhile
		}
		return err
	}
	return nil
}

// MarkNeedsReauth records that the provider revoked the integration's grant
// (an OAuth2 refresh failed): an active integration becomes needs_reauth
// with reason, keeping its place as the merchant's integration for its
// modes while work pauses. Marking a needs_reauth integration again updates
// the reason. Errors: CodeNotFound; CodeConflict for an integration in
// setup or disabled.
func (s *Service) MarkNeedsReauth(ctx context.Context, integrationID, reason string) error {
	wasActive := false
	saved, err := s.update(ctx, integrationID, func(r *Record) error {
		if r.Status != core.IntegrationActive && r.Status != core.IntegrationNeedsReauth {
			return core.Errorf(core.CodeConflict, "integration %s is %s, not active", r.ID, r.Status)
		}
		wasActive = r.Status == core.IntegrationActive
		r.Status, r.StatusReason = core.IntegrationNeedsReauth, reason
		return nil
	})
	if err == nil && wasActive {
		s.needsReauth(ctx, saved)
	}
	return err
}
