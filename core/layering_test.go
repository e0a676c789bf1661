package core_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is this module's path; the import rules speak of its packages by
// their path below it.
const module = "github.com/ledgerbridge/ledgerbridge"

// listedPackage is the part of `go list -json` the import rules read. Deps is
// every package the package's non-test build depends on, directly or not;
// tests may reach further (core's external tests drive the open provider and
// the store) because they are not part of the build the rules protect.
type listedPackage struct {
	ImportPath string
	Deps       []string
}

// coreForbidden are the packages core must not depend on, even indirectly:
// transport, storage, providers, the plugin protocol and configuration. A
// path ending in "/" forbids that package and everything below it; others
// are exact (database/sql is forbidden, database/sql/driver is not: the
// decimal type implements driver.Valuer).
var coreForbidden = []string{
	module + "/httpapi/", module + "/backoffice/", module + "/store/", module + "/sqlite/",
	module + "/providers/", module + "/plugin/", module + "/pluginhost/", module + "/config/",
	module + "/mail/", module + "/einvoice/", module + "/webhooks/", module + "/outbox/",
	module + "/exports/", module + "/integrations/", module + "/metrics/", module + "/cmd/",
	"net/http/", "database/sql",
	"github.com/gin-gonic/", "github.com/jmoiron/sqlx/", "github.com/mattn/go-sqlite3/",
	"github.com/pressly/goose/", "google.golang.org/grpc/", "github.com/hashicorp/go-plugin/",
	"github.com/spf13/viper/", "github.com/spf13/cobra/", "github.com/prometheus/",
}

// forbids reports whether rule names dep: exactly, or when rule ends in "/",
// the package before the slash or any package below it.
func forbids(rule, dep string) bool {
	if prefix, ok := strings.CutSuffix(rule, "/"); ok {
		return dep == prefix || strings.HasPrefix(dep, rule)
	}
	return dep == rule
}

// providerOf returns the provider a package belongs to ("providers/open" for
// providers/open and providers/open/anything), or "" for a package outside
// providers/ or a shared helper under providers/internal/.
func providerOf(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/providers/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "internal" {
		return ""
	}
	return "providers/" + name
}

// importViolations checks the module's import rules against pkgs and returns
// one line per broken rule, sorted; none when every rule holds:
//   - core depends on none of coreForbidden;
//   - a provider depends on no other provider (providers/internal/... is shared);
//   - mapping depends on no provider.
func importViolations(pkgs []listedPackage) []string {
	var out []string
	for _, p := range pkgs {
		own := providerOf(p.ImportPath)
		for _, dep := range p.Deps {
			switch {
			case p.ImportPath == module+"/core":
				for _, rule := range coreForbidden {
					if forbids(rule, dep) {
						out = append(out, fmt.Sprintf("core imports %s (core imports no transport, storage, provider or configuration package)", dep))
						break
					}
				}
			case own != "":
				if other := providerOf(dep); other != "" && other != own {
					out = append(out, fmt.Sprintf("%s imports %s (providers never import each other; share code under providers/internal/)", strings.TrimPrefix(p.ImportPath, module+"/"), dep))
				}
			case p.ImportPath == module+"/mapping":
				if strings.HasPrefix(dep, module+"/providers/") {
					out = append(out, fmt.Sprintf("mapping imports %s (mapping imports no provider)", dep))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// listModule runs `go list -json` over every package of the module.
func listModule(t *testing.T) []listedPackage {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the import rules need the go tool on PATH: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-json=ImportPath,Deps", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(stdout))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestImportRules holds the module to its layering: core at the bottom,
// providers independent of each other, mapping free of providers.
func TestImportRules(t *testing.T) {
	pkgs := listModule(t)
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
	}
	// The rules are vacuous if go list did not see the packages they guard.
	for _, want := range []string{"core", "mapping", "providers/open", "providers/tripletex"} {
		if !seen[module+"/"+want] {
			t.Fatalf("go list did not list %s; the import rules would check nothing", want)
		}
	}
	for _, v := range importViolations(pkgs) {
		t.Error(v)
	}
}

// TestImportViolations shows the checker catches each kind of broken rule and
// lets the allowed imports through.
func TestImportViolations(t *testing.T) {
	m := func(s string) string { return module + "/" + s }
	tests := []struct {
		name string
		pkg  listedPackage
		want int
	}{
		{"core on nordic and the standard library", listedPackage{m("core"), []string{m("nordic"), "net/url", "database/sql/driver"}}, 0},
		{"core on store", listedPackage{m("core"), []string{m("store")}}, 1},
		{"core on a provider", listedPackage{m("core"), []string{m("providers/open")}}, 1},
		{"core on providers' helpers", listedPackage{m("core"), []string{m("providers/internal/httperr")}}, 1},
		{"core on gin", listedPackage{m("core"), []string{"github.com/gin-gonic/gin"}}, 1},
		{"core on net/http", listedPackage{m("core"), []string{"net/http"}}, 1},
		{"core on net/http/httptest", listedPackage{m("core"), []string{"net/http/httptest"}}, 1},
		{"core on database/sql", listedPackage{m("core"), []string{"database/sql"}}, 1},
		{"core on the sqlite driver", listedPackage{m("core"), []string{"github.com/mattn/go-sqlite3"}}, 1},
		{"core on config and plugin", listedPackage{m("core"), []string{m("config"), m("plugin/pb")}}, 2},
		{"core on a package merely named like plugin", listedPackage{m("core"), []string{m("pluginkit")}}, 0},
		{"provider on shared helpers and its own test kit", listedPackage{m("providers/spiris"), []string{m("providers/internal/httperr"), m("providers/spiris/spiristest"), m("sqlite")}}, 0},
		{"provider on another provider", listedPackage{m("providers/spiris"), []string{m("providers/tripletex")}}, 1},
		{"provider's subpackage on another provider's", listedPackage{m("providers/spiris/spiristest"), []string{m("providers/tripletex/tripletextest")}}, 1},
		{"providers' helper on a provider", listedPackage{m("providers/internal/copysearch"), []string{m("providers/open")}}, 0},
		{"mapping on core", listedPackage{m("mapping"), []string{m("core"), m("nordic")}}, 0},
		{"mapping on a provider", listedPackage{m("mapping"), []string{m("providers/sie")}}, 1},
		{"other packages are free", listedPackage{m("httpapi"), []string{m("providers/open"), m("store")}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := importViolations([]listedPackage{tt.pkg})
			if len(got) != tt.want {
				t.Errorf("got %d violations %q, want %d", len(got), got, tt.want)
			}
		})
	}
}
