package core

import (
	"context"
	"strings"
)

// Merchants, their API keys and authentication.

// Authenticate resolves an API key secret to its principal, reading the key
// from the store on every call (no cache), so a revocation by any process
// takes effect on the next request. The use is noted in memory for
// FlushKeyUsage. Errors: CodeUnauthorized for a missing, unknown or revoked
// key.
func (e *Engine) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, Errorf(CodeUnauthorized, "missing API key: send Authorization: Bearer <key>")
	}
	k, err := e.store.APIKeyByHash(ctx, HashAPIKey(secret))
	if Code(err) == CodeNotFound {
		return Principal{}, Errorf(CodeUnauthorized, "unknown API key")
	} else if err != nil {
		return Principal{}, err
	}
	if k.RevokedAt != nil {
		return Principal{}, Errorf(CodeUnauthorized, "API key revoked")
	}
	e.usage.note(k.ID, e.now().UTC())
	return Principal{MerchantID: k.MerchantID, Role: k.Role, KeyID: k.ID}, nil
}

// CreateMerchant creates a merchant with an admin, an accountant and a
// cashier key. Errors: CodeInvalid naming name, country or provider.
func (e *Engine) CreateMerchant(ctx context.Context, nm NewMerchant) (CreatedMerchant, error) {
	var errs fieldErrors
	if strings.TrimSpace(nm.Name) == "" {
		errs.add("name", "is required")
	}
	if !nm.Country.Valid() {
		errs.add("country", "must be SE or NO")
	}
	if nm.InvoicingProvider == "" {
		nm.InvoicingProvider = "open"
	}
	if !contains(e.providers.Names(), nm.InvoicingProvider) {
		errs.add("invoicing_provider", "no provider %q is installed", nm.InvoicingProvider)
	}
	if nm.InvoiceStartNumber == 0 {
		nm.InvoiceStartNumber = 1
	}
	if nm.InvoiceStartNumber < 1 || nm.InvoiceStartNumber > MaxInvoiceStartNumber {
		errs.add("invoice_start_number", "must be between 1 and %d", int64(MaxInvoiceStartNumber))
	}
	if err := Invalid("invalid merchant", errs...); err != nil {
		return CreatedMerchant{}, err
	}
	now := e.now().UTC()
	m := Merchant{
		ID: NewID("mer"), Name: strings.TrimSpace(nm.Name), Country: nm.Country, Currency: nm.Country.Currency(),
		InvoicingProvider: nm.InvoicingProvider, InvoiceStartNumber: nm.InvoiceStartNumber, CreatedAt: now,
	}
	out := CreatedMerchant{Merchant: m, APIKeys: map[Role]string{}}
	var keys []APIKey
	for _, r := range Roles {
		secret, hash := NewAPIKeySecret(r)
		keys = append(keys, APIKey{ID: NewID("key"), MerchantID: m.ID, Name: "initial " + string(r), Role: r, Hash: hash, CreatedAt: now})
		out.APIKeys[r] = secret
	}
	if err := e.store.CreateMerchant(ctx, m, keys); err != nil {
		return CreatedMerchant{}, err
	}
	return out, nil
}

// CreateAPIKey creates a key for the caller's merchant and returns it with
// its secret, which is shown once. Errors: CodeForbidden, CodeInvalid.
func (e *Engine) CreateAPIKey(ctx context.Context, p Principal, name string, role Role) (APIKey, string, error) {
	if err := p.Authorize(ActionManageAPIKeys); err != nil {
		return APIKey{}, "", err
	}
	var errs fieldErrors
	if strings.TrimSpace(name) == "" {
		errs.add("name", "is required")
	} else {
		errs.text("name", name, MaxAPIKeyNameLength, false)
	}
	if !role.Valid() {
		errs.add("role", "must be admin, accountant or cashier")
	}
	if err := Invalid("invalid API key", errs...); err != nil {
		return APIKey{}, "", err
	}
	secret, hash := NewAPIKeySecret(role)
	k := APIKey{ID: NewID("key"), MerchantID: p.MerchantID, Name: strings.TrimSpace(name), Role: role, Hash: hash, CreatedAt: e.now().UTC()}
	if err := e.store.CreateAPIKey(ctx, k); err != nil {
		return APIKey{}, "", err
	}
	return k, secret, nil
}
