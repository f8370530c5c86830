package conformcmd

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/testutil"
)

func demoSuite(t *testing.T) string {
	t.Helper()
	return testutil.Fixture(t, "suites", "demo-clinic")
}

// TestSuiteFor: --suite wins; without it the suite results.json names is
// loaded; every failure is bad input (exit 2) that says what to pass.
func TestSuiteFor(t *testing.T) {
	t.Parallel()
	withRun := t.TempDir()
	if err := result.Write(withRun, &result.Run{Suite: result.SuiteRef{Dir: demoSuite(t)}}); err != nil {
		t.Fatal(err)
	}
	badRun := t.TempDir()
	if err := result.Write(badRun, &result.Run{Suite: result.SuiteRef{Dir: filepath.Join(badRun, "gone")}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, suite, out string
		wantErr          string // "" = loads the demo suite
	}{
		{name: "--suite given", suite: demoSuite(t), out: t.TempDir()},
		{name: "suite from results.json", out: withRun},
		{name: "no --suite and no run", out: t.TempDir(), wantErr: "--suite not given and read results"},
		{name: "the run's suite is gone", out: badRun, wantErr: "(pass --suite)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := suiteFor(tt.suite, tt.out)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.ID == "" || len(s.Scenarios) == 0 {
					t.Errorf("suite %q with %d scenarios", s.ID, len(s.Scenarios))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one with %q", err, tt.wantErr)
			}
			var ee *cliutil.ExitError
			if !errors.As(err, &ee) || ee.Code != cliutil.ExitBadInput {
				t.Errorf("%T %v, want an exit %d error", err, err, cliutil.ExitBadInput)
			}
		})
	}
}

// TestVerdictNeedsAName: without --by and with no terminal to ask on (CI),
// judge and decide refuse, naming --by, instead of recording the login.
func TestVerdictNeedsAName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"judge", "--out", dir, "--scenario", "S1", "--verdict", "pass", "--note", "seen"},
		{"decide", "--out", dir, "--outcome", "approved", "--reason", "fine"},
	} {
		cmd := New()
		cmd.SetArgs(args)
		cmd.SetIn(strings.NewReader("Åsa Öberg\n"))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), "--by is required") || cliutil.Code(err) != cliutil.ExitBadInput {
			t.Errorf("%s: %v, want an exit %d error naming --by", args[0], err, cliutil.ExitBadInput)
		}
	}
}
