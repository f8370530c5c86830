// Package contractcmd provides the `rivgate contract` command.
package contractcmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/internal/cliutil"
)

// New returns the `contract` command. It is not built yet: it says so and exits 2.
func New() *cobra.Command {
	return &cobra.Command{
		Use:   "contract",
		Short: "Inspect, validate and sample service contracts (not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return cliutil.BadInput("'rivgate contract' is not built yet (issue 3)")
		},
	}
}
