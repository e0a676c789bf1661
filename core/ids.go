package core

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

// NewID returns a random identifier with a type prefix, e.g. "ch_…": the
// prefix, "_" and 16 random bytes in lower-case base32 (26 characters).
func NewID(prefix string) string { return prefix + "_" + randomToken(16) }

// NewOrderedID returns an identifier with a type prefix whose text grows with
// t: the prefix, "_" and 26 characters of base32 with digits first (so the
// text sorts like the bytes) over t in Unix milliseconds (48 bits) and 80
// random bits. Ids that grow with time keep inserts at the right edge of an
// index instead of on random pages.
func NewOrderedID(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	readRandom(b[6:])
	return prefix + "_" + strings.ToLower(orderedIDEncoding.EncodeToString(b[:]))
}

var (
	idEncoding        = base32.StdEncoding.WithPadding(base32.NoPadding)
	orderedIDEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)
)

// randomToken is n random bytes in lower-case base32.
func randomToken(n int) string {
	b := make([]byte, n)
	readRandom(b)
	return strings.ToLower(idEncoding.EncodeToString(b))
}

// readRandom fills b from the system's randomness; without it no identifier
// or secret is safe to hand out, so it panics.
func readRandom(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic("core: no randomness: " + err.Error())
	}
}
