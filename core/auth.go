package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Role is what an API key may do for its merchant.
type Role string

// The three roles of the HTTP contract.
const (
	RoleAdmin      Role = "admin"
	RoleAccountant Role = "accountant"
	RoleCashier    Role = "cashier"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleAccountant, RoleCashier}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAccountant || r == RoleCashier }

// Action is a permission checked before an operation.
type Action string

// Actions, one per kind of operation in the HTTP contract.
const (
	ActionListProviders   Action = "providers.list"
	ActionSearchCustomers Action = "customers.search"
	ActionCreateCustomer  Action = "customers.create"
	ActionReadCustomer    Action = "customers.read"
	ActionUpdateCustomer  Action = "customers.update"
	// ActionSetCustomerBilling sets who pays for a customer and when:
	// parent company and collective invoicing, BackOffice's decisions,
	// not the register's (seed 000).
	ActionSetCustomerBilling Action = "customers.billing"
	ActionCharge             Action = "charges.create"
	ActionReadInvoices       Action = "invoices.read"
	ActionManageAPIKeys      Action = "api_keys.manage" // create, list, revoke
	ActionWriteInvoices      Action = "invoices.write"  // drafts, post, void, payments, e-mail
	ActionRefund             Action = "refunds.create"
	ActionReadOrders         Action = "orders.read"
	ActionReadSettings       Action = "invoice_settings.read"
	ActionWriteSettings      Action = "invoice_settings.write"
	ActionReadIntegrations   Action = "integrations.read"
	ActionManageIntegrations Action = "integrations.manage"
	ActionRecordSales        Action = "sales.create" // receipts and day close
	ActionReadExports        Action = "exports.read"
	ActionRunExports         Action = "exports.run"
	// Payment methods at the register: the register reads where invoicing
	// is offered; BackOffice's admin changes it.
	ActionReadPaymentMethods Action = "payment_methods.read"
	// Refreshing the copy of customers kept by a provider (BackOffice).
	ActionSyncCustomers       Action = "customers.sync"
	ActionWritePaymentMethods Action = "payment_methods.write"
	// Webhook endpoints: create, list, delete, read their deliveries.
	ActionManageWebhooks Action = "webhooks.manage"
)

// permissions is the role matrix of the HTTP contract, in one place.
var permissions = map[Action][]Role{
	ActionListProviders:       {RoleAdmin},
	ActionSearchCustomers:     {RoleAdmin, RoleAccountant, RoleCashier},
	ActionCreateCustomer:      {RoleAdmin, RoleAccountant, RoleCashier},
	ActionReadCustomer:        {RoleAdmin, RoleAccountant, RoleCashier},
	ActionUpdateCustomer:      {RoleAdmin, RoleAccountant, RoleCashier},
	ActionSetCustomerBilling:  {RoleAdmin, RoleAccountant},
	ActionCharge:              {RoleAdmin, RoleCashier},
	ActionReadInvoices:        {RoleAdmin, RoleAccountant},
	ActionManageAPIKeys:       {RoleAdmin},
	ActionWriteInvoices:       {RoleAdmin, RoleAccountant},
	ActionRefund:              {RoleAdmin, RoleCashier},
	ActionReadOrders:          {RoleAdmin, RoleAccountant},
	ActionReadSettings:        {RoleAdmin, RoleAccountant},
	ActionWriteSettings:       {RoleAdmin},
	ActionReadIntegrations:    {RoleAdmin, RoleAccountant},
	ActionManageIntegrations:  {RoleAdmin},
	ActionRecordSales:         {RoleAdmin, RoleCashier},
	ActionReadExports:         {RoleAdmin, RoleAccountant},
	ActionRunExports:          {RoleAdmin, RoleAccountant},
	ActionReadPaymentMethods:  {RoleAdmin, RoleAccountant, RoleCashier},
	ActionSyncCustomers:       {RoleAdmin, RoleAccountant},
	ActionWritePaymentMethods: {RoleAdmin},
	ActionManageWebhooks:      {RoleAdmin},
}

// Allows reports whether role r may perform a.
func (r Role) Allows(a Action) bool {
	for _, allowed := range permissions[a] {
		if allowed == r {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller: an API key or a signed-in
// BackOffice user of one merchant (KeyID or UserID says which).
type Principal struct {
	MerchantID string
	Role       Role
	KeyID      string
	UserID     string
}

// Authorize returns CodeForbidden unless p's role allows a.
func (p Principal) Authorize(a Action) error {
	if !p.Role.Allows(a) {
		return Errorf(CodeForbidden, "role %s may not %s", p.Role, a)
	}
	return nil
}

// APIKey is a stored API key. Only the SHA-256 of the secret is kept: keys
// are 160 random bits, so a fast hash is enough and lookups stay O(1).
type APIKey struct {
	ID         string    `json:"id" db:"id"`
	MerchantID string    `json:"merchant_id" db:"merchant_id"`
	Name       string    `json:"name" db:"name"`
	Role       Role      `json:"role" db:"role"`
	Hash       string    `json:"-" db:"hash"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
	// LastUsedAt is when the key last authenticated a request, as of the
	// last flush of the engine's coalesced usage (see FlushKeyUsage); nil
	// if never.
	LastUsedAt *time.Time `json:"last_used_at"`
	// RevokedAt is when the key was revoked; a revoked key authenticates
	// nothing from then on.
	RevokedAt *time.Time `json:"revoked_at"`
}

// NewAPIKeySecret returns a fresh key secret such as "lb_admin_…" and its hash.
func NewAPIKeySecret(role Role) (secret, hash string) {
	secret = "lb_" + string(role) + "_" + randomToken(20)
	return secret, HashAPIKey(secret)
}

// HashAPIKey returns the stored form of a key secret.
func HashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller stored by WithPrincipal.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
