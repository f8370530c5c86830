package contractcmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/contracts"
)

// operationJSON is one row of `inspect --json`; the field set is the
// documented output format.
type operationJSON struct {
	WSDL        string            `json:"wsdl"`
	Interaction string            `json:"interaction"`
	Operation   string            `json:"operation"`
	Namespace   string            `json:"namespace"`
	Request     contracts.QName   `json:"request"`
	Response    contracts.QName   `json:"response"`
	Profile     string            `json:"profile"`
	SOAPAction  string            `json:"soapAction"`
	Headers     []contracts.QName `json:"headers"`
}

func newInspect() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect DIR",
		Short: "List the operations of a contract directory",
		Long: `Load every *.wsdl below DIR (with the XSD files they import by relative
schemaLocation) and list each operation: WSDL file, interaction, operation,
version, contract namespace (the request element's namespace, which VP routes
on), request and response elements, RIV-TA profile, SOAPAction and header
parts.

A WSDL that cannot be loaded is reported on stderr with its file and cause and
the exit code is 2; the other WSDLs are still listed.`,
		Example: `  rivgate contract inspect ../shared/rivta/contracts/crm_scheduling_1.0.4
  rivgate contract inspect --json contracts/ | jq '.[].namespace'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			set, loadErr := contracts.LoadDir(dir)
			if set == nil {
				return cliutil.BadInput("%w", loadErr)
			}
			ops := set.Operations()
			out := cmd.OutOrStdout()
			if asJSON {
				rows := make([]operationJSON, 0, len(ops))
				for _, op := range ops {
					rows = append(rows, operationJSON{
						WSDL:        relPath(dir, op.WSDL),
						Interaction: op.Interaction,
						Operation:   op.Name,
						Namespace:   op.Namespace,
						Request:     op.Request,
						Response:    op.Response,
						Profile:     string(op.Profile),
						SOAPAction:  op.SOAPAction,
						Headers:     append([]contracts.QName{}, op.Headers...),
					})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rows); err != nil {
					return fmt.Errorf("write JSON: %w", err)
				}
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "WSDL\tOPERATION\tVERSION\tPROFILE\tNAMESPACE\tHEADERS")
				for _, op := range ops {
					var hs []string
					for _, h := range op.Headers {
						hs = append(hs, h.Local)
					}
					fmt.Fprintf(tw, "%s\t%s\t%d.%d\t%s\t%s\t%s\n", relPath(dir, op.WSDL), op.Name, op.Major, op.Minor,
						dash(string(op.Profile)), op.Namespace, dash(strings.Join(hs, ",")))
				}
				if err := tw.Flush(); err != nil {
					return fmt.Errorf("write table: %w", err)
				}
			}
			for _, w := range set.Warnings() {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
			}
			if loadErr != nil {
				errs := loadErrors(loadErr)
				var b strings.Builder
				fmt.Fprintf(&b, "%d WSDL file(s) in %s could not be loaded:", len(errs), dir)
				for _, e := range errs {
					b.WriteString("\n  " + e.Error())
				}
				return cliutil.BadInput("%s", b.String())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array, one object per operation, instead of a table")
	return cmd
}

func relPath(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
