// Package config loads the gateway's configuration from defaults, an
// optional YAML or TOML file, LEDGERBRIDGE_* environment variables and
// command-line flags, in that order of increasing precedence, and validates
// it. Every error it returns is a *core.Error with code invalid.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Config is the gateway's configuration. Keys as written in a config file,
// with their environment variable and default:
//
//	addr                         LEDGERBRIDGE_ADDR                         ":8080"  listen address, host:port (port 0 picks a free one)
//	ops_addr                     LEDGERBRIDGE_OPS_ADDR                     "127.0.0.1:9090"  operations listener (/metrics, /debug/pprof/), host:port (port 0 picks a free one); never the public port
//	data_dir                     LEDGERBRIDGE_DATA_DIR                     "./data" directory of the gateway database (ledgerbridge.db)
//	log_level                    LEDGERBRIDGE_LOG_LEVEL                    "info"   debug, info, warn or error
//	plugins.dir                  LEDGERBRIDGE_PLUGINS_DIR                  ""       directory of external provider binaries; "" means none
//	plugins.call_timeout         LEDGERBRIDGE_PLUGINS_CALL_TIMEOUT         30s      limit of one provider call, 1s to 10m
//	plugins.start_timeout        LEDGERBRIDGE_PLUGINS_START_TIMEOUT        15s      limit of starting a plugin process, 1s to 5m
//	plugins.restart_backoff_min  LEDGERBRIDGE_PLUGINS_RESTART_BACKOFF_MIN  200ms    first wait before restarting a crashed plugin, 10ms to 1m
//	plugins.restart_backoff_max  LEDGERBRIDGE_PLUGINS_RESTART_BACKOFF_MAX  30s      longest such wait, from restart_backoff_min to 1h
//	plugins.external             (config file only)                        none     external provider binaries: a list of {name, file, sha256}
//	smtp.host                    LEDGERBRIDGE_SMTP_HOST                    ""       SMTP server for invoice e-mails; "" queues e-mails without sending them
//	smtp.port                    LEDGERBRIDGE_SMTP_PORT                    587      SMTP port
//	smtp.username                LEDGERBRIDGE_SMTP_USERNAME                ""       SMTP login; "" for none
//	smtp.password                LEDGERBRIDGE_SMTP_PASSWORD                ""       SMTP password
//	smtp.tls                     LEDGERBRIDGE_SMTP_TLS                     starttls none, starttls or tls
//	smtp.from                    LEDGERBRIDGE_SMTP_FROM                    "ledgerbridge <invoices@localhost>"  sender of invoice e-mails
//	peppol.access_point_url      LEDGERBRIDGE_PEPPOL_ACCESS_POINT_URL      ""       base URL of the PEPPOL access point's API (https; http only on loopback); "" queues e-invoices without sending them
//	peppol.access_point_token    LEDGERBRIDGE_PEPPOL_ACCESS_POINT_TOKEN    ""       the operator's bearer token at the access point; required with the URL
//	peppol.timeout               LEDGERBRIDGE_PEPPOL_TIMEOUT               30s      limit of one request to the access point, 1s to 10m
//	scheduler.interval           LEDGERBRIDGE_SCHEDULER_INTERVAL           1m       how often collective invoices, reminders and exports are checked, 1s to 1h
//	exports.lease                LEDGERBRIDGE_EXPORTS_LEASE                5m       how long a claimed export job belongs to its gateway; a job a crashed gateway left processing runs again after it; 2s to 24h, more than exports.call_timeout
//	exports.call_timeout         LEDGERBRIDGE_EXPORTS_CALL_TIMEOUT         2m       limit of booking one day at the provider, 1s to 1h
//	oauth.redirect_url           LEDGERBRIDGE_OAUTH_REDIRECT_URL           ""       public URL of GET /v1/oauth/callback, as registered with OAuth2 providers
//	oauth.done_url               LEDGERBRIDGE_OAUTH_DONE_URL               "/backoffice/integrations/{id}?connected=1"  where the callback sends the browser ({id} = integration; on failure error and error_description added); "" answers JSON
//	tripletex.base_url           LEDGERBRIDGE_TRIPLETEX_BASE_URL           "https://tripletex.no/v2"  Tripletex API (test: https://api-test.tripletex.tech/v2)
//	tripletex.consumer_token     LEDGERBRIDGE_TRIPLETEX_CONSUMER_TOKEN     ""       the operator's Tripletex consumer token
//	spiris.api_url               LEDGERBRIDGE_SPIRIS_API_URL               "https://eaccountingapi.vismaonline.com/v2"
//	spiris.authorize_url         LEDGERBRIDGE_SPIRIS_AUTHORIZE_URL         "https://identity.vismaonline.com/connect/authorize"
//	spiris.token_url             LEDGERBRIDGE_SPIRIS_TOKEN_URL             "https://identity.vismaonline.com/connect/token"
//	spiris.client_id             LEDGERBRIDGE_SPIRIS_CLIENT_ID             ""       the operator's Spiris OAuth2 client
//	spiris.client_secret         LEDGERBRIDGE_SPIRIS_CLIENT_SECRET         ""
//	server.read_header_timeout   LEDGERBRIDGE_SERVER_READ_HEADER_TIMEOUT   10s      limit of reading a request's headers, 100ms to 1m, at most server.read_timeout
//	server.read_timeout          LEDGERBRIDGE_SERVER_READ_TIMEOUT          30s      limit of reading a whole request, 100ms to 10m
//	server.write_timeout         LEDGERBRIDGE_SERVER_WRITE_TIMEOUT         1m       limit from a request's headers to the end of its answer, 100ms to 10m
//	server.idle_timeout          LEDGERBRIDGE_SERVER_IDLE_TIMEOUT          2m       keep-alive connections idle this long are closed, 100ms to 1h
//	server.max_body_bytes        LEDGERBRIDGE_SERVER_MAX_BODY_BYTES        1048576  limit of a request body, 1024 to 1073741824
//	server.trusted_proxies       LEDGERBRIDGE_SERVER_TRUSTED_PROXIES       none     IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client
//	auth.failure_burst           LEDGERBRIDGE_AUTH_FAILURE_BURST           20       failed authentications a client may make at once, 1 to 10000
//	auth.failure_refill          LEDGERBRIDGE_AUTH_FAILURE_REFILL          10s      one more failed authentication is allowed this often, 1ms to 24h
//	auth.exempt_loopback         LEDGERBRIDGE_AUTH_EXEMPT_LOOPBACK         false    exempt 127.0.0.0/8 and ::1 from that limit
//	auth.key_usage_flush_interval LEDGERBRIDGE_AUTH_KEY_USAGE_FLUSH_INTERVAL 30s    how often API keys' last_used_at is written, 1s to 1h
//	idempotency.retention        LEDGERBRIDGE_IDEMPOTENCY_RETENTION        24h      completed idempotency records are kept this long, at least 24h
//	idempotency.pending_retention LEDGERBRIDGE_IDEMPOTENCY_PENDING_RETENTION 168h   pending ones this long after creation, at least idempotency.retention
//	idempotency.purge_interval   LEDGERBRIDGE_IDEMPOTENCY_PURGE_INTERVAL   1h       how often expired records are deleted, 1s to 24h
//	backoffice.secure_cookies    LEDGERBRIDGE_BACKOFFICE_SECURE_COOKIES    false    mark BackOffice cookies Secure on plain HTTP too (TLS ends at a proxy); over TLS they always are
//	webhooks.allow_private_networks LEDGERBRIDGE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS false  let webhook endpoints reach loopback, private and link-local addresses
//
// Durations are Go durations ("30s", "1m30s"). See example.yaml.
type Config struct {
	Addr string `mapstructure:"addr"`
	// OpsAddr is the operations listener: Prometheus metrics and pprof,
	// kept off the public port.
	OpsAddr   string          `mapstructure:"ops_addr"`
	DataDir   string          `mapstructure:"data_dir"`
	LogLevel  string          `mapstructure:"log_level"`
	Plugins   PluginsConfig   `mapstructure:"plugins"`
	SMTP      SMTPConfig      `mapstructure:"smtp"`
	Peppol    PeppolConfig    `mapstructure:"peppol"`
	Scheduler SchedulerConfig `mapstructure:"scheduler"`
	Exports   ExportsConfig   `mapstructure:"exports"`
	OAuth     OAuthConfig     `mapstructure:"oauth"`
	Tripletex TripletexConfig `mapstructure:"tripletex"`
	Spiris    SpirisConfig    `mapstructure:"spiris"`
	// Server bounds every connection of the public HTTP listener.
	Server ServerConfig `mapstructure:"server"`
	// Auth limits failed authentications and sets how often key use is
	// recorded.
	Auth AuthConfig `mapstructure:"auth"`
	// Idempotency sets how long idempotency records are kept.
	Idempotency IdempotencyConfig `mapstructure:"idempotency"`
	// BackOffice configures the web pages.
	BackOffice BackOfficeConfig `mapstructure:"backoffice"`
	// Webhooks configures the merchants' webhook deliveries.
	Webhooks WebhooksConfig `mapstructure:"webhooks"`
}

