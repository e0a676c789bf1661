package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/pluginhost/conformance"
)

// errCheckFailed makes `plugins check` exit non-zero after printing its
// table; the table already says why.
var errCheckFailed = errors.New("the plugin fails the conformance check")

// newPluginsCheckCommand runs the conformance kit over a plugin binary.
func newPluginsCheckCommand() *cobra.Command {
	var (
		env, settings, credentials []string
		otherCredentials           []string
		merchant, country          string
		timeout                    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check PATH [-- ARGS...]",
		Short: "Run a provider plugin through the protocol and behaviour scenarios the built-ins obey",
		Long: `Starts the plugin at PATH as the gateway would and runs every scenario: the handshake and
protocol version, a valid Describe, the connection, unsupported capabilities, merchant isolation,
idempotency of CreateInvoice, CreditInvoice and ExportSales under retries and lost answers, error
codes, cancellation, concurrent calls, no output on stdout, and a clean exit. It prints a table and
exits non-zero when a scenario fails. Scenarios that write use fresh references under the merchant
given and that merchant + "-other".

The plugin inherits nothing of this shell's environment but PATH, TMPDIR, the locale and TZ: pass its
configuration with --env, and the connection an integration would carry with --setting and
--credential. A plugin whose auth is not "none" keeps its data in the account its credentials open,
so merchant isolation runs only when --other-credential gives the second merchant another account,
and is skipped, saying so, otherwise. A plugin that owns its customer register (owns_customers)
invoices a customer found there; with none, the invoice scenarios are skipped, saying so.

A built-in provider is checked as the gateway runs it: PATH is the ledgerbridge binary and ARGS after
-- are "plugin NAME --data-dir DIR" (a scratch directory: the check writes there). Its configuration
is the gateway's, as environment variables:
  sie, open   nothing (open needs --setting invoice_start_number=... --setting invoice_settings=JSON)
  tripletex   LEDGERBRIDGE_TRIPLETEX_BASE_URL, LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN;
              --credential employee_token=... --country NO
  spiris      LEDGERBRIDGE_SPIRIS_API_URL, LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL,
              LEDGERBRIDGE_SPIRIS_TOKEN_URL; --credential access_token=... (an OAuth2 access token)
Run it against a test company: the check books invoices, credit notes and vouchers there.`,
		Example: `  ledgerbridge plugins check ./ledgerbridge-provider-journal --env JOURNAL_DIR=/tmp/journals
  ledgerbridge plugins check "$(command -v ledgerbridge)" -- plugin sie --data-dir /tmp/check
  ledgerbridge plugins check "$(command -v ledgerbridge)" --country NO \
    --env LEDGERBRIDGE_TRIPLETEX_BASE_URL=https://api-test.tripletex.tech/v2 \
    --env LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN="$CONSUMER" --credential employee_token="$EMPLOYEE" \
    -- plugin tripletex --data-dir /tmp/check-tripletex
  ledgerbridge plugins check "$(command -v ledgerbridge)" \
    --env LEDGERBRIDGE_SPIRIS_API_URL=... --env LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL=... \
    --env LEDGERBRIDGE_SPIRIS_TOKEN_URL=... --credential access_token="$TOKEN" \
    --other-credential access_token="$OTHER_COMPANY_TOKEN" -- plugin spiris --data-dir /tmp/check-spiris`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn := core.Connection{MerchantID: merchant, Country: core.Country(strings.ToUpper(country))}
			if !conn.Country.Valid() {
				return core.Invalid("invalid check", core.FieldError{Field: "country", Message: "must be SE or NO"})
			}
			conn.Currency = conn.Country.Currency()
			var err error
			if conn.Settings, err = keyValues("setting", settings); err != nil {
				return err
			}
			if conn.Credentials, err = keyValues("credential", credentials); err != nil {
				return err
			}
			target := conformance.Target{Path: args[0], Args: args[1:], Env: env, Conn: conn, Timeout: timeout}
			if len(otherCredentials) > 0 {
				other := conn
				if other.Credentials, err = keyValues("other-credential", otherCredentials); err != nil {
					return err
				}
				other.MerchantID = ""
				target.Other = &other
			}
			report := conformance.Run(cmd.Context(), target)
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "RESULT\tSCENARIO\tDETAILS")
			for _, r := range report {
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.Status, r.Name, r.Details)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if !report.OK() {
				cmd.SilenceUsage = true
				return errCheckFailed
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&env, "env", nil, "KEY=VALUE for the plugin's environment (repeatable)")
	f.StringArrayVar(&settings, "setting", nil, "KEY=VALUE of the connection's settings (repeatable)")
	f.StringArrayVar(&credentials, "credential", nil, "KEY=VALUE of the connection's credentials, e.g. an API token (repeatable)")
	f.StringArrayVar(&otherCredentials, "other-credential", nil, "KEY=VALUE of the second merchant's credentials: another account, for merchant isolation (repeatable)")
	f.StringVar(&merchant, "merchant", "conformance", "the merchant id the calls carry")
	f.StringVar(&country, "country", "SE", "the merchant's country, SE or NO")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "how long one call (and the start) may take")
	return cmd
}

// keyValues parses KEY=VALUE flags. Errors: CodeInvalid naming flag.
func keyValues(flag string, kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, core.Invalid("invalid check", core.FieldError{Field: flag, Message: fmt.Sprintf("%q is not KEY=VALUE", kv)})
		}
		out[k] = v
	}
	return out, nil
}
