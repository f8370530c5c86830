// Package recordcmd provides the `rivgate record` command: a recording
// proxy that writes what passes through it as a replayable suite.
package recordcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/author/record"
)

// New returns the `record` command.
func New() *cobra.Command {
	var (
		listen, upstream, out, contractsDir, suiteID, scenarioID string
		noScrub                                                  bool
		max                                                      int
		duration                                                 time.Duration
		srv                                                      cliutil.ServerTLSFlags
		up                                                       cliutil.ClientTLSFlags
	)
	cmd := &cobra.Command{
		Use:   "record --listen ADDR --upstream URL --out DIR --contracts DIR --cert F --key F [--upstream-cert F --upstream-key F --upstream-ca F]",
		Short: "Record exchanges through a recording proxy into a replayable scenario",
		Long: `Run a recording proxy: the consumer calls rivgate (mutual TLS), rivgate
forwards each call unchanged to --upstream (mutual TLS with --upstream-cert)
and returns the answer. When stopped (Ctrl-C, --max exchanges or --for
duration) it writes OUT/suite.yaml, OUT/scenarios/<id>.yaml with one step per
exchange, OUT/requests/, OUT/responses/ and byte-exact OUT/exchanges/, ready
for 'rivgate conform run --suite OUT'.

Personal data is scrubbed from everything written unless --no-scrub is given:
personnummer and samordningsnummer (12 or 10 digits, with or without - or +)
become consistent, valid-looking pseudonyms, and names in known elements
(givenName, familyName, ...) become Pseudonym1, Pseudonym2, ... The consumer
always sees the real, unchanged answers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cliutil.RequireFlags(append([]cliutil.Need{{Flag: "--upstream", Given: upstream != ""}, {Flag: "--out", Given: out != ""},
				{Flag: "--contracts", Given: contractsDir != "", For: "the contract directory the recorded suite will name"}}, srv.Needs()...)...); err != nil {
				return err
			}
			if err := cliutil.CheckListen("--listen", listen); err != nil {
				return err
			}
			scfg, err := srv.Config()
			if err != nil {
				return err
			}
			ucfg, err := up.Config()
			if err != nil {
				return err
			}
			rec, err := record.New(record.Options{Listen: listen, Upstream: upstream, ServerTLS: scfg, UpstreamTLS: ucfg, Out: out,
				Contracts: contractsDir, NoScrub: noScrub, SuiteID: suiteID, ScenarioID: scenarioID, Progress: cmd.ErrOrStderr()})
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			ctx := cmd.Context()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			if err := rec.Start(ctx); err != nil {
				return cliutil.BadInput("%w", err)
			}
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
		wait:
			for {
				select {
				case <-ctx.Done():
					break wait
				case <-tick.C:
					if max > 0 && rec.Count() >= max {
						break wait
					}
				}
			}
			if err := rec.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recorded %d exchange(s) into %s (scrubbed: %v); replay with: rivgate conform run --suite %s --out RUN-DIR ...\n",
				rec.Count(), out, !noScrub, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8443", "address consumers call")
	cmd.Flags().StringVar(&upstream, "upstream", "", "URL of the real platform or producer")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the suite skeleton into")
	cmd.Flags().StringVar(&contractsDir, "contracts", "", "contract directory the written suite.yaml names (absolute, or relative to --out)")
	cmd.Flags().StringVar(&suiteID, "suite-id", "recorded", "id of the written suite")
	cmd.Flags().StringVar(&scenarioID, "scenario-id", "REC-1", "id of the written scenario")
	cmd.Flags().BoolVar(&noScrub, "no-scrub", false, "keep personal data (only for synthetic test data)")
	cmd.Flags().IntVar(&max, "max", 0, "stop after this many exchanges (0: until interrupted)")
	cmd.Flags().DurationVar(&duration, "for", 0, "stop after this long (0: until interrupted)")
	srv.Add(cmd, "the proxy's server")
	up.Add(cmd, "upstream-", "the upstream")
	return cmd
}
