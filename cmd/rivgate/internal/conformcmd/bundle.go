package conformcmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
)

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
			if err := cliutil.RequireFlags(cliutil.Need{Flag: "--out", Given: out != ""}, cliutil.Need{Flag: "--key", Given: key != ""}); err != nil {
				return err
			}
			suite, err := suiteFor(suiteDir, out)
			if err != nil {
				return err
			}
			signer, err := evidence.LoadSigner(key, cert)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			p, err := evidence.Create(evidence.Options{RunDir: out, Suite: suite, Config: configs, Signer: signer, Out: bundle})
			switch {
			case errors.Is(err, evidence.ErrStaleReport):
				return cliutil.BadInput("%v: run 'conform report' again; nothing bundled", err)
			case errors.Is(err, evidence.ErrIncomplete):
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
