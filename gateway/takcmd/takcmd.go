// Package takcmd provides the `rivgate tak` command.
package takcmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/internal/cliutil"
)

// New returns the `tak` command. It is not built yet: it says so and exits 2.
func New() *cobra.Command {
	return &cobra.Command{
		Use:   "tak",
		Short: "Import, lint, convert and query TAK catalogues (not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return cliutil.BadInput("'rivgate tak' is not built yet (issue 4)")
		},
	}
}
