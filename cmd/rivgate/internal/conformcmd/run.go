package conformcmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
)

func runCommand() *cobra.Command {
	var (
		suiteDir, out, listen, producer, via, riskPath string
		platformLog                                    string
		scenarios                                      []string
		maxBody                                        int64
		strictXSD                                      bool
		srv                                            cliutil.ServerTLSFlags
		cli                                            cliutil.ClientTLSFlags
	)
	cmd := &cobra.Command{
		Use:   "run --suite DIR --out DIR [--risk risk.yaml | --scenario ID...] [--listen ADDR --cert F --key F --client-ca F | --producer URL]",
		Short: "Run a suite against a consumer (default) or a producer (--producer)",
		Long: `Consumer mode (default): listen with mutual TLS, run the scenarios in order,
trigger the consumer where the suite says (command or HTTP call) or wait for
it, printing what is awaited; answer and check every request; write
OUT/results.json and OUT/exchanges/. Steps that need a person end as
"manual-pending" until 'rivgate conform judge' records a verdict. Each
scenario ends once the consumer has been quiet for the suite's settle time:
what it sends after a step's answer is judged in that scenario, and what
comes after the last scenario is a finding of the run. A receiver the
platform would refuse gets the platform's VP003/VP004 (suite
platform_faults); the contracts are served at ?wsdl and ?xsd=; response
files invalid against the contract are refused when the suite loads.

Producer mode (--producer URL): send each step's recorded request to the
producer with --producer-cert/--producer-key, validate the answers against the
contract's XSD and the step's response matchers, and diff them against the
recorded responses, ignoring the suite's volatile fields.

With --risk risk.yaml the risk plan selects the scenarios (as 'conform plan'
shows): the plan is printed before anything runs, written to OUT/plan.json,
the profile copied to OUT/risk.yaml, and results.json records what was
selected and what was not, with the reasons (the report's scope). Without it
every scenario runs, or the --scenario ones.

OUT must not hold an earlier run (results.json): a run never mixes its
exchanges with another's.

A contract pattern written ^...$ is read as anchored (a warning per contract
says so); --strict-xsd, or strict_xsd: true in suite.yaml, reads the XSD
literally. results.json records which.

Behind a gateway (--via-platform) with --platform-log FILE, the gateway's
JSON exchange log: the consumer's calls the gateway refused (VP003, VP004,
VP007 and the like) never reach the harness; the run follows the log and
makes each a finding of the scenario it falls in (never an abort), and
copies the lines used into OUT/platform-log.jsonl for the evidence bundle.

A run that cannot proceed because the consumer or its environment is
unreachable (a trigger that cannot start or connect, or fails before any
request; a trigger command that exits 0 with no request 2s later; no
connection within the suite's start_timeout; a --listen address that cannot
be bound) ends as aborted, with the reason in results.json.

Exit code 0 when nothing failed (manual verdicts may be pending), 1 when a
check failed or the run was aborted, 2 on bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			needs := runNeeds(suiteDir, out)
			if producer == "" {
				needs = append(needs, srv.Needs()...)
			}
			if err := cliutil.RequireFlags(needs...); err != nil {
				return err
			}
			suite, err := newRun(suiteDir, out)
			if err != nil {
				return err
			}
			suite.StrictXSD = suite.StrictXSD || strictXSD
			progress := cmd.ErrOrStderr()
			sel, err := planSelection(cmd.OutOrStdout(), suite, riskPath, scenarios, out)
			if err != nil {
				return err
			}
			var run *result.Run
			if producer != "" && platformLog != "" {
				return cliutil.BadInput("--platform-log is for consumer mode behind a gateway (--via-platform), not --producer")
			}
			if producer != "" {
				cfg, err := cli.Config()
				if err != nil {
					return err
				}
				run, err = harness.RunProducer(cmd.Context(), suite, harness.ProducerOptions{URL: producer, TLS: cfg, Out: out,
					Scenarios: scenarios, Selection: sel, Progress: progress})
				if err != nil {
					return err
				}
			} else {
				cfg, err := srv.Config()
				if err != nil {
					return err
				}
				if err := cliutil.CheckListen("--listen", listen); err != nil {
					return err
				}
				h, err := harness.New(suite, harness.Options{Listen: listen, TLS: cfg, Out: out, Scenarios: scenarios, Selection: sel,
					Progress: progress, ManualHint: JudgeHint, ViaPlatform: via, PlatformLog: platformLog, MaxBody: maxBody})
				if err != nil {
					return cliutil.BadInput("%w", err)
				}
				// A harness that cannot listen still reports: an aborted
				// run (the consumer cannot reach it), exit 1.
				_ = h.Start(cmd.Context())
				run, err = h.Run(cmd.Context())
				cerr := h.Close()
				if err != nil {
					return err
				}
				if cerr != nil {
					fmt.Fprintln(progress, "rivgate: close:", cerr)
				}
			}
			return summarise(cmd.OutOrStdout(), run, out)
		},
	}
	cmd.Flags().StringVar(&suiteDir, "suite", "", "suite directory (holding suite.yaml)")
	cmd.Flags().StringVar(&out, "out", "", "output directory for results.json and exchanges/")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8443", "consumer mode: address to listen on")
	cmd.Flags().StringSliceVar(&scenarios, "scenario", nil, "run only these scenario ids (repeatable)")
	cmd.Flags().StringVar(&riskPath, "risk", "", "risk profile (risk.yaml, docs/report.md): its plan selects the scenarios; copied to OUT/risk.yaml")
	cmd.Flags().StringVar(&producer, "producer", "", "producer mode: the producer's URL")
	cmd.Flags().Int64Var(&maxBody, "max-body", harness.DefaultMaxBody, "consumer mode: the largest request body (bytes) the harness reads, checks and records; a larger one is a RIV-SOAP-01 finding")
	cmd.Flags().BoolVar(&strictXSD, "strict-xsd", false, cliutil.StrictXSDFlag)
	cmd.Flags().StringVar(&via, "via-platform", "", "consumer mode behind a gateway: the gateway's HSA-id (its client certificate SERIALNUMBER); only its calls are accepted, attributed to the consumer in x-rivta-original-serviceconsumer-hsaid")
	cmd.Flags().StringVar(&platformLog, "platform-log", "", "with --via-platform: the gateway's JSON exchange log (the file its output goes to); calls it refused become findings")
	srv.Add(cmd, "consumer mode: the harness's server")
	cli.Add(cmd, "producer-", "the producer (producer mode)")
	return cmd
}

// planSelection applies --risk: the plan is printed, written to OUT with
// the profile, and returned as the run's selection (nil without --risk).
func planSelection(w io.Writer, suite *scenario.Suite, riskPath string, scenarios []string, out string) (*result.Selection, error) {
	if riskPath == "" {
		return nil, nil
	}
	if len(scenarios) > 0 {
		return nil, cliutil.BadInput("give --risk or --scenario, not both")
	}
	prof, err := risk.LoadProfile(riskPath, suite)
	if err != nil {
		return nil, cliutil.BadInput("%w", err)
	}
	var set *contracts.Set
	if dir, ok := suite.ContractsOSDir(); ok {
		set, _ = contracts.LoadDir(dir) // a partial set still resolves what it has
	}
	plan := risk.NewPlan(suite, prof, set)
	fmt.Fprint(w, plan.Summary())
	if len(plan.Selected()) == 0 {
		return nil, cliutil.BadInput("risk profile %s selects no scenario of suite %s: nothing to run", riskPath, suite.ID)
	}
	sum, err := plan.WriteRunFiles(out, riskPath)
	if err != nil {
		return nil, err
	}
	return plan.Selection(risk.ProfileFile, sum), nil
}

// summarise prints the outcome and returns the exit-code error.
func summarise(w io.Writer, run *result.Run, out string) error {
	s := run.Summary
	fmt.Fprintf(w, "%s: %s — scenarios %d pass, %d fail, %d manual pending, %d skip; checks %d pass, %d fail, %d skip (not verified), %d n/a; %d exchanges\n",
		run.Suite.ID, run.Status, s.Scenarios.Pass, s.Scenarios.Fail, s.Scenarios.ManualPending, s.Scenarios.Skip,
		s.Checks.Pass, s.Checks.Fail, s.Checks.Skip, s.Checks.NotApplicable, s.ExchangeCount)
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.Status == result.Fail {
					fmt.Fprintf(w, "  FAIL %s/%s %s [%s, impact %d]: %s\n", sc.ID, st.ID, c.ID, c.Requirement, c.Impact, c.Message)
				}
			}
			if st.Manual != nil && st.Manual.Verdict == "" {
				fmt.Fprintf(w, "  MANUAL %s/%s: %s\n", sc.ID, st.ID, st.Manual.Instruction)
			}
		}
	}
	for _, c := range run.Unexpected {
		fmt.Fprintf(w, "  FAIL unexpected %s: %s\n", c.Exchange, c.Message)
	}
	fmt.Fprintf(w, "results: %s\n", out+"/"+result.FileName)
	if run.Aborted != "" {
		return cliutil.Failures("run aborted: %s", run.Aborted)
	}
	if run.Status == result.Fail {
		return cliutil.Silent(cliutil.ExitFailures)
	}
	return nil
}
