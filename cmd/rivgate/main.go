// Command rivgate is a RIV-TA SOAP gateway (routing like the Swedish national
// service platform, VP) and a conformance harness for service consumers.
//
// main only wires the command groups; each lives in its own package under
// cmd/rivgate/internal (conformcmd for `rivgate conform ...`, recordcmd for
// `rivgate record`, and so on).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/conformcmd"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/contractcmd"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/demo"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/gatewaycmd"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/pkicmd"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/recordcmd"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/takcmd"
	"github.com/rivgate/rivgate/internal/buildinfo"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int { return runWith(args, os.Stdin, os.Stdout, os.Stderr) }

// runWith runs the command line args with the given standard streams and
// returns the exit code.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := &cobra.Command{
		Use:   "rivgate",
		Short: "RIV-TA SOAP gateway and consumer conformance harness",
		Long: `rivgate routes RIV-TA SOAP calls between service consumers and producers the
way the Swedish national service platform (VP) does, driven by a routing and
authorisation catalogue (TAK), and tests service consumers for conformance:
it plays platform and producers, checks every request against the contract
and the RIV-TA rules, injects faults and writes a risk-based test report with
a signed evidence bundle.

Exit codes: 0 success; 1 the run worked and found failures; 2 bad usage or
bad input (a command without flags it needs names all of them at once).`,
		Version:       buildinfo.Get().Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate(buildinfo.Get().String() + "\n")
	root.AddCommand(
		demo.New(),
		gatewaycmd.New(),
		takcmd.New(),
		contractcmd.New(),
		conformcmd.New(),
		recordcmd.New(),
		pkicmd.New(),
		versionCommand(),
	)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if msg := messageFor(err); msg != "" {
		fmt.Fprintln(stderr, "rivgate:", msg)
	}
	return cliutil.Code(err)
}

func messageFor(err error) string {
	if err == nil {
		return ""
	}
	return cliutil.Message(err)
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), buildinfo.Get().String())
			return nil
		},
	}
}
