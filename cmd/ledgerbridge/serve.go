package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/backoffice"
	"github.com/ledgerbridge/ledgerbridge/backup"
	"github.com/ledgerbridge/ledgerbridge/config"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
	"github.com/ledgerbridge/ledgerbridge/seal"
	"github.com/ledgerbridge/ledgerbridge/store"
)

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (the default command)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			demo, _ := cmd.Flags().GetBool("demo")
			inProcess, _ := cmd.Flags().GetBool("in-process-providers")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Bind first: a busy port must fail before anything is created
			// or written (the data directory, the databases, demo data).
			// serveHTTP's servers close the listeners too; a second Close is
			// harmless.
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
			}
			defer ln.Close()
			opsLn, err := net.Listen("tcp", cfg.OpsAddr)
			if err != nil {
				return fmt.Errorf("listen on ops_addr %s: %w", cfg.OpsAddr, err)
			}
			defer opsLn.Close()
			a, err := newApp(ctx, cfg, os.Stderr, appOptions{inProcess: inProcess})
			if err != nil {
				return err
			}
			defer a.Close()
			a.checkExternalPlugins(ctx)
			var announce func(addr string)
			if demo {
				users, err := seedDemo(ctx, a, cmd.OutOrStdout())
				if err != nil {
					return fmt.Errorf("demo data: %w", err)
				}
				if len(users) > 0 {
					out := cmd.OutOrStdout()
					announce = func(addr string) { printBackOffice(out, addr, users) }
				}
			}
			return serveHTTP(ctx, a, ln, opsLn, announce)
		},
	}
	cmd.Flags().Bool("demo", false, "seed a demo merchant with customers on an empty database and print its API keys")
	cmd.Flags().Bool("in-process-providers", false, "link the built-in providers into the gateway instead of running them as plugin processes (benchmarks, debugging)")
	return cmd
}

// serveHTTP serves the public listener ln (cfg.Addr) and the operations
// listener opsLn (cfg.OpsAddr: /metrics, /debug/pprof/) until ctx is
// cancelled (SIGINT/SIGTERM), then drains in-flight requests for up to 15 s.
// Plugins are stopped by the caller. announce, when set, is told the public
// listener's address once both serve.
func serveHTTP(ctx context.Context, a *app, ln, opsLn net.Listener, announce func(addr string)) error {
	var err error
	opts := httpOptions(a.cfg, a)
	if opts.Cursors, err = seal.LoadOrCreateKeyFile("cursor key", filepath.Join(a.cfg.DataDir, backup.CursorKeyFile)); err != nil {
		ln.Close()
		opsLn.Close()
		return err
	}
	srv := newHTTPServer(a.cfg, httpapi.New(a.engine, opts))
	opsSrv := newOpsServer(a.metrics.OpsHandler())
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	go func() { errc <- opsSrv.Serve(opsLn) }()
	background, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	if a.sending {
		go a.outbox.Run(background)
	}
	if a.transmitting {
		go a.einvoices.Run(background)
	}
	go a.webhooks.Run(background)
	go runScheduler(background, a.engine, a.cfg.Scheduler.Interval, a.log)
	go a.exports.Loop(background, a.cfg.Scheduler.Interval)
	go a.engine.RunKeyUsageFlusher(background, a.cfg.Auth.KeyUsageFlushInterval)
	go runIdempotencyPurge(background, a.store, a.cfg.Idempotency, a.log)
	go runSessionPurge(background, a.engine, a.log)
	if announce != nil {
		announce(ln.Addr().String())
	}
	a.log.Info("ledgerbridge serving", "addr", ln.Addr().String(), "ops_addr", opsLn.Addr().String(), "data_dir", a.cfg.DataDir, "providers", a.registry.Names())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if oerr := opsSrv.Shutdown(shutdownCtx); oerr != nil && !errors.Is(oerr, http.ErrServerClosed) {
		a.log.Warn("stop the ops listener", "error", oerr)
	}
	// The last requests' key use, after the last request was answered.
	if ferr := a.engine.FlushKeyUsage(shutdownCtx); ferr != nil {
		a.log.Warn("record API key use", "error", ferr)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// httpOptions is the HTTP API's configuration; a nil app serves without
// integrations and exports (tests).
func httpOptions(cfg config.Config, a *app) httpapi.Options {
	opts := httpapi.Options{
		OAuthDoneURL: cfg.OAuth.DoneURL,
		AuthLimit: httpapi.AuthLimit{Burst: cfg.Auth.FailureBurst, Refill: cfg.Auth.FailureRefill,
			ExemptLoopback: cfg.Auth.ExemptLoopback},
		TrustedProxies: cfg.Server.TrustedProxies,
		MaxBodyBytes:   cfg.Server.MaxBodyBytes,
	}
	if a != nil {
		opts.Metrics = a.metrics
		opts.Logger, opts.Integrations, opts.Exports, opts.Redactor = a.log, a.integrations, a.exports, a.redactor
		opts.Webhooks = a.webhooks
		opts.BackOffice = backoffice.New(a.engine, backoffice.Options{
			Integrations: a.integrations, Exports: a.exports, Logger: a.log,
			SecureCookies: cfg.BackOffice.SecureCookies, TrustedProxies: cfg.Server.TrustedProxies,
			MaxFormBytes: cfg.Server.MaxBodyBytes,
		})
	}
	return opts
}

// newHTTPServer is the public listener's server with cfg's limits.
func newHTTPServer(cfg config.Config, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
	}
}

// newOpsServer is the operations listener's server. No write timeout:
// /debug/pprof/profile and /trace stream for the seconds they are asked.
func newOpsServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}

// runIdempotencyPurge deletes expired idempotency records at start and then
// every purge_interval until ctx ends: completed ones retention after
// completion, pending ones pending_retention after creation (see
// store.PurgeIdempotency for why pending ones are kept longer). Several
// gateways may run it at once; deleting is idempotent.
func runIdempotencyPurge(ctx context.Context, st *store.Store, c config.IdempotencyConfig, log *slog.Logger) {
	t := time.NewTicker(c.PurgeInterval)
	defer t.Stop()
	for {
		n, err := st.PurgeIdempotency(ctx, time.Now(), c.Retention, c.PendingRetention)
		if err != nil && ctx.Err() == nil {
			log.Warn("purge idempotency records", "error", err)
		} else if n > 0 {
			log.Info("purged idempotency records", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runSessionPurge deletes expired BackOffice sessions at start and then
// hourly until ctx ends. Expiry is checked on every request whatever this
// does; the purge only keeps the table small.
func runSessionPurge(ctx context.Context, engine *core.Engine, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := engine.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("purge BackOffice sessions", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
