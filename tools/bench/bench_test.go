package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchSmoke builds the binaries scripts/bench.sh builds and runs the
// driver with --smoke: every part (the four targets at max and fixed rate,
// 1 MB answers, 100 MB each way through a fresh gateway, XSD against
// xmllint, sniff, TAK load) for a moment, on loopback. It checks the
// machinery, not the figures.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four binaries and runs every part of the bench: skipped with -short")
	}
	const nginx = "/usr/sbin/nginx"
	if _, err := os.Stat(nginx); err != nil {
		t.Skip("nginx missing: apt-get install -y nginx-light (scripts/test.sh installs it)")
	}
	root := testutil.RepoRoot(t)
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, b := range []struct{ out, pkg string }{
		{"rivgate", "./cmd/rivgate"}, {"benchprod", "./tools/benchprod"},
		{"benchproxy", "./tools/benchproxy"}, {"bench", "./tools/bench"},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, b.out), b.pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go build %s: %s", b.pkg, out)
	}
	results := filepath.Join(t.TempDir(), "results.json")
	args := []string{"--smoke", "--rivgate", filepath.Join(bin, "rivgate"), "--producer", filepath.Join(bin, "benchprod"),
		"--goproxy", filepath.Join(bin, "benchproxy"), "--nginx", nginx, "--routes", "1000", "--out", results}
	rivta := filepath.Join(root, "..", "shared", "rivta")
	haveRivta := false
	if _, err := os.Stat(filepath.Join(rivta, "contracts")); err == nil {
		haveRivta = true
		args = append(args, "--rivta", rivta)
	}
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "bench"), args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	assert.Regexp(t, regexp.MustCompile(`^gateway/nginx throughput ratio: \d+\.\d\d$`), lines[len(lines)-1])

	b, err := os.ReadFile(results)
	require.NoError(t, err)
	var r Results
	require.NoError(t, json.Unmarshal(b, &r))
	assert.Equal(t, "smoke", r.Mode)
	for _, name := range []string{"gateway", "nginx", "goproxy", "direct"} {
		tr := r.Targets[name]
		require.NotNil(t, tr, name)
		assert.Positive(t, tr.MaxRPS, name)
		assert.Zero(t, tr.Errors, "%s: %s", name, tr.FirstError)
		assert.Positive(t, tr.Samples, name)
		assert.Positive(t, tr.PeakRSSMB, name)
		require.NotNil(t, r.OneMB[name], name)
		assert.Positive(t, r.OneMB[name].MBps, name)
	}
	require.NotNil(t, r.Ratios)
	assert.Positive(t, r.Ratios.GatewayNginxRPS)
	require.NotNil(t, r.Large)
	assert.Empty(t, r.Large.Error)
	assert.Positive(t, r.Large.GatewayPeakMB)
	require.NotNil(t, r.Sniff)
	assert.GreaterOrEqual(t, len(r.Sniff.Cases), 2)
	require.NotNil(t, r.TAKLoad)
	assert.Equal(t, 2002, r.TAKLoad.Routes)
	for _, f := range r.TAKLoad.Formats {
		assert.Empty(t, f.Error, f.Format)
	}
	require.NotNil(t, r.XSD)
	if haveRivta {
		if _, err := exec.LookPath("xmllint"); err == nil {
			assert.Empty(t, r.XSD.Skipped)
			assert.Positive(t, r.XSD.Documents)
			assert.Equal(t, r.XSD.Documents, r.XSD.Agree, "verdicts agree with xmllint")
		}
	}
}
