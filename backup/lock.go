package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrInUse is returned by Restore (and LockShared) when another process
// holds the data directory's lock the other way.
var ErrInUse = errors.New("data directory in use")

// LockShared takes a shared lock on dataDir's lock file (created 0600),
// held until release: by every process that runs the gateway's stores on
// dataDir, so that a restore, which needs it exclusively, refuses to run
// under them. Any number of such processes may hold it at once. The lock is
// an flock: the kernel drops it when the process dies, so a crashed gateway
// leaves nothing stale.
func LockShared(dataDir string) (release func(), err error) {
	return lock(dataDir, syscall.LOCK_SH)
}

func lockExclusive(dataDir string) (release func(), err error) {
	return lock(dataDir, syscall.LOCK_EX)
}

func lock(dataDir string, how int) (func(), error) {
	path := filepath.Join(dataDir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if how == syscall.LOCK_EX {
				return nil, fmt.Errorf("%w: a gateway (or another ledgerbridge command) is running on %s; stop it first", ErrInUse, dataDir)
			}
			return nil, fmt.Errorf("%w: %s is being restored", ErrInUse, dataDir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
