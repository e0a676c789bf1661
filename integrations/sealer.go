package integrations

import (
	"github.com/ledgerbridge/ledgerbridge/seal"
)

// KeySize is the length of a Sealer key: AES-256.
const KeySize = seal.KeySize

// keyName is the credentials key in messages.
const keyName = "credentials key"

// Sealer encrypts integration credentials at rest (package seal's
// AES-256-GCM). The sealed form is what the database holds; the associated
// data (the integration ID) binds a sealed value to its row: copied to
// another row it does not open.
type Sealer = seal.Sealer

// NewSealer returns a Sealer for a 32-byte key. Errors: CodeInvalid naming
// "key" for a key of another length.
func NewSealer(key []byte) (*Sealer, error) { return seal.New(keyName, key) }

// NewSealerFromBase64 returns a Sealer for a key written in standard base64
// (surrounding white space ignored), as GenerateKey writes it. Errors:
// CodeInvalid naming "key" when it is not base64 of 32 bytes.
func NewSealerFromBase64(key string) (*Sealer, error) { return seal.NewFromBase64(keyName, key) }

// GenerateKey returns a new random key in the base64 form
// NewSealerFromBase64 reads.
func GenerateKey() string { return seal.GenerateKey() }

// LoadOrCreateKeyFile returns a Sealer for the base64 key in the file at
// path, first writing a new random key there (mode 0600, directories 0700)
// when the file does not exist. Keep the file out of database backups: a
// backup of the database alone then reveals no credentials. Errors:
// CodeInvalid for a file that holds no valid key, CodeInternal when the
// file cannot be read or written.
func LoadOrCreateKeyFile(path string) (*Sealer, error) {
	return seal.LoadOrCreateKeyFile(keyName, path)
}
