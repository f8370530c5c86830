package conformcmd

import (
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/run/harness"
)

func serveCommand() *cobra.Command {
	var (
		suiteDir, out, listen string
		maxBody               int64
		strictXSD             bool
		srv                   cliutil.ServerTLSFlags
	)
	cmd := &cobra.Command{
		Use:   "serve --suite DIR --out DIR --cert F --key F [--client-ca F] [--listen ADDR]",
		Short: "Run as a long-running mock platform answering from the suite's steps",
		Long: `Serve the suite as a mock platform until interrupted (Ctrl-C): each request
gets the answer of a step whose expectation (contract, operation, receiver)
it meets, in suite order: the first whose matchers all pass, else the first,
whose failed matchers are then findings; a request the platform would refuse
for its receiver gets the platform's VP003/VP004 (suite platform_faults);
one that meets no step is unexpected. Every request is checked and recorded,
and OUT/results.json is rewritten after each one. The contracts are served
at ?wsdl and ?xsd=. Useful while developing a consumer; certification runs
use 'conform run'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cliutil.RequireFlags(append(runNeeds(suiteDir, out), srv.Needs()...)...); err != nil {
				return err
			}
			if err := cliutil.CheckListen("--listen", listen); err != nil {
				return err
			}
			suite, err := newRun(suiteDir, out)
			if err != nil {
				return err
			}
			suite.StrictXSD = suite.StrictXSD || strictXSD
			cfg, err := srv.Config()
			if err != nil {
				return err
			}
			h, err := harness.New(suite, harness.Options{Listen: listen, TLS: cfg, Out: out, Progress: cmd.ErrOrStderr(), MaxBody: maxBody})
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			if err := h.Start(cmd.Context()); err != nil {
				return cliutil.BadInput("%w", err)
			}
			run, err := h.Serve(cmd.Context())
			_ = h.Close()
			if err != nil {
				return err
			}
			return summarise(cmd.OutOrStdout(), run, out)
		},
	}
	cmd.Flags().StringVar(&suiteDir, "suite", "", "suite directory (holding suite.yaml)")
	cmd.Flags().StringVar(&out, "out", "", "output directory for results.json and exchanges/")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8443", "address to listen on")
	cmd.Flags().Int64Var(&maxBody, "max-body", harness.DefaultMaxBody, "the largest request body (bytes) read, checked and recorded; a larger one is a RIV-SOAP-01 finding")
	cmd.Flags().BoolVar(&strictXSD, "strict-xsd", false, cliutil.StrictXSDFlag)
	srv.Add(cmd, "the mock platform's server")
	return cmd
}
