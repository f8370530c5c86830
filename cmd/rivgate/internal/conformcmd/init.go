package conformcmd

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/author/initsuite"
)

// initCommand returns `conform init`.
func initCommand() *cobra.Command {
	var (
		opt     initsuite.Options
		trigger string
	)
	cmd := &cobra.Command{
		Use:   "init --contracts DIR --operation OP [--operation OP...] --receiver HSA-ID --consumer HSA-ID [--trigger 'COMMAND ...'] -o SUITE_DIR",
		Short: "Write a ready consumer suite from a service contract alone",
		Long: `Write a consumer suite for the operations of the service contract in DIR,
ready to load and run, from the contract alone. For each operation:

  01 happy path        answered with a rich sample response (every optional
                       element filled, two of each repeating one, values
                       that satisfy the schema) in responses/OP-full.xml
  02 least answer      only what the schema requires ("nothing found"), when
                       the schema allows an answer smaller than the full one
  03 producer fault    a SOAP fault, then a normal answer
  04 platform faults   VP004, VP007, VP009, and VP009 after a producer
                       timeout, then a normal answer
  05 slow, no answer   a slow answer, then none (the consumer must give up
                       within defaults.consumer_timeout)
  06 connections       reset, empty reply, malformed XML, truncated body,
                       wrong content type, then a normal answer

Every fault is followed by a manual step where a person judges that the
consumer showed an understandable error and kept the user's context (the
patient). Requirements (with impact), likelihoods, tags and functions are
filled with defaults; comments in the YAML say what to change. With
--trigger the command runs before every step that awaits a call (it is
split like a shell would, without expansion; the harness sets RIVGATE_URL,
RIVGATE_SCENARIO and RIVGATE_STEP); without it the harness waits for the
consumer's calls.

OP is an operation name; where DIR holds several versions of it, init exits
2 listing them: give --operation NAME:VERSION (major, or major.minor). A
directory that is not a RIV-TA service contract (no operation with a RIV-TA
receiver header and a urn:riv:...Responder:N namespace, such as the TAK's
own WSDLs) is refused. SUITE_DIR must be new or empty. The written suite is
loaded back before init reports success; answers that do not validate
against the contract are warned about.

See docs/conformance-suites.md ("Your first suite on your own contract").`,
		Example: `  rivgate conform init --contracts ../shared/rivta/contracts/clinicalprocess_logistics_logistics_2.0.1 \
      --operation GetCareContacts --receiver SE2321000016-1234 --consumer SE2321000016-ABCD -o my-suite
  rivgate conform init --contracts contracts/ --operation GetLogicalAddresseesByServiceContract:2 \
      --receiver SE2321000016-1234 --consumer SE2321000016-ABCD --trigger './consumer fetch 191212121212' -o suite`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			inspect := "rivgate contract inspect " + cmp.Or(opt.Contracts, "DIR")
			if err := cliutil.RequireFlags(cliutil.Need{Flag: "--contracts DIR", Given: opt.Contracts != ""},
				cliutil.Need{Flag: "--operation NAME", Given: len(opt.Operations) > 0, For: "the operation(s) to cover (see " + inspect + ")"},
				cliutil.Need{Flag: "--receiver HSA-ID", Given: opt.Receiver != ""}, cliutil.Need{Flag: "--consumer HSA-ID", Given: opt.Consumer != ""},
				cliutil.Need{Flag: "-o SUITE_DIR", Given: opt.Out != ""}); err != nil {
				return err
			}
			if trigger != "" {
				argv, err := shlex.Split(trigger)
				if err != nil || len(argv) == 0 {
					return cliutil.BadInput("--trigger %q: want a command and its arguments (%v)", trigger, err)
				}
				opt.Trigger = argv
			}
			res, err := initsuite.Write(opt)
			var ambiguous *initsuite.AmbiguousError
			switch {
			case errors.As(err, &ambiguous):
				return cliutil.BadInput("%w\n(for example --operation %s)", err, strings.Fields(ambiguous.Choices[0])[0])
			case err != nil:
				return cliutil.BadInput("%w", err)
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			out := cmd.OutOrStdout()
			var ops []string
			for _, op := range res.Operations {
				ops = append(ops, fmt.Sprintf("%s %d.%d (%s)", op.Name, op.Major, op.Minor, op.Profile))
			}
			fmt.Fprintf(out, "wrote suite %s in %s: %d scenario(s) for %s, %d files\n", res.Suite.ID, res.Dir, len(res.Suite.Scenarios), strings.Join(ops, ", "), len(res.Files))
			fmt.Fprintf(out, "next: read the comments in %s/suite.yaml, then\n  rivgate conform run --suite %s --out RUN-DIR --cert SERVER.pem --key SERVER.key --client-ca CA.pem\n", res.Dir, res.Dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Contracts, "contracts", "", "contract directory (WSDL and XSD files) (required)")
	f.StringArrayVar(&opt.Operations, "operation", nil, "operation to cover: NAME or NAME:VERSION (repeatable; at least one)")
	f.StringVar(&opt.Receiver, "receiver", "", "logical address (HSA-id) the consumer calls (required)")
	f.StringVar(&opt.Consumer, "consumer", "", "HSA-id in the consumer's client certificate SERIALNUMBER (required)")
	f.StringVar(&trigger, "trigger", "", "command that makes the consumer send one request, run before every step that awaits a call")
	f.StringVarP(&opt.Out, "out", "o", "", "suite directory to write: new or empty (required)")
	return cmd
}
