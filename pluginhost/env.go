package pluginhost

import (
	"os"
	"runtime"
)

// inheritedEnv names the only variables of the gateway's environment a
// plugin process inherits: where to find programs, the time zone and
// temporary directory, the locale, the TLS roots and the outbound HTTP proxy
// (a provider must reach its API the way the host does), and what Windows
// needs to run a process at all. Everything else (the SMTP password, a provider's tokens, cloud
// credentials the operator exported) stays in the gateway; a built-in gets
// its own configuration from RegisterBuiltinEnv, and go-plugin adds its own
// handshake variables (the magic cookie, PLUGIN_*).
var inheritedEnv = []string{
	"PATH", "TZ", "TMPDIR", "LANG", "LC_ALL", "GOCOVERDIR",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
}

var inheritedEnvWindows = []string{"SystemRoot", "SYSTEMROOT", "TEMP", "TMP", "ComSpec", "PATHEXT"}

// pluginEnv is the environment of a plugin process: the inherited neutral
// variables that are set, then extra (which wins over them).
func pluginEnv(extra []string) []string {
	names := inheritedEnv
	if runtime.GOOS == "windows" {
		names = append(append([]string{}, names...), inheritedEnvWindows...)
	}
	env := make([]string, 0, len(names)+len(extra))
	for _, k := range names {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}
