// Package contractcmd provides `rivgate contract`: list the operations of a
// contract directory, validate messages against their contract's XSD, and
// emit a sample request for an operation.
package contractcmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/contracts"
)

// New returns the `contract` command.
func New() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Inspect, validate and sample RIV-TA service contracts",
		Long: `Work with a directory of RIV-TA service contracts (WSDL files and the XSD
files they import, as published).

  inspect   list every operation: namespace, elements, profile, SOAPAction, headers
  validate  validate SOAP messages or bare documents against their contract's XSD
  sample    write a sample request envelope for an operation`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return cliutil.BadInput("'rivgate contract' needs a subcommand: inspect, validate or sample")
		},
	}
	cmd.AddCommand(newInspect(), newValidate(), newSample())
	return cmd
}

// loadSet loads dir; WSDLs that failed are reported on stderr and the rest
// are used. It fails only when nothing usable was loaded.
func loadSet(dir string, strictXSD bool, stderr io.Writer) (*contracts.Set, error) {
	set, err := contracts.LoadDirWith(dir, contracts.LoadOptions{StrictXSD: strictXSD})
	if set == nil {
		return nil, cliutil.BadInput("%w", err)
	}
	if err != nil {
		for _, e := range loadErrors(err) {
			fmt.Fprintf(stderr, "warning: %v\n", e)
		}
	}

	if len(set.Operations()) == 0 {
		return nil, cliutil.BadInput("contract directory %s: no operation could be loaded", dir)
	}
	return set, nil
}

// warnAnchors says on stderr how the patterns written ^...$ of contract ns
// are read, if it has any.
func warnAnchors(stderr io.Writer, set *contracts.Set, ns string) {
	for _, a := range set.PatternAnchors() {
		if a.Contract == ns {
			fmt.Fprintf(stderr, "warning: %s\n", a)
		}
	}
}

// loadErrors unpacks the joined *LoadError values LoadDir returns.
func loadErrors(err error) []error {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		return joined.Unwrap()
	}
	return []error{err}
}
