package report

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
)

// TestLoadSuiteGone: when the suite results.json names is gone, Load
// still gathers the run and says why the suite is missing in SuiteErr,
// leaving the note (and how to name another suite) to its caller; a suite
// named explicitly must load.
func TestLoadSuiteGone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone")
	if err := result.Write(dir, &result.Run{Suite: result.SuiteRef{Dir: gone}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	in, err := Load(dir, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if in.Suite != nil || in.SuiteErr == nil || !strings.Contains(in.SuiteErr.Error(), "suite "+gone+" could not be loaded (") {
		t.Fatalf("suite %v, SuiteErr %v", in.Suite, in.SuiteErr)
	}
	if len(in.Notes) != 0 {
		t.Errorf("Load wrote notes itself: %q", in.Notes)
	}
	if _, err := Load(dir, gone, now); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("explicit suite that is gone: %v, want fs.ErrNotExist", err)
	}
}
