// Command spiris-mock runs the Visma Spiris (eAccounting) mock — API and
// identity server — on loopback, for demos and manual testing without
// internet:
//
//	go run ./cmd/spiris-mock --addr 127.0.0.1:8092
//
// It prints the client id and secret and the URLs to configure, then logs
// one line per request until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ledgerbridge/ledgerbridge/providers/spiris/spiristest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "spiris-mock:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("spiris-mock", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8092", "listen address")
	clientID := fs.String("client-id", "ledgerbridge", "OAuth2 client id")
	secret := fs.String("client-secret", "spiris-mock-secret", "OAuth2 client secret")
	redirects := fs.String("redirect-uri", "", "comma-separated registered redirect URIs (default: any http loopback URI)")
	accessTTL := fs.Duration("access-token-lifetime", time.Hour, "access token lifetime")
	refreshTTL := fs.Duration("refresh-token-lifetime", 0, "refresh token lifetime (0: 50 years)")
	rate := fs.Int("rate-limit", 600, "API requests per minute per client and endpoint")
	spec := fs.String("spec", "", "path of visma_external_api.yaml (default: $SPIRIS_OPENAPI or found walking up from the working directory)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := spiristest.Options{
		ClientID: *clientID, ClientSecret: *secret,
		AccessTokenLifetime: *accessTTL, RefreshTokenLifetime: *refreshTTL,
		RateLimit: *rate, SpecPath: *spec,
	}
	if *redirects != "" {
		opts.RedirectURIs = strings.Split(*redirects, ",")
	}
	if !*quiet {
		logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
		opts.Logf = func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) }
	}
	srv, err := spiristest.NewServer(opts)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + l.Addr().String()
	fmt.Printf(`Spiris mock listening on %[1]s
  client id:      %[2]s
  client secret:  %[3]s
  authorize URL:  %[1]s/connect/authorize
  token URL:      %[1]s/connect/token
  revocation URL: %[1]s/connect/revocation
  API base URL:   %[1]s/v2
  scopes:         ea:api offline_access ea:sales ea:accounting
`, base, srv.ClientID(), srv.ClientSecret())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-ctx.Done():
		srv.Close()
		<-errc
		if v := srv.SpecViolations(); len(v) > 0 {
			fmt.Printf("%d requests broke the published API document:\n", len(v))
			for _, x := range v {
				fmt.Println("  " + x.String())
			}
		}
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
