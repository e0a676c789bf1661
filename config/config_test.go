package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
)

// clearEnv unsets every LEDGERBRIDGE_* variable Load reads for the test
// (empty counts as unset).
func clearEnv(t *testing.T) {
	t.Helper()
	for key := range defaults {
		t.Setenv(EnvVar(key), "")
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func flagSet(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

const yamlFile = `
addr: "127.0.0.1:9000"
data_dir: /srv/lb
log_level: debug
plugins:
  dir: /opt/plugins
  call_timeout: 45s
  start_timeout: 20s
  restart_backoff_min: 1s
  restart_backoff_max: 1m
  external:
    - name: acme
      file: acme-bin
      sha256: ` + sha + `
exports:
  lease: 10m
  call_timeout: 1m
`

const tomlFile = `
addr = "127.0.0.1:9000"
data_dir = "/srv/lb"
log_level = "debug"

[plugins]
dir = "/opt/plugins"
call_timeout = "45s"
start_timeout = "20s"
restart_backoff_min = "1s"
restart_backoff_max = "1m"

[[plugins.external]]
name = "acme"
file = "acme-bin"
sha256 = "` + sha + `"

[exports]
lease = "10m"
call_timeout = "1m"
`

// fromFile is what yamlFile and tomlFile say.
var fromFile = Config{
	Addr: "127.0.0.1:9000", OpsAddr: DefaultOpsAddr, DataDir: "/srv/lb", LogLevel: "debug",
	Plugins: PluginsConfig{
		Dir: "/opt/plugins", CallTimeout: 45 * time.Second, StartTimeout: 20 * time.Second,
		RestartBackoffMin: time.Second, RestartBackoffMax: time.Minute,
		External: []ExternalPlugin{{Name: "acme", File: "acme-bin", SHA256: sha}},
	},
	SMTP:        Default().SMTP,
	Peppol:      Default().Peppol,
	Scheduler:   Default().Scheduler,
	Exports:     ExportsConfig{Lease: 10 * time.Minute, CallTimeout: time.Minute},
	OAuth:       Default().OAuth,
	Tripletex:   Default().Tripletex,
	Spiris:      Default().Spiris,
	Server:      Default().Server,
	Auth:        Default().Auth,
	Idempotency: Default().Idempotency,
}

func TestLoad(t *testing.T) {
	with := func(mut func(*Config)) Config {
		c := fromFile
		c.Plugins.External = append([]ExternalPlugin(nil), fromFile.Plugins.External...)
		mut(&c)
		return c
	}
	tests := []struct {
		name  string
		file  string // file name and content, "" for none
		body  string
		env   map[string]string
		flags []string // nil: no FlagSet at all
		want  Config
	}{
		{name: "defaults", want: Default()},
		{name: "defaults with unset flags", flags: []string{}, want: Default()},
		{name: "yaml file", file: "c.yaml", body: yamlFile, want: fromFile},
		{name: "yml file", file: "c.yml", body: yamlFile, want: fromFile},
		{name: "toml file", file: "c.toml", body: tomlFile, want: fromFile},
		{name: "partial file keeps other defaults", file: "c.yaml", body: "plugins:\n  call_timeout: 1m\n",
			want: func() Config { c := Default(); c.Plugins.CallTimeout = time.Minute; return c }()},
		{name: "env overrides file", file: "c.yaml", body: yamlFile,
			env: map[string]string{
				"LEDGERBRIDGE_ADDR": ":7000", "LEDGERBRIDGE_DATA_DIR": "/env/data", "LEDGERBRIDGE_LOG_LEVEL": "warn",
				"LEDGERBRIDGE_PLUGINS_DIR": "/env/plugins", "LEDGERBRIDGE_PLUGINS_CALL_TIMEOUT": "2m",
				"LEDGERBRIDGE_PLUGINS_START_TIMEOUT": "3s", "LEDGERBRIDGE_PLUGINS_RESTART_BACKOFF_MIN": "50ms",
				"LEDGERBRIDGE_PLUGINS_RESTART_BACKOFF_MAX": "5m", "LEDGERBRIDGE_EXPORTS_LEASE": "3s",
				"LEDGERBRIDGE_EXPORTS_CALL_TIMEOUT": "2s",
			},
			want: with(func(c *Config) {
				c.Addr, c.DataDir, c.LogLevel = ":7000", "/env/data", "warn"
				c.Plugins.Dir, c.Plugins.CallTimeout, c.Plugins.StartTimeout = "/env/plugins", 2*time.Minute, 3*time.Second
				c.Plugins.RestartBackoffMin, c.Plugins.RestartBackoffMax = 50*time.Millisecond, 5*time.Minute
				c.Exports.Lease, c.Exports.CallTimeout = 3*time.Second, 2*time.Second
			})},
		{name: "partial exports section keeps the other default", file: "c.yaml", body: "exports:\n  lease: 1h\n",
			want: func() Config { c := Default(); c.Exports.Lease = time.Hour; return c }()},
		{name: "env without file", env: map[string]string{"LEDGERBRIDGE_DATA_DIR": "/env/data"},
			want: func() Config { c := Default(); c.DataDir = "/env/data"; return c }()},
		{name: "flags override env and file", file: "c.yaml", body: yamlFile,
			env: map[string]string{"LEDGERBRIDGE_ADDR": ":7000", "LEDGERBRIDGE_DATA_DIR": "/env/data", "LEDGERBRIDGE_PLUGINS_CALL_TIMEOUT": "2m"},
			flags: []string{"--addr", ":6000", "--data-dir", "/flag/data", "--log-level", "error",
				"--plugins-dir", "/flag/plugins", "--plugin-call-timeout", "90s"},
			want: with(func(c *Config) {
				c.Addr, c.DataDir, c.LogLevel, c.Plugins.Dir, c.Plugins.CallTimeout = ":6000", "/flag/data", "error", "/flag/plugins", 90*time.Second
			})},
		{name: "unset flags do not override env or file", file: "c.yaml", body: yamlFile,
			env:   map[string]string{"LEDGERBRIDGE_ADDR": ":7000"},
			flags: []string{"--log-level", "warn"},
			want:  with(func(c *Config) { c.Addr, c.LogLevel = ":7000", "warn" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var path string
			if tt.file != "" {
				path = writeFile(t, tt.file, tt.body)
			}
			var fs *pflag.FlagSet
			if tt.flags != nil {
				fs = flagSet(t, tt.flags...)
			}
			got, err := Load(path, fs)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Load =\n%+v\nwant\n%+v", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("loaded config is invalid: %v", err)
			}
		})
	}
}

func TestLoadBindsOnlyPresentFlags(t *testing.T) {
	clearEnv(t)
	fs := pflag.NewFlagSet("partial", pflag.ContinueOnError)
	fs.String("addr", DefaultAddr, "")
	fs.String("unrelated", "", "")
	if err := fs.Parse([]string{"--addr", ":1234", "--unrelated", "x"}); err != nil {
		t.Fatal(err)
	}
	got, err := Load("", fs)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Addr = ":1234"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Load = %+v, want %+v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		body   string
		env    map[string]string
		inText []string // fragments the error must contain
	}{
		{name: "missing file", file: "-", inText: []string{"nope.yaml", "does not exist"}},
		{name: "unsupported extension", file: "c.json", body: `{}`, inText: []string{"c.json", `".json"`}},
		{name: "malformed yaml", file: "c.yaml", body: "addr: [\n", inText: []string{"c.yaml"}},
		{name: "malformed toml", file: "c.toml", body: "addr = \n", inText: []string{"c.toml"}},
		{name: "unknown key", file: "c.yaml", body: "data-dir: /x\n", inText: []string{"c.yaml", "data-dir"}},
		{name: "unknown plugin key", file: "c.yaml", body: "plugins:\n  external:\n    - name: a\n      sha: x\n", inText: []string{"sha"}},
		{name: "bad duration in file", file: "c.yaml", body: "plugins:\n  call_timeout: soon\n", inText: []string{"call_timeout"}},
		{name: "bad duration in env", env: map[string]string{"LEDGERBRIDGE_PLUGINS_START_TIMEOUT": "later"}, inText: []string{"start_timeout"}},
		{name: "bad exports lease in file", file: "c.yaml", body: "exports:\n  lease: long\n", inText: []string{"exports.lease"}},
		{name: "bad exports call timeout in env", env: map[string]string{"LEDGERBRIDGE_EXPORTS_CALL_TIMEOUT": "5"}, inText: []string{"exports.call_timeout"}},
		{name: "unknown exports key", file: "c.yaml", body: "exports:\n  workers: 4\n", inText: []string{"workers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var path string
			switch tt.file {
			case "":
			case "-":
				path = filepath.Join(t.TempDir(), "nope.yaml")
			default:
				path = writeFile(t, tt.file, tt.body)
			}
			_, err := Load(path, nil)
			if core.Code(err) != core.CodeInvalid {
				t.Fatalf("err = %v, want code invalid", err)
			}
			for _, frag := range tt.inText {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not mention %q", err, frag)
				}
			}
		})
	}
}

func TestExampleLoads(t *testing.T) {
	clearEnv(t)
	c, err := Load("example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("example.yaml is invalid: %v", err)
	}
	want := Config{
		Addr: "127.0.0.1:8080", OpsAddr: "127.0.0.1:9090", DataDir: "/var/lib/ledgerbridge", LogLevel: "info",
		Plugins: PluginsConfig{
			Dir: "/usr/lib/ledgerbridge/plugins", CallTimeout: DefaultCallTimeout, StartTimeout: DefaultStartTimeout,
			RestartBackoffMin: DefaultRestartBackoffMin, RestartBackoffMax: DefaultRestartBackoffMax,
			External: []ExternalPlugin{},
		},
		SMTP:      SMTPConfig{Port: 587, TLS: "starttls", From: "Kafé Linnea <faktura@example.com>"},
		Peppol:    PeppolConfig{Timeout: 30 * time.Second},
		Scheduler: SchedulerConfig{Interval: time.Minute},
		Exports:   ExportsConfig{Lease: DefaultExportsLease, CallTimeout: DefaultExportsCallTimeout},
		OAuth:     OAuthConfig{RedirectURL: "https://backoffice.example.com/v1/oauth/callback", DoneURL: DefaultOAuthDoneURL},
		Tripletex: Default().Tripletex,
		Spiris:    Default().Spiris,
		Server: ServerConfig{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxBodyBytes: 1 << 20,
			TrustedProxies: []string{"10.0.0.0/8"}},
		Auth: AuthConfig{FailureBurst: 20, FailureRefill: 10 * time.Second, KeyUsageFlushInterval: 30 * time.Second},
		Idempotency: IdempotencyConfig{Retention: 24 * time.Hour, PendingRetention: 7 * 24 * time.Hour,
			PurgeInterval: time.Hour},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("example.yaml =\n%+v\nwant\n%+v", c, want)
	}
	if got := c.Plugins.Path(ExternalPlugin{Name: "acme-books", File: "ledgerbridge-provider-acme"}); got != "/usr/lib/ledgerbridge/plugins/ledgerbridge-provider-acme" {
		t.Fatalf("Path = %q", got)
	}
}

func TestValidate(t *testing.T) {
	valid := func() Config {
		c := Default()
		c.Plugins.Dir = "/opt/plugins"
		c.Plugins.External = []ExternalPlugin{
			{Name: "acme", File: "acme-bin", SHA256: sha},
			{Name: "beta_2", File: "beta", SHA256: strings.Repeat("0", 64)},
		}
		return c
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	tests := []struct {
		name  string
		mut   func(*Config)
		field string
		text  string // fragment of that field's message
	}{
		{"addr without port", func(c *Config) { c.Addr = "abc" }, "addr", `"abc" must be host:port`},
		{"smtp port zero", func(c *Config) { c.SMTP.Port = 0 }, "smtp.port", "must be between 1 and 65535"},
		{"smtp tls unknown", func(c *Config) { c.SMTP.TLS = "ssl" }, "smtp.tls", `"ssl" must be none, starttls or tls`},
		{"smtp from empty with host", func(c *Config) { c.SMTP.Host, c.SMTP.From = "smtp.example.com", "" }, "smtp.from", "is required when smtp.host is set"},
		{"smtp password without user", func(c *Config) { c.SMTP.Password = "s3cret" }, "smtp.username", "is required when smtp.password is set"},
		{"peppol url not http", func(c *Config) { c.Peppol.AccessPointURL, c.Peppol.AccessPointToken = "ap.example.com", "t" }, "peppol.access_point_url", "must be an http(s) URL"},
		{"peppol url without token", func(c *Config) { c.Peppol.AccessPointURL = "https://ap.example.com" }, "peppol.access_point_token", "is required when peppol.access_point_url is set"},
		{"peppol timeout zero", func(c *Config) { c.Peppol.Timeout = 0 }, "peppol.timeout", "must be between 1s and 10m0s"},
		{"scheduler interval zero", func(c *Config) { c.Scheduler.Interval = 0 }, "scheduler.interval", "must be between 1s and 1h0m0s"},
		{"tripletex url not http", func(c *Config) { c.Tripletex.BaseURL = "ftp://x" }, "tripletex.base_url", "must be an http(s) URL"},
		{"spiris token url empty", func(c *Config) { c.Spiris.TokenURL = "" }, "spiris.token_url", "must be an http(s) URL"},
		{"spiris client without redirect", func(c *Config) { c.Spiris.ClientID = "lb" }, "oauth.redirect_url", "is required when spiris.client_id is set"},
		{"addr empty", func(c *Config) { c.Addr = "" }, "addr", "must be host:port"},
		{"ops_addr without port", func(c *Config) { c.OpsAddr = "localhost" }, "ops_addr", "must be host:port"},
		{"ops_addr is the public port", func(c *Config) { c.Addr, c.OpsAddr = ":8080", ":8080" }, "ops_addr", "must differ from addr"},
		{"addr port not a number", func(c *Config) { c.Addr = ":http" }, "addr", "port number"},
		{"addr port too big", func(c *Config) { c.Addr = ":70000" }, "addr", "port number"},
		{"data_dir empty", func(c *Config) { c.DataDir = " " }, "data_dir", "is required"},
		{"log level unknown", func(c *Config) { c.LogLevel = "verbose" }, "log_level", `"verbose" is not a log level`},
		{"log level upper case", func(c *Config) { c.LogLevel = "INFO" }, "log_level", "not a log level"},
		{"call_timeout too short", func(c *Config) { c.Plugins.CallTimeout = 500 * time.Millisecond }, "plugins.call_timeout", "must be between 1s and 10m0s"},
		{"call_timeout too long", func(c *Config) { c.Plugins.CallTimeout = 11 * time.Minute }, "plugins.call_timeout", "must be between 1s and 10m0s"},
		{"call_timeout zero", func(c *Config) { c.Plugins.CallTimeout = 0 }, "plugins.call_timeout", "must be between"},
		{"start_timeout too short", func(c *Config) { c.Plugins.StartTimeout = 0 }, "plugins.start_timeout", "must be between 1s and 5m0s"},
		{"start_timeout too long", func(c *Config) { c.Plugins.StartTimeout = time.Hour }, "plugins.start_timeout", "must be between 1s and 5m0s"},
		{"backoff min too short", func(c *Config) { c.Plugins.RestartBackoffMin = time.Millisecond }, "plugins.restart_backoff_min", "must be between 10ms and 1m0s"},
		{"backoff min too long", func(c *Config) {
			c.Plugins.RestartBackoffMin, c.Plugins.RestartBackoffMax = 2*time.Minute, 3*time.Minute
		}, "plugins.restart_backoff_min", "must be between"},
		{"backoff max below min", func(c *Config) { c.Plugins.RestartBackoffMax = 100 * time.Millisecond }, "plugins.restart_backoff_max", "must be between plugins.restart_backoff_min (200ms)"},
		{"backoff max too long", func(c *Config) { c.Plugins.RestartBackoffMax = 2 * time.Hour }, "plugins.restart_backoff_max", "and 1h0m0s"},
		{"external without dir", func(c *Config) { c.Plugins.Dir = "" }, "plugins.dir", "is required when plugins.external lists plugins"},
		{"plugin name empty", func(c *Config) { c.Plugins.External[1].Name = "" }, "plugins.external[1].name", "is required"},
		{"plugin env name", func(c *Config) { c.Plugins.External[0].Env = map[string]string{"ACME-DIR": "/x"} }, "plugins.external[0].env.ACME-DIR", "must match [A-Z_][A-Z0-9_]*"},
		{"plugin env of go-plugin", func(c *Config) { c.Plugins.External[0].Env = map[string]string{"plugin_min_port": "1"} }, "plugins.external[0].env.plugin_min_port", "go-plugin"},
		{"plugin name upper case", func(c *Config) { c.Plugins.External[1].Name = "Acme" }, "plugins.external[1].name", "must match [a-z][a-z0-9_-]*"},
		{"plugin name starts with digit", func(c *Config) { c.Plugins.External[0].Name = "1acme" }, "plugins.external[0].name", "must match"},
		{"plugin name too long", func(c *Config) { c.Plugins.External[0].Name = strings.Repeat("a", 65) }, "plugins.external[0].name", "at most 64"},
		{"plugin names duplicate", func(c *Config) { c.Plugins.External[1].Name = "acme" }, "plugins.external[1].name", `"acme" is already used by plugins.external[0]`},
		{"plugin file empty", func(c *Config) { c.Plugins.External[0].File = "" }, "plugins.external[0].file", "is required"},
		{"plugin file with slash", func(c *Config) { c.Plugins.External[0].File = "../bin/acme" }, "plugins.external[0].file", "without path separators"},
		{"plugin file with backslash", func(c *Config) { c.Plugins.External[0].File = `sub\acme` }, "plugins.external[0].file", "without path separators"},
		{"plugin file dot-dot", func(c *Config) { c.Plugins.External[0].File = ".." }, "plugins.external[0].file", "without path separators"},
		{"sha256 short", func(c *Config) { c.Plugins.External[1].SHA256 = "abc" }, "plugins.external[1].sha256", "must be 64 lowercase hex characters"},
		{"sha256 upper case", func(c *Config) { c.Plugins.External[1].SHA256 = strings.ToUpper(sha) }, "plugins.external[1].sha256", "must be 64 lowercase hex"},
		{"sha256 not hex", func(c *Config) { c.Plugins.External[1].SHA256 = strings.Repeat("g", 64) }, "plugins.external[1].sha256", "must be 64 lowercase hex"},
		{"sha256 empty", func(c *Config) { c.Plugins.External[1].SHA256 = "" }, "plugins.external[1].sha256", "must be 64 lowercase hex"},
		{"exports call_timeout too short", func(c *Config) { c.Exports.CallTimeout = 999 * time.Millisecond }, "exports.call_timeout", "must be between 1s and 1h0m0s"},
		{"exports call_timeout zero", func(c *Config) { c.Exports.CallTimeout = 0 }, "exports.call_timeout", "must be between 1s and 1h0m0s"},
		{"exports call_timeout too long", func(c *Config) {
			c.Exports.CallTimeout, c.Exports.Lease = time.Hour+time.Second, 2*time.Hour
		}, "exports.call_timeout", "must be between 1s and 1h0m0s"},
		{"exports lease too short", func(c *Config) {
			c.Exports.Lease, c.Exports.CallTimeout = 1500*time.Millisecond, time.Second
		}, "exports.lease", "must be between 2s and 24h0m0s"},
		{"exports lease zero", func(c *Config) { c.Exports.Lease = 0 }, "exports.lease", "must be between 2s and 24h0m0s"},
		{"exports lease too long", func(c *Config) { c.Exports.Lease = 25 * time.Hour }, "exports.lease", "must be between 2s and 24h0m0s"},
		{"exports lease equal to call_timeout", func(c *Config) {
			c.Exports.Lease, c.Exports.CallTimeout = time.Minute, time.Minute
		}, "exports.lease", "1m0s must be longer than exports.call_timeout (1m0s)"},
		{"read_header_timeout zero", func(c *Config) { c.Server.ReadHeaderTimeout = 0 }, "server.read_header_timeout", "must be between 100ms and 1m0s"},
		{"read_timeout zero", func(c *Config) { c.Server.ReadTimeout = 0 }, "server.read_timeout", "must be between"},
		{"write_timeout zero", func(c *Config) { c.Server.WriteTimeout = 0 }, "server.write_timeout", "must be between"},
		{"idle_timeout zero", func(c *Config) { c.Server.IdleTimeout = 0 }, "server.idle_timeout", "must be between"},
		{"header timeout above read timeout", func(c *Config) { c.Server.ReadHeaderTimeout, c.Server.ReadTimeout = time.Minute, 30*time.Second }, "server.read_header_timeout", "must not exceed server.read_timeout"},
		{"max body tiny", func(c *Config) { c.Server.MaxBodyBytes = 10 }, "server.max_body_bytes", "must be between 1024"},
		{"trusted proxy not an address", func(c *Config) { c.Server.TrustedProxies = []string{"10.0.0.0/8", "proxy.local"} }, "server.trusted_proxies[1]", "must be an IP address or CIDR"},
		{"auth burst zero", func(c *Config) { c.Auth.FailureBurst = 0 }, "auth.failure_burst", "must be between 1 and 10000"},
		{"auth refill zero", func(c *Config) { c.Auth.FailureRefill = 0 }, "auth.failure_refill", "must be between"},
		{"key usage flush zero", func(c *Config) { c.Auth.KeyUsageFlushInterval = 0 }, "auth.key_usage_flush_interval", "must be between 1s"},
		{"idempotency retention under a day", func(c *Config) { c.Idempotency.Retention = 23 * time.Hour }, "idempotency.retention", "must be at least 24h0m0s"},
		{"pending retention under retention", func(c *Config) {
			c.Idempotency.PendingRetention = 24 * time.Hour
			c.Idempotency.Retention = 48 * time.Hour
		}, "idempotency.pending_retention", "must be at least idempotency.retention"},
		{"purge interval zero", func(c *Config) { c.Idempotency.PurgeInterval = 0 }, "idempotency.purge_interval", "must be between 1s"},
		{"exports lease shorter than call_timeout", func(c *Config) { c.Exports.Lease = time.Minute }, "exports.lease", "must be longer than exports.call_timeout (2m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mut(&c)
			err := c.Validate()
			e, ok := err.(*core.Error)
			if !ok || e.Code != core.CodeInvalid {
				t.Fatalf("Validate = %v, want a *core.Error with code invalid", err)
			}
			if len(e.Fields) != 1 {
				t.Fatalf("want exactly one problem, got %v", e.Fields)
			}
			if f := e.Fields[0]; f.Field != tt.field || !strings.Contains(f.Message, tt.text) {
				t.Fatalf("problem = %s: %s; want %s: …%s…", f.Field, f.Message, tt.field, tt.text)
			}
			if !strings.Contains(err.Error(), tt.field+": ") {
				t.Fatalf("error text %q does not name %s", err, tt.field)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Config{Addr: "abc", DataDir: "", LogLevel: "loud", Plugins: PluginsConfig{
		External: []ExternalPlugin{{Name: "x", File: "x", SHA256: "nope"}, {Name: "x", File: "a/b", SHA256: sha}},
	}}
	err := c.Validate()
	if core.Code(err) != core.CodeInvalid {
		t.Fatalf("Validate = %v", err)
	}
	for _, key := range []string{
		"addr", "data_dir", "log_level", "plugins.call_timeout", "plugins.start_timeout",
		"plugins.restart_backoff_min", "plugins.dir", "plugins.external[0].sha256",
		"plugins.external[1].name", "plugins.external[1].file", "exports.lease", "exports.call_timeout",
	} {
		if !strings.Contains(err.Error(), key+": ") {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestAddFlagsHelp(t *testing.T) {
	fs := pflag.NewFlagSet("help", pflag.ContinueOnError)
	AddFlags(fs)
	help := fs.FlagUsages()
	for _, frag := range []string{
		`--addr string`, `(default ":8080")`, `LEDGERBRIDGE_ADDR`,
		`--data-dir string`, `(default "./data")`, `LEDGERBRIDGE_DATA_DIR`,
		`--log-level string`, `(default "info")`, `LEDGERBRIDGE_LOG_LEVEL`,
		`--plugins-dir string`, `(default none)`, `LEDGERBRIDGE_PLUGINS_DIR`,
		`--plugin-call-timeout duration`, `(default 30s)`, `LEDGERBRIDGE_PLUGINS_CALL_TIMEOUT`,
	} {
		if !strings.Contains(help, frag) {
			t.Errorf("help lacks %q:\n%s", frag, help)
		}
	}
	for name := range flagKeys {
		if fs.Lookup(name) == nil {
			t.Errorf("AddFlags did not register --%s", name)
		}
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got := (Config{LogLevel: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%s) = %v, want %v", level, got, want)
		}
	}
}

func TestEnvVar(t *testing.T) {
	if got := EnvVar("plugins.call_timeout"); got != "LEDGERBRIDGE_PLUGINS_CALL_TIMEOUT" {
		t.Fatalf("EnvVar = %q", got)
	}
}

func TestValidateExportsAcceptsBounds(t *testing.T) {
	for _, x := range []ExportsConfig{
		{Lease: 2 * time.Second, CallTimeout: time.Second},
		{Lease: 3 * time.Second, CallTimeout: 2 * time.Second},
		{Lease: 24 * time.Hour, CallTimeout: time.Hour},
		{Lease: time.Minute + time.Nanosecond, CallTimeout: time.Minute},
	} {
		c := Default()
		c.Exports = x
		if err := c.Validate(); err != nil {
			t.Errorf("exports %+v: %v", x, err)
		}
	}
}

// The config's defaults are the export engine's, so a gateway without
// exports keys behaves as exports.New with zero Options.
func TestExportsDefaultsAreTheEngines(t *testing.T) {
	if DefaultExportsLease != exports.DefaultLease || DefaultExportsCallTimeout != exports.DefaultCallTimeout {
		t.Fatalf("config defaults lease %s, call timeout %s; exports.Options defaults %s, %s",
			DefaultExportsLease, DefaultExportsCallTimeout, exports.DefaultLease, exports.DefaultCallTimeout)
	}
}

func TestExternalPluginEnvList(t *testing.T) {
	p := ExternalPlugin{Env: map[string]string{"journal_dir": "/var/lib/j", "acme_url": "https://acme.example"}}
	if got := strings.Join(p.EnvList(), " "); got != "ACME_URL=https://acme.example JOURNAL_DIR=/var/lib/j" {
		t.Errorf("EnvList = %s", got)
	}
}
