package conformcmd

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/publish/rundiff"
)

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