// WebhooksConfig configures webhook deliveries.
type WebhooksConfig struct {
	// AllowPrivateNetworks lets endpoints reach loopback, private and
	// link-local addresses. Off (the default), a merchant's endpoint can
	// never make the gateway call its own network (SSRF).
	AllowPrivateNetworks bool `mapstructure:"allow_private_networks"`
}

// BackOfficeConfig configures the web pages under /backoffice/.
type BackOfficeConfig struct {
	// SecureCookies marks cookies Secure even on plain HTTP requests, for
	// a gateway behind a proxy that ends TLS.
	SecureCookies bool `mapstructure:"secure_cookies"`
}

// ServerConfig is the public listener's connection limits (http.Server).
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers (slowloris).
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration `mapstructure:"read_timeout"`
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer, so a client that never reads cannot hold a handler;
	// long enough for invoice PDFs.
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// MaxBodyBytes bounds every request body.
	MaxBodyBytes int64 `mapstructure:"max_body_bytes"`
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For names the client (for the failed-authentication
	// limit). Default none: the client is the connection's peer.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
}

// AuthConfig limits guessing API keys: each client IP (IPv6: its /64) has
// FailureBurst failed authentications, regaining one every FailureRefill;
// past that it gets 429 with Retry-After. Successful authentications are
// not limited.
type AuthConfig struct {
	FailureBurst  int           `mapstructure:"failure_burst"`
	FailureRefill time.Duration `mapstructure:"failure_refill"`
	// ExemptLoopback exempts 127.0.0.0/8 and ::1 from the limit; off by
	// default, since behind a local proxy every client is loopback.
	ExemptLoopback bool `mapstructure:"exempt_loopback"`
	// KeyUsageFlushInterval is how often the API keys' last_used_at is
	// written (one batched write; also on shutdown).
	KeyUsageFlushInterval time.Duration `mapstructure:"key_usage_flush_interval"`
}

