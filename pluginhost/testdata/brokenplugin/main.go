// Command brokenplugin is a deliberately broken provider for the
// conformance kit's tests: it books a voucher again on every retry (no
// idempotency) and writes to stdout, go-plugin's channel.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin"
)

type broken struct {
	core.Unsupported
	n atomic.Int64
}

func (b *broken) Describe(context.Context) (core.Descriptor, error) {
	return core.Descriptor{Name: "broken", Version: "0.0.1", Auth: core.AuthScheme{Type: core.AuthNone},
		Capabilities: core.Capabilities{SalesExport: true}}, nil
}

func (b *broken) VerifyConnection(_ context.Context, conn core.Connection) error {
	if conn.MerchantID == "" {
		return core.Invalid("invalid connection", core.FieldError{Field: "merchant_id", Message: "is required"})
	}
	return nil
}

// ExportSales forgets every voucher it booked: the fault the kit must find.
func (b *broken) ExportSales(_ context.Context, _ core.Connection, v core.Voucher) (core.ExportResult, error) {
	if err := v.Validate(); err != nil {
		return core.ExportResult{}, err
	}
	fmt.Fprintln(os.Stdout, "booked", v.ExternalRef)
	return core.ExportResult{ProviderRef: strconv.FormatInt(b.n.Add(1), 10)}, nil
}

func main() { plugin.Serve(&broken{}, plugin.NewPluginLogger("broken")) }
