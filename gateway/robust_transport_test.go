package gateway

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Transport attacks and misuse against real listeners (issue 11, part 2):
// bad client certificates, old TLS versions, slow clients, spoofed identity
// headers on the plain listener, oversized headers and request smuggling
// written byte by byte. Every case asserts the exact outcome and that the
// producer saw nothing it should not have.

// TestClientCertificateAttacks: each bad certificate is refused in the
// handshake (the client sees the alert) or answered with VP002; the
// producer never sees a call.
func TestClientCertificateAttacks(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	crlCA := vb.ca
	revoked, err := crlCA.IssueClient("SE-REVOKED", pki.Options{})
	require.NoError(t, err)
	crl, err := crlCA.RevocationList([]*x509.Certificate{revoked.Cert}, time.Hour)
	require.NoError(t, err)
	crlPath := filepath.Join(vb.dir, "revoked.crl")
	require.NoError(t, os.WriteFile(crlPath, crl, 0o644))
	// A second gateway on the same PKI with the CRL and one in require mode.
	withCRL := newBed(t, vbTAK(vb), reuseCA(vb.bed), func(b *bed) { b.cfg.TLS.CRL = []string{crlPath} })
	requireBed := newBed(t, vbTAK(vb), reuseCA(vb.bed), func(b *bed) { b.cfg.TLS.ClientAuth = "require" })

	now := time.Now()
	expired, err := vb.ca.IssueClient(consumerID, pki.Options{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
	noErr(t, err)
	future, err := vb.ca.IssueClient(consumerID, pki.Options{NotBefore: now.Add(24 * time.Hour), NotAfter: now.Add(48 * time.Hour)})
	noErr(t, err)
	other, err := pki.NewCA("someone else's CA")
	noErr(t, err)
	stranger, err := other.IssueClient(consumerID, pki.Options{})
	noErr(t, err)
	noSerial, err := vb.ca.Issue(pki.Options{CommonName: "consumer without serial"})
	noErr(t, err)

	tests := []struct {
		name       string
		b          *bed
		cert       *pki.Cert
		force      bool   // send the certificate whatever CAs the server asks for
		wantErr    string // handshake refused: the client's error
		wantDetail string // else VP002 with this detail
	}{
		{name: "no certificate, verify_if_given", b: vb.bed, wantDetail: "No client certificate was presented in the TLS handshake"},
		{name: "no certificate, require", b: requireBed, wantErr: "certificate required"},
		{name: "expired", b: vb.bed, cert: expired, force: true, wantErr: "expired certificate"},
		{name: "not yet valid", b: vb.bed, cert: future, force: true, wantErr: "expired certificate"},
		{name: "wrong CA, sent anyway", b: vb.bed, cert: stranger, force: true, wantErr: "unknown certificate authority"},
		{name: "wrong CA, Go client withholds it", b: vb.bed, cert: stranger, wantDetail: "No client certificate was presented in the TLS handshake"},
		{name: "revoked by CRL", b: withCRL, cert: revoked, force: true, wantErr: "bad certificate"},
		{name: "no SERIALNUMBER", b: vb.bed, cert: noSerial, force: true, wantDetail: "No senderId found in Certificate: CN=consumer without serial,O=rivgate test PKI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := vb.p21.count()
			c := tt.b.clientWith(tt.cert)
			var forced *tls.Config
			if tt.force {
				tc := tt.cert.TLSCertificate()
				forced = &tls.Config{RootCAs: tt.b.ca.Pool(), GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tc, nil }}
				c = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: forced}}
			}
			if tt.wantErr != "" {
				// With TLS 1.3 the client finishes its side before the
				// server checks the certificate: the alert arrives on the
				// first read, so read instead of racing a request write.
				cfg := forced
				if cfg == nil {
					cfg = &tls.Config{RootCAs: tt.b.ca.Pool()}
				}
				conn, err := tls.Dial("tcp", tt.b.gw.Addr(HTTPS), cfg)
				if err == nil {
					_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
					_, err = conn.Read(make([]byte, 1))
					conn.Close()
				}
				require.Error(t, err, "handshake accepted")
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				req, err := http.NewRequest(http.MethodPost, tt.b.url(HTTPS), bytes.NewReader(sample(t, "Rivta21Request.xml", "")))
				noErr(t, err)
				resp, err := c.Do(req)
				noErr(t, err)
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				r := response{status: resp.StatusCode, header: resp.Header, body: body}
				f := r.fault(t)
				assert.Equal(t, http.StatusInternalServerError, r.status)
				assert.Equal(t, vpfault.VP002, f.Code)
				assert.Equal(t, "SOAP-ENV:Client", f.FaultCode)
				assert.Equal(t, tt.wantDetail, f.DetailString)
			}
			assert.Equal(t, before, vb.p21.count(), "the producer saw nothing")
		})
	}
}

