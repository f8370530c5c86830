package conformcmd

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
)

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
			// Which decision this is: the bundled report's time, so an
			// older bundle beside a newer report.html is told apart.
			if r, err := bundledReport(args[0]); err == nil && r != nil {
				fmt.Fprintf(w, "  decision of the report generated %s, bundled %s\n", r.Generated.UTC().Format(time.RFC3339), v.Manifest.Created.UTC().Format(time.RFC3339))
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
