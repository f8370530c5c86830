package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/testutil"
)

// TestSmoke runs every part at a small scale (the rivgate binary too,
// without -short) and checks the results file; it tests the machinery, the
// figures mean nothing.
func TestSmoke(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	o := options{routes: 3000, lines: 20000, distinct: 500, out: filepath.Join(dir, "takdiff.json")}
	if !testing.Short() {
		o.rivgate = filepath.Join(dir, "rivgate")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.rivgate, "./cmd/rivgate")
		cmd.Dir = testutil.RepoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	var out strings.Builder
	if err := run(ctx, o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	b, err := os.ReadFile(o.out)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Parts) != 4 || res.Routes != 3002 || res.Lines != 20000 {
		t.Errorf("results %+v", res)
	}
	if !testing.Short() && (res.EndToEnd == nil || !strings.Contains(res.EndToEnd.Note, "exit 1")) {
		t.Errorf("end to end %+v", res.EndToEnd)
	}
	for _, w := range []string{"diff at a moment and across a 30-day window", "read 20000 log lines", "loadavg"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}
