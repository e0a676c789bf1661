package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin"
)

// launchPlugin starts a new plugin process with a fresh *goplugin.Client (a
// client is never reused after a failed start or an exit, go-plugin #306)
// and dispenses its provider. External plugins are checked against their
// pinned SHA-256 first, and again by go-plugin's SecureConfig right before
// exec. An external plugin must also report, through Describe, the name it
// is configured under: the gateway stores integrations under the configured
// name, so one reporting another name would be listed under a name that
// then cannot be found. Errors are *core.Error with CodeUnavailable; a name
// mismatch names both names.
func (s *supervisor) launchPlugin() (*instance, error) {
	var secure *goplugin.SecureConfig
	if s.sha256 != "" {
		if err := verifyChecksum(s.path, s.sha256); err != nil {
			return nil, core.Errorf(core.CodeUnavailable, "provider %q: %v", s.name, err)
		}
		sum, _ := hex.DecodeString(s.sha256) // validated at registration
		secure = &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}

	cmd := exec.Command(s.path, s.args...)
	// A plugin inherits only a few neutral variables of the gateway's
	// environment, never its secrets; s.env (a built-in's own
	// configuration) comes after them and wins. SkipHostEnv below stops
	// go-plugin from appending the whole host environment again.
	cmd.Env = pluginEnv(s.env)
	setParentDeathSignal(cmd)

	pluginLog := s.opts.Logger.Named("plugin." + s.name)
	stdio := redactWriter{r: s.opts.Redactor, w: pluginLog.StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true})}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  plugin.Handshake,
		VersionedPlugins: plugin.VersionedPlugins(nil),
		Cmd:              cmd,
		SkipHostEnv:      true,
		SecureConfig:     secure,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     s.opts.StartTimeout,
		Logger:           pluginLog,
		SyncStdout:       stdio,
		SyncStderr:       stdio,
	})
	fail := func(err error) (*instance, error) {
		client.Kill()
		if errors.Is(err, goplugin.ErrChecksumsDoNotMatch) {
			// The file changed between our check and go-plugin's.
			if cerr := verifyChecksum(s.path, s.sha256); cerr != nil {
				err = cerr
			}
			return nil, core.Errorf(core.CodeUnavailable, "provider %q: %v", s.name, err)
		}
		return nil, core.Errorf(core.CodeUnavailable, "provider %q: plugin %s failed to start: %v", s.name, s.path, err)
	}
	rpc, err := client.Client()
	if err != nil {
		return fail(err)
	}
	raw, err := rpc.Dispense(plugin.PluginName)
	if err != nil {
		return fail(err)
	}
	prov, ok := raw.(core.Provider)
	if !ok {
		return fail(fmt.Errorf("plugin %q dispensed %T, not a core.Provider", plugin.PluginName, raw))
	}
	if s.kind == KindExternal {
		if err := s.checkName(prov); err != nil {
			client.Kill()
			return nil, err
		}
	}
	pid := 0
	if rc := client.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	return &instance{
		prov:    prov,
		pid:     pid,
		started: time.Now(),
		exited:  client.Exited,
		ping:    rpc.Ping,
		kill:    client.Kill,
		forceKill: func() {
			if cmd.Process != nil {
				_ = cmd.Process.Kill() // pidfd-based on Linux: never hits a reused PID
			}
		},
	}, nil
}

// checkName asks prov, just started, for its name and refuses it unless it
// is the configured one. Errors: CodeUnavailable naming both names, or
// saying that Describe failed.
func (s *supervisor) checkName(prov core.Provider) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.CallTimeout)
	defer cancel()
	d, err := prov.Describe(ctx)
	if err != nil {
		return core.Errorf(core.CodeUnavailable, "provider %q: plugin %s started but Describe failed: %s",
			s.name, s.path, core.AsError(err).Message)
	}
	if d.Name != s.name {
		return core.Errorf(core.CodeUnavailable,
			"provider %q: plugin %s reports its name as %q, not %q: set name: %s in plugins.external (or install the plugin meant for %q)",
			s.name, s.path, d.Name, s.name, d.Name, s.name)
	}
	return nil
}