// IdempotencyConfig is how long idempotency records are kept. Completed
// records are purged Retention after completion (at least 24h: a register
// may retry a charge for a day). Pending records, whose charge may or may
// not have reached the provider, are kept PendingRetention after creation
// (at least Retention), so a late retry still finds the charge ID and the
// provider's earlier invoice instead of making a second one.
type IdempotencyConfig struct {
	Retention        time.Duration `mapstructure:"retention"`
	PendingRetention time.Duration `mapstructure:"pending_retention"`
	PurgeInterval    time.Duration `mapstructure:"purge_interval"`
}

// OAuthConfig is the gateway's side of OAuth2 connections.
type OAuthConfig struct {
	RedirectURL string `mapstructure:"redirect_url"`
	DoneURL     string `mapstructure:"done_url"`
}

// TripletexConfig is the operator's Tripletex API access.
type TripletexConfig struct {
	BaseURL       string `mapstructure:"base_url"`
	ConsumerToken string `mapstructure:"consumer_token"`
}

// SpirisConfig is the operator's Visma Spiris API access and OAuth2 client.
type SpirisConfig struct {
	APIURL       string `mapstructure:"api_url"`
	AuthorizeURL string `mapstructure:"authorize_url"`
	TokenURL     string `mapstructure:"token_url"`
	ClientID     string `mapstructure:"client_id"`
	ClientSecret string `mapstructure:"client_secret"`
}

// SMTPConfig is the server invoice e-mails are sent through.
type SMTPConfig struct {
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	TLS      string `mapstructure:"tls"`
	From     string `mapstructure:"from"`
}

// PeppolConfig is the PEPPOL access point e-invoices are sent through
// (package einvoice/accesspoint).
type PeppolConfig struct {
	AccessPointURL   string        `mapstructure:"access_point_url"`
	AccessPointToken string        `mapstructure:"access_point_token"`
	Timeout          time.Duration `mapstructure:"timeout"`
}

// SchedulerConfig paces the gateway's own background work.
type SchedulerConfig struct {
	Interval time.Duration `mapstructure:"interval"`
}

