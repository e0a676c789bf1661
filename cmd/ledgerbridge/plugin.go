package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/plugin"
	"github.com/ledgerbridge/ledgerbridge/pluginhost"
)

// newPluginCommand serves a built-in provider over the plugin protocol. The
// gateway starts it; run by hand it explains that it is a plugin.
func newPluginCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "plugin NAME",
		Short: "Serve a built-in provider as a plugin process (started by the gateway)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
				return err
			}
			p, closeFn, err := openBuiltin(context.Background(), args[0], cfg)
			if err != nil {
				return err
			}
			defer closeFn()
			plugin.Serve(p, plugin.NewPluginLogger(args[0]))
			return nil
		},
	}
}

func newPluginsCommand() *cobra.Command {
	plugins := &cobra.Command{Use: "plugins", Short: "Inspect provider plugins"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List providers: name, kind, version, path, checksum, status; exits 1 when one failed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			a, err := newApp(cmd.Context(), cfg, os.Stderr, appOptions{})
			if err != nil {
				return err
			}
			defer a.Close()
			return writePlugins(cmd.OutOrStdout(), a.registry.Plugins(cmd.Context()))
		},
	}
	plugins.AddCommand(list, newPluginsCheckCommand())
	return plugins
}

// writePlugins prints the table of `plugins list`: one line per provider
// with its status and, when failed, why. It returns an error naming the
// failed providers when there are any, so that the command exits non-zero
// (scripts and deployment checks see a broken plugin).
func writePlugins(out io.Writer, plugins []pluginhost.PluginInfo) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tKIND\tVERSION\tPATH\tSHA256\tSTATUS")
	var failed []string
	for _, p := range plugins {
		status := p.Status
		if p.Error != "" {
			status += ": " + p.Error
		}
		if p.Status == pluginhost.StatusFailed {
			failed = append(failed, p.Name)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, dash(p.Version), dash(p.Path), dash(p.SHA256), status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d providers failed: %s", len(failed), len(plugins), strings.Join(failed, ", "))
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
