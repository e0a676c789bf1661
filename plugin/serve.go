package plugin

import (
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// parentPollInterval is how often a plugin checks that its gateway lives.
const parentPollInterval = 500 * time.Millisecond

// Serve serves impl as a provider plugin; it is the whole main of a plugin
// binary and returns only when the host shuts the plugin down. It speaks
// gRPC only, with Handshake and VersionedPlugins(impl).
//
// Serve never writes to stdout (the go-plugin handshake line is the only
// stdout output, and anything before it breaks the host's start); logs go
// through logger, which must write to stderr. A nil logger means
// NewPluginLogger(PluginName). logger also becomes hclog's default, which
// the server uses to report recovered panics.
//
// Serve also watches its parent: when the parent process changes (the
// gateway died, even by SIGKILL, and the plugin was re-parented), it logs
// and exits with status 0, so a plugin never outlives its gateway.
func Serve(impl core.Provider, logger hclog.Logger) {
	if logger == nil {
		logger = NewPluginLogger(PluginName)
	}
	hclog.SetDefault(logger)
	go watchParent(os.Getppid, parentPollInterval, nil, func(before, now int) {
		logger.Info("gateway process is gone; exiting", "parent_pid", before, "new_parent_pid", now)
		os.Exit(0)
	})
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: VersionedPlugins(impl),
		GRPCServer:       goplugin.DefaultGRPCServer,
		Logger:           logger,
	})
}

// NewPluginLogger returns the logger a plugin should use: JSON lines on
// stderr at debug level, which the host's go-plugin client turns back into
// structured entries of its own logger.
func NewPluginLogger(name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      hclog.Debug,
		Output:     os.Stderr,
		JSONFormat: true,
	})
}

// watchParent polls getppid every interval and calls orphaned once, with
// the original and the new parent pid, when the parent changes. It returns
// after calling orphaned, or when stop is closed.
func watchParent(getppid func() int, interval time.Duration, stop <-chan struct{}, orphaned func(before, now int)) {
	start := getppid()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if now := getppid(); now != start {
				orphaned(start, now)
				return
			}
		}
	}
}
