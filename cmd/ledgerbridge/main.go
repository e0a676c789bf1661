// Command ledgerbridge is the invoicing and bookkeeping gateway.
//
//	ledgerbridge serve [--demo]          run the gateway (the default command)
//	ledgerbridge merchants create ...    create a merchant and print its API keys
//	ledgerbridge api-keys list|revoke    list a merchant's API keys, revoke one
//	ledgerbridge plugins list            show installed provider plugins
//	ledgerbridge plugin NAME             serve a built-in provider (started by the gateway)
//	ledgerbridge backup DIR --key-out K  copy every database consistently, the key apart
//	ledgerbridge restore DIR --key K/credentials.key   restore a backup (gateway stopped)
//	ledgerbridge version                 print the version (also --version)
//
// Wiring happens here and only here: config → logger → stores → provider
// registry → engine → HTTP.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	_ "time/tzdata" // merchants' civil dates must not depend on the host's zoneinfo

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/config"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ledgerbridge:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "ledgerbridge",
		Short:         "Invoicing and bookkeeping gateway for point-of-sale merchants",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetVersionTemplate("ledgerbridge {{.Version}}\n")
	root.PersistentFlags().String("config", "", "config file (YAML or TOML); see config/example.yaml")
	config.AddFlags(root.PersistentFlags())

	serve := newServeCommand()
	root.AddCommand(serve, newMerchantsCommand(), newAPIKeysCommand(), newUsersCommand(), newPluginCommand(), newPluginsCommand(),
		newBackupCommand(), newRestoreCommand(), newVersionCommand())
	// With no arguments, serve.
	root.RunE = serve.RunE
	root.Flags().AddFlagSet(serve.Flags())
	return root
}

// loadConfig reads the configuration for a command from --config, the
// environment and the flags.
func loadConfig(cmd *cobra.Command) (config.Config, error) {
	file, _ := cmd.Flags().GetString("config")
	cfg, err := config.Load(file, cmd.Flags())
	if err != nil {
		return config.Config{}, err
	}
	return cfg, cfg.Validate()
}

// printJSON writes v to w as indented JSON and a newline: the output of
// every command that reports a result.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
