package gateway

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/scriptedproducer"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Failing producers (issue 11, part 3): each misbehaviour is served by a
// scripted producer on a raw listener (so it can reset, drip, lie about
// lengths) behind a real gateway, and must map to its outcome with no
// goroutine left behind and no connection left open at the producer.

// scriptedProducer runs a script on every accepted connection and counts
// connections and whole requests (internal/testutil/scriptedproducer).
type scriptedProducer = scriptedproducer.Producer

// newScripted listens on 127.0.0.1; with cert the connections are TLS.
// A nil script answers every request with okResponse.
func newScripted(t testing.TB, cert *pki.Cert, script scriptedproducer.Script) *scriptedProducer {
	t.Helper()
	if script == nil {
		script = func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			for p.ReadRequest(br) {
				writeOK(c)
			}
		}
	}
	return scriptedproducer.New(t, cert, script)
}

func writeOK(c net.Conn) {
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: %d\r\n\r\n%s", len(okResponse), okResponse)
}

// settleGoroutines waits until the goroutine count is back at or below
// want (background goroutines finish asynchronously) and returns it.
func settleGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

type producerFault struct {
	name   string
	cert   func(ca *pki.CA) *pki.Cert // https producer; nil = http
	script func(p *scriptedProducer, c net.Conn, br *bufio.Reader)
	// Outcome: a VP fault with code and detail (detail with {{URL}} for
	// the producer address), or a status and body passed through, or a
	// response that breaks off (truncated).
	code      vpfault.Code
	detail    string
	detailRE  string // instead of detail, where a race decides the text
	status    int
	body      string
	truncated bool
	// What the producer saw.
	wantAccepted, wantRequests int64
	acceptedAlt                int64 // also fine: a failed connect retried
}

