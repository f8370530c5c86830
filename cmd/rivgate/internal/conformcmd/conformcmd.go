// Package conformcmd provides the `rivgate conform` command (run, serve,
// judge: every person's verdict, on manual steps and document-review items;
// review is its other name) and `rivgate record`. The report, decision and evidence
// subcommands are added to `conform` by cmd/rivgate/internal/reportcmd.
package conformcmd

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/confcli"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
)

// New returns the `conform` command with its run, serve and judge
// subcommands.
func New() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conform",
		Short: "Conformance harness: play the platform in front of a consumer, or drive a producer",
		Long: `The conformance harness. In consumer mode rivgate plays the national service
platform and the producers in front of the consumer under test: it runs the
suite's scenarios in order, answers each request as the step says (recorded
response, producer SOAP fault, VP fault, delay, no answer, broken connection),
checks every request against the contract and the RIV-TA rules, records every
exchange byte-exact and writes results.json. In producer mode it sends the
suite's recorded requests to a producer and checks the answers.

Suites are described in docs/conformance-suites.md.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(runCommand(), serveCommand(), judgeCommand())
	return cmd
}

// tlsFlags are the server-side TLS files of consumer mode and record.
type tlsFlags struct {
	cert, key, clientCA string
}

func (f *tlsFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.cert, "cert", "", what+" TLS certificate (PEM; chain allowed)")
	cmd.Flags().StringVar(&f.key, "key", "", "private key for --cert (PEM)")
	cmd.Flags().StringVar(&f.clientCA, "client-ca", "", "CA certificate(s) (PEM) that consumer client certificates must chain to; without it any client certificate is accepted and only the checks judge it")
}

func (f *tlsFlags) server() (*tls.Config, error) {
	if f.cert == "" || f.key == "" {
		return nil, cliutil.BadInput("--cert and --key are required (e.g. from `rivgate pki issue --server`)")
	}
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, cliutil.BadInput("--cert %s / --key %s: %v", f.cert, f.key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if f.clientCA != "" {
		pool, err := loadPool(f.clientCA, "--client-ca")
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// clientFlags are the client-side TLS files (producer mode, record upstream).
type clientFlags struct {
	cert, key, ca string
	prefix        string
}

func (f *clientFlags) add(cmd *cobra.Command, prefix, what string) {
	f.prefix = prefix
	cmd.Flags().StringVar(&f.cert, prefix+"cert", "", "client certificate towards "+what+" (PEM; SERIALNUMBER = your HSA-id)")
	cmd.Flags().StringVar(&f.key, prefix+"key", "", "private key for --"+prefix+"cert")
	cmd.Flags().StringVar(&f.ca, prefix+"ca", "", "CA certificate(s) (PEM) to verify "+what+"; default: the system roots")
}

func (f *clientFlags) client() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.cert != "" || f.key != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, cliutil.BadInput("--%scert %s / --%skey %s: %v", f.prefix, f.cert, f.prefix, f.key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if f.ca != "" {
		pool, err := loadPool(f.ca, "--"+f.prefix+"ca")
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func loadPool(path, flag string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, cliutil.BadInput("%s: %v", flag, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, cliutil.BadInput("%s %s: no PEM certificate found", flag, path)
	}
	return pool, nil
}

func loadSuite(dir string) (*scenario.Suite, error) {
	if dir == "" {
		return nil, cliutil.BadInput("--suite is required")
	}
	s, err := scenario.LoadDir(dir)
	if err != nil {
		return nil, cliutil.BadInput("%w", err)
	}
	return s, nil
}

func runCommand() *cobra.Command {
	var (
		suiteDir, out, listen, producer, via, riskPath string
		scenarios                                      []string
		maxBody                                        int64
		srv                                            tlsFlags
		cli                                            clientFlags
	)
	cmd := &cobra.Command{
		Use:   "run --suite DIR --out DIR [--risk risk.yaml | --scenario ID...] [--listen ADDR --cert F --key F --client-ca F | --producer URL]",
		Short: "Run a suite against a consumer (default) or a producer (--producer)",
		Long: `Consumer mode (default): listen with mutual TLS, run the scenarios in order,
