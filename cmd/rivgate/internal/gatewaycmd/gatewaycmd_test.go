package gatewaycmd

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

// writeSetup makes a PKI, a TAK file and a gateway.yaml on 127.0.0.1:0.
func writeSetup(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	ca, err := pki.NewCA("cmd test CA")
	require.NoError(t, err)
	srv, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	_, _, err = srv.WriteFiles(dir, "server")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tak.yaml"), []byte("routes:\n  - {receiver: R, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'http://127.0.0.1:1/x'}\n"), 0o644))
	cfg := `instance: {name: "Cmd Test", id: cmd-1}
listen: {https: "127.0.0.1:0", admin: "127.0.0.1:0"}
tls: {cert: server.pem, key: server.key, client_ca: ca.pem}
tak: {files: [tak.yaml], poll: 0s}
` + extra
	path := filepath.Join(dir, "gateway.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	return path
}

func execute(ctx context.Context, args ...string) (string, string, error) {
	cmd := New()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func TestCheck(t *testing.T) {
	t.Parallel()
	good := writeSetup(t, "")
	tests := []struct {
		name     string
		path     string
		wantCode int
		want     string
	}{
		{"valid config and files", good, cliutil.ExitOK, "OK"},
		{"unknown key names file and line", writeSetup(t, "limits: {max_bodyy: 1MiB}\n"), cliutil.ExitBadInput, `gateway.yaml:5:`},
		{"explicit empty contracts dir", writeSetup(t, "contracts: {dir: ''}\n"), cliutil.ExitOK, "OK"},
		{"no -c", "", cliutil.ExitBadInput, "missing -c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--check"}
			if tt.path != "" {
				args = append(args, "-c", tt.path)
			}
			out, _, err := execute(t.Context(), args...)
			assert.Equal(t, tt.wantCode, cliutil.Code(err))
			msg := out
			if err != nil {
				msg += err.Error()
			}
			assert.Contains(t, msg, tt.want)
		})
	}
	broken := writeSetup(t, "")
	require.NoError(t, os.Remove(filepath.Join(filepath.Dir(broken), "tak.yaml")))
	_, _, err := execute(t.Context(), "--check", "-c", broken)
	assert.Equal(t, cliutil.ExitBadInput, cliutil.Code(err))
	assert.Contains(t, err.Error(), "tak.yaml")
	key := writeSetup(t, "")
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(key), "server.key"), []byte("junk"), 0o600))
	_, _, err = execute(t.Context(), "--check", "-c", key)
	assert.Equal(t, cliutil.ExitBadInput, cliutil.Code(err))
	assert.Contains(t, err.Error(), "server.key")
}

// TestCheckAddressesCredentialsAndCRL: --check fails on a producer address
// the gateway will not call (naming the TAK file's line, the password
// masked, a port out of range) and on credentials in tak.url (naming the config line), and
// warns about an expired CRL without failing.
func TestCheckAddressesCredentialsAndCRL(t *testing.T) {
	t.Parallel()
	badAddr := writeSetup(t, "")
	tak := "routes:\n  - {receiver: R, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'http://127.0.0.1:1/x'}\n" +
		"  - {receiver: S, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'https://svc:s3cret@127.0.0.1:1/x'}\n" +
		"  - {receiver: T, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'file:///etc/passwd'}\n" +
		"  - {receiver: U, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'https://127.0.0.1:99999/x'}\n"
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(badAddr), "tak.yaml"), []byte(tak), 0o644))
	_, _, err := execute(t.Context(), "--check", "-c", badAddr)
	require.Error(t, err)
	assert.Equal(t, cliutil.ExitBadInput, cliutil.Code(err))
	assert.Contains(t, err.Error(), "3 routes the gateway will not call")
	assert.Regexp(t, `tak\.yaml:3: producer address "https://xxxxx@127\.0\.0\.1:1/x": carries credentials`, err.Error())
	assert.Regexp(t, `tak\.yaml:4: producer address "file:///etc/passwd": not http:// or https://`, err.Error())
	assert.Regexp(t, `tak\.yaml:5: producer address "https://127\.0\.0\.1:99999/x": port 99999 is out of range 1-65535`, err.Error())
	assert.NotContains(t, err.Error(), "s3cret")

	userinfo := writeSetup(t, "producers: {}\n")
	cfg, err := os.ReadFile(userinfo)
	require.NoError(t, err)
	cfg = bytes.Replace(cfg, []byte("tak: {files: [tak.yaml], poll: 0s}"), []byte("tak: {files: [tak.yaml], poll: 0s, url: 'http://svc:s3cret@127.0.0.1:1/tak'}"), 1)
	require.NoError(t, os.WriteFile(userinfo, cfg, 0o644))
	_, _, err = execute(t.Context(), "--check", "-c", userinfo)
	require.Error(t, err)
	assert.Regexp(t, `gateway\.yaml:4:\d+: tak\.url: "http://xxxxx@127\.0\.0\.1:1/tak" carries credentials`, err.Error())
	assert.NotContains(t, err.Error(), "s3cret")

	expired := writeSetup(t, "")
	dir := filepath.Dir(expired)
	ca, err := pki.NewCA("crl CA")
	require.NoError(t, err)
	crl, err := ca.RevocationList(nil, -30*time.Second)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crl.pem"), crl, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), append(mustRead(t, filepath.Join(dir, "ca.pem")), ca.CertPEM...), 0o644))
	cfg = bytes.Replace(mustRead(t, expired), []byte("client_ca: ca.pem}"), []byte("client_ca: ca.pem, crl: [crl.pem]}"), 1)
	require.NoError(t, os.WriteFile(expired, cfg, 0o644))
	out, _, err := execute(t.Context(), "--check", "-c", expired)
	require.NoError(t, err)
	assert.Regexp(t, `warning: CRL \S*crl\.pem expired at \S+ \(nextUpdate\)`, out)
	assert.Contains(t, out, "OK")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestExampleFixtureChecks: fixtures/gateway/gateway.yaml passes --check