// TestFailingProducers runs each misbehaving producer through one real
// gateway. Not parallel: it counts the process's goroutines.
func TestFailingProducers(t *testing.T) {
	pca, err := pki.NewCA("producer CA")
	require.NoError(t, err)
	other, err := pki.NewCA("a CA the gateway does not trust")
	require.NoError(t, err)
	chunk := func(c net.Conn, s string) { fmt.Fprintf(c, "%x\r\n%s\r\n", len(s), s) }
	big := strings.Repeat("<x>0123456789</x>", 10000) // 170 KB, over the 64 KiB limit below

	faults := []producerFault{
		{name: "refused", code: vpfault.VP009,
			detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (ConnectException: Connection refused: {{ADDR}})"},
		// The RST races the gateway's connect and its first write: the
		// connect may fail (nothing sent, so the one retry is made, and is
		// reset too), or the write or the read after it may. Whichever:
		// VP009, and the producer read no request.
		{name: "reset before the request was read", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) { scriptedproducer.Reset(c) },
			code: vpfault.VP009, detailRE: `^Error connecting to service producer at address {{URL}}/p\. Exception Caught by Camel when contacting producer\. Exception information: \(` +
				`(SocketException: Connection reset|IOException: write tcp [0-9.:]+->{{ADDR}}: write: broken pipe|ConnectException: dial tcp {{ADDR}}: connect: connection reset by peer)\)$`,
			wantAccepted: 1, acceptedAlt: 2},
		{name: "reset after the request was read", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			scriptedproducer.Reset(c)
		}, code: vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (SocketException: Connection reset)",
			wantAccepted: 1, wantRequests: 1},
		{name: "TLS handshake failure (unknown CA)", cert: func(*pki.CA) *pki.Cert { c, _ := other.IssueServer(pki.Options{}); return c },
			script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) { _, _ = br.ReadByte() },
			code:   vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (SSLHandshakeException: tls: failed to verify certificate: x509: certificate signed by unknown authority)",
			wantAccepted: 1},
		{name: "TLS handshake reset", code: vpfault.VP009, wantAccepted: 1,
			detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (SocketException: Connection reset)"},
		{name: "hostname mismatch", cert: func(ca *pki.CA) *pki.Cert {
			c, _ := ca.IssueServer(pki.Options{DNSNames: []string{"wrong.example"}, IPAddresses: []net.IP{net.IPv4(192, 0, 2, 1)}})
			return c
		},
			script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) { _, _ = br.ReadByte() },
			code:   vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (SSLHandshakeException: tls: failed to verify certificate: x509: certificate is valid for 192.0.2.1, not 127.0.0.1)",
			wantAccepted: 1},
		{name: "slow drip within the timeout", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
			for _, b := range okResponse[:20] {
				chunk(c, string(b))
				time.Sleep(30 * time.Millisecond)
			}
			chunk(c, string(okResponse[20:]))
			io.WriteString(c, "0\r\n\r\n")
		}, status: 200, body: string(okResponse), wantAccepted: 1, wantRequests: 1},
		{name: "drip that stalls past the timeout", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk(c, string(okResponse[:20]))
			time.Sleep(3 * time.Second) // the gateway's timeout is 1s
		}, truncated: true, wantAccepted: 1, wantRequests: 1},
		{name: "silent producer", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			_, _ = br.ReadByte() // until the gateway gives up and closes
		}, code: vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (TimeoutException: Timeout when waiting on response from producer.)",
			wantAccepted: 1, wantRequests: 1},
		{name: "response over the limit, declared", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(big), big)
		}, code: vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Producer response of 170000 bytes exceeds limits.max_body (65536 bytes)",
			wantAccepted: 1, wantRequests: 1},
		{name: "response over the limit, chunked", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk(c, big)
			io.WriteString(c, "0\r\n\r\n")
		}, truncated: true, wantAccepted: 1, wantRequests: 1},
		// VP's patched Netty decoder passes the short body on as complete
		// (FullServiceInvalidContentLengthIT). rivgate streams: the
		// producer's length is already sent when the body falls short, so
		// the answer breaks off, an incomplete message as RFC 9112 6.3 has
		// it (docs/robustness.md).
		{name: "Content-Length larger than the body", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(okResponse)+100, okResponse)
		}, truncated: true, wantAccepted: 1, wantRequests: 1},
		{name: "100-continue before the answer", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
			writeOK(c)
		}, status: 200, body: string(okResponse), wantAccepted: 1, wantRequests: 1},
		{name: "HTML error page with 502", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			const page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
			fmt.Fprintf(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", len(page), page)
		}, code: vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (HttpOperationFailedException: HTTP operation failed invoking {{URL}}/p with statusCode: 502)\nVP_PRODUCER_EXCEPTION_HTTP_STATUS=502",
			wantAccepted: 1, wantRequests: 1},
		{name: "empty 200", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 0\r\n\r\n")
		}, code: vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Empty message when server responded with status code: 200 OK",
			wantAccepted: 1, wantRequests: 1},
		{name: "empty 200 closed by the producer", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\n\r\n")
		}, code: vpfault.VP009, detail: "Error connecting to service producer at address {{URL}}/p. Empty message when server responded with status code: 200 OK",
			wantAccepted: 1, wantRequests: 1},
		{name: "close mid-body", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk(c, string(okResponse[:40]))
		}, truncated: true, wantAccepted: 1, wantRequests: 1},
		{name: "not HTTP at all", script: func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			p.ReadRequest(br)
			io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n")
		}, code: vpfault.VP009, detail: `Error connecting to service producer at address {{URL}}/p. Exception Caught by Camel when contacting producer. Exception information: (IOException: net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0-OpenSSH_9.2")`,
			wantAccepted: 1, wantRequests: 1},
	}

	// The handshake-reset producer is plain TCP that resets after reading
	// the ClientHello, behind an https:// address.
	var routes strings.Builder
	prods := make([]*scriptedProducer, len(faults))
	urls := make([]string, len(faults))
	for i, f := range faults {
		switch {
		case f.name == "refused":
			urls[i] = "http://" + closedAddr(t)
		case f.name == "TLS handshake reset":
			p := newScripted(t, nil, func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
				_, _ = br.ReadByte()
				scriptedproducer.Reset(c)
			})
			prods[i] = p
			urls[i] = strings.Replace(p.URL, "http://", "https://", 1)
		default:
			var cert *pki.Cert
			if f.cert != nil {
				cert = f.cert(pca)
				require.NotNil(t, cert)
			}
			prods[i] = newScripted(t, cert, f.script)
			urls[i] = prods[i].URL
		}
		fmt.Fprintf(&routes, "  - {receiver: P%d, contract: %q, profile: RIVTABP21, address: %q}\n", i, scheduleNS, urls[i]+"/p")
	}
	yaml := "routes:\n" + routes.String() + fmt.Sprintf("permissions:\n  - {sender: %q, receiver: \"*\", contract: %q}\n", consumerID, scheduleNS)
	pcaPath := filepath.Join(t.TempDir(), "producer-ca.pem")
	require.NoError(t, os.WriteFile(pcaPath, pca.CertPEM, 0o644))
	b := newBed(t, yaml, func(b *bed) {
		b.cfg.Producers.CA = pcaPath
		b.cfg.Producers.Timeout = yamlstrict.Duration(time.Second)
		b.cfg.Limits.MaxBody = 64 << 10
		b.cfg.Limits.MaxHead = 32 << 10
	})
	cc, err := b.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	tlsCfg := &tls.Config{RootCAs: b.ca.Pool(), Certificates: []tls.Certificate{cc.TLSCertificate()}}

	for i, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			// Each call on its own client connection, closed after: what
			// remains afterwards is the gateway's.
			tr := &http.Transport{TLSClientConfig: tlsCfg, DisableKeepAlives: true}
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			b.gw.transport.CloseIdleConnections()
			time.Sleep(20 * time.Millisecond)
			before := runtime.NumGoroutine()

			req, err := http.NewRequest(http.MethodPost, b.url(HTTPS), strings.NewReader(string(sample(t, "Rivta21Request.xml", fmt.Sprintf("P%d", i)))))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
			resp, err := client.Do(req)
			require.NoError(t, err)
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			r := response{status: resp.StatusCode, header: resp.Header, body: body}
			switch {
			case f.truncated:
				require.Error(t, rerr, "the answer must break off, not look complete (got HTTP %d, %d bytes)", r.status, len(body))
				assert.True(t, errors.Is(rerr, io.ErrUnexpectedEOF), "%v", rerr)
				assert.Equal(t, http.StatusOK, r.status, "the producer's status went out before the failure")
			case f.code != 0:
				require.NoError(t, rerr)
				pf := r.fault(t)
				assert.Equal(t, http.StatusInternalServerError, r.status)
				assert.Equal(t, f.code, pf.Code)
				fill := strings.NewReplacer("{{URL}}", urls[i], "{{ADDR}}", strings.TrimPrefix(strings.TrimPrefix(urls[i], "http://"), "https://")).Replace
				if f.detailRE != "" {
					re := strings.NewReplacer("{{URL}}", regexp.QuoteMeta(urls[i]), "{{ADDR}}", regexp.QuoteMeta(strings.TrimPrefix(urls[i], "http://"))).Replace(f.detailRE)
					assert.Regexp(t, re, pf.DetailString)
				} else {
					assert.Equal(t, fill(f.detail), pf.DetailString)
				}
			default:
				require.NoError(t, rerr)
				assert.Equal(t, f.status, r.status)
				assert.Equal(t, f.body, string(body))
			}
			if p := prods[i]; p != nil {
				require.Eventually(t, func() bool {
					n := p.Accepted.Load()
					return n == f.wantAccepted || f.acceptedAlt != 0 && n == f.acceptedAlt
				}, 5*time.Second, 10*time.Millisecond, "connections the producer accepted: %d", p.Accepted.Load())
				assert.Equal(t, f.wantRequests, p.Requests.Load(), "requests the producer read (a retry after the request was sent would make 2)")
			}

			// No leak: with the client gone and the gateway's idle pool
			// closed, the producer has no open connection and the
			// goroutine count is back where it was.
			tr.CloseIdleConnections()
			b.gw.transport.CloseIdleConnections()
			if p := prods[i]; p != nil {
				require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 5*time.Second, 10*time.Millisecond,
					"connections still open at the producer: %d", p.Open.Load())
			}
			after := settleGoroutines(before)
			assert.LessOrEqual(t, after, before, "goroutines before %d, after %d", before, after)
			t.Logf("goroutines before %d, after %d; producer connections accepted %d, open %d", before, after, acceptedOf(prods[i]), openOf(prods[i]))
		})
	}
}

