package conformcmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/report"
)

func deviationCommand() *cobra.Command {
	var out, by string
	var e decision.DeviationEdit
	cmd := &cobra.Command{
		Use:   "deviation --out DIR --id ID [--text TEXT] [--owner NAME] [--fix-by YYYY-MM-DD] [--requirement REQ --severity S] [--by NAME]",
		Short: "Record a deviation's text, owner and fix-by date, or add a deviation",
		Long: `Record the certifier's word on a deviation of the decision: the text of the
condition, who owns the fix and the date it is due. An id the rules gave (D1,
D2, ... in the report) is edited: the fields given replace what the rules
give, the others stay. Any other id adds a deviation no finding gave, which
needs --severity (critical, major, minor, inconsequential) and --text, and
may name a --requirement. Earlier edits are kept; the latest counts. The
proposal does not change: it stands on the findings. Run 'conform report'
again afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" || e.ID == "" {
				return cliutil.BadInput("--out and --id are required")
			}
			name, err := personName(cmd, by)
			if err != nil {
				return err
			}
			current, err := report.Deviations(out, time.Now())
			if err != nil {
				return err
			}
			e.By, e.At = name, time.Now()
			if err := assess.EditDeviation(out, current, e); err != nil {
				return assessmentError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deviation %s recorded by %s\n", e.ID, name)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory")
	cmd.Flags().StringVar(&e.ID, "id", "", "the deviation (D1, ... from the report; another id adds one)")
	cmd.Flags().StringVar(&e.Text, "text", "", "the condition: what must be done")
	cmd.Flags().StringVar(&e.Owner, "owner", "", "who owns the fix (default: the declaring organisation)")
	cmd.Flags().StringVar(&e.FixBy, "fix-by", "", "the date the fix is due, YYYY-MM-DD (default: the rules' deadline)")
	cmd.Flags().StringVar(&e.Requirement, "requirement", "", "the requirement an added deviation is about")
	cmd.Flags().StringVar(&e.Severity, "severity", "", "an added deviation's severity: critical, major, minor or inconsequential")
	cmd.Flags().StringVar(&by, "by", "", "who records it (required; asked for when missing on a terminal)")
	return cmd
}
