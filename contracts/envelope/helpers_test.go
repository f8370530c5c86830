package envelope

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/stretchr/testify/require"
)

// sharedDir finds ../shared/rivta beside the module root, or skips.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	return testutil.Shared(t, sub)
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
