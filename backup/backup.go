// Package backup copies a data directory's SQLite databases consistently
// while the gateway runs, and restores them.
//
// Each database is copied with VACUUM INTO on a read-only connection: a
// consistent snapshot of that one file as of one transaction, taken
// alongside the running gateway and plugin processes (WAL lets a reader
// proceed while they write). Snapshots of different files are taken at
// different moments, so the order they are taken in decides which
// cross-database states a backup can contain; see Order.
//
// The credentials key (credentials.key) is never written into the backup
// directory: it goes to a separate directory, so the database copies alone
// do not decrypt the integration credentials sealed in them.
package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver VACUUM INTO and integrity_check run on

	"github.com/ledgerbridge/ledgerbridge/einvoice"
	"github.com/ledgerbridge/ledgerbridge/mail"
	"github.com/ledgerbridge/ledgerbridge/store"
	"github.com/ledgerbridge/ledgerbridge/webhooks"
)

// Well-known names in a data directory.
const (
	GatewayDB = store.FileName
	MailDB    = mail.FileName
	// EInvoiceDB is the e-invoice outbox.
	EInvoiceDB = einvoice.FileName
	// WebhooksDB holds the webhook endpoints, events and deliveries.
	WebhooksDB = webhooks.FileName
	KeyFile    = "credentials.key" // integrations' sealing key; the gateway creates it by this name
	// CursorKeyFile seals the HTTP API's list cursors; the gateway creates
	// it beside the database, so every gateway sharing the directory shares
	// it. Losing it only invalidates cursors already handed out, so a
	// backup leaves it out (it is listed under NotCopied).
	CursorKeyFile = "cursor.key"
	ManifestFile  = "manifest.json"
	// LockFile is held shared by every process that has the data
	// directory's databases open through the gateway (serve, merchants
	// create, plugins list, api-keys) or copies them (backup), and
	// exclusively by restore.
	LockFile = "ledgerbridge.lock"
)

// FormatVersion is the manifest's format.
const FormatVersion = 1

// Manifest describes a backup directory. It is written last: a backup
// directory without one is incomplete.
type Manifest struct {
	Format     int       `json:"format"`
	Version    string    `json:"ledgerbridge_version"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	DataDir    string    `json:"data_dir"`
	// Databases in the order they were copied (and are restored).
	Databases []File `json:"databases"`
	// Key is the credentials key, written apart (Path is where it was
	// written when the backup was made). Nil when the data directory had
	// none.
	Key *File `json:"credentials_key,omitempty"`
	// NotCopied are other files in the data directory, left out.
	NotCopied []string `json:"not_copied,omitempty"`
}

// File is one copied file.
type File struct {
	Name      string    `json:"name"`
	Path      string    `json:"path,omitempty"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	CopiedAt  time.Time `json:"copied_at"`
	Integrity string    `json:"integrity_check,omitempty"`
}

// Order returns the database file names in the order Backup copies them:
// the gateway database first, the outboxes (e-invoice, mail, webhooks)
// second,
// then every other database (the providers': open.db, sie.db, tripletex.db, spiris.db and
// any an external plugin keeps there) by name.
//
// The rule: when a record in database A implies a record in database B
// that is written before it and never removed, A is copied before B. B's
// later snapshot then holds everything A's earlier one implies.
//   - A charge is completed in the gateway database only after its invoice
//     was committed in the provider's database (architecture.md, a register
//     charge): gateway before providers, so every completed charge's invoice
//     is in the backup. The reverse order lets a charge complete between the
//     two copies: completed, but no invoice.
//   - An export job succeeds in the gateway database only after the
//     provider booked the voucher (sie.db): the same order.
//   - An invoice e-mail is queued in mail.db before the charge completes,
//     and after its invoice exists: gateway, then mail, then providers.
//     An e-invoice in einvoice.db likewise: it is queued after its invoice
//     exists (and its document is a copy of it); and a webhook event in
//     webhooks.db, published after what it reports was committed.
//
// The states a backup can hold the other way round are the ones a crash
// leaves, and are repaired as after a crash: an invoice whose charge is
// still pending (the register's retry with the same key calls the provider
// with the same charge id, which returns that invoice), a voucher booked
// for a job still pending (the export's retry finds it by its external
// reference). docs/operations.md has the whole argument.
func Order(names []string) []string {
	rank := func(n string) int {
		switch n {
		case GatewayDB:
			return 0
		case MailDB, EInvoiceDB, WebhooksDB:
			return 1
		}
		return 2
	}
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return out
}

// Databases lists the SQLite databases in dataDir: every *.db file.
func Databases(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".db") {
			names = append(names, e.Name())
		}
	}
	return Order(names), nil
}

// Options are Backup's optional inputs.
type Options struct {
	// KeyOut is the directory the credentials key is written to (created
	// 0700, the file 0600). Required when the data directory has a key; it
	// must not be inside the backup directory.
	KeyOut string
	// Now is the clock (tests); time.Now by default.
	Now func() time.Time
	// BeforeCopy, when set, runs before each database is copied (tests).
	BeforeCopy func(name string)
}

