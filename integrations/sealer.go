package integrations

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// KeySize is the length of a Sealer key: AES-256.
const KeySize = 32

// sealVersion is the first byte of every sealed value, so a later key
// rotation or algorithm change can tell old values apart.
const sealVersion byte = 1

// Sealer encrypts integration credentials at rest with AES-256-GCM. Each
// Seal uses a fresh random 96-bit nonce; the sealed form is
// version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes), and
// is what the database holds. The associated data (the integration ID)
// binds a sealed value to its row: copied to another row it does not open.
// A Sealer is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key. Errors: CodeInvalid naming
// "key" for a key of another length.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, core.Invalid("invalid credentials key",
			core.FieldError{Field: "key", Message: "must be 32 bytes (AES-256)"})
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "credentials key: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "credentials key: %v", err)
	}
	return &Sealer{aead: aead}, nil
}

// NewSealerFromBase64 returns a Sealer for a key written in standard base64
// (surrounding white space ignored), as GenerateKey writes it. Errors:
// CodeInvalid naming "key" when it is not base64 of 32 bytes.
func NewSealerFromBase64(key string) (*Sealer, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	if err != nil {
		return nil, core.Invalid("invalid credentials key",
			core.FieldError{Field: "key", Message: "must be standard base64 of 32 random bytes"})
	}
	return NewSealer(raw)
}

// GenerateKey returns a new random key in the base64 form
// NewSealerFromBase64 reads.
func GenerateKey() string {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic("integrations: no randomness: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(key)
}

// LoadOrCreateKeyFile returns a Sealer for the base64 key in the file at
// path, first writing a new random key there (mode 0600, directories 0700)
// when the file does not exist. Keep the file out of database backups: a
// backup of the database alone then reveals no credentials. Errors:
// CodeInvalid for a file that holds no valid key, CodeInternal when the
// file cannot be read or written.
func LoadOrCreateKeyFile(path string) (*Sealer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, core.Errorf(core.CodeInternal, "credentials key: %v", err)
		}
		key := GenerateKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKeyFile(path) // another process created it first
		} else if err != nil {
			return nil, core.Errorf(core.CodeInternal, "credentials key: %v", err)
		}
		_, werr := f.WriteString(key + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, core.Errorf(core.CodeInternal, "credentials key: write %s: %v", path, werr)
		}
		return NewSealerFromBase64(key)
	} else if err != nil {
		return nil, core.Errorf(core.CodeInternal, "credentials key: %v", err)
	}
	return NewSealerFromBase64(string(data))
}

// Seal encrypts plaintext bound to aad. It never returns the plaintext or
// anything derived from it without encryption.
func (s *Sealer) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic("integrations: no randomness: " + err.Error())
	}
	return s.aead.Seal(out, out[1:], plaintext, aad)
}

// Open decrypts what Seal returned for the same aad. Errors: CodeInternal
// when sealed was altered, sealed under another key or another aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, core.Errorf(core.CodeInternal, "sealed credentials are malformed")
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "sealed credentials do not open with this key: was the credentials key changed?")
	}
	return plain, nil
}
