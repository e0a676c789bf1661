package pluginhost

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// A provider that puts the credentials it was given (and the operator's
// secrets) in its error, its log and its stderr leaks none of them into the
// gateway: the registry's providers redact errors, and the gateway's log
// handler (core.Redactor.Handler, as cmd/ledgerbridge wires it) the
// forwarded plugin output.
func TestProviderMessagesCarryNoCredential(t *testing.T) {
	const employee, operator = "employee+tok/en=SECRET-1", "operator-consumer-SECRET-2"
	red := core.NewRedactor(operator)
	logs := &syncBuffer{}
	r := NewRegistry(Options{Redactor: red,
		Logger: SlogLogger(slog.New(red.Handler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))})
	t.Cleanup(r.Close)
	r.RegisterBuiltinEnv("fake", fakeBin, []string{"FAKE_LEAK=1"})
	ctx := context.Background()
	p, err := r.Provider(ctx, "fake")
	if err != nil {
		t.Fatal(err)
	}
	c := conn
	c.Credentials = map[string]string{"employee_token": employee, "operator": operator}
	err = p.VerifyConnection(ctx, c)
	if core.Code(err) != core.CodeUnavailable || !strings.Contains(err.Error(), core.Redacted) {
		t.Fatalf("VerifyConnection = %v, want the fake's redacted error", err)
	}
	time.Sleep(300 * time.Millisecond) // the plugin's stderr lines in flight
	r.Close()
	for _, s := range []string{employee, operator} {
		for _, form := range []string{s, url.QueryEscape(s)} {
			if strings.Contains(err.Error(), form) {
				t.Errorf("error carries %q: %v", form, err)
			}
			if strings.Contains(logs.String(), form) {
				t.Errorf("log carries %q:\n%s", form, logs.String())
			}
		}
	}
	if !strings.Contains(logs.String(), "verifying with") || !strings.Contains(logs.String(), "raw stderr") {
		t.Errorf("the plugin's log lines did not arrive:\n%s", logs.String())
	}
}
