package plugin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// The test binary doubles as a plugin binary and as a stand-in gateway, so
// the tests below exercise Serve, the handshake and the parent watchdog in
// real processes.
const (
	roleEnv   = "LEDGERBRIDGE_PROVIDERS_TEST_ROLE"
	pluginLog = "LEDGERBRIDGE_PROVIDERS_TEST_PLUGIN_LOG"
	// protocolEnv "N" makes the test plugin serve protocol versions 1 to N
	// only, like a plugin built when N was the newest.
	protocolEnv = "LEDGERBRIDGE_PROVIDERS_TEST_PROTOCOL"
	rolePlugin  = "plugin"
	roleHost    = "host"
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case rolePlugin:
		runTestPlugin()
		os.Exit(0)
	case roleHost:
		os.Exit(runTestHost())
	}
	os.Exit(m.Run())
}

// runTestPlugin serves a fake that describes itself as fullDescriptor. With
// pluginLog set it logs there instead of stderr, so nothing it does after
// the handshake depends on its parent's pipes.
func runTestPlugin() {
	fake := newFake()
	fake.answer(fullDescriptor, nil)
	var logger hclog.Logger
	if path := os.Getenv(pluginLog); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			os.Exit(3)
		}
		logger = hclog.New(&hclog.LoggerOptions{Name: "test-plugin", Output: f, JSONFormat: true, Level: hclog.Debug})
	}
	if v, err := strconv.Atoi(os.Getenv(protocolEnv)); err == nil {
		// A plugin built when protocol version v was the newest.
		sets := map[int]goplugin.PluginSet{}
		for old := 1; old <= v; old++ {
			sets[old] = goplugin.PluginSet{PluginName: &GRPCPlugin{Impl: fake, Version: old}}
		}
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig:  Handshake,
			VersionedPlugins: sets,
			GRPCServer:       goplugin.DefaultGRPCServer,
			Logger:           logger,
		})
		return
	}
	Serve(fake, logger)
}

// pluginClient starts the test binary as a plugin.
func pluginClient(logger hclog.Logger, extraEnv ...string) *goplugin.Client {
	cmd := exec.Command(os.Args[0])
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, roleEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, roleEnv+"="+rolePlugin)
	cmd.Env = append(cmd.Env, extraEnv...)
	return goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: VersionedPlugins(nil),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     30 * time.Second,
		Logger:           logger,
	})
}

func dispense(c *goplugin.Client) (core.Provider, error) {
	rpc, err := c.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		return nil, err
	}
	p, ok := raw.(core.Provider)
	if !ok {
		return nil, fmt.Errorf("dispensed %T", raw)
	}
	return p, nil
}

// runTestHost plays a gateway: it starts a plugin (logging to the file in
// pluginLog), checks it answers, prints the plugin's pid and waits to be
// killed.
func runTestHost() int {
	c := pluginClient(hclog.NewNullLogger(), pluginLog+"="+os.Getenv(pluginLog))
	p, err := dispense(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dispense:", err)
		return 2
	}
	if _, err := p.Describe(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "describe:", err)
		return 2
	}
	fmt.Println(c.ReattachConfig().Pid)
	select {}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A real plugin process completes the handshake, answers over gRPC, and its
// JSON logs arrive at the host as structured entries.
func TestServeInARealProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	var logs syncBuffer
	host := hclog.New(&hclog.LoggerOptions{Name: "host", Output: &logs, JSONFormat: true, Level: hclog.Debug})
	c := pluginClient(host)
	defer c.Kill()
	p, err := dispense(c)
	if err != nil {
		t.Fatalf("start plugin: %v", err)
	}
	if v := c.NegotiatedVersion(); v != ProtocolVersion {
		t.Errorf("negotiated version %d", v)
	}
	d, err := p.Describe(context.Background())
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	assertSame(t, "descriptor", fullDescriptor, d)

	c.Kill()
	if !c.Exited() {
		t.Error("plugin still running after Kill")
	}
	if _, err := p.Describe(context.Background()); core.Code(err) != core.CodeUnavailable {
		t.Errorf("call after exit: err = %v, want unavailable", err)
	}

	// The plugin's "plugin address" debug line must reach the host parsed,
	// i.e. as its own message rather than a raw JSON string.
	found := false
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var entry map[string]any
		if json.Unmarshal(sc.Bytes(), &entry) == nil && entry["@message"] == "plugin address" {
			found = true
		}
	}
	if !found {
		t.Errorf("no structured plugin log entry in host log:\n%s", logs.String())
	}
}

