package conformcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
)

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
