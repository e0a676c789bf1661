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
given and that merchant + "-other".`,
		Example: `  ledgerbridge plugins check ./ledgerbridge-provider-journal --env JOURNAL_DIR=/tmp/journals
  ledgerbridge plugins check "$(command -v ledgerbridge)" -- plugin sie --data-dir /tmp/check`,
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
			report := conformance.Run(cmd.Context(), conformance.Target{
				Path: args[0], Args: args[1:], Env: env, Conn: conn, Timeout: timeout})
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