// ExportsConfig tunes the daily export engine (exports.Options).
type ExportsConfig struct {
	// Lease is how long a claimed export job belongs to the gateway that
	// claimed it; a job still processing after that (its gateway crashed or
	// hung) is claimed again. It must exceed CallTimeout, so a lease never
	// ends while its provider call may still book the day.
	Lease time.Duration `mapstructure:"lease"`
	// CallTimeout bounds one ExportSales call to the provider. A provider
	// call is also bounded by plugins.call_timeout; the shorter one wins.
	CallTimeout time.Duration `mapstructure:"call_timeout"`
}

// PluginsConfig configures provider plugin processes.
type PluginsConfig struct {
	// Dir holds external provider binaries; "" means none.
	Dir string `mapstructure:"dir"`
	// External lists the external providers, each pinned by SHA-256. Only a
	// config file can set it.
	External          []ExternalPlugin `mapstructure:"external"`
	CallTimeout       time.Duration    `mapstructure:"call_timeout"`
	StartTimeout      time.Duration    `mapstructure:"start_timeout"`
	RestartBackoffMin time.Duration    `mapstructure:"restart_backoff_min"`
	RestartBackoffMax time.Duration    `mapstructure:"restart_backoff_max"`
}

// ExternalPlugin is one external provider binary.
type ExternalPlugin struct {
	// Name is the provider name merchants select, [a-z][a-z0-9_-]*.
	Name string `mapstructure:"name"`
	// File is the binary's file name inside PluginsConfig.Dir.
	File string `mapstructure:"file"`
	// SHA256 is the binary's expected digest, 64 lowercase hex characters;
	// a binary that does not match is never started.
	SHA256 string `mapstructure:"sha256"`
	// Env is the plugin's own configuration, as environment variables of
	// its process (a plugin inherits nothing else of the gateway's
	// environment but PATH, TZ, TMPDIR, the locale, TLS roots and proxies).
	// Names are [A-Za-z_][A-Za-z0-9_]* and reach the plugin upper-cased
	// (the configuration reader lower-cases map keys); go-plugin's own
	// (PLUGIN_*) are refused.
	Env map[string]string `mapstructure:"env"`
}

// EnvList is p.Env as KEY=VALUE pairs, names upper-cased, sorted.
func (p ExternalPlugin) EnvList() []string {
	out := make([]string, 0, len(p.Env))
	for k, v := range p.Env {
		out = append(out, strings.ToUpper(k)+"="+v)
	}
	slices.Sort(out)
	return out
}

// Path is the binary of p inside c.Dir.
func (c PluginsConfig) Path(p ExternalPlugin) string { return filepath.Join(c.Dir, p.File) }

// Defaults.
const (
	DefaultAddr              = ":8080"
	DefaultOpsAddr           = "127.0.0.1:9090"
	DefaultDataDir           = "./data"
	DefaultLogLevel          = "info"
	DefaultCallTimeout       = 30 * time.Second
	DefaultStartTimeout      = 15 * time.Second
	DefaultRestartBackoffMin = 200 * time.Millisecond
	DefaultRestartBackoffMax = 30 * time.Second
	DefaultSMTPPort          = 587
	DefaultSMTPTLS           = "starttls"
	DefaultSMTPFrom          = "ledgerbridge <invoices@localhost>"
	DefaultSchedulerInterval = time.Minute
	DefaultPeppolTimeout     = 30 * time.Second
	DefaultTripletexBaseURL  = "https://tripletex.no/v2"
	DefaultSpirisAPIURL      = "https://eaccountingapi.vismaonline.com/v2"
	DefaultSpirisAuthorize   = "https://identity.vismaonline.com/connect/authorize"
	DefaultSpirisToken       = "https://identity.vismaonline.com/connect/token"
	// DefaultOAuthDoneURL sends the browser back to the BackOffice wizard
	// of the integration it connected.
	DefaultOAuthDoneURL = "/backoffice/integrations/{id}?connected=1"
)

// Defaults of server, auth and idempotency.
const (
	DefaultReadHeaderTimeout     = 10 * time.Second
	DefaultReadTimeout           = 30 * time.Second
	DefaultWriteTimeout          = 60 * time.Second
	DefaultIdleTimeout           = 120 * time.Second
	DefaultMaxBodyBytes          = 1 << 20
	DefaultAuthFailureBurst      = 20
	DefaultAuthFailureRefill     = 10 * time.Second
	DefaultKeyUsageFlushInterval = 30 * time.Second
	DefaultIdempotencyRetention  = 24 * time.Hour
	DefaultIdempotencyPending    = 7 * 24 * time.Hour
	DefaultIdempotencyPurge      = time.Hour
	// MinIdempotencyRetention is the shortest retention allowed.
	MinIdempotencyRetention = 24 * time.Hour
)