func TestWatchParent(t *testing.T) {
	t.Run("parent changes", func(t *testing.T) {
		var mu sync.Mutex
		ppid := 100
		get := func() int { mu.Lock(); defer mu.Unlock(); return ppid }
		type change struct{ before, now int }
		got := make(chan change, 1)
		go watchParent(get, time.Millisecond, nil, func(before, now int) { got <- change{before, now} })
		select {
		case c := <-got:
			t.Fatalf("orphaned(%d, %d) while the parent lives", c.before, c.now)
		case <-time.After(20 * time.Millisecond):
		}
		mu.Lock()
		ppid = 1
		mu.Unlock()
		select {
		case c := <-got:
			if c.before != 100 || c.now != 1 {
				t.Errorf("orphaned(%d, %d), want (100, 1)", c.before, c.now)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("watchdog did not notice the new parent")
		}
	})
	t.Run("stop", func(t *testing.T) {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			watchParent(func() int { return 7 }, time.Millisecond, stop, func(int, int) { t.Error("orphaned") })
			close(done)
		}()
		close(stop)
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("watchParent ignored stop")
		}
	})
}

func TestNewPluginLogger(t *testing.T) {
	l := NewPluginLogger("p")
	if !l.IsDebug() || l.Name() != "p" {
		t.Errorf("logger level/name: debug=%v name=%q", l.IsDebug(), l.Name())
	}
}

// A plugin of an older protocol version still starts and serves:
// go-plugin negotiates its version, and the host answers the calls the
// plugin lacks (CreateLedgerAccount from 2, InvoiceUBL from 3) with
// CodeUnsupported without asking it.
func TestOldProtocolPluginLacksNewerCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, tt := range []struct {
		env     string
		version int
	}{{protocolEnv + "=1", 1}, {protocolEnv + "=2", 2}, {protocolEnv + "=", ProtocolVersion}} {
		c := pluginClient(hclog.NewNullLogger(), tt.env)
		p, err := dispense(c)
		if err != nil {
			c.Kill()
			t.Fatalf("start plugin: %v", err)
		}
		if v := c.NegotiatedVersion(); v != tt.version {
			t.Errorf("%s: negotiated version %d, want %d", tt.env, v, tt.version)
		}
		if _, err := p.Describe(context.Background()); err != nil {
			t.Errorf("%s: describe: %v", tt.env, err)
		}
		calls := []struct {
			since int
			call  func() error
		}{
			{2, func() error {
				_, err := p.CreateLedgerAccount(context.Background(), fullConn, core.NewLedgerAccount{Number: "2910", Name: "Gjeld til ansatte"})
				return err
			}},
			{3, func() error { _, err := p.InvoiceUBL(context.Background(), fullConn, "inv_1"); return err }},
		}
		for _, call := range calls {
			err := call.call()
			if tt.version < call.since {
				if core.Code(err) != core.CodeUnsupported || !strings.Contains(err.Error(), fmt.Sprintf("protocol version %d", tt.version)) {
					t.Errorf("version %d plugin, call of version %d: %v, want unsupported naming the protocol version", tt.version, call.since, err)
				}
			} else if core.Code(err) == core.CodeUnsupported {
				t.Errorf("version %d plugin, call of version %d: %v", tt.version, call.since, err)
			}
		}
		c.Kill()
	}
}
