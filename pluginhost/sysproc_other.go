//go:build !linux

package pluginhost

import "os/exec"

// setParentDeathSignal does nothing outside Linux, which has no parent-death
// signal; there Close (and go-plugin's CleanupClients) must run on every
// exit path.
func setParentDeathSignal(cmd *exec.Cmd) {}
