// Package conformcmd provides the `rivgate conform` command.
package conformcmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/internal/cliutil"
)

// New returns the `conform` command. It is not built yet: it says so and exits 2.
func New() *cobra.Command {
	return &cobra.Command{
		Use:   "conform",
		Short: "Run the consumer conformance harness (not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return cliutil.BadInput("'rivgate conform' is not built yet (issue 7)")
		},
	}
}

// NewRecord returns the `record` command. It is not built yet.
func NewRecord() *cobra.Command {
	return &cobra.Command{
		Use:   "record",
		Short: "Record exchanges through a recording proxy into a scenario (not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return cliutil.BadInput("'rivgate record' is not built yet (issue 7)")
		},
	}
}
