package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
)

// tlsProducer is an https producer on 127.0.0.1 with its own TLS
// settings; it counts the calls that reach it.
type tlsProducer struct {
	port  int
	cert  *x509.Certificate
	calls atomic.Int64
}

func newTLSProducerWith(t *testing.T, server *pki.Cert, cfg *tls.Config) *tlsProducer {
	t.Helper()
	cfg.Certificates = []tls.Certificate{server.TLSCertificate()}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	p := &tlsProducer{port: ln.Addr().(*net.TCPAddr).Port, cert: server.Cert}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		p.calls.Add(1)
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(okResponse)
	}), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)} // refused handshakes are the point
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

// TestProducerTLSProfiles: producers.tls_profiles choose client
// certificate, trusted CA, TLS versions and hostname verification per
// producer by host, domain suffix or port, over real TLS; the exchange log
// line names the profile, the negotiated version and the producer's
// certificate; `gateway --check`'s listing agrees with what calls used.
func TestProducerTLSProfiles(t *testing.T) {
	t.Parallel()
	caA, err := pki.NewCA("producer CA A")
	require.NoError(t, err)
	caB, err := pki.NewCA("producer CA B")
	require.NoError(t, err)
	issue := func(ca *pki.CA, o pki.Options) *pki.Cert {
		c, err := ca.IssueServer(o)
		require.NoError(t, err)
		return c
	}
	// A: CA A, wants a client certificate from CA A (the default profile).
	a := newTLSProducerWith(t, issue(caA, pki.Options{}), &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: caA.Pool()})
	// B: CA B, wants a client certificate from CA B, speaks TLS 1.2 only.
	b := newTLSProducerWith(t, issue(caB, pki.Options{}), &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: caB.Pool(), MaxVersion: tls.VersionTLS12})
	// C: a certificate that does not name its address.
	c := newTLSProducerWith(t, issue(caA, pki.Options{DNSNames: []string{"producer.example"}}), &tls.Config{})
	// D: TLS 1.3 only.
	d := newTLSProducerWith(t, issue(caA, pki.Options{}), &tls.Config{MinVersion: tls.VersionTLS13})

	y := fill(`
routes:
  - {receiver: PROD-A, contract: "{{NS}}", profile: RIVTABP21, address: "https://127.0.0.1:{{A}}/a"}
  - {receiver: PROD-B, contract: "{{NS}}", profile: RIVTABP21, address: "https://localhost:{{B}}/b"}
  - {receiver: PROD-C, contract: "{{NS}}", profile: RIVTABP21, address: "https://127.0.0.1:{{C}}/c"}
  - {receiver: PROD-C-BY-NAME, contract: "{{NS}}", profile: RIVTABP21, address: "https://localhost:{{C}}/c"}
  - {receiver: PROD-D, contract: "{{NS}}", profile: RIVTABP21, address: "https://localhost:{{D}}/d"}
permissions:
  - {sender: "{{C0}}", receiver: "*", contract: "{{NS}}"}
`, "{{NS}}", scheduleNS, "{{A}}", fmt.Sprint(a.port), "{{B}}", fmt.Sprint(b.port), "{{C}}", fmt.Sprint(c.port), "{{D}}", fmt.Sprint(d.port), "{{C0}}", consumerID)
	writeIdentity := func(dir, name string, ca *pki.CA) (string, string, string) {
		cl, err := ca.IssueClient("SE-GATEWAY-"+name, pki.Options{})
		require.NoError(t, err)
		cp, kp, err := cl.WriteFiles(dir, "gw-"+name)
		require.NoError(t, err)
		caPath := filepath.Join(dir, "ca-"+name+".pem")
		require.NoError(t, writeFile(caPath, ca.CertPEM))
		return cp, kp, caPath
	}
	vb := newBed(t, y, func(bd *bed) {
		aCert, aKey, aCA := writeIdentity(bd.dir, "a", caA)
		bCert, bKey, bCA := writeIdentity(bd.dir, "b", caB)
		p := &bd.cfg.Producers
		p.Cert, p.Key, p.CA = aCert, aKey, aCA
		off := false
		p.TLSProfiles = []config.ProducerTLSProfile{
			{Name: "partner-b", Match: config.ProducerMatch{DomainSuffix: ".localhost", Port: b.port}, ProducerTLS: config.ProducerTLS{Cert: bCert, Key: bKey, CA: bCA}},
			{Name: "no-hostname", Match: config.ProducerMatch{Host: "127.0.0.1", Port: c.port}, ProducerTLS: config.ProducerTLS{VerifyHostname: &off}},
			{Name: "tls12-only", Match: config.ProducerMatch{Port: d.port}, ProducerTLS: config.ProducerTLS{TLSMaxVersion: "1.2"}},
		}
	})
	tests := []struct {
		receiver, profile, version string
		producer                   *tlsProducer
		fault                      bool
	}{
		{"PROD-A", "default", "TLS 1.3", a, false},
		{"PROD-B", "partner-b", "TLS 1.2", b, false},
		{"PROD-C", "no-hostname", "TLS 1.3", c, false},
		{"PROD-C-BY-NAME", "default", "", c, true}, // no profile for that host: the name is verified
		{"PROD-D", "tls12-only", "", d, true},      // no version both sides speak
	}
	for i, tt := range tests {
		t.Run(tt.receiver, func(t *testing.T) {
			before := tt.producer.calls.Load()
			id := fmt.Sprintf("producer-tls-%d", i)
			r := vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", tt.receiver), http.Header{"X-Skltp-Correlation-Id": {id}})
			line := exchangeLine(t, vb.logs, id)
			assert.Equal(t, tt.profile, line["producer_tls_profile"])
			if tt.fault {
				f := r.fault(t)
				assert.Equal(t, vpfault.VP009, f.Code)
				assert.Contains(t, f.DetailString, "SSLHandshakeException")
				assert.Equal(t, before, tt.producer.calls.Load(), "the call never reached the producer")
				assert.NotContains(t, line, "producer_tls")
				return
			}
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, before+1, tt.producer.calls.Load())
			assert.Equal(t, tt.version, line["producer_tls"])
			assert.Equal(t, tt.producer.cert.Subject.String(), line["producer_cert"])
			assert.Equal(t, fmt.Sprintf("%X", tt.producer.cert.SerialNumber), line["producer_cert_serial"])
		})
	}

	// A reload (SIGHUP) keeps every profile.
	rep := vb.gw.Reload(t.Context())
	require.Equal(t, "ok", rep.Producers)
	r := vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", "PROD-B"), nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))

	// What `gateway --check` lists is what the calls used.
	want := map[string]string{
		fmt.Sprintf("https://127.0.0.1:%d", a.port): "default",
		fmt.Sprintf("https://localhost:%d", b.port): "partner-b",
		fmt.Sprintf("https://127.0.0.1:%d", c.port): "no-hostname",
		fmt.Sprintf("https://localhost:%d", c.port): "default",
		fmt.Sprintf("https://localhost:%d", d.port): "tls12-only",
	}
	got := map[string]string{}
	for _, e := range vb.gw.ProducerTLS() {
		got[e.Endpoint] = e.Profile
		assert.Equal(t, 1, e.Addresses, e.Endpoint)
	}
	assert.Equal(t, want, got)
}