trigger the consumer where the suite says (command or HTTP call) or wait for
it, printing what is awaited; answer and check every request; write
OUT/results.json and OUT/exchanges/. Steps that need a person end as
"manual-pending" until 'rivgate conform judge' records a verdict.

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

A run that cannot proceed because the consumer or its environment is
unreachable (a trigger that cannot start or connect, or fails before any
request; no connection within the suite's start_timeout; a --listen address
that cannot be bound) ends as aborted, with the reason in results.json.

Exit code 0 when nothing failed (manual verdicts may be pending), 1 when a
check failed or the run was aborted, 2 on bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			suite, err := newRun(suiteDir, out)
			if err != nil {
				return err
			}
			progress := cmd.ErrOrStderr()
			sel, err := planSelection(cmd.OutOrStdout(), suite, riskPath, scenarios, out)
			if err != nil {
				return err
			}
			var run *result.Run
			if producer != "" {
				cfg, err := cli.client()
				if err != nil {
					return err
				}
				run, err = harness.RunProducer(cmd.Context(), suite, harness.ProducerOptions{URL: producer, TLS: cfg, Out: out,
					Scenarios: scenarios, Selection: sel, Progress: progress})
				if err != nil {
					return err
				}
			} else {
				cfg, err := srv.server()
				if err != nil {
					return err
				}
				if _, _, err := net.SplitHostPort(listen); err != nil {
					return cliutil.BadInput("--listen %q: %v", listen, err)
				}
				h, err := harness.New(suite, harness.Options{Listen: listen, TLS: cfg, Out: out, Scenarios: scenarios, Selection: sel,
					Progress: progress, ViaPlatform: via, MaxBody: maxBody})
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
	cmd.Flags().StringVar(&via, "via-platform", "", "consumer mode behind a gateway: the gateway's HSA-id (its client certificate SERIALNUMBER); its calls are attributed to the consumer in x-rivta-original-serviceconsumer-hsaid")
	srv.add(cmd, "consumer mode: the harness's server")
	cli.add(cmd, "producer-", "the producer (producer mode)")
	return cmd
}

// newRun loads --suite for a new run into --out, which is required and
// must not hold a run already.
func newRun(suiteDir, out string) (*scenario.Suite, error) {
	suite, err := loadSuite(suiteDir)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, cliutil.BadInput("--out is required")
	}
	if _, err := os.Stat(filepath.Join(out, result.FileName)); err == nil {
		return nil, cliutil.BadInput("--out %s already holds a run (%s): use a new directory, so no run mixes its exchanges with another's", out, result.FileName)
	}
	return suite, nil
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

