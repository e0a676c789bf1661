package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// merchantKeys is the JSON printed by `merchants create` (the contract's
// command-line shape).
type merchantKeys struct {
	MerchantID string            `json:"merchant_id"`
	APIKeys    map[string]string `json:"api_keys"`
}

func keysOf(cm core.CreatedMerchant) merchantKeys {
	out := merchantKeys{MerchantID: cm.Merchant.ID, APIKeys: map[string]string{}}
	for role, key := range cm.APIKeys {
		out.APIKeys[string(role)] = key
	}
	return out
}

func newMerchantsCommand() *cobra.Command {
	merchants := &cobra.Command{Use: "merchants", Short: "Manage merchants"}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a merchant and print its admin, accountant and cashier API keys as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			name, _ := cmd.Flags().GetString("name")
			country, _ := cmd.Flags().GetString("country")
			start, _ := cmd.Flags().GetInt64("invoice-start-number")
			a, err := newApp(cmd.Context(), cfg, os.Stderr, appOptions{})
			if err != nil {
				return err
			}
			defer a.Close()
			cm, err := a.engine.CreateMerchant(cmd.Context(), core.NewMerchant{
				Name: name, Country: core.Country(country), InvoiceStartNumber: start,
			})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), keysOf(cm))
		},
	}
	create.Flags().String("name", "", "the merchant's company name (required)")
	create.Flags().String("country", "SE", "SE or NO")
	create.Flags().Int64("invoice-start-number", 1, "first number of the merchant's invoice series")
	_ = create.MarkFlagRequired("name")
	merchants.AddCommand(create)
	return merchants
}
