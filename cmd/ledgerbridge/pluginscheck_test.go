package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestPluginsCheckHelp: --help tells how to check a built-in (the binary
// with `-- plugin NAME --data-dir`) and names the configuration each
// built-in needs, since the plugin inherits none of the shell's.
func TestPluginsCheckHelp(t *testing.T) {
	var out bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetArgs([]string{"plugins", "check", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"-- plugin sie --data-dir", "-- plugin tripletex --data-dir", "-- plugin spiris --data-dir",
		"LEDGERBRIDGE_TRIPLETEX_BASE_URL", "LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN", "employee_token=",
		"LEDGERBRIDGE_SPIRIS_API_URL", "LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL", "LEDGERBRIDGE_SPIRIS_TOKEN_URL", "access_token=",
		"--other-credential",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help does not say %q", want)
		}
	}
}

// TestPluginsCheckBadFlags: malformed flags are refused naming the flag,
// before any plugin is started.
func TestPluginsCheckBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		field string
	}{
		{[]string{"--country", "DK"}, "country"},
		{[]string{"--setting", "novalue"}, "setting"},
		{[]string{"--credential", "=x"}, "credential"},
		{[]string{"--other-credential", "token"}, "other-credential"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			root := newRootCommand()
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})
			root.SetArgs(append([]string{"plugins", "check", "/nonexistent/plugin"}, tc.args...))
			err := root.Execute()
			ce := core.AsError(err)
			if ce == nil || ce.Code != core.CodeInvalid || len(ce.Fields) != 1 || ce.Fields[0].Field != tc.field {
				t.Fatalf("error %v, want invalid naming %s", err, tc.field)
			}
		})
	}
}
