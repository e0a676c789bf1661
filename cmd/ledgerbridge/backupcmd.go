package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/backup"
)

func newBackupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup DIR",
		Short: "Copy every database of the data dir into DIR consistently, also while the gateway runs; the credentials key goes to --key-out",
		Long: `Copy every SQLite database of the data directory (*.db) into DIR, which must not exist or be
empty, with VACUUM INTO: the gateway database first, then the mail outbox, then the providers'
databases, an order in which a backup can never hold a completed charge without its invoice
(docs/operations.md). Each copy passes PRAGMA integrity_check. The credentials key is written to
--key-out, a directory apart from DIR, so the database copies alone decrypt nothing.
DIR/manifest.json, written last, lists every file with its SHA-256. Files 0600, directories 0700.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			keyOut, _ := cmd.Flags().GetString("key-out")
			m, err := backup.Backup(cmd.Context(), cfg.DataDir, args[0], backup.Options{KeyOut: keyOut})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), m)
		},
	}
	cmd.Flags().String("key-out", "", "directory to write credentials.key to, apart from DIR (required when the data dir has a key)")
	return cmd
}

func newRestoreCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restore DIR",
		Short: "Restore a backup made by `ledgerbridge backup` into the data dir (the gateway must be stopped)",
		Long: `Verify every file of the backup in DIR against its manifest (SHA-256), then copy the databases
into the data directory (created 0700, files 0600), and the credentials key given with --key.
Refuses while a gateway or another ledgerbridge command runs on the data directory, and refuses a
non-empty data directory unless --force, which replaces its databases (and their -wal/-shm files).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			var opts backup.RestoreOptions
			opts.Key, _ = cmd.Flags().GetString("key")
			opts.WithoutKey, _ = cmd.Flags().GetBool("without-key")
			opts.Force, _ = cmd.Flags().GetBool("force")
			if opts.Key != "" && opts.WithoutKey {
				return fmt.Errorf("--key and --without-key exclude each other")
			}
			m, err := backup.Restore(cmd.Context(), args[0], cfg.DataDir, opts)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), m)
		},
	}
	cmd.Flags().String("key", "", "the credentials.key file saved with the backup (in its --key-out directory)")
	cmd.Flags().Bool("without-key", false, "restore without the credentials key: integration credentials must then be entered again")
	cmd.Flags().Bool("force", false, "replace the databases of a non-empty data dir")
	return cmd
}
