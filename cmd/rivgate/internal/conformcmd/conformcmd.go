// Package conformcmd provides the `rivgate conform` command group, one file
// per subcommand: run and serve (the harness), judge (every person's
// verdict, on manual steps and document-review items; review is its other
// name), plan (risk-based selection), declare (the supplier's declaration),
// decide (a certifier's override), report (report.json, report.html,
// junit.xml, report.pdf), keygen, bundle and verify (the signed evidence
// bundle), diff (re-certification runs compared) and workbench (all of
// the person's part in a browser).
package conformcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// New returns the `conform` command with all its subcommands.
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
	cmd.AddCommand(runCommand(), serveCommand(), judgeCommand(), planCommand(), declareCommand(), decideCommand(),
		reportCommand(), keygenCommand(), bundleCommand(), verifyCommand(), diffCommand())
	cmd.AddCommand(deviationCommand(), workbenchCommand())
	cmd.AddCommand(newImportSoapUICommand())
	cmd.AddCommand(initCommand())
	return cmd
}

// loadSuite loads --suite, which is required. Its errors are bad input.
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

// runNeeds are the flags every new run needs: --suite and --out.
func runNeeds(suiteDir, out string) []cliutil.Need {
	return []cliutil.Need{{Flag: "--suite", Given: suiteDir != ""}, {Flag: "--out", Given: out != ""}}
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

// suiteFor loads --suite, or the suite results.json in out names. Its
// errors are bad input (exit 2).
func suiteFor(suiteDir, out string) (*scenario.Suite, error) {
	if suiteDir == "" {
		run, err := result.Read(out)
		if err != nil {
			return nil, cliutil.BadInput("--suite not given and %v", err)
		}
		suiteDir = run.Suite.Dir
	}
	s, err := scenario.LoadDir(suiteDir)
	if err != nil {
		return nil, cliutil.BadInput("%w (pass --suite)", err)
	}
	return s, nil
}

// byNeed is --by of a command that records a person: given, or asked for
// on a terminal (personName).
func byNeed(cmd *cobra.Command, by string) cliutil.Need {
	return cliutil.Need{Flag: "--by", Given: strings.TrimSpace(by) != "" || askable(cmd),
		For: "the name of the person recorded with it (no terminal to ask on)"}
}

// askable reports whether the command's input is a terminal to ask on.
func askable(cmd *cobra.Command) bool {
	f, ok := cmd.InOrStdin().(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// missingNeeds are assess's missing fields as the flags of the same name.
func missingNeeds(ms ...*assess.MissingError) []cliutil.Need {
	out := make([]cliutil.Need, 0, len(ms))
	for _, m := range ms {
		if m != nil {
			out = append(out, cliutil.Need{Flag: "--" + m.Field, For: m.Why})
		}
	}
	return out
}

// personName is who gives a verdict or decision: --by, else a name asked
// for on the terminal. The login is no name (root in CI, a shared
// account), so without a terminal to ask on it refuses, naming --by.
func personName(cmd *cobra.Command, by string) (string, error) {
	if by = strings.TrimSpace(by); by != "" {
		return by, nil
	}
	if !askable(cmd) {
		return "", cliutil.RequireFlags(byNeed(cmd, by))
	}
	f := cmd.InOrStdin().(*os.File)
	fmt.Fprint(cmd.ErrOrStderr(), "Your name, recorded with it (--by): ")
	line, err := bufio.NewReader(f).ReadString('\n')
	if name := strings.TrimSpace(line); name != "" {
		return name, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read name: %w", err)
	}
	return "", cliutil.BadInput("--by is required: no name given")
}

// assessmentError is a refused declaration or decision (assess) as bad
// input in the command line's words: a missing field is the flag of the
// same name, a missing declaration names the command that records it.
func assessmentError(err error) error {
	var missing *assess.MissingError
	var we *assess.WriteError
	switch {
	case errors.As(err, &we):
		return err
	case errors.As(err, &missing):
		return cliutil.BadInput("--%s is required: %s", missing.Field, missing.Why)
	case errors.Is(err, assess.ErrNoDeclaration):
		return cliutil.BadInput("%w with 'rivgate conform declare'", err)
	}
	return cliutil.BadInput("%w", err)
}
