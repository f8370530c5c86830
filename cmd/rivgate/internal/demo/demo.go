// Package demo provides `rivgate demo`: the whole product on loopback in one
// command. It makes a test PKI, starts the gateway (TAK written at run time),
// a real demo producer and the conformance harness playing the producer
// behind the gateway, drives a well-behaved in-process consumer through the
// fixture suite (every fault type), and writes the report, its renderings
// and a signed evidence bundle. With --keep-running the gateway and the
// producer stay up and the demo prints curl commands to call them.
//
// cmd is where the two halves meet: this package imports both gateway and
// conformance, which never import each other.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/fixtures"
)

// Options configure a demo run.
type Options struct {
	// Out is the output directory; it must not exist or be empty. Empty:
	// BaseDir/rivgate-demo-<timestamp>, made with a suffix if taken.
	Out string
	// BaseDir is where the default output directory goes ("" = ".").
	BaseDir string
	// KeepRunning leaves gateway and producer up after the run, prints
	// the curl tour and returns when ctx ends.
	KeepRunning bool
	// Scenarios limits the conformance run to these scenario ids.
	Scenarios []string
	// Lang of the report's headings and labels: sv (default) or en.
	Lang string
	// Verbose shows every harness progress line, not only the scenarios.
	Verbose bool
	// Stdout receives progress, the summary and the tour.
	Stdout io.Writer
	// Ready is called once the tour is printed (KeepRunning only); tests
	// use it instead of parsing the output.
	Ready func(Tour)
	// Workbench serves the certifier's workbench on loopback after the run
	// (over the directory holding Out) until ctx ends.
	Workbench bool
	// WorkbenchReady is called with the run's workbench page once it is
	// served (Workbench only).
	WorkbenchReady func(url string)
}

// Result is what a run produced.
type Result struct {
	Dir string
	// Files are the output files written (report.json ... evidence.zip).
	Files []string
	// Missing names each expected output that could not be written, and why.
	Missing map[string]string
	Report  *report.Report
	// Verified is the evidence bundle's self-check ("" when not run).
	Verified string
	Elapsed  time.Duration
}

// The files every run writes into its directory.
var outputFiles = []string{report.JSONFile, report.HTMLFile, report.JUnitFile, report.PDFFile, "evidence.zip"}

// OutputFiles lists the files a successful run writes.
func OutputFiles() []string { return slices.Clone(outputFiles) }

