package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/pluginhost"
)

// `plugins list` prints every provider and fails (exits non-zero) naming
// each failed one, so a deployment check notices a broken plugin.
func TestWritePlugins(t *testing.T) {
	running := pluginhost.PluginInfo{Name: "open", Kind: pluginhost.KindBuiltin, Version: "1.2.0", Path: "/bin/ledgerbridge",
		Status: pluginhost.StatusRunning}
	stopped := pluginhost.PluginInfo{Name: "sie", Kind: pluginhost.KindInProcess, Status: pluginhost.StatusStopped}
	failed := func(name string) pluginhost.PluginInfo {
		return pluginhost.PluginInfo{Name: name, Kind: pluginhost.KindExternal, Path: "/plugins/" + name,
			Status: pluginhost.StatusFailed, Error: "checksum mismatch"}
	}
	for _, tc := range []struct {
		name    string
		plugins []pluginhost.PluginInfo
		wantErr string // "" for success
		wantOut []string
	}{
		{name: "all well", plugins: []pluginhost.PluginInfo{running, stopped},
			wantOut: []string{"open  builtin", "1.2.0", "running", "sie   in-process  -"}},
		{name: "one failed", plugins: []pluginhost.PluginInfo{failed("acme"), running},
			wantErr: "1 of 2 providers failed: acme", wantOut: []string{"acme", "failed: checksum mismatch", "open"}},
		{name: "two failed", plugins: []pluginhost.PluginInfo{failed("acme"), failed("fortnox"), running},
			wantErr: "2 of 3 providers failed: acme, fortnox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := writePlugins(&out, tc.plugins)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("writePlugins = %v, want success", err)
			}
			if tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Fatalf("writePlugins = %v, want %q", err, tc.wantErr)
			}
			if n := strings.Count(out.String(), "\n"); n != len(tc.plugins)+1 {
				t.Errorf("%d lines, want a header and one per provider:\n%s", n, out.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
