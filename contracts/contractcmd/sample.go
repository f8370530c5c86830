package contractcmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/internal/cliutil"
)

func newSample() *cobra.Command {
	return &cobra.Command{
		Use:   "sample",
		Short: "Write a sample request envelope for an operation (not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return cliutil.BadInput("'rivgate contract sample' is not built yet")
		},
	}
}