func serveCommand() *cobra.Command {
	var (
		suiteDir, out, listen string
		maxBody               int64
		srv                   tlsFlags
	)
	cmd := &cobra.Command{
		Use:   "serve --suite DIR --out DIR --cert F --key F [--client-ca F] [--listen ADDR]",
		Short: "Run as a long-running mock platform answering from the suite's steps",
		Long: `Serve the suite as a mock platform until interrupted (Ctrl-C): each request
gets the answer of the first step, in suite order, whose expectation and
matchers it meets; every request is checked and recorded, and
OUT/results.json is rewritten after each one. Useful while developing a
consumer; certification runs use 'conform run'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			suite, err := newRun(suiteDir, out)
			if err != nil {
				return err
			}
			cfg, err := srv.server()
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
	srv.add(cmd, "the mock platform's server")
	return cmd
}

func judgeCommand() *cobra.Command {
	var out, suiteDir, scenarioID, stepID, item, verdict, note, by string
	var attach []string
	cmd := &cobra.Command{
		Use:     "judge --out DIR (--scenario ID [--step ID] | --item ID) --verdict pass|fail --note TEXT [--attach FILE]... [--by NAME]",
		Aliases: []string{"review"},
		Short:   "Record a person's verdict: on a manual step (--scenario) or a document-review item (--item)",
		Long: `Record a person's verdict, the note, who (--by, default the current user) and
when. One command for every verdict a person gives:

  --scenario ID [--step ID]  a manual step of a run (manual: ... in the suite).
                             Without --step the scenario's only pending manual
                             step is judged. results.json is rewritten
                             atomically and the statuses recomputed.
  --item ID                  a document-review item of a certification appendix
                             (the suite's activities.yaml: what the supplier
                             must show). The verdict is appended to
                             OUT/assessment.json; the latest per item counts.

Attached files (screenshots, documents) are copied into OUT/attachments/ and
go into the evidence bundle with their SHA-256. 'conform review' is another
name for this command (kept for scripts written for it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case out == "" || verdict == "":
				return cliutil.BadInput("--out and --verdict are required")
			case scenarioID != "" && item != "":
				return cliutil.BadInput("give --scenario (a manual step) or --item (a document-review item), not both")
			case scenarioID == "" && item == "":
				return cliutil.BadInput("--scenario (a manual step) or --item (a document-review item) is required")
			case stepID != "" && item != "":
				return cliutil.BadInput("--step goes with --scenario")
			case note == "":
				return cliutil.BadInput("--note is required: say what you saw")
			}
			if by == "" {
				by = confcli.CurrentUser()
			}
			if item != "" {
				return judgeItem(cmd.OutOrStdout(), out, suiteDir, item, verdict, note, by, attach)
			}
			return judgeStep(cmd.OutOrStdout(), out, scenarioID, stepID, verdict, note, by, attach)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the run's output directory (holding results.json)")
	cmd.Flags().StringVar(&scenarioID, "scenario", "", "scenario id of the manual step")
	cmd.Flags().StringVar(&stepID, "step", "", "step id (default: the scenario's only pending manual step)")
	cmd.Flags().StringVar(&item, "item", "", "document-review item id from the suite's activities.yaml")
	cmd.Flags().StringVar(&suiteDir, "suite", "", "with --item: suite directory (default: the one results.json names)")
	cmd.Flags().StringVar(&verdict, "verdict", "", "pass or fail")
	cmd.Flags().StringVar(&note, "note", "", "what was observed or reviewed, and what was found")
	cmd.Flags().StringVar(&by, "by", "", "who judges (default: the current user)")
	cmd.Flags().StringVar(&by, "judge", "", "same as --by")
	_ = cmd.Flags().MarkHidden("judge")
	cmd.Flags().StringArrayVar(&attach, "attach", nil, "file to attach (repeatable)")
	return cmd
}

// judgeStep records a verdict on a manual step in results.json.
func judgeStep(w io.Writer, out, scenarioID, stepID, verdict, note, by string, files []string) error {
	run, err := result.Read(out)
	if err != nil {
		return cliutil.BadInput("%w", err)
	}
	st, err := run.Judge(scenarioID, stepID, verdict, note, by, time.Now())
	if err != nil {
		return cliutil.BadInput("%w", err)
	}
	// Copied only once the verdict is valid, so a refused one leaves nothing.
	att, err := assess.Attach(out, "manual-"+scenarioID+"-"+st.ID, files)
	if err != nil {
		return cliutil.BadInput("%w", err)
	}
	st.Manual.Attachments = append(st.Manual.Attachments, att...)
	if err := result.Write(out, run); err != nil {
		return err
	}
	for _, sc := range run.Scenarios {
		if sc.ID == scenarioID {
			fmt.Fprintf(w, "%s/%s: %s by %s (%d attachment(s); scenario %s, run %s)\n", scenarioID, st.ID, verdict, by, len(att), sc.Status, run.Status)
		}
	}
	return nil
}

// judgeItem records a verdict on a document-review item in assessment.json.
func judgeItem(w io.Writer, out, suiteDir, item, verdict, note, by string, files []string) error {
	suite, err := confcli.SuiteFor(suiteDir, out)
	if err != nil {
		return err
	}
	acts, err := assess.SuiteActivities(suite)
	if err != nil {
		return cliutil.BadInput("%w", err)
	}
	rec, err := assess.ReadRecord(out)
	if err != nil {
		return cliutil.BadInput("%w", err)
	}
	rv, err := rec.AddReview(out, acts, item, verdict, note, by, files, time.Now())
	if err != nil {
		return cliutil.BadInput("%w", err)
	}
	if err := assess.WriteRecord(out, rec); err != nil {
		return err
	}
	fmt.Fprintf(w, "review %s: %s by %s (%d attachment(s))\n", rv.Item, rv.Verdict, rv.By, len(rv.Attachments))
	return nil
}
