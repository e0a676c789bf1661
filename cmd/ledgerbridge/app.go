package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/ledgerbridge/ledgerbridge/backup"
	"github.com/ledgerbridge/ledgerbridge/config"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/einvoice"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mail"
	"github.com/ledgerbridge/ledgerbridge/metrics"
	"github.com/ledgerbridge/ledgerbridge/pluginhost"
	"github.com/ledgerbridge/ledgerbridge/providers/open"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
	"github.com/ledgerbridge/ledgerbridge/providers/spiris"
	"github.com/ledgerbridge/ledgerbridge/providers/tripletex"
	"github.com/ledgerbridge/ledgerbridge/store"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// builtinProviders are served by this binary as `ledgerbridge plugin NAME`.
var builtinProviders = []string{open.Name, sie.Name, spiris.Name, tripletex.Name}

// app is a wired gateway.
type app struct {
	cfg          config.Config
	log          *slog.Logger
	redactor     *core.Redactor
	store        *store.Store
	registry     *pluginhost.Registry
	engine       *core.Engine
	outbox       *mail.Outbox
	einvoices    *einvoice.Outbox
	integrations *integrations.Service
	exports      *exports.Service
	metrics      *metrics.Registry
	webhooks     *webhooks.Service
	sending      bool           // an SMTP server is configured
	transmitting bool           // a PEPPOL access point is configured
	closers      []func() error // in-process providers, the mail, e-invoice and webhook stores
	external     []string       // external plugins registered (their files matched their pins)
	unlock       func()         // releases the data dir's shared lock
}

// appOptions changes how newApp wires providers.
type appOptions struct {
	// inProcess links the built-in providers into the gateway process
	// instead of running each as a plugin process: for benchmarks that
	// measure the plugin boundary, and for debugging.
	inProcess bool
}

// newApp opens the gateway database and registers every provider: the
// built-ins, re-executing this binary so each runs as its own process, and
// the external binaries pinned in the config.
func newApp(ctx context.Context, cfg config.Config, logOut io.Writer, opts appOptions) (*app, error) {
	// One Redactor knows every secret the gateway holds or hands to a
	// provider: the operator's from the configuration now, each call's
	// credentials as the registry passes them on. It cleans provider
	// errors at the registry, error answers in httpapi, and every log line.
	redactor := core.NewRedactor(cfg.Tripletex.ConsumerToken, cfg.Spiris.ClientSecret, cfg.SMTP.Password,
		cfg.Peppol.AccessPointToken)
	logger := slog.New(redactor.Handler(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: cfg.SlogLevel()})))
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %q: %w", cfg.DataDir, err)
	}
	cfg.DataDir = dataDir
	if err := prepareDataDir(dataDir, logger); err != nil {
		return nil, err
	}
	// Held until Close, so that `ledgerbridge restore` refuses to replace
	// the databases under this process.
	unlock, err := backup.LockShared(dataDir)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("locate own executable for built-in plugins: %w", err)
	}
	st, err := store.Open(ctx, dataDir)
	if err != nil {
		unlock()
		return nil, err
	}
	// One registry per gateway, not Prometheus's global one.
	m := metrics.New(logger)
	reg := pluginhost.NewRegistry(pluginhost.Options{
		Observer:     m,
		Logger:       pluginhost.SlogLogger(logger),
		CallTimeout:  cfg.Plugins.CallTimeout,
		StartTimeout: cfg.Plugins.StartTimeout,
		BackoffMin:   cfg.Plugins.RestartBackoffMin,
		BackoffMax:   cfg.Plugins.RestartBackoffMax,
		Redactor:     redactor,
	})
	a := &app{cfg: cfg, log: logger, redactor: redactor, store: st, registry: reg, metrics: m, unlock: unlock}
	m.WatchExportJobs(func(ctx context.Context) (metrics.ExportJobStats, error) {
		stats, err := st.ExportJobStats(ctx)
		return metrics.ExportJobStats{ByStatus: stats.ByStatus, OldestPending: stats.OldestPending}, err
	}, nil)
	mailStore, outbox, sending, err := newOutbox(ctx, cfg, logger, redactor)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.closers = append(a.closers, mailStore.Close)
	m.WatchOutbox("email", mailStore.Depth)
	a.outbox, a.sending = outbox, sending
	einvoiceStore, einvoices, transmitting, err := newEInvoiceOutbox(ctx, cfg, logger, redactor)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.closers = append(a.closers, einvoiceStore.Close)
	m.WatchOutbox("einvoice", einvoiceStore.Depth)
	a.einvoices, a.transmitting = einvoices, transmitting
	// Integration credentials are sealed with a key kept beside, not in,
	// the database; `ledgerbridge backup` stores it apart from the
	// database copies.
	sealer, err := integrations.LoadOrCreateKeyFile(filepath.Join(dataDir, backup.KeyFile))
	if err != nil {
		a.Close()
		return nil, err
	}
	// Webhook signing secrets are sealed with the same key.
	hookStore, hooks, err := newWebhooks(ctx, cfg, logger, redactor, sealer)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.closers = append(a.closers, hookStore.Close)
	m.WatchOutbox("webhook", hookStore.Depth)
	a.webhooks = hooks
	a.integrations = integrations.NewService(st, reg, sealer, nil)
	a.integrations.SetEventPublisher(a.webhooks, logger.With("component", "integrations"))
	if cfg.Spiris.ClientID != "" {
		if err := a.integrations.SetOAuthConfig(integrations.OAuthConfig{
			RedirectURL: cfg.OAuth.RedirectURL,
			Clients: map[string]integrations.ClientCredentials{
				"spiris": {ClientID: cfg.Spiris.ClientID, ClientSecret: cfg.Spiris.ClientSecret},
			},
		}); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.engine = core.NewEngine(st, reg, core.EngineOptions{
		Mailer: mail.InvoiceMailer{Outbox: outbox},
		// Like e-mails without SMTP, e-invoices queue until an access
		// point is configured (peppol.access_point_url).
		EInvoices:   einvoice.Queue{Outbox: einvoices},
		Events:      a.webhooks,
		Connections: a.integrations,
		Journal:     journalAccounts,
		Logger:      logger,
		Metrics:     m,
	})
	a.exports = exports.New(st, st, a.integrations, reg, exports.Options{
		Lease: cfg.Exports.Lease, CallTimeout: cfg.Exports.CallTimeout, Logger: logger.With("component", "exports"),
		Events: a.webhooks,
	})
	for _, name := range builtinProviders {
		if !opts.inProcess {
			// No --config: the file holds every secret of the gateway. The
			// plugin gets its own section, and only that, in its environment.
			args := []string{"plugin", name, "--data-dir", dataDir, "--log-level", cfg.LogLevel}
			reg.RegisterBuiltinEnv(name, exe, builtinEnv(name, cfg), args...)
			continue
		}
		p, closeFn, err := openBuiltin(ctx, name, cfg)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.closers = append(a.closers, closeFn)
		reg.RegisterInProcess(name, p)
	}
	for _, p := range cfg.Plugins.External {
		path := filepath.Join(cfg.Plugins.Dir, p.File)
		if err := reg.RegisterExternal(p.Name, path, p.SHA256, p.EnvList()...); err != nil {
			// A bad plugin must not take the gateway down: it is refused and
			// reported by /readyz and `plugins list`.
			logger.Error("external plugin refused", "plugin", p.Name, "path", path, "error", err)
			continue
		}
		a.external = append(a.external, p.Name)
	}
	return a, nil
}

