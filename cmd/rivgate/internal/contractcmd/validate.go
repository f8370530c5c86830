package contractcmd

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/contracts/xsd"
)

func newValidate() *cobra.Command {
	var dir, backend string
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate --contracts DIR FILE...",
		Short: "Validate messages against their contract's XSD",
		Long: `Validate each FILE against the schema of its service contract found in DIR.
A FILE is a SOAP envelope (the first child of Body is validated, with the
namespace declarations in scope there) or a bare document (its root is
validated). The contract is chosen by the element's namespace.

Each problem is printed as FILE:LINE:COL: message, with the position in FILE
as given. Exit code: 0 all files valid; 1 at least one invalid; 2 usage or
I/O error, or a namespace DIR has no contract for (the message lists the
namespaces DIR knows).

Some published contracts write a pattern as ^...$ (in XSD ^ and $ are
literal characters, so no real value matches). rivgate reads such patterns as
anchored regular expressions and says so on stderr, once per contract;
--strict-xsd reads them literally, as xmllint does.`,
		Example: `  rivgate contract validate --contracts ../shared/rivta/contracts request.xml response.xml`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if dir == "" {
				return cliutil.BadInput("--contracts DIR is required")
			}
			set, err := loadSet(dir, strict, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			v, err := xsd.NewBackend(backend, set)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			var invalid, broken, unknown int
			warned := map[string]bool{}
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					fmt.Fprintf(errOut, "%s: %v\n", f, err)
					broken++
					continue
				}
				ns, problems, err := xsd.ValidateMessage(v, data)
				if !warned[ns] {
					warned[ns] = true
					warnAnchors(errOut, set, ns)
				}
				switch {
				case errors.Is(err, xsd.ErrUnknownNamespace):
					fmt.Fprintf(errOut, "%s: no contract in %s for namespace %q\n", f, dir, ns)
					unknown++
				case err != nil:
					fmt.Fprintf(errOut, "%s: %v\n", f, err)
					broken++
				case len(problems) > 0:
					invalid++
					for _, p := range problems {
						fmt.Fprintf(out, "%s:%d:%d: %s\n", f, p.Line, p.Column, p.Message)
					}
				default:
					fmt.Fprintf(out, "%s: valid (%s)\n", f, ns)
				}
			}
			switch {
			case unknown > 0:
				return cliutil.BadInput("%d file(s) in a namespace with no contract in %s; it knows:\n  %s",
					unknown, dir, strings.Join(set.Namespaces(), "\n  "))
			case broken > 0:
				return cliutil.BadInput("%d file(s) could not be validated", broken)
			case invalid > 0:
				return cliutil.Failures("%d of %d file(s) invalid", invalid, len(files))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "contracts", "", "contract directory (WSDL and XSD files) (required)")
	cmd.Flags().StringVar(&backend, "backend", "go", "XSD validator: go (pure Go) or libxml2 (only in builds with -tags libxml2)")
	cmd.Flags().BoolVar(&strict, "strict-xsd", false, cliutil.StrictXSDFlag)
	return cmd
}