// TestOldTLSVersionsRefused: TLS 1.0 and 1.1 fail the handshake with a
// protocol_version alert, from a Go client and from curl; 1.2 and 1.3 work.
func TestOldTLSVersionsRefused(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	cc, err := vb.ca.IssueClient(consumerID, pki.Options{})
	noErr(t, err)
	for _, tt := range []struct {
		name    string
		max     uint16
		wantErr string
	}{
		{"TLS 1.0", tls.VersionTLS10, "protocol version"},
		{"TLS 1.1", tls.VersionTLS11, "protocol version"},
		{"TLS 1.2", tls.VersionTLS12, ""},
		{"TLS 1.3", tls.VersionTLS13, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: vb.ca.Pool(), Certificates: []tls.Certificate{cc.TLSCertificate()}, MinVersion: tls.VersionTLS10, MaxVersion: tt.max}
			conn, err := tls.Dial("tcp", vb.gw.Addr(HTTPS), cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			noErr(t, err)
			defer conn.Close()
			assert.Equal(t, tt.max, conn.ConnectionState().Version)
		})
	}

	t.Run("curl --tls-max 1.1", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("curl missing: apt-get install -y curl (scripts/test.sh installs it)")
		}
		dir := t.TempDir()
		certPath, keyPath, err := cc.WriteFiles(dir, "client")
		noErr(t, err)
		caPath := filepath.Join(dir, "ca.pem")
		noErr(t, os.WriteFile(caPath, vb.ca.CertPEM, 0o644))
		// SECLEVEL=0 lets OpenSSL 3 offer TLS 1.0/1.1 at all, so the
		// refusal seen is the gateway's, not curl's own policy.
		out, err := exec.Command("curl", "-sS", "--max-time", "10", "--tlsv1.0", "--tls-max", "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0",
			"--cacert", caPath, "--cert", certPath, "--key", keyPath,
			"-d", "<x/>", vb.url(HTTPS)).CombinedOutput()
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "curl with TLS <= 1.1 must fail: %v\n%s", err, out)
		if strings.Contains(string(out), "no protocols available") || strings.Contains(string(out), "unsupported protocol") && !strings.Contains(string(out), "alert") {
			t.Skipf("this curl/OpenSSL cannot offer TLS <= 1.1 at all: %s", out)
		}
		assert.Equal(t, 35, ee.ExitCode(), "CURLE_SSL_CONNECT_ERROR: %s", out)
		assert.Contains(t, string(out), "alert protocol version", "the gateway answered with a protocol_version alert")
		assert.Equal(t, 0, vb.p21.count())
	})
}

// rawTLS opens a TLS connection with the consumer's certificate.
func rawTLS(t *testing.T, b *bed) *tls.Conn {
	t.Helper()
	cc, err := b.ca.IssueClient(consumerID, pki.Options{})
	noErr(t, err)
	conn, err := tls.Dial("tcp", b.gw.Addr(HTTPS), &tls.Config{RootCAs: b.ca.Pool(), Certificates: []tls.Certificate{cc.TLSCertificate()}})
	noErr(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// serverCloses reads until the server closes conn and reports what it
// sent; it fails the test when the server keeps the connection open for
// limit.
func serverCloses(t *testing.T, conn net.Conn, limit time.Duration) (got []byte, after time.Duration) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server kept the connection open for %s (read %q)", limit, got)
	}
	return got, time.Since(start)
}

