package main

import (
	"bufio"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// newUsersCommand is `ledgerbridge users create`: the operator's way to give
// a merchant its first BackOffice user (admins invite the rest from the
// Users page). It works on the database directly, so the gateway may run.
func newUsersCommand() *cobra.Command {
	users := &cobra.Command{Use: "users", Short: "Manage BackOffice users"}
	create := &cobra.Command{
		Use:   "create --merchant ID --email E --role R [--password-stdin] [--language sv|nb|en]",
		Short: "Create a BackOffice user; without --password-stdin, print a one-time invitation path instead",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			merchant, _ := f.GetString("merchant")
			email, _ := f.GetString("email")
			role, _ := f.GetString("role")
			lang, _ := f.GetString("language")
			fromStdin, _ := f.GetBool("password-stdin")
			password := ""
			if fromStdin {
				// The first line; a missing newline at the end is fine.
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if password = strings.TrimRight(line, "\r\n"); password == "" {
					return errors.New("--password-stdin: no password on the first line of standard input")
				}
			}
			st, closeStore, err := openStore(cmd.Context(), cfg.DataDir)
			if err != nil {
				return err
			}
			defer closeStore()
			engine := core.NewEngine(st, nil, core.EngineOptions{})
			// The operator acts as the merchant's admin.
			operator := core.Principal{MerchantID: merchant, Role: core.RoleAdmin}
			u, invite, err := engine.CreateUser(cmd.Context(), operator,
				core.NewUser{Email: email, Role: core.Role(role), Language: core.Language(lang), Password: password})
			if err != nil {
				return err
			}
			out := map[string]any{"id": u.ID, "merchant_id": u.MerchantID, "email": u.Email, "role": u.Role, "language": u.Language}
			if invite != "" {
				out["invite_path"] = "/backoffice/invite/" + invite
				out["invite_expires_at"] = u.InviteExpiresAt
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	f := create.Flags()
	f.String("merchant", "", "the merchant's ID (required)")
	f.String("email", "", "the user's e-mail address, used to sign in (required)")
	f.String("role", "", "admin, accountant or cashier (required)")
	f.String("language", "", "sv, nb or en; default the merchant country's")
	f.Bool("password-stdin", false, "read the password from the first line of standard input")
	for _, name := range []string{"merchant", "email", "role"} {
		_ = create.MarkFlagRequired(name)
	}
	users.AddCommand(create)
	return users
}
