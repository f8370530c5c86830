package conformcmd

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/contracts"
)

func planCommand() *cobra.Command {
	var suiteDir, riskPath, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan --suite DIR [--risk risk.yaml] [--json] [--out DIR]",
		Short: "Show which scenarios a risk profile selects, with reasons, before anything runs",
		Long: `Compute the risk-based test plan: every requirement's impact and every
scenario's likelihood (suite values, overridden by the risk profile), the risk
class from the matrix (score = impact × likelihood; high from 8, medium from 4
by default), and the selection: high-risk functions run all their scenarios,
medium ones their core set, low ones a smoke subset; a re-certification runs
the changed functions (felrättning: core set plus named scenarios;
funktionsändring: all) and the regression set of the rest.

With --out, the plan is written to OUT/plan.json and the risk profile copied to
OUT/risk.yaml, where 'conform report' finds it. The risk profile format is in
docs/report.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			suite, err := loadSuite(suiteDir)
			if err != nil {
				return err
			}
			var prof *risk.Profile
			if riskPath != "" {
				if prof, err = risk.LoadProfile(riskPath, suite); err != nil {
					return cliutil.BadInput("%w", err)
				}
			}
			var set *contracts.Set
			if osDir, ok := suite.ContractsOSDir(); ok {
				set, _ = contracts.LoadDir(osDir)
			}
			plan := risk.NewPlan(suite, prof, set)
			if out != "" {
				if _, err := plan.WriteRunFiles(out, riskPath); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(plan)
			}
			plan.Write(w)
			return nil
		},
	}
	cmd.Flags().StringVar(&suiteDir, "suite", "", "suite directory (holding suite.yaml)")
	cmd.Flags().StringVar(&riskPath, "risk", "", "risk profile (risk.yaml); default: the suite's own values")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().StringVar(&out, "out", "", "also write OUT/plan.json and copy the risk profile to OUT/risk.yaml")
	return cmd
}
