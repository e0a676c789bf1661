package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// RestoreOptions are Restore's optional inputs.
type RestoreOptions struct {
	// Key is the credentials key file written by Backup (its KeyOut
	// directory's credentials.key). Required when the backup had a key,
	// unless WithoutKey.
	Key string
	// WithoutKey restores the databases without the key: the integration
	// credentials sealed in them cannot be decrypted and must be entered
	// again.
	WithoutKey bool
	// Force replaces the databases (and key) of a non-empty data
	// directory.
	Force bool
}

// Restore verifies the backup in dir against its manifest (every file's
// size and SHA-256, and the key's), then copies its databases into dataDir
// (created 0700; files 0600), and the key. It refuses a dataDir that a
// gateway runs on (see LockShared) and, unless opts.Force, one that holds
// anything. With Force it first removes the data directory's databases,
// their -wal, -shm and -journal files (a stale WAL beside a restored
// database would be replayed into it) and, when a key is restored, the key.
func Restore(ctx context.Context, dir, dataDir string, opts RestoreOptions) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w (a backup directory without its manifest is incomplete)", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("restore: manifest: %w", err)
	}
	if m.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("restore: manifest format %d, this ledgerbridge reads %d", m.Format, FormatVersion)
	}
	if len(m.Databases) == 0 || m.Databases[0].Name != GatewayDB {
		return Manifest{}, fmt.Errorf("restore: the manifest lists no %s first", GatewayDB)
	}
	for _, f := range m.Databases {
		if f.Name != filepath.Base(f.Name) || !strings.HasSuffix(f.Name, ".db") {
			return Manifest{}, fmt.Errorf("restore: the manifest names %q, not a database file name", f.Name)
		}
		if err := verify(filepath.Join(dir, f.Name), f); err != nil {
			return Manifest{}, fmt.Errorf("restore: %w", err)
		}
	}
	switch {
	case m.Key != nil && opts.Key != "":
		if err := verify(opts.Key, *m.Key); err != nil {
			return Manifest{}, fmt.Errorf("restore: key: %w (not the key saved with this backup)", err)
		}
	case m.Key != nil && !opts.WithoutKey:
		return Manifest{}, fmt.Errorf("restore: the backup's credentials key was stored apart (%s when backed up): pass it with --key, or --without-key to re-enter integration credentials", m.Key.Path)
	case m.Key == nil && opts.Key != "":
		return Manifest{}, errors.New("restore: this backup was made without a credentials key; --key does not belong to it")
	}

	if dataDir, err = filepath.Abs(dataDir); err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	release, err := lockExclusive(dataDir)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	defer release()
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	var present []string
	for _, e := range entries {
		if e.Name() != LockFile {
			present = append(present, e.Name())
		}
	}
	if len(present) > 0 {
		if !opts.Force {
			return Manifest{}, fmt.Errorf("restore: %s is not empty (%s): pass --force to replace its databases", dataDir, strings.Join(present, ", "))
		}
		for _, n := range present {
			if isDatabaseFile(n) || (n == KeyFile && opts.Key != "") {
				if err := os.Remove(filepath.Join(dataDir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return Manifest{}, fmt.Errorf("restore: %w", err)
				}
			}
		}
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	install := func(src, name string, want File) error {
		tmp := filepath.Join(dataDir, name+".restoring")
		os.Remove(tmp)
		got, err := copyFile(src, tmp)
		if err != nil {
			return err
		}
		if got.SHA256 != want.SHA256 || got.Size != want.Size {
			os.Remove(tmp)
			return fmt.Errorf("%s changed while being restored", src)
		}
		return os.Rename(tmp, filepath.Join(dataDir, name))
	}
	for _, f := range m.Databases {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		if err := install(filepath.Join(dir, f.Name), f.Name, f); err != nil {
			return Manifest{}, fmt.Errorf("restore: %s: %w", f.Name, err)
		}
	}
	if m.Key != nil && opts.Key != "" {
		if err := install(opts.Key, KeyFile, *m.Key); err != nil {
			return Manifest{}, fmt.Errorf("restore: key: %w", err)
		}
	}
	return m, syncDir(dataDir)
}

// isDatabaseFile reports whether name is a database or one of SQLite's
// files beside it.
func isDatabaseFile(name string) bool {
	return strings.HasSuffix(name, ".db") || isSidecarFile(name)
}

// isSidecarFile reports whether name is one of the files SQLite keeps
// beside a database: its write-ahead log, shared memory or rollback
// journal.
func isSidecarFile(name string) bool {
	for _, suffix := range []string{".db-wal", ".db-shm", ".db-journal"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// verify checks the file at path against the manifest's size and SHA-256.
func verify(path string, want File) error {
	got, err := hashFile(path, false)
	if err != nil {
		return err
	}
	if got.Size != want.Size || got.SHA256 != want.SHA256 {
		return fmt.Errorf("%s: sha256 %s (%d bytes), the manifest says %s (%d bytes)", path, got.SHA256, got.Size, want.SHA256, want.Size)
	}
	return nil
}