// once its PKI exists (made here in a copy of the folder).
func TestExampleFixtureChecks(t *testing.T) {
	t.Parallel()
	src := testutil.Fixture(t, "gateway")
	dir := t.TempDir()
	for _, f := range []string{"gateway.yaml", "tak.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "pki"), 0o755))
	ca, err := pki.NewCA("fixture CA")
	require.NoError(t, err)
	srv, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	_, _, err = srv.WriteFiles(filepath.Join(dir, "pki"), "server")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pki", "ca.pem"), ca.CertPEM, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "..", "contracts"), 0o755))
	cfg, err := config.Load(filepath.Join(dir, "gateway.yaml"))
	require.NoError(t, err)
	cfg.Contracts.Dir = ""
	require.NoError(t, runCheck(t.Context(), &bytes.Buffer{}, cfg))
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRunServesAndStopsOnCancel: the command serves until its context ends
// (SIGTERM in main), then drains and returns cleanly.
func TestRunServesAndStopsOnCancel(t *testing.T) {
	t.Parallel()
	path := writeSetup(t, "")
	cfg, err := config.Load(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	logs := &syncBuf{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, logs, cfg) }()
	re := regexp.MustCompile(`"listener":"admin","addr":"([^"]+)"`)
	var admin string
	require.Eventually(t, func() bool {
		m := re.FindStringSubmatch(logs.String())
		if m != nil {
			admin = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond)
	resp, err := http.Get("http://" + admin + "/readyz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "gateway started") }, 10*time.Second, 10*time.Millisecond)
	// SIGHUP to ourselves: the command has caught it since before it served.
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"message":"reload"`) }, 10*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not stop")
	}
	assert.Contains(t, logs.String(), "gateway stopped")
}

// TestCheckShowsProducerTLSProfiles: with producers.tls_profiles set,
// --check lists every producer endpoint of the catalogue with the profile
// its calls get.
func TestCheckShowsProducerTLSProfiles(t *testing.T) {
	t.Parallel()
	path := writeSetup(t, `producers:
  tls_profiles:
    - {name: legacy, match: {domain_suffix: legacy.example.se}, verify_hostname: false, tls_max_version: "1.2"}
    - {name: partner, match: {port: 8443}}
`)
	tak := `routes:
  - {receiver: A, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'https://old.legacy.example.se/a'}
  - {receiver: B, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'https://old.legacy.example.se:443/b'}
  - {receiver: C, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'https://partner.example.se:8443/c'}
  - {receiver: D, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'https://other.example.se/d'}
  - {receiver: E, contract: 'urn:riv:a:BResponder:1', profile: RIVTABP21, address: 'http://plain.example.se:8080/e'}
`
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(path), "tak.yaml"), []byte(tak), 0o644))
	out, _, err := execute(t.Context(), "--check", "-c", path)
	require.NoError(t, err)
	for _, re := range []string{
		`(?m)^  https://old\.legacy\.example\.se:443 +legacy +2 address\(es\)$`,
		`(?m)^  https://partner\.example\.se:8443 +partner +1 address\(es\)$`,
		`(?m)^  https://other\.example\.se:443 +default +1 address\(es\)$`,
		`(?m)^  http://plain\.example\.se:8080 +- \(plain http\) +1 address\(es\)$`,
	} {
		assert.Regexp(t, regexp.MustCompile(re), out)
	}

	plain := writeSetup(t, "")
	out, _, err = execute(t.Context(), "--check", "-c", plain)
	require.NoError(t, err)
	assert.NotContains(t, out, "producer TLS profiles", "without profiles the output is as before")
}
