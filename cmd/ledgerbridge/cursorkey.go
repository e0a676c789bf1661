package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ledgerbridge/ledgerbridge/httpapi"
)

// cursorKeyFile is the key that seals list cursors, beside the database in
// the data directory (so every gateway sharing the directory shares it).
// Losing it only invalidates cursors already handed out; it need not be
// backed up.
const cursorKeyFile = "cursor.key"

// loadOrCreateCursorKey returns the base64 key in the file at path, first
// writing a new random one there (mode 0600, directories 0700) when the
// file does not exist. Of two processes creating it at once, one wins and
// the other reads its key.
func loadOrCreateCursorKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		key := make([]byte, httpapi.CursorKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), ".cursor.key-*")
		if err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(tmp.Name(), 0o600)
		}
		if werr != nil {
			return nil, fmt.Errorf("cursor key: write %s: %w", path, werr)
		}
		// Link fails if another process created the file first; its key wins.
		if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		return loadOrCreateCursorKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != httpapi.CursorKeySize {
		return nil, fmt.Errorf("cursor key %s: must be standard base64 of %d random bytes", path, httpapi.CursorKeySize)
	}
	return key, nil
}
