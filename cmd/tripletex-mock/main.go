// Command tripletex-mock runs the Tripletex API v2 mock standalone on
// loopback, so the Tripletex flow can be demonstrated without internet:
//
//	go run ./cmd/tripletex-mock --addr 127.0.0.1:8091
//
// It prints the API base URL and the consumer and employee tokens it
// accepts; point the Tripletex provider at the base URL. Every request is
// validated against the published OpenAPI document, and departures are
// logged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/ledgerbridge/ledgerbridge/providers/tripletex/tripletextest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tripletex-mock:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("tripletex-mock", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8091", "listen address (keep it on loopback)")
	spec := fs.String("spec", "", "path of the published openapi.json (default: found by walking up to shared/specs/tripletex/openapi.json, or $"+tripletextest.SpecEnv+")")
	consumer := fs.String("consumer-token", tripletextest.DefaultConsumerToken, "consumer token to accept")
	employee := fs.String("employee-token", tripletextest.DefaultEmployeeToken, "employee token to accept")
	noBank := fs.Bool("no-bank-account", false, "seed ledger account 1920 without a bank account number (invoicing then fails)")
	quiet := fs.Bool("quiet", false, "do not log each request and spec violation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := tripletextest.Options{SpecPath: *spec, ConsumerToken: *consumer, EmployeeToken: *employee, NoBankAccount: *noBank}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if !*quiet {
		opts.Logf = func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) }
	}
	srv, err := tripletextest.New(opts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe(*addr) }()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("Tripletex mock listening on http://%s/v2\n", *addr)
	fmt.Printf("  consumer token: %s\n", srv.ConsumerToken())
	fmt.Printf("  employee token: %s\n", srv.EmployeeToken())
	fmt.Printf("  company id:     %d (Basic auth username 0 or this id)\n", srv.CompanyID())
	fmt.Printf("Create a session: curl -X PUT 'http://%s/v2/token/session/:create?consumerToken=%s&employeeToken=%s&expirationDate=YYYY-MM-DD'\n",
		*addr, srv.ConsumerToken(), srv.EmployeeToken())
	err = <-errc
	if n := len(srv.SpecViolations()); n > 0 {
		logger.Warn("requests departed from the published Tripletex API", "count", n)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
