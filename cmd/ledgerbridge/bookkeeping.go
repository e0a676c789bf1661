package main

import (
	"context"

	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

// bookkeeping gives the export engine the merchant's active bookkeeping
// integration from the integrations service.
type bookkeeping struct{ svc *integrations.Service }

func (b bookkeeping) ActiveBookkeeping(ctx context.Context, merchantID string) (exports.BookkeepingTarget, bool, error) {
	t, found, err := b.svc.ActiveBookkeeping(ctx, merchantID)
	return exports.BookkeepingTarget(t), found, err
}

func (b bookkeeping) ReportUnauthorized(ctx context.Context, integrationID string) error {
	return b.svc.ReportUnauthorized(ctx, integrationID)
}