// Backup copies every database in dataDir into dir (which must not exist
// or be empty), in Order, checks each copy with PRAGMA integrity_check,
// writes the credentials key to opts.KeyOut and finally dir/manifest.json.
// Files are written 0600, directories 0700. It is safe while a gateway
// runs on dataDir.
func Backup(ctx context.Context, dataDir, dir string, opts Options) (Manifest, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var err error
	if dataDir, err = filepath.Abs(dataDir); err != nil {
		return Manifest{}, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return Manifest{}, err
	}
	names, err := Databases(dataDir)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: data dir: %w", err)
	}
	if !slices.Contains(names, GatewayDB) {
		return Manifest{}, fmt.Errorf("backup: %s has no %s: not a ledgerbridge data directory", dataDir, GatewayDB)
	}
	keyPath := filepath.Join(dataDir, KeyFile)
	_, kerr := os.Stat(keyPath)
	hasKey := kerr == nil
	if hasKey {
		if opts.KeyOut == "" {
			return Manifest{}, fmt.Errorf("backup: %s has a credentials key: say where to store it apart from the backup with --key-out", dataDir)
		}
		if opts.KeyOut, err = filepath.Abs(opts.KeyOut); err != nil {
			return Manifest{}, err
		}
		if within(opts.KeyOut, dir) || within(dir, opts.KeyOut) {
			return Manifest{}, fmt.Errorf("backup: the key directory %s must be apart from the backup directory %s", opts.KeyOut, dir)
		}
	}
	// Shared, like a gateway's: a restore cannot start under the backup.
	unlock, err := LockShared(dataDir)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer unlock()
	if err := emptyPrivateDir(dir); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}

	m := Manifest{Format: FormatVersion, Version: version(), StartedAt: now().UTC(), DataDir: dataDir}
	for _, name := range names {
		if opts.BeforeCopy != nil {
			opts.BeforeCopy(name)
		}
		f, err := copyDatabase(ctx, filepath.Join(dataDir, name), filepath.Join(dir, name))
		if err != nil {
			return Manifest{}, fmt.Errorf("backup: %s: %w", name, err)
		}
		f.Name, f.CopiedAt = name, now().UTC()
		m.Databases = append(m.Databases, f)
	}
	if hasKey {
		if err := emptyPrivateDir(opts.KeyOut); err != nil && !errors.Is(err, errNotEmpty) {
			return Manifest{}, fmt.Errorf("backup: key: %w", err)
		}
		dst := filepath.Join(opts.KeyOut, KeyFile)
		f, err := copyFile(keyPath, dst)
		if err != nil {
			return Manifest{}, fmt.Errorf("backup: key: %w", err)
		}
		f.Name, f.Path, f.CopiedAt = KeyFile, dst, now().UTC()
		m.Key = &f
	}
	entries, _ := os.ReadDir(dataDir)
	for _, e := range entries {
		n := e.Name()
		if slices.Contains(names, n) || n == KeyFile || n == LockFile || isSidecarFile(n) {
			continue
		}
		m.NotCopied = append(m.NotCopied, n)
	}
	m.FinishedAt = now().UTC()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	if err := writeFileSync(filepath.Join(dir, ManifestFile), append(b, '\n')); err != nil {
		return Manifest{}, fmt.Errorf("backup: manifest: %w", err)
	}
	return m, syncDir(dir)
}

var errNotEmpty = errors.New("directory is not empty")

// emptyPrivateDir makes dir an empty directory with mode 0700: it creates
// it, or accepts an existing empty one (and sets its mode).
func emptyPrivateDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		return os.Chmod(dir, 0o700)
	} else if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s: %w", dir, errNotEmpty)
	}
	return os.Chmod(dir, 0o700)
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// copyDatabase snapshots src into dst with VACUUM INTO on a read-only
// connection, then checks the copy and hashes it.
func copyDatabase(ctx context.Context, src, dst string) (File, error) {
	// dst is created 0600 and empty first: VACUUM INTO accepts an empty
	// file, and would otherwise create it 0644.
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	if err := f.Close(); err != nil {
		return File{}, err
	}
	db, err := sql.Open("sqlite3", "file:"+escape(src)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return File{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return File{}, fmt.Errorf("VACUUM INTO: %w", err)
	}
	if err := db.Close(); err != nil {
		return File{}, err
	}
	result, err := IntegrityCheck(ctx, dst)
	if err != nil {
		return File{}, err
	}
	if result != "ok" {
		return File{}, fmt.Errorf("integrity_check of the copy: %s", result)
	}
	out, err := hashFile(dst, true)
	if err != nil {
		return File{}, err
	}
	out.Integrity = result
	return out, nil
}

// IntegrityCheck runs PRAGMA integrity_check on the database file at path
// and returns its answer ("ok" when sound).
func IntegrityCheck(ctx context.Context, path string) (string, error) {
	db, err := sql.Open("sqlite3", "file:"+escape(path)+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", fmt.Errorf("integrity_check: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return strings.Join(lines, "; "), nil
}

// escape makes path safe inside a file: URI.
func escape(path string) string {
	return (&url.URL{Path: path}).EscapedPath()
}

// hashFile returns the size and SHA-256 of the file at path, fsyncing it
// first when sync is set.
func hashFile(path string, sync bool) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	if sync {
		if err := f.Sync(); err != nil {
			return File{}, err
		}
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// copyFile copies src to dst (created 0600, replacing nothing), synced,
// and returns dst's size and hash.
func copyFile(src, dst string) (File, error) {
	in, err := os.Open(src)
	if err != nil {
		return File{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, syncDir(filepath.Dir(dst))
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// version is the binary's module version, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
		if v != "" {
			return v
		}
	}
	return "devel"
}
