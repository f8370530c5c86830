// Package rivtatest finds the shared RIV-TA test data (../shared/rivta next
// to the repository) and the xmllint oracle for the contract tests.
package rivtatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Root returns the repository root: the nearest directory above the
// working directory that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// Contracts returns ../shared/rivta/contracts, or skips the test saying why.
func Contracts(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(Root(t), "..", "shared", "rivta", "contracts")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("shared RIV-TA contracts missing at %s: these tests need the real contracts (../shared/rivta)", dir)
	}
	return filepath.Clean(dir)
}

// Folders returns the contract folders directly below Contracts.
func Folders(t testing.TB) []string {
	t.Helper()
	dir := Contracts(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no contract folders in %s", dir)
	}
	return out
}

// Xmllint returns the path of xmllint, or skips the test saying how to get it.
func Xmllint(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint missing: apt-get install -y libxml2-utils (scripts/test.sh installs it)")
	}
	return p
}
