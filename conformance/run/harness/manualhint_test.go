package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

// TestManualHint: a manual step's progress line ends with
// Options.ManualHint in parentheses, and with the instruction when there is
// none: how to record a verdict is the caller's to say, the harness names
// no command.
func TestManualHint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	contracts, err := filepath.Rel(dir, filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"suite.yaml": fmt.Sprintf(`id: manual-hint
title: a person looks
contracts: %s
consumer: {hsa_id: SE2321000016-DEMOCONS}
requirements: [{id: M-1, text: the visits are shown, impact: 1}]
scenarios: [m.yaml]
`, contracts),
		"m.yaml": `id: M1
title: a person looks
requirements: [M-1]
likelihood: 1
steps:
  - id: look
    manual: Look at the screen.
`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	suite, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	tests := []struct {
		name string
		hint func(scenarioID, stepID string) string
		want string
	}{
		{name: "no hint", want: "scenario M1 step 1/1 look: MANUAL verdict needed: Look at the screen.\n"},
		{name: "the caller's hint", hint: func(sc, st string) string { return "judge " + sc + "/" + st },
			want: "scenario M1 step 1/1 look: MANUAL verdict needed: Look at the screen. (judge M1/look)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var progress syncbuf.Buffer
			h, err := New(suite, Options{TLS: p.serverTLS(), Progress: &progress, ManualHint: tc.hint})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := h.Start(ctx); err != nil {
				t.Fatal(err)
			}
			run, err := h.Run(ctx)
			if cerr := h.Close(); cerr != nil {
				t.Errorf("close: %v", cerr)
			}
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != result.ManualPending {
				t.Errorf("status %s, want %s", run.Status, result.ManualPending)
			}
			log := progress.String()
			if !strings.Contains(log, tc.want) {
				t.Errorf("progress lacks %q:\n%s", tc.want, log)
			}
			if strings.Contains(log, "rivgate conform") {
				t.Errorf("the harness names a command:\n%s", log)
			}
		})
	}
}
