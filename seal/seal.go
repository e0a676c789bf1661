// Package seal encrypts small values at rest and in transit to clients with
// AES-256-GCM under a key kept in a file of its own: the integrations'
// credentials (key file credentials.key) and the HTTP API's list cursors
// (cursor.key). One implementation, so both get the same nonce handling,
// version byte and key-file care.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// version is the first byte of every sealed value, so a later key rotation
// or algorithm change can tell old values apart.
const version byte = 1

// Sealer encrypts with AES-256-GCM. Each Seal uses a fresh random 96-bit
// nonce; the sealed form is version (1 byte) || nonce (12 bytes) ||
// ciphertext || tag (16 bytes). The associated data binds a sealed value to
// its context (a row, a merchant and query): under other associated data it
// does not open. A Sealer is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
	name string // what the key is, for messages: "credentials key"
}

// New returns a Sealer for a KeySize-byte key; name says what the key is in
// error messages ("credentials key"). Errors: CodeInvalid naming "key" for
// a key of another length.
func New(name string, key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, core.Invalid("invalid "+name,
			core.FieldError{Field: "key", Message: "must be 32 bytes (AES-256)"})
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "%s: %v", name, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "%s: %v", name, err)
	}
	return &Sealer{aead: aead, name: name}, nil
}

// NewFromBase64 returns a Sealer for a key written in standard base64
// (surrounding white space ignored), as GenerateKey writes it. Errors:
// CodeInvalid naming "key" when it is not base64 of KeySize bytes.
func NewFromBase64(name, key string) (*Sealer, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	if err != nil {
		return nil, core.Invalid("invalid "+name,
			core.FieldError{Field: "key", Message: "must be standard base64 of 32 random bytes"})
	}
	return New(name, raw)
}

// Random returns a Sealer under a new random key that is kept nowhere:
// what it seals opens only in this process.
func Random(name string) *Sealer {
	s, err := NewFromBase64(name, GenerateKey())
	if err != nil {
		panic("seal: " + err.Error())
	}
	return s
}

// GenerateKey returns a new random key in the base64 form NewFromBase64
// reads.
func GenerateKey() string {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic("seal: no randomness: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(key)
}

// LoadOrCreateKeyFile returns a Sealer for the base64 key in the file at
// path, first writing a new random key there (mode 0600, directories 0700)
// when the file does not exist. The key is written to a temporary file and
// linked into place, so a concurrent reader never sees a half-written key,
// and of two processes creating it at once one wins and the other reads its
// key. Errors: CodeInvalid for a file that holds no valid key (it is never
// replaced), CodeInternal when the file cannot be read or written.
func LoadOrCreateKeyFile(name, path string) (*Sealer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, core.Errorf(core.CodeInternal, "%s: %v", name, err)
		}
		return LoadOrCreateKeyFile(name, path)
	} else if err != nil {
		return nil, core.Errorf(core.CodeInternal, "%s: %v", name, err)
	}
	return NewFromBase64(name, string(data))
}

// createKeyFile writes a new key at path unless a file is there already.
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(GenerateKey() + "\n")
	if serr := tmp.Sync(); werr == nil {
		werr = serr
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o600)
	}
	if werr != nil {
		return fmt.Errorf("write %s: %w", path, werr)
	}
	// Link fails if another process created the file first; its key wins.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// Seal encrypts plaintext bound to aad. It never returns the plaintext or
// anything derived from it without encryption.
func (s *Sealer) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		panic("seal: no randomness: " + err.Error())
	}
	return s.aead.Seal(out, out[1:], plaintext, aad)
}

// Open decrypts what Seal returned for the same aad. Errors: CodeInternal
// when sealed is malformed, was altered, or was sealed under another key or
// another aad (the caller decides what that means to its user).
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != version {
		return nil, core.Errorf(core.CodeInternal, "sealed value is malformed (%s)", s.name)
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "sealed value does not open with the %s: was the key changed?", s.name)
	}
	return plain, nil
}