// New returns the `demo` command.
func New() *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "demo [-o DIR] [--keep-running] [--workbench]",
		Short: "Run gateway, producers, consumer and a conformance suite on loopback",
		Long: `Run the whole product on loopback with no configuration: a test PKI, the
gateway (its TAK catalogue written at run time), a demo producer, the
conformance harness playing the producer SE2321000016-CLIN behind the
gateway, and a well-behaved consumer (in-process) that goes through the
fixture suite demo-clinic: the happy path, a producer fault, every VP fault
VP002-VP015, a slow and a silent producer, broken connections.

Writes into DIR (default ./rivgate-demo-<timestamp>): results.json and
exchanges/ (every request and answer, byte-exact), report.json, report.html,
junit.xml, report.pdf, evidence.zip (signed with a key made for the run;
its public half is evidence-signer.pub), gateway.log (one JSON line per
exchange) and harness.log. Prints progress, a summary with the findings by
risk and the decision proposal, and the paths. The suite's one manual step
is left for a person to judge: the demo does not judge it for you.

With --keep-running the gateway and the demo producer stay up after the
run; the demo writes the consumer's certificate and sample requests into
DIR and prints curl commands that call the gateway (a happy answer, VP
faults); Ctrl-C or SIGTERM stops it.

With --workbench the demo ends by serving the certifier's workbench (see
'rivgate conform workbench') on 127.0.0.1 over the directory holding DIR,
and prints the run's page: judge the manual step, declare, decide and sign
the bundle (with the run's key) in a browser; Ctrl-C or SIGTERM stops it.

Every listener is on 127.0.0.1 with a port chosen at run time, so runs in
parallel do not collide. Exit code 0 when the demo ran and wrote its files.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Lang != report.LangSV && o.Lang != report.LangEN {
				return cliutil.BadInput("--lang %q: want sv or en", o.Lang)
			}
			o.Stdout = cmd.OutOrStdout()
			res, err := Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if len(res.Missing) > 0 {
				var names []string
				for _, f := range outputFiles {
					if why, ok := res.Missing[f]; ok {
						names = append(names, f+" ("+why+")")
					}
				}
				return cliutil.Failures("the demo ran but could not write %s", strings.Join(names, "; "))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "directory for report and evidence; must not exist or be empty (default ./rivgate-demo-<timestamp>)")
	cmd.Flags().BoolVar(&o.KeepRunning, "keep-running", false, "leave gateway and producer up after the run and print curl commands; stop with Ctrl-C")
	cmd.Flags().BoolVar(&o.Workbench, "workbench", false, "after the run, serve the certifier's workbench on loopback over the output and print its URL; stop with Ctrl-C")
	cmd.Flags().StringSliceVar(&o.Scenarios, "scenario", nil, "run only these scenarios of the demo suite (e.g. S01,S04); default all")
	cmd.Flags().StringVar(&o.Lang, "lang", report.LangSV, "language of the report's headings and labels: sv or en")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show every harness progress line (always written to DIR/harness.log)")
	return cmd
}

// makeOutDir creates the output directory: o.Out (absent or empty), or a
// new BaseDir/rivgate-demo-<timestamp>[-N]. os.Mkdir is the lock that keeps
// parallel runs apart.
func makeOutDir(o Options, now time.Time) (string, error) {
	if o.Out != "" {
		entries, err := os.ReadDir(o.Out)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if err := os.MkdirAll(o.Out, 0o755); err != nil {
				return "", fmt.Errorf("output directory: %w", err)
			}
		case err != nil:
			return "", cliutil.BadInput("output directory %s: %w", o.Out, err)
		case len(entries) > 0:
			return "", cliutil.BadInput("output directory %s is not empty: give a new one with -o, or none for ./rivgate-demo-<timestamp>", o.Out)
		}
		return filepath.Abs(o.Out)
	}
	base := o.BaseDir
	if base == "" {
		base = "."
	}
	name := "rivgate-demo-" + now.Format("20060102-150405")
	for i := 1; i <= 100; i++ {
		p := filepath.Join(base, name)
		if i > 1 {
			p = fmt.Sprintf("%s-%d", p, i)
		}
		err := os.Mkdir(p, 0o755)
		if err == nil {
			return filepath.Abs(p)
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("output directory: %w", err)
		}
	}
	return "", fmt.Errorf("output directory: %s-2..100 all exist in %s", name, base)
}

// Run runs the demo. It returns when the run's files are written, or, with
// KeepRunning, when ctx ends. Everything it started is stopped before it
// returns.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Lang == "" {
		o.Lang = report.LangSV
	}
	if err := checkScenarios(o.Scenarios); err != nil {
		return nil, err
	}
	start := time.Now()
	out := newPrinter(o.Stdout, start)
	dir, err := makeOutDir(o, start)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: dir, Missing: map[string]string{}}
	out.linef("rivgate demo: gateway, producers, consumer and a conformance run on loopback; output in %s", dir)

	env, err := startEnv(ctx, dir, o, out)
	if env != nil {
		defer env.close()
	}
	if err != nil {
		return res, err
	}
	if err := env.runSuite(ctx); err != nil {
		return res, err
	}
	if !o.KeepRunning {
		env.stopServers()
	}
	env.writeOutputs(res)
	res.Elapsed = time.Since(start)
	printSummary(out, env, res)
	if !o.KeepRunning && !o.Workbench {
		return res, nil
	}
	if o.KeepRunning {
		tour, err := env.keepRunning(ctx)
		if err != nil {
			return res, err
		}
		printTour(out, tour)
		if o.Ready != nil {
			o.Ready(tour)
		}
	}
	var served <-chan error
	if o.Workbench {
		page, done, err := env.startWorkbench(ctx)
		if err != nil {
			return res, err
		}
		served = done
		out.textf("\nThe certifier's workbench: open %s to judge the manual step, declare, decide and bundle in a browser (Ctrl-C stops).\n", page)
		if o.WorkbenchReady != nil {
			o.WorkbenchReady(page)
		}
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return res, fmt.Errorf("workbench: %w", err)
	}
	if o.KeepRunning {
		out.linef("stopping: gateway and demo producer shut down")
	}
	if served != nil {
		if err := <-served; err != nil {
			return res, fmt.Errorf("workbench: %w", err)
		}
		out.linef("stopping: workbench shut down")
	}
	return res, nil
}

// checkScenarios refuses scenario ids the demo suite does not have, before
// anything is started or written.
func checkScenarios(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	suite, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		return fmt.Errorf("demo suite: %w", err)
	}
	var have []string
	for _, sc := range suite.Scenarios {
		have = append(have, sc.ID)
	}
	for _, id := range ids {
		if !slices.Contains(have, id) {
			return cliutil.BadInput("--scenario %s: the demo suite has %s", id, strings.Join(have, ", "))
		}
	}
	return nil
}

// decisionLine is "Godkänd ... (Approved ...)" for the decision in force.
func decisionLine(d decision.Decision) string {
	return fmt.Sprintf("%s (%s)", d.LabelSV, d.LabelEN)
}