// checkExternalPlugins starts every registered external plugin now, so that one that
// cannot run (a checksum that does not match, a crash, a name other than the
// one configured) is reported when the gateway starts rather than at the
// first merchant's call. A refused plugin is logged and reported by /readyz
// and `plugins list`; it does not stop the gateway, whose other providers
// serve on. The plugins start in parallel, each within plugins.start_timeout.
func (a *app) checkExternalPlugins(ctx context.Context) {
	var wg sync.WaitGroup
	for _, name := range a.external {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.registry.Provider(ctx, name); err != nil {
				a.log.Error("external plugin refused", "plugin", name, "error", core.AsError(err).Message)
			}
		}()
	}
	wg.Wait()
}

// builtinEnv is the configuration of built-in provider name as the
// LEDGERBRIDGE_* variables its plugin process reads (`ledgerbridge plugin
// NAME` loads the configuration from the environment and flags): the keys
// of its own section that it uses, nothing of the gateway's or another
// provider's. open and sie need none beyond their flags; the Spiris plugin
// gets its endpoints but not the OAuth2 client, which only the gateway uses.
func builtinEnv(name string, cfg config.Config) []string {
	var kv []string
	set := func(key, value string) { kv = append(kv, config.EnvVar(key)+"="+value) }
	switch name {
	case tripletex.Name:
		set("tripletex.base_url", cfg.Tripletex.BaseURL)
		set("tripletex.consumer_token", cfg.Tripletex.ConsumerToken)
	case spiris.Name:
		set("spiris.api_url", cfg.Spiris.APIURL)
		set("spiris.authorize_url", cfg.Spiris.AuthorizeURL)
		set("spiris.token_url", cfg.Spiris.TokenURL)
	}
	return kv
}

// openBuiltin opens a built-in provider in this process, configured from
// cfg (whose DataDir is absolute).
func openBuiltin(ctx context.Context, name string, cfg config.Config) (core.Provider, func() error, error) {
	switch name {
	case open.Name:
		p, err := open.Open(ctx, cfg.DataDir, nil)
		if err != nil {
			return nil, nil, err
		}
		return p, p.Close, nil
	case sie.Name:
		p, err := sie.Open(ctx, cfg.DataDir)
		if err != nil {
			return nil, nil, err
		}
		return p, p.Close, nil
	case tripletex.Name:
		p, err := tripletex.New(ctx, tripletex.Options{
			BaseURL: cfg.Tripletex.BaseURL, ConsumerToken: cfg.Tripletex.ConsumerToken, DataDir: cfg.DataDir,
		})
		if err != nil {
			return nil, nil, err
		}
		return p, p.Close, nil
	case spiris.Name:
		p, err := spiris.New(ctx, spiris.Options{
			APIBaseURL: cfg.Spiris.APIURL, AuthorizeURL: cfg.Spiris.AuthorizeURL, TokenURL: cfg.Spiris.TokenURL,
			Scopes: spiris.DefaultScopes, DataDir: cfg.DataDir,
		})
		if err != nil {
			return nil, nil, err
		}
		return p, p.Close, nil
	}
	return nil, nil, fmt.Errorf("no built-in provider %q (built-ins: %v)", name, builtinProviders)
}

// Close stops every plugin process and closes the database.
func (a *app) Close() {
	a.registry.Close()
	for _, c := range a.closers {
		if err := c(); err != nil {
			a.log.Error("close provider", "error", err)
		}
	}
	if err := a.store.Close(); err != nil {
		a.log.Error("close database", "error", err)
	}
	a.unlock()
}
