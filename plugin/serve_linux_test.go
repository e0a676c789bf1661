package plugin

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

// A plugin whose gateway dies by SIGKILL exits on its own, with status 0.
//
// The test process makes itself a child subreaper, so the orphaned plugin is
// re-parented to it (its parent pid still changes, which is what the
// watchdog notices) and can be reaped here instead of lingering as a zombie.
func TestPluginExitsWhenGatewayIsKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Skipf("cannot become a child subreaper: %v", errno)
	}
	logPath := filepath.Join(t.TempDir(), "plugin.log")
	host := exec.Command(os.Args[0])
	host.Env = append(os.Environ(), roleEnv+"="+roleHost, pluginLog+"="+logPath)
	var stderr syncBuffer
	host.Stderr = &stderr
	out, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	defer host.Process.Kill() //nolint:errcheck // best effort on failure paths

	pidLine := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		pidLine <- strings.TrimSpace(line)
	}()
	var pid int
	select {
	case line := <-pidLine:
		pid, err = strconv.Atoi(line)
		if err != nil {
			t.Fatalf("host said %q; stderr: %s", line, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("host never started the plugin; stderr: %s", stderr.String())
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("plugin %d not running while its host lives: %v", pid, err)
	}

	if err := host.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = host.Wait()

	// The plugin is now our child; wait for it to exit on its own.
	deadline := time.Now().Add(5 * time.Second)
	var ws syscall.WaitStatus
	for {
		wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err != nil {
			t.Fatalf("wait for plugin %d: %v", pid, err)
		}
		if wpid == pid {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_, _ = syscall.Wait4(pid, &ws, 0, nil)
			t.Fatalf("plugin %d outlived its killed gateway", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("plugin ended with %v, want exit status 0", ws)
	}
	logged, _ := os.ReadFile(logPath)
	if !strings.Contains(string(logged), "gateway process is gone") {
		t.Errorf("plugin exited without the watchdog's log line; log:\n%s", logged)
	}
}
