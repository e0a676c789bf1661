// Package core is the domain of ledgerbridge: merchants, customers, invoices,
// ledger accounts, VAT, sales receipts and vouchers, the Provider interface
// every accounting system is reached through, the engine that routes a
// merchant's requests to its active provider, and the error codes every
// transport reports.
//
// core imports no transport or storage package. Storage (package store),
// HTTP (package httpapi), the plugin protocol (package plugin) and the
// providers themselves depend on core, never the other way round; wiring
// happens once, in cmd/ledgerbridge.
//
// Money is always an int64 count of minor units (öre/øre) with an ISO 4217
// currency on the enclosing object. Quantities and VAT rates are exact
// decimals. No float is used for money anywhere.
package core
