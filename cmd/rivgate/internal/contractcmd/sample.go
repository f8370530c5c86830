package contractcmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/sample"
)

func newSample() *cobra.Command {
	var dir, namespace, operation, profile, receiver string
	var response, rich, strict bool
	cmd := &cobra.Command{
		Use:   "sample --contracts DIR (--namespace NS | --operation NAME) [--response] [--rich]",
		Short: "Write a sample request envelope for an operation",
		Long: `Write a SOAP 1.1 request envelope for one operation of the contracts in DIR:
the receiver header of the RIV-TA profile (wsa:To for RIVTABP20,
LogicalAddress for RIVTABP21) and a body built from the contract's XSD with
every required element and attribute and plausible values that satisfy the
schema's facets. The body validates against the contract (rivgate contract
validate accepts it).

With --rich the message is realistic rather than the least valid one:
optional elements and attributes are filled too (down to a nesting depth,
never recursing), every element that may repeat appears twice, and repeated
records get different enumeration values. 'rivgate conform init' answers its
happy paths with rich responses.

Choose the operation by contract namespace, by operation name, or both when
a namespace has several operations or a name several versions.

A pattern the contract writes as ^...$ is read as anchored (the value holds
no ^ or $), with a warning on stderr; --strict-xsd reads it literally, as
XML Schema defines it, so the value then carries the two characters.`,
		Example: `  rivgate contract sample --contracts ../shared/rivta/contracts --operation GetCareDocumentation
  rivgate contract sample --contracts contracts/ --namespace urn:riv:crm:scheduling:MakeBookingResponder:1 --profile RIVTABP21 --receiver SE2321000016-1234`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cliutil.RequireFlags(cliutil.Need{Flag: "--contracts DIR", Given: dir != ""},
				cliutil.Need{Flag: "--namespace NS or --operation NAME", Given: namespace != "" || operation != ""}); err != nil {
				return err
			}
			opt := sample.Options{Rich: rich}
			if profile != "" {
				p, err := rivta.ParseProfile(profile)
				if err != nil {
					return cliutil.BadInput("--profile: %w", err)
				}
				opt.Profile = p
			}
			// Any receiver is written as given (escaped): tests of VP's
			// receiver checks need odd ones too.
			opt.Receiver = receiver
			set, err := loadSet(dir, strict, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			op, err := pickOperation(set, namespace, operation)
			if err != nil {
				return err
			}
			warnAnchors(cmd.ErrOrStderr(), set, op.Namespace)
			var out []byte
			if response {
				out, err = sample.Response(op, opt)
			} else {
				out, err = sample.Request(op, opt)
			}
			if err != nil {
				return cliutil.BadInput("%s: %w", op.WSDL, err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "contracts", "", "contract directory (WSDL and XSD files) (required)")
	f.StringVar(&namespace, "namespace", "", "contract namespace (the request element's namespace)")
	f.StringVar(&operation, "operation", "", "operation name, e.g. GetCareDocumentation")
	f.StringVar(&profile, "profile", "", "RIV-TA profile of the receiver header: RIVTABP20 or RIVTABP21 (default: the contract's)")
	f.StringVar(&receiver, "receiver", "", "logical address (HSA-id) of the receiver (default "+sample.DefaultReceiver+")")
	f.BoolVar(&response, "response", false, "write a sample response envelope instead of a request")
	f.BoolVar(&rich, "rich", false, "a realistic message: optional parts filled, two of everything that repeats")
	f.BoolVar(&strict, "strict-xsd", false, cliutil.StrictXSDFlag)
	return cmd
}

// pickOperation finds the operation by namespace and/or name. Several
// WSDLs for one namespace are resolved as Set.ByNamespace does; several
// namespaces for one name are an error that lists them.
func pickOperation(set *contracts.Set, namespace, name string) (contracts.Operation, error) {
	var cands []contracts.Operation
	if namespace != "" {
		cands = set.OperationsFor(namespace)
		if len(cands) == 0 {
			return contracts.Operation{}, cliutil.BadInput("no contract for namespace %q; the directory knows:\n  %s",
				namespace, strings.Join(set.Namespaces(), "\n  "))
		}
	} else {
		for _, ns := range set.Namespaces() {
			cands = append(cands, set.OperationsFor(ns)...)
		}
	}
	if name != "" {
		cands = slices.DeleteFunc(cands, func(op contracts.Operation) bool { return !strings.EqualFold(op.Name, name) })
		if len(cands) == 0 {
			var names []string
			for _, op := range set.Operations() {
				if namespace == "" || strings.EqualFold(op.Namespace, namespace) {
					names = append(names, op.Name)
				}
			}
			slices.Sort(names)
			return contracts.Operation{}, cliutil.BadInput("no operation %q; there are:\n  %s", name, strings.Join(slices.Compact(names), "\n  "))
		}
	}
	distinct := map[string]bool{}
	for _, op := range cands {
		distinct[op.Namespace+" "+op.Name] = true
	}
	if len(distinct) > 1 {
		var lines []string
		for k := range distinct {
			ns, op, _ := strings.Cut(k, " ")
			lines = append(lines, fmt.Sprintf("--namespace %s --operation %s", ns, op))
		}
		slices.Sort(lines)
		return contracts.Operation{}, cliutil.BadInput("more than one operation matches; choose with:\n  %s", strings.Join(lines, "\n  "))
	}
	return cands[0], nil
}
