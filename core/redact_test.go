package core

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestRedactorRemovesEveryEncodingOfASecret(t *testing.T) {
	const op, merchant = "consumer+tok/en=1&x", "employee-token-42"
	r := NewRedactor(op, "short")
	r.Remember(map[string]string{"employee_token": merchant, "flag": "true"})
	for _, form := range append(encodings(op), encodings(merchant)...) {
		in := "before " + form + " after"
		if got := r.String(in); got != "before "+Redacted+" after" {
			t.Errorf("String(%q) = %q", in, got)
		}
	}
	// Too short to be a secret: left alone.
	if got := r.String("short true"); got != "short true" {
		t.Errorf("short values redacted: %q", got)
	}
	err := r.Error(&Error{Code: CodeUnavailable, Message: "GET /x?consumerToken=" + url.QueryEscape(op),
		Fields: []FieldError{{Field: "employee_token", Message: "refused " + merchant}}})
	if s := err.Error(); strings.Contains(s, url.QueryEscape(op)) || strings.Contains(s, merchant) || Code(err) != CodeUnavailable {
		t.Errorf("Error = %v", err)
	}
	if s := r.Error(errors.New("plain " + merchant)).Error(); strings.Contains(s, merchant) {
		t.Errorf("foreign error not redacted: %s", s)
	}
	var nilR *Redactor
	if nilR.String(op) != op || nilR.Error(nil) != nil {
		t.Error("nil Redactor must pass texts through")
	}
}

func TestRedactorForgetsOldestLearnedSecretsOnly(t *testing.T) {
	r := NewRedactor("operator-secret")
	for i := 0; i < maxRemembered+10; i++ {
		r.Remember(map[string]string{"t": fmt.Sprintf("learned-%06d", i)})
	}
	if got := r.String("learned-000000 learned-" + fmt.Sprintf("%06d", maxRemembered+9) + " operator-secret"); got != "learned-000000 "+Redacted+" "+Redacted {
		t.Errorf("got %q", got)
	}
}

func TestRedactingLogHandler(t *testing.T) {
	const secret = "s3cret-access-token"
	r := NewRedactor()
	r.Remember(map[string]string{"access_token": secret})
	var buf bytes.Buffer
	log := slog.New(r.Handler(slog.NewJSONHandler(&buf, nil))).With("conn", "Bearer "+secret)
	log.Error("refused "+secret, "error", errors.New("url ?t="+secret), "b64", base64.StdEncoding.EncodeToString([]byte(secret)),
		slog.Group("g", "inner", secret), "any", map[string]string{"k": secret}, "n", 3)
	out := buf.String()
	if strings.Contains(out, secret) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(secret))) {
		t.Fatalf("log line carries the secret: %s", out)
	}
	if !strings.Contains(out, `"n":3`) || strings.Count(out, Redacted) != 6 {
		t.Errorf("log line = %s", out)
	}
}
