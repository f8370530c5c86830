package envelope

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sharedDir finds ../shared/rivta beside the module root, or skips.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "rivta", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s missing: the real RIV-TA samples in ../shared/rivta beside the checkout are this test's input", p)
	}
	return p
}

// vpTestfile reads a file from VP's own testfiles.
func vpTestfile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir(t, "samples/skltp-vp/testfiles"), name))
	require.NoError(t, err)
	return b
}

// mustSniff sniffs b and fails the test on error.
func mustSniff(t testing.TB, b []byte) *Info {
	t.Helper()
	info, err := SniffBytes(b)
	require.NoError(t, err, "sniff:\n%s", clip(b))
	return info
}

// clip shortens a message for failure output.
func clip(b []byte) []byte {
	if len(b) > 2000 {
		return append(bytes.Clone(b[:2000]), "..."...)
	}
	return b
}
