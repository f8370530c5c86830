// Package confcli holds what the conform subcommands (conformcmd and
// reportcmd) share in turning their flags into inputs: the suite an output
// directory was run with, and who is at the keyboard.
package confcli

import (
	"os/user"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// SuiteFor loads --suite, or the suite results.json in out names. Its
// errors are bad input (exit 2).
func SuiteFor(suiteDir, out string) (*scenario.Suite, error) {
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

// CurrentUser is the default of a --by flag: the login name, or "unknown".
func CurrentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}
