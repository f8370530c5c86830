// Package reportcmd adds the report, decision and evidence subcommands to
// `rivgate conform` (plan, decide, report, verify, keygen, diff, review).
package reportcmd

import "github.com/spf13/cobra"

// AddTo adds this package's subcommands to the `conform` command.
func AddTo(conform *cobra.Command) {}
