package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/providers"
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
			providers.Serve(p, providers.NewPluginLogger(args[0]))
			return nil
		},
	}
}

func newPluginsCommand() *cobra.Command {
	plugins := &cobra.Command{Use: "plugins", Short: "Inspect provider plugins"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List providers: name, kind, version, path, checksum, status",
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
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tKIND\tVERSION\tPATH\tSHA256\tSTATUS")
			for _, p := range a.registry.Plugins(cmd.Context()) {
				status := p.Status
				if p.Error != "" {
					status += ": " + p.Error
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, dash(p.Version), dash(p.Path), dash(p.SHA256), status)
			}
			return w.Flush()
		},
	}
	plugins.AddCommand(list, newPluginsCheckCommand())
	return plugins
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
