// Package reportcmd adds the report, decision and evidence subcommands to
// `rivgate conform`: plan (risk-based selection), declare (the supplier's
// declaration; review verdicts are recorded by conformcmd's judge), decide (a certifier's override), report (report.json,
// report.html, junit.xml, report.pdf), keygen, bundle and verify (the signed
// evidence bundle) and diff (re-certification runs compared).
package reportcmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/confcli"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/rundiff"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
)

// AddTo adds this package's subcommands to the `conform` command.
func AddTo(conform *cobra.Command) {
	conform.AddCommand(planCommand(), declareCommand(), decideCommand(), reportCommand(),
		keygenCommand(), bundleCommand(), verifyCommand(), diffCommand())
}

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
			if suiteDir == "" {
				return cliutil.BadInput("--suite is required")
			}
			suite, err := scenario.LoadDir(suiteDir)
			if err != nil {
				return cliutil.BadInput("%w", err)
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
			if out == "" {
				return cliutil.BadInput("--out is required")
			}
			rec, err := assess.ReadRecord(out)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			if err := rec.Declare(out, by, org, statement, attach, time.Now()); err != nil {
				return cliutil.BadInput("%w", err)
			}
			if err := assess.WriteRecord(out, rec); err != nil {
				return err
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
			if out == "" || outcome == "" {
				return cliutil.BadInput("--out and --outcome are required")
			}
			if _, err := result.Read(out); err != nil {
				return cliutil.BadInput("%w", err)
			}
			rec, err := assess.ReadRecord(out)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			if by == "" {
				by = confcli.CurrentUser()
			}
			o := decision.Outcome(outcome)
			if err := rec.AddOverride(o, reason, by, time.Now()); err != nil {
				return cliutil.BadInput("%w", err)
			}
			if err := assess.WriteRecord(out, rec); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "decision recorded: %s (%s) by %s\n", o.LabelSV(), o, by)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory")
	cmd.Flags().StringVar(&outcome, "outcome", "", "approved, approved-with-conditions or rejected")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&by, "by", "", "who decides (default: the current user)")
	return cmd
}

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

func keygenCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Write a new Ed25519 key pair for signing evidence bundles (FILE and FILE.pub)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return cliutil.BadInput("--out is required")
			}
			id, err := evidence.Keygen(out)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "private key %s (keep it secret), public key %s.pub, key id %s\n", out, out, id)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "private key file to write; the public key goes to FILE.pub")
	return cmd
}

func bundleCommand() *cobra.Command {
	var out, suiteDir, key, cert, bundle string
	var configs []string
	cmd := &cobra.Command{
		Use:   "bundle --out DIR --key FILE [--cert FILE] [--config FILE]... [--bundle PATH]",
		Short: "Write the signed evidence bundle (evidence.zip) of a run",
		Long: `Bundle the run directory (results, every exchange byte-exact, report files,
assessment with attachments, risk profile), the suite with its contracts and
referenced files, and any --config files, with manifest.json holding the
SHA-256 of every file, signed with --key (Ed25519 from 'conform keygen', or the
tester's ECDSA/RSA/Ed25519 key with --cert). Run 'conform report' first so the
bundle carries the report. The bundle is written atomically. An incomplete run
(killed or still going) and a report.json older than a later judge, declare or
decide are refused (exit 2): regenerate the report, then bundle.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" || key == "" {
				return cliutil.BadInput("--out and --key are required")
			}
			suite, err := confcli.SuiteFor(suiteDir, out)
			if err != nil {
				return err
			}
			signer, err := evidence.LoadSigner(key, cert)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			p, err := evidence.Create(evidence.Options{RunDir: out, Suite: suite, Config: configs, Signer: signer, Out: bundle})
			if errors.Is(err, evidence.ErrIncomplete) || errors.Is(err, evidence.ErrStaleReport) {
				return cliutil.BadInput("%v; nothing bundled", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory")
	cmd.Flags().StringVar(&suiteDir, "suite", "", "suite directory (default: the one results.json names)")
	cmd.Flags().StringVar(&key, "key", "", "signing key (PEM)")
	cmd.Flags().StringVar(&cert, "cert", "", "the signer's certificate chain (PEM), for an X.509 key")
	cmd.Flags().StringArrayVar(&configs, "config", nil, "configuration file to include under config/ (repeatable)")
	cmd.Flags().StringVar(&bundle, "bundle", "", "bundle path (default OUT/evidence.zip)")
	return cmd
}

func verifyCommand() *cobra.Command {
	var pubkey string
	cmd := &cobra.Command{
		Use:   "verify BUNDLE [--pubkey FILE]",
		Short: "Verify an evidence bundle: hashes, signature, and the verdict re-evaluated from the raw exchanges",
		Long: `Check manifest.sig (against --pubkey, a PEM public key or certificate, when
given), every file's SHA-256, that no file was added or removed; then
re-evaluate every check from the raw exchanges with the bundled suite and
contracts, and rebuild the decision, comparing both with what was recorded.

Exit 0 when everything holds; 1 naming the first difference (a changed,
removed or added file, a bad signature, a verdict that does not reproduce, a
partial bundle); 2 when the bundle cannot be read at all.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pin any
			if pubkey != "" {
				k, err := evidence.LoadPublicKey(pubkey)
				if err != nil {
					return cliutil.BadInput("--pubkey: %v", err)
				}
				pin = k
			}
			v, err := evidence.Verify(args[0], pin)
			var d *evidence.Difference
			if errors.As(err, &d) {
				return cliutil.Failures("%s: FAILED: %s", args[0], d)
			}
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			w := cmd.OutOrStdout()
			signer := "key " + v.KeyID
			if v.Subject != "" {
				signer += " (" + v.Subject + ")"
			}
			fmt.Fprintf(w, "%s: OK\n  signature: %s", args[0], signer)
			if v.Pinned {
				fmt.Fprintln(w, ", the pinned key")
			} else {
				fmt.Fprintln(w, " — not pinned: pass --pubkey to require a known signer")
			}
			fmt.Fprintf(w, "  files: %d, SHA-256 as in the signed manifest\n  checks re-evaluated from the exchanges: %d, as recorded\n", v.Files, v.Checks)
			if v.Decision != "" {
				fmt.Fprintf(w, "  decision re-evaluated: %s (%s), as recorded\n", decision.Outcome(v.Decision).LabelSV(), v.Decision)
			}
			for _, n := range v.NotReevaluated {
				fmt.Fprintf(w, "  not re-evaluated: %s\n", n)
			}
			for _, n := range v.Notes {
				fmt.Fprintf(w, "  note: %s\n", n)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pubkey, "pubkey", "", "the signer's public key or certificate (PEM) to require")
	return cmd
}

func diffCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two runs (directories or evidence bundles): fixed, new, still failing",
		Long: `Compare an earlier run with a re-certification run. OLD and NEW are run
directories or evidence bundles (bundles are read, not verified). Lists the
failures that were fixed, new failures, failures still there, and earlier
failures the new run did not retest.

Exit 0 when nothing fails in NEW that was compared (no new or remaining
failures), 1 otherwise.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := rundiff.Load(args[0])
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			nw, err := rundiff.Load(args[1])
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			d := rundiff.Compare(old, nw)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(d); err != nil {
					return err
				}
			} else {
				d.Write(cmd.OutOrStdout())
			}
			if len(d.NewFailures) > 0 || len(d.StillFailing) > 0 {
				return cliutil.Silent(cliutil.ExitFailures)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comparison as JSON")
	return cmd
}
