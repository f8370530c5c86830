package conformcmd

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// JudgeHint tells the person watching a run how to record the verdict of
// a manual step (harness.Options.ManualHint).
func JudgeHint(scenarioID, stepID string) string {
	return fmt.Sprintf("record it with: rivgate conform judge --out DIR --scenario %s --step %s --verdict pass|fail --note ...", scenarioID, stepID)
}

func judgeCommand() *cobra.Command {
	var out, suiteDir, scenarioID, stepID, item, verdict, note, by string
	var attach []string
	cmd := &cobra.Command{
		Use:     "judge --out DIR (--scenario ID [--step ID] | --item ID) --verdict pass|fail --note TEXT [--attach FILE]... [--by NAME]",
		Aliases: []string{"review"},
		Short:   "Record a person's verdict: on a manual step (--scenario) or a document-review item (--item)",
		Long: `Record a person's verdict, the note, who (--by NAME; asked for on a terminal
when left out, refused with exit 2 without one) and when. One command for every verdict a person gives:

  --scenario ID [--step ID]  a manual step of a run (manual: ... in the suite).
                             Without --step the scenario's only pending manual
                             step is judged. results.json is rewritten
                             atomically and the statuses recomputed.
  --item ID                  a document-review item of a certification appendix
                             (the suite's activities.yaml: what the supplier
                             must show). The verdict is appended to
                             OUT/assessment.json; the latest per item counts.

Attached files (screenshots, documents) are copied into OUT/attachments/ and
go into the evidence bundle with their SHA-256. 'conform review' is another
name for this command (kept for scripts written for it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cliutil.RequireFlags(
				cliutil.Need{Flag: "--out", Given: out != ""},
				cliutil.Need{Flag: "--verdict", Given: verdict != ""},
				cliutil.Need{Flag: "--scenario (a manual step) or --item (a document-review item)", Given: scenarioID != "" || item != ""},
				cliutil.Need{Flag: "--note", Given: note != "", For: "say what you saw"},
				byNeed(cmd, by)); err != nil {
				return err
			}
			switch {
			case scenarioID != "" && item != "":
				return cliutil.BadInput("give --scenario (a manual step) or --item (a document-review item), not both")
			case stepID != "" && item != "":
				return cliutil.BadInput("--step goes with --scenario")
			}
			by, err := personName(cmd, by)
			if err != nil {
				return err
			}
			if item != "" {
				return judgeItem(cmd.OutOrStdout(), out, suiteDir,
					assess.ReviewOptions{Item: item, Verdict: verdict, Note: note, By: by, Files: attach, At: time.Now()})
			}
			return judgeStep(cmd.OutOrStdout(), out,
				result.Judgement{Scenario: scenarioID, Step: stepID, Verdict: verdict, Note: note, By: by, At: time.Now()}, attach)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory (holding results.json)")
	cmd.Flags().StringVar(&scenarioID, "scenario", "", "scenario id of the manual step")
	cmd.Flags().StringVar(&stepID, "step", "", "step id (default: the scenario's only pending manual step)")
	cmd.Flags().StringVar(&item, "item", "", "document-review item id from the suite's activities.yaml")
	cmd.Flags().StringVar(&suiteDir, "suite", "", "with --item: suite directory (default: the one results.json names)")
	cmd.Flags().StringVar(&verdict, "verdict", "", "pass or fail")
	cmd.Flags().StringVar(&note, "note", "", "what was observed or reviewed, and what was found")
	cmd.Flags().StringVar(&by, "by", "", "who judges (required; asked for when missing on a terminal)")
	cmd.Flags().StringVar(&by, "judge", "", "same as --by")
	_ = cmd.Flags().MarkHidden("judge")
	cmd.Flags().StringArrayVar(&attach, "attach", nil, "file to attach (repeatable)")
	return cmd
}

// judgeStep records a verdict on a manual step in results.json, with
// files attached.
func judgeStep(w io.Writer, out string, j result.Judgement, files []string) error {
	run, st, err := assess.JudgeStep(out, j, files)
	if err != nil {
		return judgeError(err)
	}
	for _, sc := range run.Scenarios {
		if sc.ID == j.Scenario {
			fmt.Fprintf(w, "%s/%s: %s by %s (%d attachment(s); scenario %s, run %s)\n", j.Scenario, st.ID, j.Verdict, j.By, len(st.Manual.Attachments), sc.Status, run.Status)
		}
	}
	return nil
}

// judgeItem records a verdict on a document-review item in assessment.json.
func judgeItem(w io.Writer, out, suiteDir string, o assess.ReviewOptions) error {
	suite, err := suiteFor(suiteDir, out)
	if err != nil {
		return err
	}
	rv, err := assess.ReviewItem(out, suite, o)
	if err != nil {
		return judgeError(err)
	}
	fmt.Fprintf(w, "review %s: %s by %s (%d attachment(s))\n", rv.Item, rv.Verdict, rv.By, len(rv.Attachments))
	return nil
}

// judgeError is a refused verdict as bad input (exit 2); a failure to
// write the run's files stays a plain error.
func judgeError(err error) error {
	var we *assess.WriteError
	switch {
	case errors.As(err, &we):
		return err
	case errors.Is(err, result.ErrSeveralPending):
		return cliutil.BadInput("%w: name one with --step", err)
	}
	return cliutil.BadInput("%w", err)
}
