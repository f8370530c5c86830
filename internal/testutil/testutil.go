// Package testutil holds what tests across rivgate share: where the module
// root is and where the real RIV-TA material in ../shared/rivta lies. Its
// sub-packages hold the larger shared test kits (hostile inputs, JSON
// Schema checks, a concurrency-safe buffer, the shared contracts).
//
// It imports neither half of rivgate, so any test may use it.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot is the module root: the nearest directory above the test's
// working directory (its package directory) that holds go.mod.
func RepoRoot(t testing.TB) string {
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

// Fixture is a path under the module's fixtures directory.
func Fixture(t testing.TB, rel ...string) string {
	t.Helper()
	return filepath.Join(append([]string{RepoRoot(t), "fixtures"}, rel...)...)
}

// Shared is a path under ../shared/rivta beside the checkout (the real
// contracts, samples, TAK data and SoapUI suites); the test skips, saying
// what is missing, when it is absent.
func Shared(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{RepoRoot(t), "..", "shared", "rivta"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared RIV-TA material missing at %s (../shared/rivta beside the checkout; see README): %v", p, err)
	}
	return p
}
