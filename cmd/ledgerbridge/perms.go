package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// prepareDataDir creates the data directory 0700 when it does not exist,
// and otherwise warns, naming path and mode, about the directory and each
// file or directory in it that the group or others may access: they hold
// the databases, the credentials key and the demo API keys. Existing modes
// are not changed: an operator may have widened them on purpose (a backup
// group, say), and a silent chmod would hide that; the warning says what to
// run instead. Everything ledgerbridge creates there is 0600 (files) or
// 0700 (directories).
//
// An existing directory must be one this user can write: otherwise the
// error says so, naming the directory, the user and "permission denied",
// instead of whatever the first store to open it would make of it.
func prepareDataDir(dir string, log *slog.Logger) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		return os.Chmod(dir, 0o700) // exactly, whatever the umask
	} else if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("data dir: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("data dir %s is not a directory", dir)
	}
	if err := checkWritable(dir); err != nil {
		return fmt.Errorf("data dir %s is not writable by uid %d: %w", dir, os.Geteuid(), err)
	}
	for _, l := range loosePermissions(dir) {
		log.Warn("data directory entry is accessible by group or others; run chmod "+l.want+" on it",
			"path", l.path, "mode", fmt.Sprintf("%04o", l.mode))
	}
	return nil
}

// checkWritable creates and removes a file in dir: the one test of
// writability that also holds for ACLs, read-only mounts and root.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".ledgerbridge-write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

type loose struct {
	path string
	mode fs.FileMode
	want string // the mode to set
}

// loosePermissions lists dir and everything under it whose permission bits
// give the group or others any access. Symbolic links are skipped (their
// own mode means nothing); unreadable entries are skipped too, the stores
// report them when they open.
func loosePermissions(dir string) []loose {
	var out []loose
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			want := "0600"
			if d.IsDir() {
				want = "0700"
			}
			out = append(out, loose{path: path, mode: perm, want: want})
		}
		return nil
	})
	return out
}
