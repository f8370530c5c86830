package conformcmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/assess"
)

func declareCommand() *cobra.Command {
	var out, by, org, statement string
	var attach []string
	cmd := &cobra.Command{
		Use:   "declare --out DIR --by NAME --org ORG --statement TEXT [--attach FILE]...",
		Short: "Record the supplier's declaration (Beställarens deklaration)",
		Long: `Record the supplier's declaration that ends every certification case. No
proposal or override can approve before it is recorded. Attached files (the
signed declaration, for example) are copied into OUT/attachments/declaration/.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := assess.DeclarationOptions{By: by, Org: org, Statement: statement, Files: attach, At: time.Now()}
			if err := cliutil.RequireFlags(append([]cliutil.Need{{Flag: "--out", Given: out != ""}}, missingNeeds(o.Missing()...)...)...); err != nil {
				return err
			}
			if err := assess.DeclareIn(out, o); err != nil {
				return assessmentError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "declaration recorded: %s, %s\n", by, org)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory")
	cmd.Flags().StringVar(&by, "by", "", "who declares")
	cmd.Flags().StringVar(&org, "org", "", "the supplier's organisation")
	cmd.Flags().StringVar(&statement, "statement", "", "what is declared")
	cmd.Flags().StringArrayVar(&attach, "attach", nil, "file to attach (repeatable)")
	return cmd
}