// TestSlowClientsAreCutOff: slow TLS handshakes, slow headers and stalled
// bodies are closed or answered by the server's timeouts.
func TestSlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	const hdrTimeout, bodyTimeout = 600 * time.Millisecond, 700 * time.Millisecond
	vb := newVPBed(t, func(b *bed) {
		b.cfg.Listen.ReadHeaderTimeout = yamlstrict.Duration(hdrTimeout)
		b.cfg.Listen.BodyTimeout = yamlstrict.Duration(bodyTimeout)
		b.cfg.Producers.Timeout = yamlstrict.Duration(20 * time.Second) // longer than the body timeout: the stall is the consumer's
	})
	req := sample(t, "Rivta21Request.xml", "")
	headEnd := bytes.Index(req, []byte("<ns2:healthcare_facility")) // past the first Body child's start tag
	require.Positive(t, headEnd)

	t.Run("TCP connection that never starts TLS", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", vb.gw.Addr(HTTPS))
		noErr(t, err)
		defer conn.Close()
		got, _ := serverCloses(t, conn, 20*hdrTimeout)
		assert.Empty(t, got)
	})
	t.Run("headers one byte at a time (slowloris)", func(t *testing.T) {
		t.Parallel()
		conn := rawTLS(t, vb.bed)
		_, err := io.WriteString(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\n")
		noErr(t, err)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // keep dripping header bytes until the server gives up
			defer wg.Done()
			tick := time.NewTicker(hdrTimeout / 6)
			defer tick.Stop()
			for i := 0; i < 200; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte("X")); err != nil {
						return
					}
				}
			}
		}()
		got, _ := serverCloses(t, conn, 20*hdrTimeout)
		close(stop)
		wg.Wait()
		r := parseRawResponse(t, got)
		assert.Equal(t, http.StatusBadRequest, r.status, "net/http answers a header timeout on TLS with 400 and closes")
		assert.Contains(t, string(got), "\r\nConnection: close\r\n")
	})
	t.Run("body stalls before the envelope head is complete", func(t *testing.T) {
		t.Parallel()
		before := vb.p21.count()
		conn := rawTLS(t, vb.bed)
		fmt.Fprintf(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", len(req))
		_, err := conn.Write(req[:headEnd/2])
		noErr(t, err)
		got, _ := serverCloses(t, conn, 20*bodyTimeout)
		r := parseRawResponse(t, got)
		f := r.fault(t)
		assert.Equal(t, http.StatusInternalServerError, r.status)
		assert.Equal(t, vpfault.VP015, f.Code)
		assert.Equal(t, "The request could not be read properly. Request body stalled: no bytes for 700ms (listen.body_timeout)", f.DetailString)
		assert.Equal(t, before, vb.p21.count(), "the producer saw nothing")
	})
	t.Run("body stalls while it is forwarded", func(t *testing.T) {
		t.Parallel()
		p := newProducer(t, nil)
		sb := newBed(t, fill(`routes: [{receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/p"}]
permissions: [{sender: "{{C}}", receiver: RIVTA21REQUEST, contract: "{{NS}}"}]
`, "{{NS}}", scheduleNS, "{{P}}", p.srv.URL, "{{C}}", consumerID), func(b *bed) {
			b.cfg.Listen.BodyTimeout = yamlstrict.Duration(bodyTimeout)
			b.cfg.Producers.Timeout = yamlstrict.Duration(20 * time.Second)
		})
		conn := rawTLS(t, sb)
		fmt.Fprintf(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", len(req)+100)
		_, err := conn.Write(req) // the head and more, then 100 bytes never come
		noErr(t, err)
		got, _ := serverCloses(t, conn, 20*bodyTimeout)
		r := parseRawResponse(t, got)
		f := r.fault(t)
		assert.Equal(t, vpfault.VP015, f.Code, "the consumer's stall, not a producer timeout")
		assert.Contains(t, f.DetailString, "Request body stalled")
		require.Eventually(t, func() bool { return p.count() == 1 }, 5*time.Second, 10*time.Millisecond)
		assert.Error(t, p.last(t).err, "the producer got the call cut off, never complete")
	})
}

// parseRawResponse reads one HTTP response from raw bytes.
func parseRawResponse(t *testing.T, raw []byte) response {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	require.NoError(t, err, "not an HTTP response: %q", raw)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	noErr(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// TestSpoofedIdentityHeaders: the plain listener trusts x-vp-sender-id only
// with the shared secret from an allowed peer, and certificate headers only
// from allowed peers.
func TestSpoofedIdentityHeaders(t *testing.T) {
	t.Parallel()
	const secret = "the-internal-secret-0123456789"
	open := newVPBed(t, func(b *bed) { b.cfg.HTTP.InternalSecret = secret })
	closed := newBed(t, vbTAK(open), reuseCA(open.bed), func(b *bed) {
		b.cfg.HTTP.InternalSecret = secret
		b.cfg.HTTP.AllowedCIDRs = []string{"10.0.0.0/8"} // 127.0.0.1 is outside
	})
	noSecret := newBed(t, vbTAK(open), reuseCA(open.bed)) // no internal_secret configured
	cc, err := open.ca.IssueClient(consumerID, pki.Options{})
	noErr(t, err)
	certHdr := strings.ReplaceAll(string(cc.CertPEM), "\n", " ")
	body := sample(t, "Rivta21Request.xml", "")
	tests := []struct {
		name       string
		b          *bed
		hdr        http.Header
		wantCode   vpfault.Code
		wantDetail string
	}{
		{"sender id without the secret", open.bed, http.Header{"X-Vp-Sender-Id": {consumerID}}, vpfault.VP002, "No certificate found in httpheader x-vp-auth-cert"},
		{"sender id with a wrong secret", open.bed, http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {"guessed-instance-id"}}, vpfault.VP002, "No certificate found in httpheader x-vp-auth-cert"},
		{"sender id with the instance id as secret", open.bed, http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {instanceID}}, vpfault.VP002, "No certificate found in httpheader x-vp-auth-cert"},
		{"sender id when no secret is configured", noSecret, http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {secret}}, vpfault.VP002, "No certificate found in httpheader x-vp-auth-cert"},
		{"sender id with the secret from outside the allow list", closed, http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {secret}}, vpfault.VP011, "Caller was not on the white list of accepted IP-addresses.  IP-address: 127.0.0.1."},
		{"certificate header from outside the allow list", closed, http.Header{"X-Vp-Auth-Cert": {certHdr}}, vpfault.VP011, "Caller was not on the white list of accepted IP-addresses.  IP-address: 127.0.0.1."},
		{"garbage certificate header", open.bed, http.Header{"X-Vp-Auth-Cert": {"-----BEGIN CERTIFICATE----- AAAA -----END CERTIFICATE-----"}}, vpfault.VP002, "Exception occured parsing certificate in httpheader x-vp-auth-cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := open.p21.count()
			r := tt.b.post(t, http.DefaultClient, HTTP, body, tt.hdr)
			f := r.fault(t)
			assert.Equal(t, http.StatusInternalServerError, r.status)
			assert.Equal(t, tt.wantCode, f.Code)
			assert.Equal(t, tt.wantDetail, f.DetailString)
			assert.Equal(t, before, open.p21.count(), "the producer saw nothing")
		})
	}
}

