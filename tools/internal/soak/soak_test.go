package soak

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJudge checks the growth criterion on made-up series: flat with
// noise passes, a steady rise fails, a rise that is not given back after
// the load fails, too few samples cannot pass.
func TestJudge(t *testing.T) {
	t.Parallel()
	const d = 10 * time.Minute
	series := func(f func(i int) (g, fds int, heap uint64)) []Sample {
		var s []Sample
		for i := 0; i <= 60; i++ {
			g, fds, heap := f(i)
			s = append(s, Sample{At: time.Duration(i) * 10 * time.Second, Goroutines: g, FDs: fds, HeapBytes: heap})
		}
		return s
	}
	noise := func(i int) int { return []int{0, 3, -2, 5, -4, 1}[i%6] }
	tests := []struct {
		name   string
		s      []Sample
		failed []string // metrics that must fail
	}{
		{"flat with noise", series(func(i int) (int, int, uint64) {
			return 40 + noise(i), 30 + noise(i), uint64(20<<20 + noise(i)<<20)
		}), nil},
		{"one goroutine leaked per 10 s", series(func(i int) (int, int, uint64) { return 40 + i, 30, 20 << 20 }), []string{"goroutines"}},
		{"a descriptor per 30 s", series(func(i int) (int, int, uint64) { return 40, 30 + i/3, 20 << 20 }), []string{"open file descriptors"}},
		{"heap +2 MiB per minute", series(func(i int) (int, int, uint64) { return 40, 30, uint64(20<<20 + i*(1<<20)/3) }), []string{"heap"}},
		{"not given back after the load", append(series(func(i int) (int, int, uint64) { return 40, 30, 20 << 20 }),
			Sample{At: d + 2*time.Second, Goroutines: 80, FDs: 30, HeapBytes: 20 << 20}), []string{"goroutines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var failed []string
			for _, g := range Judge(tt.s, d) {
				if !g.OK {
					failed = append(failed, g.Metric)
				}
			}
			assert.ElementsMatch(t, tt.failed, failed)
		})
	}
	for _, g := range Judge(series(func(int) (int, int, uint64) { return 1, 1, 1 })[:5], d) {
		assert.False(t, g.OK, "%s judged on %d samples", g.Metric, 5)
	}
}

// TestShortSoak runs the real thing for 20 seconds: the rivgate binary as
// the gateway, the whole mix, sampling every 2 s.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	root := testutil.RepoRoot(t)
	bin := filepath.Join(t.TempDir(), "rivgate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/rivgate")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Rivgate: bin, Duration: 20 * time.Second, Rate: 30, Sample: 2 * time.Second, Progress: os.Stderr})
	require.NoError(t, err)
	assert.Empty(t, rep.Problems)
	var sent int64
	for k, c := range rep.Kinds {
		sent += c.Sent
		assert.Positive(t, c.Sent, "the mix sent %s", k)
	}
	assert.Greater(t, sent, int64(400))
	assert.Equal(t, "exit 0", rep.GatewayExit)
	assert.GreaterOrEqual(t, len(rep.Samples), 10)
}
