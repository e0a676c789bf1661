package main

import (
	"bytes"
	"strings"
	"testing"
)

// --version and `version` print the version, the one set at link time
// (-ldflags "-X main.version=...") when there is one.
func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		linked  string
		args    []string
		wantPre string
	}{
		{name: "flag", args: []string{"--version"}, wantPre: "ledgerbridge "},
		{name: "command", args: []string{"version"}, wantPre: "ledgerbridge "},
		{name: "flag, linked version", linked: "1.4.0", args: []string{"--version"}, wantPre: "ledgerbridge 1.4.0"},
		{name: "command, linked version", linked: "1.4.0", args: []string{"version"}, wantPre: "ledgerbridge 1.4.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := version
			version = tc.linked
			defer func() { version = old }()
			var out bytes.Buffer
			root := newRootCommand()
			root.SetOut(&out)
			root.SetArgs(tc.args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !strings.HasPrefix(got, tc.wantPre) || !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
				t.Errorf("output %q, want one line starting %q", got, tc.wantPre)
			}
			if tc.linked == "" && strings.TrimSpace(strings.TrimPrefix(got, "ledgerbridge ")) == "" {
				t.Errorf("output %q names no version", got)
			}
		})
	}
}
