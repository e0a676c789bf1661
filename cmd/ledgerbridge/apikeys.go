package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/backup"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// newAPIKeysCommand is `ledgerbridge api-keys list|revoke`: the operator's
// way to see and revoke keys, working on the database directly (the
// gateway may be running: a revocation takes effect on its next request,
// and last_used_at is as of its last flush).
func newAPIKeysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "api-keys", Short: "List and revoke API keys"}
	list := &cobra.Command{
		Use:   "list --merchant ID",
		Short: "Print a merchant's API keys as JSON (never their secrets), revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			merchant, _ := cmd.Flags().GetString("merchant")
			st, closeStore, err := openStore(cmd.Context(), cfg.DataDir)
			if err != nil {
				return err
			}
			defer closeStore()
			if _, err := st.GetMerchant(cmd.Context(), merchant); err != nil {
				return err
			}
			ks, err := st.ListAPIKeys(cmd.Context(), merchant)
			if err != nil {
				return err
			}
			if ks == nil {
				ks = []core.APIKey{}
			}
			// core.APIKey's JSON never carries the key's secret or hash.
			return printJSON(cmd.OutOrStdout(), ks)
		},
	}
	list.Flags().String("merchant", "", "the merchant's ID (required)")
	_ = list.MarkFlagRequired("merchant")
	revoke := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke an API key: from now on it answers 401, on every gateway sharing the database",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, closeStore, err := openStore(cmd.Context(), cfg.DataDir)
			if err != nil {
				return err
			}
			defer closeStore()
			k, err := st.GetAPIKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if k, err = st.RevokeAPIKey(cmd.Context(), k.MerchantID, k.ID, time.Now().UTC()); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), k)
		},
	}
	keys.AddCommand(list, revoke)
	return keys
}

// openStore opens the gateway database of dataDir for a command that needs
// no providers, holding the data dir's shared lock as newApp does, so that
// `ledgerbridge restore` refuses to replace the database under it. close
// closes the database, then releases the lock.
func openStore(ctx context.Context, dataDir string) (st *store.Store, close func(), err error) {
	unlock, err := backup.LockShared(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if st, err = store.Open(ctx, dataDir); err != nil {
		unlock()
		return nil, nil, err
	}
	return st, func() { st.Close(); unlock() }, nil
}