// Defaults of the exports keys: those of exports.Options.
const (
	DefaultExportsLease       = 5 * time.Minute
	DefaultExportsCallTimeout = 2 * time.Minute
)

// EnvPrefix starts every environment variable: key plugins.call_timeout is
// LEDGERBRIDGE_PLUGINS_CALL_TIMEOUT.
const EnvPrefix = "LEDGERBRIDGE"

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr: DefaultAddr, OpsAddr: DefaultOpsAddr, DataDir: DefaultDataDir, LogLevel: DefaultLogLevel,
		Plugins: PluginsConfig{
			CallTimeout: DefaultCallTimeout, StartTimeout: DefaultStartTimeout,
			RestartBackoffMin: DefaultRestartBackoffMin, RestartBackoffMax: DefaultRestartBackoffMax,
		},
		SMTP:      SMTPConfig{Port: DefaultSMTPPort, TLS: DefaultSMTPTLS, From: DefaultSMTPFrom},
		Peppol:    PeppolConfig{Timeout: DefaultPeppolTimeout},
		Scheduler: SchedulerConfig{Interval: DefaultSchedulerInterval},
		Exports:   ExportsConfig{Lease: DefaultExportsLease, CallTimeout: DefaultExportsCallTimeout},
		OAuth:     OAuthConfig{DoneURL: DefaultOAuthDoneURL},
		Tripletex: TripletexConfig{BaseURL: DefaultTripletexBaseURL},
		Spiris:    SpirisConfig{APIURL: DefaultSpirisAPIURL, AuthorizeURL: DefaultSpirisAuthorize, TokenURL: DefaultSpirisToken},
		Server: ServerConfig{
			ReadHeaderTimeout: DefaultReadHeaderTimeout, ReadTimeout: DefaultReadTimeout,
			WriteTimeout: DefaultWriteTimeout, IdleTimeout: DefaultIdleTimeout, MaxBodyBytes: DefaultMaxBodyBytes,
			TrustedProxies: []string{},
		},
		Auth: AuthConfig{FailureBurst: DefaultAuthFailureBurst, FailureRefill: DefaultAuthFailureRefill,
			KeyUsageFlushInterval: DefaultKeyUsageFlushInterval},
		Idempotency: IdempotencyConfig{Retention: DefaultIdempotencyRetention,
			PendingRetention: DefaultIdempotencyPending, PurgeInterval: DefaultIdempotencyPurge},
	}
}

// scalar keys: everything settable from the environment, with defaults.
var defaults = map[string]any{
	"addr":                            DefaultAddr,
	"ops_addr":                        DefaultOpsAddr,
	"data_dir":                        DefaultDataDir,
	"log_level":                       DefaultLogLevel,
	"plugins.dir":                     "",
	"plugins.call_timeout":            DefaultCallTimeout,
	"plugins.start_timeout":           DefaultStartTimeout,
	"plugins.restart_backoff_min":     DefaultRestartBackoffMin,
	"plugins.restart_backoff_max":     DefaultRestartBackoffMax,
	"smtp.host":                       "",
	"smtp.port":                       DefaultSMTPPort,
	"smtp.username":                   "",
	"smtp.password":                   "",
	"smtp.tls":                        DefaultSMTPTLS,
	"smtp.from":                       DefaultSMTPFrom,
	"peppol.access_point_url":         "",
	"peppol.access_point_token":       "",
	"peppol.timeout":                  DefaultPeppolTimeout,
	"scheduler.interval":              DefaultSchedulerInterval,
	"exports.lease":                   DefaultExportsLease,
	"exports.call_timeout":            DefaultExportsCallTimeout,
	"oauth.redirect_url":              "",
	"oauth.done_url":                  DefaultOAuthDoneURL,
	"tripletex.base_url":              DefaultTripletexBaseURL,
	"tripletex.consumer_token":        "",
	"spiris.api_url":                  DefaultSpirisAPIURL,
	"spiris.authorize_url":            DefaultSpirisAuthorize,
	"spiris.token_url":                DefaultSpirisToken,
	"spiris.client_id":                "",
	"spiris.client_secret":            "",
	"server.read_header_timeout":      DefaultReadHeaderTimeout,
	"server.read_timeout":             DefaultReadTimeout,
	"server.write_timeout":            DefaultWriteTimeout,
	"server.idle_timeout":             DefaultIdleTimeout,
	"server.max_body_bytes":           DefaultMaxBodyBytes,
	"server.trusted_proxies":          []string{},
	"auth.failure_burst":              DefaultAuthFailureBurst,
	"auth.failure_refill":             DefaultAuthFailureRefill,
	"auth.exempt_loopback":            false,
	"auth.key_usage_flush_interval":   DefaultKeyUsageFlushInterval,
	"idempotency.retention":           DefaultIdempotencyRetention,
	"idempotency.pending_retention":   DefaultIdempotencyPending,
	"idempotency.purge_interval":      DefaultIdempotencyPurge,
	"backoffice.secure_cookies":       false,
	"webhooks.allow_private_networks": false,
}