// TestRefusedThenUpIsRetriedOnce: a producer that refuses the connection
// and is listening by the time of the retry gets the call exactly once.
func TestRefusedThenUpIsRetriedOnce(t *testing.T) {
	t.Parallel()
	port := testutil.Refused(t)
	addr := port.Addr
	yaml := fmt.Sprintf("routes:\n  - {receiver: UP, contract: %q, profile: RIVTABP21, address: %q}\npermissions:\n  - {sender: %q, receiver: UP, contract: %q}\n",
		scheduleNS, "http://"+addr+"/p", consumerID, scheduleNS)
	b := newBed(t, yaml, func(b *bed) { b.cfg.Producers.RetryDelay = yamlstrict.Duration(time.Second) })
	var p *producer
	done := make(chan int, 1)
	msg := sample(t, "Rivta21Request.xml", "UP")
	go func() {
		resp, err := b.client.Post(b.url(HTTPS), "text/xml; charset=UTF-8", strings.NewReader(string(msg)))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond) // the first connect was refused by now; the retry comes at 1s
	ln := port.Listen(t)
	p = &producer{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.got = append(p.got, recorded{body: body})
		p.mu.Unlock()
		_, _ = w.Write(okResponse)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	assert.Equal(t, http.StatusOK, <-done)
	assert.Equal(t, 1, p.count(), "one call, delivered by the retry")
}

func acceptedOf(p *scriptedProducer) int64 {
	if p == nil {
		return 0
	}
	return p.Accepted.Load()
}

func openOf(p *scriptedProducer) int64 {
	if p == nil {
		return 0
	}
	return p.Open.Load()
}
