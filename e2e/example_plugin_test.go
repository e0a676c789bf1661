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
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/sie"
)

// TestExamplePluginInstalledAsTheREADMESays builds the example journal
// provider and installs it the way README.md tells operators: built into
// the plugins directory, pinned by its SHA-256, given its own environment.
// The conformance kit passes it, the gateway lists it, and a merchant's
// closed day is booked into the journal file once.
func TestExamplePluginInstalledAsTheREADMESays(t *testing.T) {
	dir := t.TempDir()
	pluginDir := filepath.Join(dir, "plugins")
	journalDir := filepath.Join(dir, "journals")
	if err := os.MkdirAll(journalDir, 0o700); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(pluginDir, "ledgerbridge-provider-journal")
	build := exec.Command("go", "build", "-o", bin, "./examples/journal")
	build.Dir = ".." // the repository root, where the README's commands run
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/journal: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)

	// The kit first, as an operator would before installing it.
	if out, err := exec.Command(binary, "plugins", "check", bin, "--env", "JOURNAL_DIR="+journalDir).CombinedOutput(); err != nil {
		t.Fatalf("plugins check failed: %v\n%s", err, out)
	}

	cfg := filepath.Join(dir, "ledgerbridge.yaml")
	yaml := fmt.Sprintf("scheduler:\n  interval: 1s\nplugins:\n  dir: %s\n  external:\n    - name: journal\n      file: ledgerbridge-provider-journal\n      sha256: %s\n      env:\n        JOURNAL_DIR: %s\n",
		pluginDir, hex.EncodeToString(sum[:]), journalDir)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	m := createMerchant(t, data, "Kafé Journal AB", 1)
	// The merchant's chart in the journal: the accountant's, here the
	// standard BAS accounts.
	var chart strings.Builder
	for _, a := range sie.Chart(core.Sweden) {
		fmt.Fprintf(&chart, "account %s  ; %s\n", a.Number, a.Name)
	}
	if err := os.WriteFile(filepath.Join(journalDir, m.ID+".accounts"), []byte(chart.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, data, "--config", cfg)
	admin, cashier := m.Keys["admin"], m.Keys["cashier"]
	if p := providersOf(t, g, admin)["journal"]; p.Status != "available" || p.Version != "1.0.0" {
		t.Fatalf("journal provider: %+v", p)
	}

	yesterday := time.Now().In(mustLoadLocation(t, "Europe/Stockholm")).AddDate(0, 0, -1).Format("2006-01-02")
	var intg struct {
		ID string `json:"id"`
	}
	g.must("POST", "/v1/integrations", admin, map[string]any{"provider": "journal", "modes": []string{"bookkeeping"}}, "", 201).decode(t, &intg)
	g.must("PUT", "/v1/integrations/"+intg.ID+"/settings", admin, map[string]any{"export_start_date": yesterday}, "", 200)
	activateWithSuggestion(t, g, admin, intg.ID)
	for i := range 3 {
		body := saleBody("store-1", yesterday, 0, 1, i)
		g.must("POST", "/v1/sales", cashier, body, fmt.Sprintf("j-%d", i), 201)
	}
	g.must("POST", "/v1/locations/store-1/days/"+yesterday+"/close", cashier, nil, "", 200)
	waitExported(t, g, admin, yesterday, yesterday, 1)

	journal, err := os.ReadFile(filepath.Join(journalDir, m.ID+".journal"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(journal)
	if strings.Count(text, "; ledgerbridge-ref: ") != 1 || !strings.Contains(text, yesterday+" * (J000001)") || !strings.Contains(text, " SEK") {
		t.Fatalf("the journal holds:\n%s", text)
	}
}