// EnvVar is the environment variable of a config key.
func EnvVar(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Flag names and the keys they set.
var flagKeys = map[string]string{
	"addr":                "addr",
	"ops-addr":            "ops_addr",
	"data-dir":            "data_dir",
	"log-level":           "log_level",
	"plugins-dir":         "plugins.dir",
	"plugin-call-timeout": "plugins.call_timeout",
}

// AddFlags registers --addr, --ops-addr, --data-dir, --log-level, --plugins-dir and
// --plugin-call-timeout on fs, with the defaults and environment variables
// in their help.
func AddFlags(fs *pflag.FlagSet) {
	fs.String("addr", DefaultAddr, "listen address host:port (env "+EnvVar("addr")+")")
	fs.String("ops-addr", DefaultOpsAddr, "operations listener host:port for /metrics and /debug/pprof/ (env "+EnvVar("ops_addr")+")")
	fs.String("data-dir", DefaultDataDir, "directory of the gateway database (env "+EnvVar("data_dir")+")")
	fs.String("log-level", DefaultLogLevel, "log level: debug, info, warn or error (env "+EnvVar("log_level")+")")
	fs.String("plugins-dir", "", "directory of external provider binaries (default none) (env "+EnvVar("plugins.dir")+")")
	fs.Duration("plugin-call-timeout", DefaultCallTimeout, "time limit of one provider call, 1s to 10m (env "+EnvVar("plugins.call_timeout")+")")
}

// Load builds the configuration: defaults, then configFile if not "" (YAML
// for .yaml/.yml, TOML for .toml), then LEDGERBRIDGE_* environment variables
// (empty ones count as unset), then the flags of flags that were explicitly
// set; flags may be nil and may lack any of the AddFlags flags.
//
// Load checks only that the sources can be read: a missing or unreadable
// file, an unsupported extension, a key the file should not have, or a value
// of the wrong type. It does not validate values: call Validate. Errors:
// CodeInvalid, naming the file where it is at fault.
func Load(configFile string, flags *pflag.FlagSet) (Config, error) {
	v := viper.New()
	for key, value := range defaults {
		v.SetDefault(key, value)
		if err := v.BindEnv(key, EnvVar(key)); err != nil {
			return Config{}, core.Errorf(core.CodeInternal, "config: bind %s: %v", key, err)
		}
	}
	if configFile != "" {
		if err := readFile(v, configFile); err != nil {
			return Config{}, err
		}
	}
	if flags != nil {
		for name, key := range flagKeys {
			if f := flags.Lookup(name); f != nil {
				if err := v.BindPFlag(key, f); err != nil {
					return Config{}, core.Errorf(core.CodeInternal, "config: bind flag --%s: %v", name, err)
				}
			}
		}
	}
	var c Config
	if err := v.UnmarshalExact(&c); err != nil {
		where := "configuration from environment and flags"
		if configFile != "" {
			where = "configuration from " + configFile + ", environment and flags"
		}
		return Config{}, core.Errorf(core.CodeInvalid, "%s: %s", where, decodeMessage(err))
	}
	return c, nil
}

// decodeMessage makes a decoding error one line: "'plugins.call_timeout'
// time: invalid duration; unknown keys: data-dir".
func decodeMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "decoding failed due to the following error(s):")
	msg = strings.ReplaceAll(msg, "'' has invalid keys", "unknown keys")
	msg = strings.ReplaceAll(msg, "' has invalid keys", "' has unknown keys")
	var parts []string
	for _, line := range strings.Split(msg, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}

