package core

import (
	"context"
	"time"
)

// Store is the gateway's own persistence (merchants, API keys, idempotency
// records). Provider data lives with each provider. It is declared here, by
// its consumer; package store implements it on SQLite.
type Store interface {
	// CreateMerchant stores a merchant and its first API keys in one
	// transaction. Errors: CodeConflict if the ID exists.
	CreateMerchant(ctx context.Context, m Merchant, keys []APIKey) error
	// GetMerchant returns a merchant. Errors: CodeNotFound.
	GetMerchant(ctx context.Context, id string) (Merchant, error)
	// ListMerchants returns every merchant, oldest first.
	ListMerchants(ctx context.Context) ([]Merchant, error)

	// CreateAPIKey stores a key (its hash only). Errors: CodeNotFound for an
	// unknown merchant.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKeyByHash finds a key by the hash of its secret, revoked or not
	// (RevokedAt says), reading the database each time: a revocation made
	// by any process must be seen by the next request. Errors: CodeNotFound.
	APIKeyByHash(ctx context.Context, hash string) (APIKey, error)
	// ListAPIKeys returns the merchant's keys, revoked ones included,
	// without their hashes.
	ListAPIKeys(ctx context.Context, merchantID string) ([]APIKey, error)
	// RevokeAPIKey marks the merchant's key revoked at at; revoking a revoked
	// key keeps the first time. Errors: CodeNotFound when the merchant has
	// no such key.
	RevokeAPIKey(ctx context.Context, merchantID, id string, at time.Time) (APIKey, error)
	// TouchAPIKeys records, in one write, when keys were last used; an older
	// time never replaces a newer one.
	TouchAPIKeys(ctx context.Context, used map[string]time.Time) error

	// BeginIdempotent inserts rec as pending unless a record with the same
	// merchant, scope and key exists, in which case it returns that record
	// and created=false. It is atomic: of two concurrent calls exactly one
	// creates. A new record takes rec.Claim in the same step; a claim
	// another key took is CodeConflict.
	BeginIdempotent(ctx context.Context, rec IdempotencyRecord) (stored IdempotencyRecord, created bool, err error)
	// CompleteIdempotent marks the record completed with the response that
	// every later request with the same key receives.
	CompleteIdempotent(ctx context.Context, merchantID, scope, key string, response []byte) error
	// AbandonIdempotent deletes a pending record whose operation failed
	// without effect, and its claim, so the key and the claim can be used
	// again.
	AbandonIdempotent(ctx context.Context, merchantID, scope, key string) error

	// GetInvoiceSettings returns the merchant's saved invoice settings;
	// found is false when none were saved yet. Errors: CodeNotFound for an
	// unknown merchant.
	GetInvoiceSettings(ctx context.Context, merchantID string) (s InvoiceSettings, found bool, err error)
	// PutInvoiceSettings saves the merchant's invoice settings whole.
	// Errors: CodeNotFound for an unknown merchant.
	PutInvoiceSettings(ctx context.Context, merchantID string, s InvoiceSettings) error

	// PaymentMethods returns the merchant's saved payment methods, sorted
	// by method; an unknown merchant, or one that saved none, has none.
	PaymentMethods(ctx context.Context, merchantID string) ([]PaymentMethod, error)
	// PutPaymentMethods replaces the merchant's payment methods whole.
	// Errors: CodeNotFound for an unknown merchant.
	PutPaymentMethods(ctx context.Context, merchantID string, methods []PaymentMethod, at time.Time) error

	// ProvidersInUse names, sorted and once each, the providers that a
	// merchant invoices with (Merchant.InvoicingProvider) or that an active
	// or needs_reauth integration uses.
	ProvidersInUse(ctx context.Context) ([]string, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}

// Idempotency record statuses.
const (
	IdempotencyPending   = "pending"
	IdempotencyCompleted = "completed"
)

// IdempotencyRecord remembers one use of an Idempotency-Key. ResourceID is
// allocated on first use and sent to the provider as the external reference,
// so a re-run after a crash finds what the first run created.
type IdempotencyRecord struct {
	MerchantID  string    `db:"merchant_id"`
	Scope       string    `db:"scope"`
	Key         string    `db:"key"`
	RequestHash string    `db:"request_hash"`
	ResourceID  string    `db:"resource_id"`
	Status      string    `db:"status"`
	Response    []byte    `db:"response"`
	CreatedAt   time.Time `db:"created_at"`
	// Claim, when not empty, is something only one key of the merchant and
	// scope may ever begin with (a charge's location and receipt): it is
	// taken in the same write as the record, and a record with another key
	// claiming it is refused with CodeConflict, storing nothing. Abandoning
	// the record frees it; its expiry does not.
	Claim string `db:"-"`
}
