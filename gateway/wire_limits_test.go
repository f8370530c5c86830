package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
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
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Slow peers, floods and early refusals on the wire (issue 19, items 4 and
// 10). Black-box: real gateways on loopback, consumers over real TLS
// (raw connections where the test needs to control reading and writing),
// producers on raw or httptest listeners. The deadlines are configured
// small, and each test waits for a condition (an answer, an exchange log
// line), never for a fixed time.

// routeTo is a catalogue routing RIVTA21REQUEST on the scheduling contract
// to url for consumerID.
func routeTo(url string) string {
	return fill(`routes: [{receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/p"}]
permissions: [{sender: "{{C}}", receiver: "*", contract: "{{NS}}"}]
`, "{{NS}}", scheduleNS, "{{P}}", url, "{{C}}", consumerID)
}

// dialSmallWindow opens a TLS connection as consumerID whose receive buffer
// is 4 KiB, so what the gateway has written is close to what the consumer
// has read (loopback's autotuned buffers would hold megabytes).
func dialSmallWindow(t *testing.T, b *bed) *tls.Conn {
	t.Helper()
	cc, err := b.ca.IssueClient(consumerID, pki.Options{})
	noErr(t, err)
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	conn, err := tls.DialWithDialer(d, "tcp", b.gw.Addr(HTTPS), &tls.Config{RootCAs: b.ca.Pool(), Certificates: []tls.Certificate{cc.TLSCertificate()}})
	noErr(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// writeCall writes one call with correlation id corr on conn.
func writeCall(t *testing.T, conn net.Conn, corr string) {
	t.Helper()
	req := sample(t, "Rivta21Request.xml", "")
	_, err := fmt.Fprintf(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml; charset=UTF-8\r\nX-Skltp-Correlation-Id: %s\r\nContent-Length: %d\r\n\r\n%s", corr, len(req), req)
	noErr(t, err)
}

// bigAnswerChunks of bigAnswerChunk make the answer of bigAnswer: 8 MiB,
// more than the socket buffers between gateway and consumer hold.
var bigAnswerChunk = bytes.Repeat([]byte("<x>0123456789</x>"), 4096) // 68 KiB

const bigAnswerChunks = 120

// bigAnswer is a producer answering 8 MiB as fast as the gateway takes it.
func bigAnswer(t *testing.T) *producer {
	return newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		for i := 0; i < bigAnswerChunks; i++ {
			if _, err := w.Write(bigAnswerChunk); err != nil {
				return
			}
		}
	})
}

// TestSlowConsumersAreCutOff: a consumer that stops reading a large answer,
// or reads it a drip at a time, is cut off by listen.write_timeout or
// limits.min_rate; the call ends (its exchange line is written) and the
// gateway lets go of the producer's answer. A consumer that reads at
// any honest pace gets all of it.
func TestSlowConsumersAreCutOff(t *testing.T) {
	t.Parallel()
	p := bigAnswer(t)
	tight := newBed(t, routeTo(p.srv.URL), func(b *bed) {
		b.cfg.Listen.WriteTimeout = yamlstrict.Duration(time.Second)
		b.cfg.Limits.MinRate = 64 << 10
		b.cfg.Limits.RateGrace = yamlstrict.Duration(300 * time.Millisecond)
		b.cfg.Limits.MaxBody = 1 << 30
		b.cfg.Producers.Timeout = yamlstrict.Duration(30 * time.Second) // the producer is never the one that stalls
	})
	// The honest readers run against the defaults (20 s, 4 KiB/s): a busy
	// machine running -race can stall a reader for a second, which is no
	// drip.
	roomy := newBed(t, routeTo(p.srv.URL), reuseCA(tight), func(b *bed) { b.cfg.Limits.MaxBody = 1 << 30 })
	tests := []struct {
		name    string
		b       *bed
		corr    string
		read    func(conn net.Conn) // what the consumer does with the answer
		wantCut bool
	}{
		{name: "stops reading", b: tight, corr: "stops-reading", read: func(net.Conn) {}, wantCut: true},
		{name: "reads 100 bytes every 10 ms", b: tight, corr: "drip-reader", read: func(conn net.Conn) {
			buf := make([]byte, 100)
			for i := 0; i < 2000; i++ { // at most 20 s
				if _, err := conn.Read(buf); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}, wantCut: true},
		{name: "reads at full speed through a small window", b: roomy, corr: "full-speed", read: func(conn net.Conn) { _, _ = io.Copy(io.Discard, conn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := dialSmallWindow(t, tt.b)
			writeCall(t, conn, tt.corr)
			done := make(chan struct{})
			go func() { defer close(done); tt.read(conn) }()
			// The call ends: its exchange line is written once the handler
			// has returned. Without a write deadline it never would.
			line := exchangeLineWithin(t, tt.b.logs, tt.corr, 60*time.Second)
			if tt.wantCut {
				assert.Contains(t, line["error"], "answer to the consumer", "the exchange says why it ended: %v", line)
				assert.Contains(t, line["error"], "timeout")
			} else {
				assert.Nil(t, line["error"], "%v", line)
			}
			_ = conn.Close()
			<-done
		})
	}
	t.Run("the whole answer to an ordinary client", func(t *testing.T) {
		t.Parallel()
		r := roomy.post(t, roomy.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, bigAnswerChunks*len(bigAnswerChunk), len(r.body), "whole, not cut")
	})
}

// TestDrippingProducerIsCutOff: a producer that sends its answer a few
// bytes at a time, each in time for producers.timeout, is cut off once the
// exchange falls behind limits.min_rate (after the timeout plus
// limits.rate_grace); one that answers at an honest pace is not.
func TestDrippingProducerIsCutOff(t *testing.T) {
	t.Parallel()
	drip := func(every time.Duration, n int) func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
		return func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
			if !p.ReadRequest(br) {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n")
			for i := 0; i < n; i++ {
				if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", 1, "x"); err != nil {
					return
				}
				time.Sleep(every)
			}
			_, _ = io.WriteString(c, "0\r\n\r\n")
		}
	}
	tests := []struct {
		name      string
		every     time.Duration
		n         int
		truncated bool
	}{
		// 50 bytes/s against 1 KiB/s: cut after 1 s + 200 ms (and some
		// bytes' worth); unchecked it would drip for 20 s.
		{"a byte every 20 ms", 20 * time.Millisecond, 1000, true},
		{"ten bytes at once", 0, 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newScripted(t, nil, drip(tt.every, tt.n))
			b := newBed(t, routeTo(p.URL), func(b *bed) {
				b.cfg.Producers.Timeout = yamlstrict.Duration(time.Second)
				b.cfg.Limits.MinRate = 1 << 10
				b.cfg.Limits.RateGrace = yamlstrict.Duration(200 * time.Millisecond)
			})
			req, err := http.NewRequest(http.MethodPost, b.url(HTTPS), bytes.NewReader(sample(t, "Rivta21Request.xml", "")))
			noErr(t, err)
			resp, err := b.client.Do(req)
			noErr(t, err)
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the producer's status went out before the cut")
			if !tt.truncated {
				noErr(t, rerr)
				assert.Equal(t, tt.n, len(body))
				return
			}
			require.Error(t, rerr, "the answer must break off (got %d bytes)", len(body))
			assert.Less(t, len(body), tt.n)
			require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 10*time.Second, 5*time.Millisecond, "the producer's connection is closed")
		})
	}
}