// TestOversizedRequestHeaders: headers over listen.max_header_bytes get
// HTTP 431 from net/http before the gateway runs.
func TestOversizedRequestHeaders(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t, func(b *bed) { b.cfg.Listen.MaxHeaderBytes = 16 << 10 })
	for _, listener := range []string{HTTPS, HTTP} {
		t.Run(listener, func(t *testing.T) {
			c := vb.client
			if listener == HTTP {
				c = http.DefaultClient
			}
			r := vb.post(t, c, listener, sample(t, "Rivta21Request.xml", ""), http.Header{"X-Padding": {strings.Repeat("a", 64<<10)}})
			assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, r.status)
			assert.Equal(t, 0, vb.p21.count())
		})
	}
}

// TestRequestSmuggling writes ambiguous framing byte for byte. net/http
// rejects what RFC 9112 forbids; for Content-Length with
// Transfer-Encoding it follows Transfer-Encoding and drops Content-Length,
// and the gateway re-frames the body towards the producer, so the
// producer sees exactly one call with exactly one framing header.
func TestRequestSmuggling(t *testing.T) {
	t.Parallel()
	prod := newFramingProducer(t)
	sb := newBed(t, fill(`routes: [{receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/p"}]
permissions: [{sender: "{{C}}", receiver: RIVTA21REQUEST, contract: "{{NS}}"}]
`, "{{NS}}", scheduleNS, "{{P}}", prod.url, "{{C}}", consumerID))
	msg := sample(t, "Rivta21Request.xml", "")
	chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(msg), msg)
	smuggled := "POST /vp/smuggled HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\n\r\n<a/>"

	tests := []struct {
		name       string
		raw        string
		wantStatus []int // one per response on the connection
		wantCalls  int
		wantClosed bool // the server closes the connection after the last response
	}{
		// RFC 9112 6.1: Transfer-Encoding overrides Content-Length (net/http
		// drops Content-Length); it asks a server to close the connection
		// after such a request, which net/http does not (docs/robustness.md).
		{"Content-Length and Transfer-Encoding", "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked, []int{200}, 1, false},
		// The bytes after the chunked body are a request of their own on
		// the same connection (same client certificate): a malformed SOAP
		// call, VP015; nothing reaches the producer.
		{"Content-Length and Transfer-Encoding with a smuggled request", "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + smuggled, []int{200, 500}, 1, false},
		{"two different Content-Lengths", fmt.Sprintf("POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Length: %d\r\nContent-Length: 6\r\n\r\n%s", len(msg), msg), []int{400}, 0, true},
		{"obfuscated Transfer-Encoding", "POST /vp/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: xchunked\r\n\r\n" + chunked, []int{501}, 0, true},
		{"Transfer-Encoding chunked, identity", "POST /vp/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked, identity\r\n\r\n" + chunked, []int{501}, 0, true},
		{"space before the colon", "POST /vp/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding : chunked\r\nContent-Length: 6\r\n\r\n" + chunked, []int{400}, 0, true},
		{"signed Content-Length", fmt.Sprintf("POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Length: +%d\r\n\r\n%s", len(msg), msg), []int{400}, 0, true},
		// net/http takes a bare LF after the chunk size but not after the
		// data: the body breaks off, VP015, and the producer gets nothing.
		{"bare LF chunk lines", "POST /vp/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.ReplaceAll(chunked, "\r\n", "\n"), []int{500}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := prod.count()
			conn := rawTLS(t, sb)
			_, err := io.WriteString(conn, tt.raw)
			noErr(t, err)
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(conn)
			for i, want := range tt.wantStatus {
				resp, err := http.ReadResponse(br, nil)
				require.NoError(t, err, "response %d", i)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Equal(t, want, resp.StatusCode, "response %d: %s", i, body)
				if want == http.StatusInternalServerError {
					f, err := vpfault.Parse(body)
					require.NoError(t, err, "%s", body)
					assert.Equal(t, vpfault.VP015, f.Code)
				}
				if i == len(tt.wantStatus)-1 {
					assert.Equal(t, tt.wantClosed, resp.Close, "Connection: close")
				}
			}
			require.Eventually(t, func() bool { return prod.count()-before == tt.wantCalls }, 5*time.Second, 10*time.Millisecond, "producer calls: %d", prod.count()-before)
			for _, h := range prod.headersSince(before) {
				hasCL := strings.Contains(strings.ToLower(h), "\r\ncontent-length:")
				hasTE := strings.Contains(strings.ToLower(h), "\r\ntransfer-encoding:")
				assert.True(t, hasCL != hasTE, "exactly one framing header towards the producer:\n%s", h)
			}
			for _, b := range prod.bodiesSince(before) {
				assert.Equal(t, string(msg), b, "the producer got the chunked body, whole and once")
			}
		})
	}
}

