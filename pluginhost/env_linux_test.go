package pluginhost

import (
	"context"
	"fmt"
	"os"
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

// A plugin process, built-in or external, does not inherit the gateway's
// environment: the SMTP password, a provider's tokens and anything else the
// operator exported stay in the gateway. It gets a few neutral variables,
// go-plugin's own, and (built-ins) what it was registered with.
func TestPluginsStartWithMinimalEnvironment(t *testing.T) {
	t.Setenv("LEDGERBRIDGE_SMTP_PASSWORD", "smtp-secret")
	t.Setenv("LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN", "consumer-secret")
	t.Setenv("LEDGERBRIDGE_SPIRIS_CLIENT_SECRET", "spiris-secret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
	sum, err := fileSHA256(fakeBin)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRegistry(t, Options{})
	r.RegisterBuiltinEnv("builtin", fakeBin, []string{"FAKE_VERSION=1.0.0"})
	if err := r.RegisterExternal("fake", fakeBin, sum); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"builtin", "fake"} {
		p, err := r.Provider(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Describe(ctx); err != nil {
			t.Fatal(err)
		}
		env := environOf(t, pidOf(r, name))
		for k, v := range env {
			if strings.HasSuffix(v, "-secret") {
				t.Errorf("%s: plugin environment has %s=%s", name, k, v)
			}
			if strings.HasPrefix(k, "LEDGERBRIDGE_") && k != "LEDGERBRIDGE_PROVIDER_PLUGIN" {
				t.Errorf("%s: plugin environment has the gateway's %s", name, k)
			}
		}
		if env["PATH"] != os.Getenv("PATH") {
			t.Errorf("%s: PATH = %q, want the gateway's", name, env["PATH"])
		}
		if got := env["FAKE_VERSION"]; (name == "builtin") != (got == "1.0.0") {
			t.Errorf("%s: FAKE_VERSION = %q", name, got)
		}
	}
}
