package conformcmd

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

func reportCommand() *cobra.Command {
	var out, suiteDir, riskPath, lang string
	cmd := &cobra.Command{
		Use:   "report --out DIR [--lang sv|en] [--suite DIR] [--risk risk.yaml]",
		Short: "Write report.json, report.html, junit.xml and report.pdf with the decision proposal",
		Long: `Build report.json (the source of truth; schema docs/schema/report.schema.json)
from OUT/results.json, the suite (with activities.yaml and decision.yaml),
OUT/risk.yaml and OUT/assessment.json, and render report.html, junit.xml and
report.pdf from it. Swedish labels by default, English with --lang en.

Exit code 0 when the decision approves (with or without conditions), 1 when it
does not (rejected, incomplete, aborted), 2 on bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return cliutil.BadInput("--out is required")
			}
			if lang != report.LangSV && lang != report.LangEN {
				return cliutil.BadInput("--lang %q: want sv or en", lang)
			}
			if riskPath != "" {
				if err := assess.CopyFile(riskPath, filepath.Join(out, risk.ProfileFile)); err != nil {
					return cliutil.BadInput("--risk: %v", err)
				}
			}
			in, err := report.Load(out, suiteDir, time.Now())
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			if in.SuiteErr != nil {
				in.Notes = append(in.Notes, fmt.Sprintf("%v: pass --suite", in.SuiteErr))
			}
			r, err := report.Generate(in, lang)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			d := r.Decision
			fmt.Fprintf(w, "%s: %s (%s)\n", label(lang, "Beslut", "Decision"), d.Outcome.Label(lang), d.Outcome)
			if d.Override != nil {
				fmt.Fprintf(w, "  %s: %s (%s)\n", label(lang, "förslag", "proposed"), d.Proposed.Label(lang), d.Rule)
			}
			for _, rs := range d.Reasons {
				text := rs.TextSV
				if lang == report.LangEN {
					text = rs.Text
				}
				fmt.Fprintf(w, "  - %s\n", text)
			}
			for _, n := range r.Notes {
				fmt.Fprintf(w, "note: %s\n", n)
			}
			if n := staleBundleNote(out, r, lang); n != "" {
				fmt.Fprintf(w, "warning: %s\n", n)
			}
			for _, f := range []string{report.JSONFile, report.HTMLFile, report.JUnitFile, report.PDFFile} {
				fmt.Fprintf(w, "%s\n", filepath.Join(out, f))
			}
			if !d.Outcome.IsApproval() {
				return cliutil.Silent(cliutil.ExitFailures)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory (holding results.json)")
	cmd.Flags().StringVar(&suiteDir, "suite", "", "suite directory (default: the one results.json names)")
	cmd.Flags().StringVar(&riskPath, "risk", "", "risk profile to use (copied to OUT/risk.yaml); default OUT/risk.yaml when present")
	cmd.Flags().StringVar(&lang, "lang", report.LangSV, "language of headings and labels: sv or en")
	return cmd
}

func label(lang, sv, en string) string {
	if lang == report.LangEN {
		return en
	}
	return sv
}
