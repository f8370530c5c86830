package conformcmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
)

func decideCommand() *cobra.Command {
	var out, outcome, reason, by string
	cmd := &cobra.Command{
		Use:   "decide --out DIR --outcome approved|approved-with-conditions|rejected --reason TEXT [--by NAME]",
		Short: "Record a certifier's decision overriding the proposal (both are kept)",
		Long: `Record the certifier's decision with a written reason. The report then shows
the decision in force and, beside it, the rules' proposal. Approving needs the
supplier's declaration first. Run 'conform report' again afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			needs := []cliutil.Need{{Flag: "--out", Given: out != ""}, {Flag: "--outcome", Given: outcome != ""}}
			needs = append(needs, missingNeeds(assess.MissingReason(reason))...)
			if err := cliutil.RequireFlags(append(needs, byNeed(cmd, by))...); err != nil {
				return err
			}
			by, err := personName(cmd, by)
			if err != nil {
				return err
			}
			o := decision.Outcome(outcome)
			if err := assess.Decide(out, o, reason, by, time.Now()); err != nil {
				return assessmentError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "decision recorded: %s (%s) by %s\n", o.LabelSV(), o, by)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory")
	cmd.Flags().StringVar(&outcome, "outcome", "", "approved, approved-with-conditions or rejected")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&by, "by", "", "who decides (required; asked for when missing on a terminal)")
	return cmd
}
