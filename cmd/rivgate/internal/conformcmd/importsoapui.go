package conformcmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/author/soapui"
)

// newImportSoapUICommand returns `conform import-soapui`.
func newImportSoapUICommand() *cobra.Command {
	var out, contracts, consumer string
	cmd := &cobra.Command{
		Use:   "import-soapui PATH -o SUITE_DIR [--contracts DIR]",
		Short: "Import an Inera TK test suite (SoapUI projects, data.xml, constraints.xml) as rivgate suites",
		Long: `Import Inera's published test suite for a service contract ("TK-testsvit"):
PATH is a test-suite folder of a domain's ServiceContracts zip (one
contract's folder, or test-suite/ itself holding several), or one
*-soapui-project.xml. A test project becomes a producer-mode suite (every
test case a scenario, its request expanded with the test case's data.xml
values, every assertion a check; constraints.xml evaluated as Schematron);
a Mock project becomes a suite for 'conform serve'. With several projects,
each gets a sub-directory of SUITE_DIR.

SUITE_DIR/import.json accounts for every test case and every assertion:
translated (into which check), or not translated and why. Groovy that is
not one of Inera's common forms becomes a manual step. See
docs/inera-tk-suites.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return cliutil.BadInput("give the output directory with -o")
			}
			rep, err := soapui.Import(soapui.Options{Path: args[0], Out: out, Contracts: contracts, ConsumerHSAID: consumer})
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			rep.Summary(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory (the suite, or one sub-directory per project)")
	cmd.Flags().StringVar(&contracts, "contracts", "", "contract directory (WSDL+XSD); default: the schemas folder beside test-suite")
	cmd.Flags().StringVar(&consumer, "consumer-hsa-id", soapui.DefaultConsumerHSAID, "HSA-id written as the suites' consumer (a Mock suite's consumer is the system under test)")
	return cmd
}
