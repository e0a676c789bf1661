package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ledgerbridge/ledgerbridge/config"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/einvoice"
	"github.com/ledgerbridge/ledgerbridge/einvoice/accesspoint"
	"github.com/ledgerbridge/ledgerbridge/mail"
	"github.com/ledgerbridge/ledgerbridge/mapping"
	"github.com/ledgerbridge/ledgerbridge/outbox"
	"github.com/ledgerbridge/ledgerbridge/seal"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// newOutbox opens the e-mail outbox. Without an SMTP host e-mails are
// queued, and shown as queued on their invoices, until one is configured;
// sending is nil then.
func newOutbox(ctx context.Context, cfg config.Config, logger *slog.Logger, redactor *core.Redactor) (store *mail.SQLiteStore, box *mail.Outbox, sending bool, err error) {
	store, err = mail.OpenSQLiteStore(ctx, cfg.DataDir)
	if err != nil {
		return nil, nil, false, err
	}
	var sender mail.Mailer
	if cfg.SMTP.Host != "" {
		s, err := mail.NewSender(mail.SMTPConfig{
			Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password,
			TLS: cfg.SMTP.TLS, From: cfg.SMTP.From,
		})
		if err != nil {
			store.Close()
			return nil, nil, false, err
		}
		sender = s
	} else {
		logger.Warn("smtp.host is not set: invoice e-mails are queued but not sent")
	}
	box = mail.NewOutbox(store, sender, mail.OutboxConfig{Logger: logger.With("component", "mail"),
		Redact: redactor.String})
	return store, box, sender != nil, nil
}

// newEInvoiceOutbox opens the e-invoice outbox. Without an access point
// e-invoices are queued, and shown as queued on their invoices, until one
// is configured; transmitting is false then and Run must not be started.
func newEInvoiceOutbox(ctx context.Context, cfg config.Config, logger *slog.Logger, redactor *core.Redactor) (store *einvoice.SQLiteStore, box *einvoice.Outbox, transmitting bool, err error) {
	store, err = einvoice.OpenSQLiteStore(ctx, cfg.DataDir)
	if err != nil {
		return nil, nil, false, err
	}
	var ap einvoice.Transmitter
	if cfg.Peppol.AccessPointURL != "" {
		c, err := accesspoint.NewClient(accesspoint.Config{URL: cfg.Peppol.AccessPointURL,
			Token: cfg.Peppol.AccessPointToken, Timeout: cfg.Peppol.Timeout})
		if err != nil {
			store.Close()
			return nil, nil, false, err
		}
		ap = c
	} else {
		logger.Warn("peppol.access_point_url is not set: e-invoices are queued but not sent")
	}
	box = einvoice.NewOutbox(store, ap, outbox.Config{Logger: logger.With("component", "einvoice"),
		Redact: redactor.String})
	return store, box, ap != nil, nil
}

// newWebhooks opens the webhook store, <data dir>/webhooks.db, and the
// service that delivers to the merchants' endpoints; endpoint secrets are
// sealed with sealer (the credentials key). Deliveries start with Run.
func newWebhooks(ctx context.Context, cfg config.Config, logger *slog.Logger, redactor *core.Redactor, sealer *seal.Sealer) (*webhooks.SQLiteStore, *webhooks.Service, error) {
	store, err := webhooks.OpenSQLiteStore(ctx, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	return store, webhooks.New(store, sealer, webhooks.Config{Outbox: outbox.Config{
		Logger: logger.With("component", "webhooks"), Redact: redactor.String},
		AllowPrivateNetworks: cfg.Webhooks.AllowPrivateNetworks}), nil
}

// journalAccounts books invoices on the country's standard chart (BAS in
// Sweden, NS 4102 in Norway).
func journalAccounts(c core.Country) core.JournalAccounts {
	m := mapping.StandardSuggestion(c, nil, nil)
	return core.JournalAccounts{
		Receivables: m.Events[mapping.EventReceivables],
		Sales:       m.VATRates,
		OutputVAT:   m.VATAccounts,
		Rounding:    m.Events[mapping.EventRounding],
	}
}

// runScheduler makes due collective invoices, queues reminders and
// publishes invoice.overdue webhook events every interval until ctx ends.
// All are idempotent, so a restart or an overlap never invoices an order,
// reminds a customer or announces an overdue invoice twice.
func runScheduler(ctx context.Context, e *core.Engine, interval time.Duration, logger *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if n, err := e.RunCollectiveInvoicing(ctx); err != nil {
			logger.Error("scheduled collective invoicing", "error", err, "invoices", n)
		} else if n > 0 {
			logger.Info("collective invoices made", "invoices", n)
		}
		if n, err := e.RunReminders(ctx); err != nil {
			logger.Error("scheduled reminders", "error", err, "queued", n)
		} else if n > 0 {
			logger.Info("reminders queued", "reminders", n)
		}
		if n, err := e.RunOverdueEvents(ctx); err != nil {
			logger.Error("scheduled overdue events", "error", err, "invoices", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