// TestSlowRequestBody: a body that arrives a drip at a time, each drip in
// time for listen.body_timeout, is answered with VP015 once it falls
// behind limits.min_rate; the producer never gets a complete call.
func TestSlowRequestBody(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t, func(b *bed) {
		b.cfg.Listen.BodyTimeout = yamlstrict.Duration(5 * time.Second)
		b.cfg.Limits.MinRate = 1 << 10
		b.cfg.Limits.RateGrace = yamlstrict.Duration(300 * time.Millisecond)
	})
	req := sample(t, "Rivta21Request.xml", "")
	conn := rawTLS(t, vb.bed)
	fmt.Fprintf(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", len(req))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // 10 bytes every 20 ms: 500 bytes/s, 3.6 s for the whole call
		defer wg.Done()
		for i := 0; i < len(req); i += 10 {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := conn.Write(req[i:min(i+10, len(req))]); err != nil {
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	f := r.fault(t)
	assert.Equal(t, vpfault.VP015, f.Code)
	assert.Regexp(t, `^The request could not be read properly\. Request body too slow: \d+ bytes in \S+, below limits\.min_rate \(1024 bytes/s after limits\.rate_grace 300ms\)$`, f.DetailString)
	assert.Equal(t, 0, vb.p21.count(), "the producer got no call")
}

// TestCallsPerConsumerCapped: a consumer with limits.max_calls_per_consumer
// calls in flight gets HTTP 503 with the RG001 fault for the next, before
// any producer sees it; other consumers are not held up, and the count
// falls as calls end.
func TestCallsPerConsumerCapped(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var inFlight sync.WaitGroup
	p := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		<-release
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(okResponse)
	})
	const otherID = "SE-OTHER-CONSUMER"
	b := newBed(t, fill(`routes: [{receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/p"}]
permissions: [{sender: "{{C}}", receiver: "*", contract: "{{NS}}"}, {sender: "{{O}}", receiver: "*", contract: "{{NS}}"}]
`, "{{NS}}", scheduleNS, "{{P}}", p.srv.URL, "{{C}}", consumerID, "{{O}}", otherID), func(b *bed) { b.cfg.Limits.MaxCallsPerConsumer = 2 })
	msg := sample(t, "Rivta21Request.xml", "")
	other := b.clientFor(t, otherID)
	results := make(chan int, 3) // HTTP status, -1: failed
	call := func(c *http.Client) {
		inFlight.Add(1)
		go func() {
			defer inFlight.Done()
			resp, err := c.Post(b.url(HTTPS), "text/xml; charset=UTF-8", bytes.NewReader(msg))
			if err != nil {
				results <- -1
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- resp.StatusCode
		}()
	}
	call(b.client)
	call(b.client)
	require.Eventually(t, func() bool { return p.count() == 2 }, 10*time.Second, 5*time.Millisecond)

	r := b.post(t, b.client, HTTPS, msg, nil)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Equal(t, vpfault.ContentType, r.header.Get("Content-Type"))
	pf, err := vpfault.Parse(r.body)
	require.NoError(t, err, "%s", r.body)
	assert.Equal(t, "SOAP-ENV:Server", pf.FaultCode)
	assert.Equal(t, "RG001 ["+instanceName+"] "+busyText, pf.FaultString)
	assert.False(t, pf.IsVP(), "not a VP code: VP has none for this")
	assert.Equal(t, "Too many concurrent calls from "+consumerID+": limits.max_calls_per_consumer (2) are in progress", pf.DetailString)
	assert.Equal(t, 2, p.count(), "the refused call never reached the producer")

	call(other) // another consumer is not held up by the first one's cap
	require.Eventually(t, func() bool { return p.count() == 3 }, 10*time.Second, 5*time.Millisecond)
	close(release)
	inFlight.Wait()
	close(results)
	for status := range results {
		assert.Equal(t, http.StatusOK, status)
	}
	r = b.post(t, b.client, HTTPS, msg, nil)
	assert.Equal(t, http.StatusOK, r.status, "the count fell as the calls ended: %s", r.body)
}

// TestEarlyRefusalReachesWriteThenReadClients: a client that writes its
// whole request before it reads (most SOAP stacks) gets the fault the
// gateway answered before reading the body, not a connection reset: the
// gateway drains the rest (listen.linger_time, listen.linger_bytes).
func TestEarlyRefusalReachesWriteThenReadClients(t *testing.T) {
	t.Parallel()
	p := newProducer(t, nil)
	b := newBed(t, routeTo(p.srv.URL), func(b *bed) {
		b.cfg.Limits.MaxBody = 1 << 20
		b.cfg.Limits.MaxHead = 64 << 10
	})
	// A second gateway takes bodies up to 64 MiB, so a head over its
	// limits.max_head can be refused while its body is within the limit.
	wide := newBed(t, routeTo(p.srv.URL), reuseCA(b), func(b *bed) {
		b.cfg.Limits.MaxBody = 64 << 20
		b.cfg.Limits.MaxHead = 64 << 10
	})
	// Far beyond the 256 KiB net/http discards by itself and the socket
	// buffers on the way (loopback's grow to megabytes).
	env := string(sample(t, "Rivta21Request.xml", ""))
	bigHead := strings.Replace(env, "<soap:Header>", "<soap:Header><x>"+strings.Repeat("a", 8<<20)+"</x>", 1)
	bigBody := strings.Replace(env, "<ns2:healthcare_facility>", "<pad>"+strings.Repeat("a", 8<<20)+"</pad><ns2:healthcare_facility>", 1)
	require.NotEqual(t, env, bigHead)
	require.NotEqual(t, env, bigBody)
	chunked := func(s string) string {
		var sb strings.Builder
		for len(s) > 0 {
			n := min(len(s), 32<<10)
			fmt.Fprintf(&sb, "%x\r\n%s\r\n", n, s[:n])
			s = s[n:]
		}
		return sb.String() + "0\r\n\r\n"
	}
	tests := []struct {
		name       string
		b          *bed
		request    string
		wantStatus int
		wantDetail string
	}{
		{"declared length over limits.max_body", b, fmt.Sprintf("POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(bigBody), bigBody),
			http.StatusRequestEntityTooLarge, fmt.Sprintf("The request could not be read properly. Request body of %d bytes exceeds limits.max_body (1048576 bytes)", len(bigBody))},
		{"head over limits.max_head", wide, fmt.Sprintf("POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(bigHead), bigHead),
			http.StatusInternalServerError, "The request could not be read properly. SOAP head too large: the first Body element did not start within 65536 bytes"},
		{"chunked head over limits.max_head", wide, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(bigHead),
			http.StatusInternalServerError, "The request could not be read properly. SOAP head too large: the first Body element did not start within 65536 bytes"},
		{"chunked body growing over limits.max_body while it is forwarded", b, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(bigBody),
			http.StatusRequestEntityTooLarge, "The request could not be read properly. Request body exceeds limits.max_body (1048576 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := rawTLS(t, tt.b)
			_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
			// Everything first, as a write-then-read client does; without
			// the drain the gateway closes on unread bytes, the kernel
			// resets the connection, and this write (or the read after it)
			// fails.
			_, err := io.WriteString(conn, tt.request)
			require.NoError(t, err, "the gateway took the whole request")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err, "the client reads the answer")
			body, err := io.ReadAll(resp.Body)
			noErr(t, err)
			r := response{status: resp.StatusCode, header: resp.Header, body: body}
			f := r.fault(t)
			assert.Equal(t, tt.wantStatus, r.status)
			assert.Equal(t, vpfault.VP015, f.Code)
			assert.Equal(t, tt.wantDetail, f.DetailString)
		})
	}

	t.Run("Python http.client", func(t *testing.T) {
		t.Parallel()
		python := "/usr/bin/python3"
		if _, err := os.Stat(python); err != nil {
			t.Skip("/usr/bin/python3 missing: apt-get install -y python3 (scripts/test.sh brings it with python3-zeep)")
		}
		dir := t.TempDir()
		cc, err := b.ca.IssueClient(consumerID, pki.Options{})
		noErr(t, err)
		certPath, keyPath, err := cc.WriteFiles(dir, "client")
		noErr(t, err)
		caPath := filepath.Join(dir, "ca.pem")
		noErr(t, os.WriteFile(caPath, b.ca.CertPEM, 0o644))
		bodyPath := filepath.Join(dir, "body.xml")
		noErr(t, os.WriteFile(bodyPath, []byte(bigBody), 0o644))
		script := `
import http.client, ssl, sys
ca, cert, key, host, port, body = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
c.request("POST", "/vp/x", body=open(body, "rb").read(), headers={"Content-Type": "text/xml; charset=UTF-8"})
r = c.getresponse()
print(r.status)
sys.stdout.write(r.read().decode())
`
		host, port, err := net.SplitHostPort(b.gw.Addr(HTTPS))
		noErr(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, python, "-c", script, caPath, certPath, keyPath, host, port, bodyPath).CombinedOutput()
		require.NoError(t, err, "python's http.client got no answer: %s", out)
		status, fault, _ := strings.Cut(string(out), "\n")
		assert.Equal(t, "413", status)
		f, err := vpfault.Parse([]byte(fault))
		require.NoError(t, err, "%s", out)
		assert.Equal(t, vpfault.VP015, f.Code)
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, got := range p.got {
		assert.Error(t, got.err, "only the body growing over the limit reached the producer, and it was cut off")
	}
}
