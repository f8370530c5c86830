package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/contracts/generated/gentest"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestGeneratedUpToDate runs scripts/gen-contracts.sh into a temporary
// directory and fails when any committed generated file would change.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: regenerating with gowsdl takes a while")
	}
	rivta := gentest.RivtaDir(t)
	root := testutil.RepoRoot(t)
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "gen-contracts.sh"), out)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "RIVTA="+rivta)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/gen-contracts.sh: %v\n%s", err, b)
	}
	fresh, err := filepath.Glob(filepath.Join(out, "*", "contract_gen.go"))
	if err != nil || len(fresh) == 0 {
		t.Fatalf("the script wrote no contract_gen.go files (%v)", err)
	}
	committed, err := filepath.Glob(filepath.Join(root, "contracts", "generated", "*", "contract_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) != len(fresh) {
		t.Errorf("committed %d generated files, the script writes %d", len(committed), len(fresh))
	}
	for _, f := range fresh {
		rel, _ := filepath.Rel(out, f)
		t.Run(filepath.Dir(rel), func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			have, err := os.ReadFile(filepath.Join(root, "contracts", "generated", rel))
			if err != nil {
				t.Fatalf("committed file missing: %v (run scripts/gen-contracts.sh)", err)
			}
			if !bytes.Equal(have, want) {
				t.Errorf("contracts/generated/%s differs from what scripts/gen-contracts.sh writes; run it and commit.\n%s", rel, lineDiff(string(have), string(want)))
			}
		})
	}
}

// lineDiff names the first differing lines; enough to see what changed.
func lineDiff(have, want string) string {
	h, w := strings.Split(have, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(h), len(w)) && shown < 10; i++ {
		var hl, wl string
		if i < len(h) {
			hl = h[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if hl != wl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, hl, wl)
			shown++
		}
	}
	return b.String()
}
