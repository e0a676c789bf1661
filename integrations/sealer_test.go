package integrations_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/integrations"
)

func TestSealerRoundTripAndTamperDetection(t *testing.T) {
	s, err := integrations.NewSealerFromBase64(integrations.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"employee_token":"secret"}`)
	a, b := s.Seal(plain, []byte("int_1")), s.Seal(plain, []byte("int_1"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
	if bytes.Contains(a, []byte("secret")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := s.Open(a, []byte("int_1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	tampered := append([]byte(nil), a...)
	tampered[len(tampered)-1] ^= 1
	other, _ := integrations.NewSealerFromBase64(integrations.GenerateKey())
	for name, open := range map[string]func() ([]byte, error){
		"tampered":    func() ([]byte, error) { return s.Open(tampered, []byte("int_1")) },
		"another row": func() ([]byte, error) { return s.Open(a, []byte("int_2")) },
		"another key": func() ([]byte, error) { return other.Open(a, []byte("int_1")) },
		"truncated":   func() ([]byte, error) { return s.Open(a[:10], []byte("int_1")) },
	} {
		if _, err := open(); core.Code(err) != core.CodeInternal {
			t.Errorf("%s: %v, want an internal error", name, err)
		}
	}
}

func TestSealerKeys(t *testing.T) {
	for _, key := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := integrations.NewSealerFromBase64(key); core.Code(err) != core.CodeInvalid {
			t.Errorf("key %q: %v, want invalid", key, err)
		}
	}
	path := filepath.Join(t.TempDir(), "keys", "credentials.key")
	s1, err := integrations.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	data, _ := os.ReadFile(path)
	if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data))); err != nil || len(raw) != 32 {
		t.Fatalf("key file holds %q", data)
	}
	s2, err := integrations.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Open(s1.Seal([]byte("x"), nil), nil); err != nil {
		t.Fatalf("reloaded key differs: %v", err)
	}
}
