package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// environOf reads a process's environment from /proc.
func environOf(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(b), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// TestBuiltinPluginsGetOnlyTheirOwnConfiguration: each built-in plugin
// process sees its own configuration and nothing else of the gateway's,
// neither in its environment nor through the configuration file (which it
// is not told about): the SMTP password, the Spiris OAuth2 client secret
// and the Tripletex consumer token stay in the gateway, except that the
// Tripletex plugin gets its consumer token.
func TestBuiltinPluginsGetOnlyTheirOwnConfiguration(t *testing.T) {
	const (
		smtpPassword   = "smtp-password-SECRET"
		consumerToken  = "tripletex-consumer-SECRET"
		clientSecret   = "spiris-client-SECRET"
		unrelatedToken = "operator-cloud-SECRET"
	)
	t.Setenv("LEDGERBRIDGE_SMTP_USERNAME", "mailer")
	t.Setenv("LEDGERBRIDGE_SMTP_PASSWORD", smtpPassword)
	t.Setenv("AWS_SECRET_ACCESS_KEY", unrelatedToken)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`oauth:
  redirect_url: http://127.0.0.1:1/v1/oauth/callback
tripletex:
  base_url: http://127.0.0.1:1/v2
  consumer_token: %s
spiris:
  api_url: http://127.0.0.1:2/v2
  client_id: ledgerbridge
  client_secret: %s
`, consumerToken, clientSecret)), 0o600)
	m := createMerchant(t, dir, "Kafé Linnea AB", 1)
	g := startGateway(t, dir, "--config", cfg)
	providersOf(t, g, m.Keys["admin"]) // starts every built-in plugin

	for _, name := range []string{"open", "sie", "tripletex", "spiris"} {
		pids := g.pluginPIDs(name)
		if len(pids) != 1 {
			t.Fatalf("%s: plugin processes %v, want one", name, pids)
		}
		env := environOf(t, pids[0])
		for k, v := range env {
			for _, secret := range []string{smtpPassword, consumerToken, clientSecret, unrelatedToken} {
				if strings.Contains(v, secret) && !(name == "tripletex" && secret == consumerToken) {
					t.Errorf("%s: plugin environment has %s=%s", name, k, v)
				}
			}
			if strings.HasPrefix(k, "LEDGERBRIDGE_") && k != "LEDGERBRIDGE_PROVIDER_PLUGIN" &&
				!strings.HasPrefix(k, "LEDGERBRIDGE_"+strings.ToUpper(name)+"_") {
				t.Errorf("%s: plugin environment has another section's %s", name, k)
			}
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pids[0]))
		if strings.Contains(string(cmdline), cfg) || strings.Contains(string(cmdline), "--config") {
			t.Errorf("%s: plugin is told the gateway's configuration file: %q", name, cmdline)
		}
		switch name {
		case "tripletex":
			if env["LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN"] != consumerToken || env["LEDGERBRIDGE_TRIPLETEX_BASE_URL"] != "http://127.0.0.1:1/v2" {
				t.Errorf("tripletex: plugin lacks its own configuration: %v", env)
			}
		case "spiris":
			if env["LEDGERBRIDGE_SPIRIS_API_URL"] != "http://127.0.0.1:2/v2" {
				t.Errorf("spiris: plugin lacks its own configuration: %v", env)
			}
		}
	}
}
