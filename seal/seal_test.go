package seal_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/seal"
)

// TestLoadOrCreateKeyFile: the key file is created once, private, and read
// back unchanged, also when several processes race to create it; a damaged
// file is refused rather than replaced.
func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "cursor.key")
	var wg sync.WaitGroup
	sealers := make([]*seal.Sealer, 8)
	for i := range sealers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := seal.LoadOrCreateKeyFile("cursor key", path)
			if err != nil {
				t.Error(err)
			}
			sealers[i] = s
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for dir, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: mode %v, %v; want %v", dir, fi.Mode().Perm(), err, want)
		}
	}
	sealed := sealers[0].Seal([]byte("position"), []byte("ad"))
	for i, s := range sealers {
		if got, err := s.Open(sealed, []byte("ad")); err != nil || !bytes.Equal(got, []byte("position")) {
			t.Fatalf("sealer %d holds another key: %v", i, err)
		}
	}
	again, err := seal.LoadOrCreateKeyFile("cursor key", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Open(sealed, []byte("ad")); err != nil {
		t.Fatalf("reload gave another key: %v", err)
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadOrCreateKeyFile("cursor key", path); core.Code(err) != core.CodeInvalid {
		t.Fatalf("a damaged key file: %v, want invalid", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "short\n" {
		t.Fatal("a damaged key file was replaced")
	}
}

// TestSealBindsKeyAndAssociatedData: a sealed value opens only under its
// key and associated data, and never shows the plaintext.
func TestSealBindsKeyAndAssociatedData(t *testing.T) {
	s, other := seal.Random("test key"), seal.Random("test key")
	a, b := s.Seal([]byte("snickeri alm ab"), []byte("mer_1")), s.Seal([]byte("snickeri alm ab"), []byte("mer_1"))
	if bytes.Equal(a, b) || bytes.Contains(a, []byte("snickeri")) {
		t.Fatal("sealing is not randomised or shows the plaintext")
	}
	tampered := append([]byte(nil), a...)
	tampered[len(tampered)/2] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"tampered":      func() ([]byte, error) { return s.Open(tampered, []byte("mer_1")) },
		"other context": func() ([]byte, error) { return s.Open(a, []byte("mer_2")) },
		"other key":     func() ([]byte, error) { return other.Open(a, []byte("mer_1")) },
		"truncated":     func() ([]byte, error) { return s.Open(a[:10], []byte("mer_1")) },
		"empty":         func() ([]byte, error) { return s.Open(nil, []byte("mer_1")) },
	} {
		if _, err := open(); core.Code(err) != core.CodeInternal {
			t.Errorf("%s: %v, want an internal error", name, err)
		}
	}
}
