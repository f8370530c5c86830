package identity

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/internal/pki"
)

// resumeFixture is a real TLS listener on the Server's configuration whose
// handler answers "<sender> resumed=<bool>".
type resumeFixture struct {
	*tlsFixture
	url string
}

func newResumeFixture(t *testing.T) *resumeFixture {
	t.Helper()
	f := newTLSFixture(t, true)
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := "no-cert"
		if len(r.TLS.PeerCertificates) > 0 {
			id, _ = SenderFromCert(r.TLS.PeerCertificates[0])
		}
		fmt.Fprintf(w, "%s resumed=%v", id, r.TLS.DidResume)
	}))
	hs.TLS = f.srv.TLSConfig()
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return &resumeFixture{tlsFixture: f, url: hs.URL}
}

// sessionClient keeps TLS sessions between connections (keep-alive off, so
// every call is a new handshake) and pins the TLS version.
func (f *resumeFixture) sessionClient(cert *pki.Cert, version uint16) *http.Client {
	c := cert.TLSCertificate()
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{
		RootCAs: f.ca.Pool(), Certificates: []tls.Certificate{c}, MinVersion: version, MaxVersion: version,
		ClientSessionCache: tls.NewLRUClientSessionCache(8),
	}}}
}

var versions = []struct {
	name string
	v    uint16
}{{"TLS 1.2", tls.VersionTLS12}, {"TLS 1.3", tls.VersionTLS13}}

// TestSessionResumptionAndReload: a consumer that reconnects resumes its
// session (and is still identified by its certificate); a reload starts
// new sessions; a CRL or CA change loaded by Reload cannot be bypassed by
// a cached session.
func TestSessionResumptionAndReload(t *testing.T) {
	t.Parallel()
	for _, tc := range versions {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newResumeFixture(t)
			good, err := f.ca.IssueClient("SE2321000016-CONS1", pki.Options{})
			require.NoError(t, err)
			c := f.sessionClient(good, tc.v)
			call := func() (string, error) { return get(c, f.url) }

			body, err := call()
			require.NoError(t, err)
			assert.Equal(t, "SE2321000016-CONS1 resumed=false", body, "first connection: full handshake")
			body, err = call()
			require.NoError(t, err)
			assert.Equal(t, "SE2321000016-CONS1 resumed=true", body, "second connection resumes, sender from the stored certificate")

			require.NoError(t, f.srv.Reload())
			body, err = call()
			require.NoError(t, err)
			assert.Equal(t, "SE2321000016-CONS1 resumed=false", body, "a reload starts new sessions")
			body, err = call()
			require.NoError(t, err)
			assert.Equal(t, "SE2321000016-CONS1 resumed=true", body)

			// Revoke the certificate: the cached session must not get in.
			crl, err := f.ca.RevocationList([]*x509.Certificate{good.Cert}, time.Hour)
			require.NoError(t, err)
			crlPath := filepath.Join(f.dir, "ca.crl")
			require.NoError(t, os.WriteFile(crlPath, crl, 0o644))
			f.srv.files.CRL = []string{crlPath}
			require.NoError(t, f.srv.Reload())
			_, err = call()
			assert.Error(t, err, "revoked after reload, cached session or not")
		})
	}
}

// TestCARemovalEndsCachedSessions: after the client CA bundle is replaced
// by one without the consumer's CA, its cached session is refused.
func TestCARemovalEndsCachedSessions(t *testing.T) {
	t.Parallel()
	for _, tc := range versions {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newResumeFixture(t)
			good, err := f.ca.IssueClient("SE2321000016-CONS1", pki.Options{})
			require.NoError(t, err)
			c := f.sessionClient(good, tc.v)
			_, err = get(c, f.url)
			require.NoError(t, err)
			body, err := get(c, f.url)
			require.NoError(t, err)
			require.Equal(t, "SE2321000016-CONS1 resumed=true", body)

			other, err := pki.NewCA("replacement CA")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(f.files.ClientCA, other.CertPEM, 0o644))
			require.NoError(t, f.srv.Reload())
			_, err = get(c, f.url)
			assert.Error(t, err, "CA no longer trusted")
		})
	}
}

// TestVerifyConnectionRunsOnResumedHandshakes: the revocation hook sees
// every handshake, resumed ones with the stored verified chain.
func TestVerifyConnectionRunsOnResumedHandshakes(t *testing.T) {
	t.Parallel()
	for _, tc := range versions {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newResumeFixture(t)
			var mu sync.Mutex
			var seen []string
			cfg := f.srv.cur.Load().config
			orig := cfg.VerifyConnection
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				mu.Lock()
				seen = append(seen, fmt.Sprintf("resumed=%v chains=%d", cs.DidResume, len(cs.VerifiedChains)))
				mu.Unlock()
				return orig(cs)
			}
			good, err := f.ca.IssueClient("SE2321000016-CONS1", pki.Options{})
			require.NoError(t, err)
			c := f.sessionClient(good, tc.v)
			for range 2 {
				_, err := get(c, f.url)
				require.NoError(t, err)
			}
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"resumed=false chains=1", "resumed=true chains=1"}, seen)
		})
	}
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHandshake: a new mutual-TLS connection and one call, with a
// full handshake and with a resumed session (client and server in this
// process; cpu-ns/op is both sides).
func BenchmarkHandshake(b *testing.B) {
	for _, resume := range []bool{false, true} {
		name := "full"
		if resume {
			name = "resumed"
		}
		b.Run(name, func(b *testing.B) {
			ca, err := pki.NewCA("bench CA")
			require.NoError(b, err)
			srvCert, err := ca.IssueServer(pki.Options{})
			require.NoError(b, err)
			dir := b.TempDir()
			certPath, keyPath, err := srvCert.WriteFiles(dir, "server")
			require.NoError(b, err)
			caPath := filepath.Join(dir, "ca.pem")
			require.NoError(b, os.WriteFile(caPath, ca.CertPEM, 0o644))
			s, err := NewServer(ServerFiles{Cert: certPath, Key: keyPath, ClientCA: caPath, RequireClientCert: true})
			require.NoError(b, err)
			hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "ok")
			}))
			hs.TLS = s.TLSConfig()
			hs.StartTLS()
			b.Cleanup(hs.Close)
			client, err := ca.IssueClient("SE-BENCH", pki.Options{})
			require.NoError(b, err)
			cc := client.TLSCertificate()
			cfg := &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{cc}}
			if resume {
				cfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
			}
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: cfg}}
			if _, err := get(c, hs.URL); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := get(c, hs.URL); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
