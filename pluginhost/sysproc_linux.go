package pluginhost

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel SIGKILL the plugin when the gateway
// dies, even by SIGKILL, so plugins are never orphaned. (Strictly, the
// signal fires when the thread that forked the plugin exits; the Go runtime
// does not retire its threads while the process lives.)
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
