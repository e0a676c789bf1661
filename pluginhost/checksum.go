package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// fileSHA256 returns the lower-case hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// parseSHA256 normalizes a hex SHA-256 checksum to lower case. It fails
// unless s is exactly 64 hexadecimal digits.
func parseSHA256(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return "", errors.New("must be 64 hexadecimal digits (a SHA-256 checksum)")
	}
	return s, nil
}

// verifyChecksum checks that path is a regular, executable file whose
// SHA-256 is want (lower-case hex). Its errors name the file and, on a
// mismatch, both checksums.
func verifyChecksum(path, want string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("plugin executable %s does not exist", path)
	case err != nil:
		return fmt.Errorf("plugin executable %s: %v", path, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("plugin executable %s is not a regular file", path)
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("plugin executable %s is not executable (mode %s)", path, fi.Mode().Perm())
	}
	got, err := fileSHA256(path)
	if err != nil {
		return fmt.Errorf("plugin executable %s: cannot compute its SHA-256: %v", path, err)
	}
	if got != want {
		return fmt.Errorf("refusing to start plugin %s: SHA-256 checksum mismatch: expected %s, actual %s", path, want, got)
	}
	return nil
}
