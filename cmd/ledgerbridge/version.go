package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release version, set when building a release:
//
//	go build -ldflags "-X main.version=1.4.0" ./cmd/ledgerbridge
//
// Empty, the module version from the build information is used ("(devel)"
// for a build from a work tree).
var version string

// versionString is what --version and `ledgerbridge version` print: the
// version, then the VCS revision and time the binary was built from and
// "dirty" for uncommitted changes, as far as the build information knows
// them, and the Go version.
func versionString() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if v == "" {
			v = "unknown"
		}
		return v
	}
	if v == "" {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " (" + rev
		if at != "" {
			v += " " + at
		}
		if dirty {
			v += " dirty"
		}
		v += ")"
	}
	return v + " " + info.GoVersion
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version (as --version does)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "ledgerbridge", versionString())
			return err
		},
	}
}
