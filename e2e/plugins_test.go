package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type providerInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Status  string `json:"status"`
	Error   string `json:"error"`
}

// externalPluginSetup builds pluginhost's fake provider as an external
// plugin binary and writes a config that pins it with sum.
func externalPluginSetup(t *testing.T, pin func(actual string) string) (dataDir, config, pluginPath, actual string) {
	t.Helper()
	return externalPluginSetupAs(t, "ledgerbridge-provider-fake", pin)
}

// externalPluginSetupAs is externalPluginSetup with the plugin binary
// named file (the fake plays a leaky provider when the name says "leaky").
func externalPluginSetupAs(t *testing.T, file string, pin func(actual string) string) (dataDir, config, pluginPath, actual string) {
	t.Helper()
	dir := t.TempDir()
	pluginDir := filepath.Join(dir, "plugins")
	pluginPath = filepath.Join(pluginDir, file)
	build := exec.Command("go", "build", "-o", pluginPath, "../pluginhost/testdata/fakeplugin")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build fake plugin: %v\n%s", err, out)
	}
	b, err := os.ReadFile(pluginPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	actual = hex.EncodeToString(sum[:])
	config = filepath.Join(dir, "ledgerbridge.yaml")
	yaml := fmt.Sprintf("plugins:\n  dir: %s\n  external:\n    - name: fake\n      file: %s\n      sha256: %s\n", pluginDir, file, pin(actual))
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "data"), config, pluginPath, actual
}

func providersOf(t *testing.T, g *gateway, adminKey string) map[string]providerInfo {
	t.Helper()
	var page struct {
		Data []providerInfo `json:"data"`
	}
	g.must("GET", "/v1/providers", adminKey, nil, "", 200).decode(t, &page)
	out := map[string]providerInfo{}
	for _, p := range page.Data {
		out[p.Name] = p
	}
	return out
}

func TestExternalPluginWithWrongChecksumIsRefused(t *testing.T) {
	wrong := strings.Repeat("ab", 32)
	dataDir, config, pluginPath, actual := externalPluginSetup(t, func(string) string { return wrong })
	m := createMerchant(t, dataDir, "Kafé Linnea AB", 1)

	cmd := exec.Command(binary, "plugins", "list", "--config", config, "--data-dir", dataDir)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err == nil || !strings.Contains(errOut.String(), "providers failed: fake") {
		t.Errorf("plugins list with a refused plugin: %v, stderr %q; want a non-zero exit naming it", err, errOut.String())
	}
	list := out.String()
	line := lineWith(list, "fake")
	for _, want := range []string{"external", "failed", pluginPath, actual, wrong} {
		if !strings.Contains(line, want) {
			t.Errorf("plugins list line for fake lacks %q:\n%s", want, list)
		}
	}
	g := startGateway(t, dataDir, "--config", config)
	got := providersOf(t, g, m.Keys["admin"])
	if got["fake"].Status != "unavailable" || !strings.Contains(got["fake"].Error, pluginPath) {
		t.Errorf("fake provider = %+v, want unavailable naming %s", got["fake"], pluginPath)
	}
	if got["open"].Status != "available" {
		t.Errorf("one refused plugin must not take the others down: open = %+v", got["open"])
	}
	// No merchant or integration uses it: the gateway stays ready and says
	// which plugin is down.
	if r, _ := g.do("GET", "/readyz", "", nil, ""); r.Status != 200 ||
		!strings.Contains(string(r.Body), `{"name":"fake","status":"unavailable","in_use":false,"error":`) {
		t.Errorf("readyz = %d %s, want 200 reporting the refused plugin", r.Status, r.Body)
	}
}

func TestExternalPluginWithRightChecksumServes(t *testing.T) {
	dataDir, config, pluginPath, actual := externalPluginSetup(t, func(actual string) string { return actual })
	m := createMerchant(t, dataDir, "Kafé Linnea AB", 1)

	line := lineWith(run(t, "plugins", "list", "--config", config, "--data-dir", dataDir), "fake")
	for _, want := range []string{"external", "1.0.0", pluginPath, actual, "running"} {
		if !strings.Contains(line, want) {
			t.Errorf("plugins list line for fake lacks %q: %s", want, line)
		}
	}
	g := startGateway(t, dataDir, "--config", config)
	if got := providersOf(t, g, m.Keys["admin"])["fake"]; got.Status != "available" || got.Version != "1.0.0" {
		t.Errorf("fake provider = %+v, want available 1.0.0", got)
	}
	g.must("GET", "/readyz", "", nil, "", 200)
}

func lineWith(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}