// framingProducer records each request's raw header block (to check framing)
// and its decoded body.
type framingProducer struct {
	url     string
	mu      sync.Mutex
	headers []string
	bodies  []string
}

func newFramingProducer(t *testing.T) *framingProducer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, err)
	p := &framingProducer{url: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				p.serve(c)
			}()
		}
	}()
	return p
}

func (p *framingProducer) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for range 100 {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var hdr bytes.Buffer
		for {
			line, err := br.ReadString('\n')
			hdr.WriteString(line)
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
		}
		req, err := http.ReadRequest(bufio.NewReader(io.MultiReader(bytes.NewReader(hdr.Bytes()), br)))
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.headers = append(p.headers, hdr.String())
		p.bodies = append(p.bodies, string(body))
		p.mu.Unlock()
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: %d\r\n\r\n%s", len(okResponse), okResponse)
	}
}

func (p *framingProducer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.headers)
}

func (p *framingProducer) headersSince(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.headers[n:]...)
}

func (p *framingProducer) bodiesSince(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.bodies[n:]...)
}

// vbTAK is the TAK file of a running bed, for a second gateway with the
// same routes.
func vbTAK(vb *vpBed) string {
	b, err := os.ReadFile(vb.takPath)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// reuseCA makes a new bed trust (and issue from) another bed's CA, so one
// client certificate works against both.
func reuseCA(from *bed) bedOpt {
	return func(b *bed) {
		b.ca = from.ca
		caPath := filepath.Join(b.dir, "ca.pem")
		if err := os.WriteFile(caPath, from.ca.CertPEM, 0o644); err != nil {
			panic(err)
		}
		srv, err := from.ca.IssueServer(pki.Options{})
		if err != nil {
			panic(err)
		}
		cert, key, err := srv.WriteFiles(b.dir, "server-shared")
		if err != nil {
			panic(err)
		}
		b.cfg.TLS.Cert, b.cfg.TLS.Key, b.cfg.TLS.ClientCA = cert, key, caPath
		b.cfg.Producers.CA = caPath
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	require.NoError(t, err)
}

// TestConsumerThatStopsReading: a consumer that sends its call and then
// reads nothing of a large answer stalls the copy; producers.timeout
// (time without progress) ends the exchange, so the producer connection
// and the gateway's goroutines do not wait for ever.
func TestConsumerThatStopsReading(t *testing.T) {
	t.Parallel()
	wrote := make(chan error, 1)
	p := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		chunk := bytes.Repeat([]byte("<x>0123456789</x>"), 4096)
		var err error
		for i := 0; i < 4000 && err == nil; i++ { // up to 280 MB, far beyond socket buffers
			_, err = w.Write(chunk)
		}
		wrote <- err
	})
	yaml := fill(`routes: [{receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/p"}]
permissions: [{sender: "{{C}}", receiver: RIVTA21REQUEST, contract: "{{NS}}"}]
`, "{{NS}}", scheduleNS, "{{P}}", p.srv.URL, "{{C}}", consumerID)
	b := newBed(t, yaml, func(b *bed) {
		b.cfg.Producers.Timeout = yamlstrict.Duration(time.Second)
		b.cfg.Limits.MaxBody = 1 << 30
	})
	conn := rawTLS(t, b)
	req := sample(t, "Rivta21Request.xml", "")
	fmt.Fprintf(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(req), req)
	// Read nothing. The producer's writes must fail once the gateway
	// gives up on the stalled copy.
	select {
	case err := <-wrote:
		require.Error(t, err, "the producer wrote its whole answer into a consumer that reads nothing")
	case <-time.After(60 * time.Second):
		t.Fatal("the producer is still writing after 60 s: the stalled exchange was not ended")
	}
}