func readFile(v *viper.Viper, path string) error {
	var format string
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		format = "yaml"
	case ".toml":
		format = "toml"
	default:
		return core.Errorf(core.CodeInvalid, "config file %s: unsupported extension %q (use .yaml, .yml or .toml)", path, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return core.Errorf(core.CodeInvalid, "config file %s does not exist", path)
		}
		return core.Errorf(core.CodeInvalid, "config file %s: %v", path, err)
	}
	defer f.Close()
	v.SetConfigType(format)
	if err := v.ReadConfig(f); err != nil {
		return core.Errorf(core.CodeInvalid, "config file %s: %v", path, err)
	}
	return nil
}

// Log levels, in order.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// SlogLevel is LogLevel as a slog.Level; an unknown level (which Validate
// rejects) is info.
func (c Config) SlogLevel() slog.Level { return logLevels[c.LogLevel] }

var (
	pluginNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	sha256Pattern     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	envNamePattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// maxPluginNameLength bounds a provider name, which appears in URLs and logs.
const maxPluginNameLength = 64

// Validate checks every value and reports every problem at once. Errors:
// CodeInvalid whose fields name each bad key (e.g. "plugins.external[1].sha256").
func (c Config) Validate() error {
	var errs []core.FieldError
	add := func(key, format string, args ...any) {
		errs = append(errs, core.FieldError{Field: key, Message: fmt.Sprintf(format, args...)})
	}

	if msg := checkAddr(c.Addr); msg != "" {
		add("addr", "%q %s", c.Addr, msg)
	}
	if msg := checkAddr(c.OpsAddr); msg != "" {
		add("ops_addr", "%q %s", c.OpsAddr, msg)
	} else if c.OpsAddr == c.Addr && !strings.HasSuffix(c.OpsAddr, ":0") {
		// Metrics and profiles never share the public port.
		add("ops_addr", "%q must differ from addr", c.OpsAddr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", "is required")
	}
	if _, ok := logLevels[c.LogLevel]; !ok {
		add("log_level", "%q is not a log level (use debug, info, warn or error)", c.LogLevel)
	}

	p := c.Plugins
	between := func(key string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			add(key, "%s must be between %s and %s", d, lo, hi)
		}
	}
	between("plugins.call_timeout", p.CallTimeout, time.Second, 10*time.Minute)
	between("plugins.start_timeout", p.StartTimeout, time.Second, 5*time.Minute)
	between("plugins.restart_backoff_min", p.RestartBackoffMin, 10*time.Millisecond, time.Minute)
	if p.RestartBackoffMax < p.RestartBackoffMin || p.RestartBackoffMax > time.Hour {
		add("plugins.restart_backoff_max", "%s must be between plugins.restart_backoff_min (%s) and 1h0m0s", p.RestartBackoffMax, p.RestartBackoffMin)
	}

	if len(p.External) > 0 && strings.TrimSpace(p.Dir) == "" {
		add("plugins.dir", "is required when plugins.external lists plugins")
	}
	firstIndex := map[string]int{}
	for i, e := range p.External {
		key := "plugins.external[" + strconv.Itoa(i) + "]"
		switch {
		case e.Name == "":
			add(key+".name", "is required")
		case len(e.Name) > maxPluginNameLength || !pluginNamePattern.MatchString(e.Name):
			add(key+".name", "%q must match [a-z][a-z0-9_-]* and be at most %d characters", e.Name, maxPluginNameLength)
		default:
			if j, dup := firstIndex[e.Name]; dup {
				add(key+".name", "%q is already used by plugins.external[%d]", e.Name, j)
			} else {
				firstIndex[e.Name] = i
			}
		}
		switch {
		case e.File == "":
			add(key+".file", "is required")
		case strings.ContainsAny(e.File, `/\`) || e.File == "." || e.File == "..":
			add(key+".file", "%q must be a file name inside plugins.dir, without path separators", e.File)
		}
		if !sha256Pattern.MatchString(e.SHA256) {
			add(key+".sha256", "must be 64 lowercase hex characters")
		}
		for name := range e.Env {
			switch {
			case !envNamePattern.MatchString(name):
				add(key+".env."+name, "must match [A-Z_][A-Z0-9_]*")
			case strings.HasPrefix(strings.ToUpper(name), "PLUGIN_"):
				add(key+".env."+name, "PLUGIN_* belong to go-plugin's handshake")
			}
		}
	}

	m := c.SMTP
	if m.Port < 1 || m.Port > 65535 {
		add("smtp.port", "%d must be between 1 and 65535", m.Port)
	}
	if m.TLS != "none" && m.TLS != "starttls" && m.TLS != "tls" {
		add("smtp.tls", "%q must be none, starttls or tls", m.TLS)
	}
	if m.Host != "" && strings.TrimSpace(m.From) == "" {
		add("smtp.from", "is required when smtp.host is set")
	}
	if m.Password != "" && m.Username == "" {
		add("smtp.username", "is required when smtp.password is set")
	}
	if ap := c.Peppol; ap.AccessPointURL != "" {
		if !isHTTPURL(ap.AccessPointURL) {
			add("peppol.access_point_url", "%q must be an http(s) URL", ap.AccessPointURL)
		}
		if strings.TrimSpace(ap.AccessPointToken) == "" {
			add("peppol.access_point_token", "is required when peppol.access_point_url is set")
		}
	}
	between("peppol.timeout", c.Peppol.Timeout, time.Second, 10*time.Minute)
	between("scheduler.interval", c.Scheduler.Interval, time.Second, time.Hour)
	between("exports.call_timeout", c.Exports.CallTimeout, time.Second, time.Hour)
	if x := c.Exports; x.Lease < 2*time.Second || x.Lease > 24*time.Hour {
		add("exports.lease", "%s must be between 2s and 24h0m0s", x.Lease)
	} else if x.Lease <= x.CallTimeout {
		add("exports.lease", "%s must be longer than exports.call_timeout (%s)", x.Lease, x.CallTimeout)
	}
	for key, u := range map[string]string{
		"tripletex.base_url": c.Tripletex.BaseURL, "spiris.api_url": c.Spiris.APIURL,
		"spiris.authorize_url": c.Spiris.AuthorizeURL, "spiris.token_url": c.Spiris.TokenURL,
	} {
		if !isHTTPURL(u) {
			add(key, "%q must be an http(s) URL", u)
		}
	}
	if c.OAuth.RedirectURL != "" && !isHTTPURL(c.OAuth.RedirectURL) {
		add("oauth.redirect_url", "%q must be an http(s) URL", c.OAuth.RedirectURL)
	}
	if c.Spiris.ClientID != "" && c.OAuth.RedirectURL == "" {
		add("oauth.redirect_url", "is required when spiris.client_id is set")
	}
	sv := c.Server
	between("server.read_header_timeout", sv.ReadHeaderTimeout, 100*time.Millisecond, time.Minute)
	between("server.read_timeout", sv.ReadTimeout, 100*time.Millisecond, 10*time.Minute)
	between("server.write_timeout", sv.WriteTimeout, 100*time.Millisecond, 10*time.Minute)
	between("server.idle_timeout", sv.IdleTimeout, 100*time.Millisecond, time.Hour)
	if sv.ReadTimeout > 0 && sv.ReadHeaderTimeout > sv.ReadTimeout {
		add("server.read_header_timeout", "%s must not exceed server.read_timeout (%s)", sv.ReadHeaderTimeout, sv.ReadTimeout)
	}
	if sv.MaxBodyBytes < 1<<10 || sv.MaxBodyBytes > 1<<30 {
		add("server.max_body_bytes", "%d must be between 1024 and 1073741824", sv.MaxBodyBytes)
	}
	for i, p := range sv.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				add("server.trusted_proxies["+strconv.Itoa(i)+"]", "%q must be an IP address or CIDR", p)
			}
		}
	}
	if c.Auth.FailureBurst < 1 || c.Auth.FailureBurst > 10000 {
		add("auth.failure_burst", "%d must be between 1 and 10000", c.Auth.FailureBurst)
	}
	between("auth.failure_refill", c.Auth.FailureRefill, time.Millisecond, 24*time.Hour)
	between("auth.key_usage_flush_interval", c.Auth.KeyUsageFlushInterval, time.Second, time.Hour)
	id := c.Idempotency
	if id.Retention < MinIdempotencyRetention {
		add("idempotency.retention", "%s must be at least %s: a register may retry a charge for a day", id.Retention, MinIdempotencyRetention)
	}
	if id.PendingRetention < id.Retention {
		add("idempotency.pending_retention", "%s must be at least idempotency.retention (%s)", id.PendingRetention, id.Retention)
	}
	between("idempotency.purge_interval", id.PurgeInterval, time.Second, 24*time.Hour)
	return core.Invalid("invalid configuration", errs...)
}

// checkAddr returns what is wrong with a listen address, or "".
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func checkAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return `must be host:port (e.g. ":8080" or "127.0.0.1:8080")`
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "must have a port number from 0 to 65535"
	}
	return ""
}
