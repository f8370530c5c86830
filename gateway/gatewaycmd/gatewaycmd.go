// Package gatewaycmd provides the `rivgate gateway` command.
package gatewaycmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/internal/cliutil"
)

// New returns the `gateway` command. It is not built yet: it says so and exits 2.
func New() *cobra.Command {
	return &cobra.Command{
		Use:   "gateway",
		Short: "Run the mutual-TLS SOAP routing gateway (not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return cliutil.BadInput("'rivgate gateway' is not built yet (issue 5)")
		},
	}
}
