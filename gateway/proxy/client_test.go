package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil/scriptedproducer"
)

// rawProducer serves each connection with a script and counts what it
// saw (internal/testutil/scriptedproducer).
type rawProducer = scriptedproducer.Producer

// newRawProducer listens on loopback (TLS with cert); script runs per
// connection until it returns.
func newRawProducer(t *testing.T, cert *pki.Cert, script scriptedproducer.Script) *rawProducer {
	t.Helper()
	return scriptedproducer.New(t, cert, script)
}

func answerOK(c net.Conn, body string) {
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// keepAlive answers every request on the connection with <ok/>.
func keepAlive(p *rawProducer, c net.Conn, br *bufio.Reader) {
	for p.ReadRequest(br) {
		answerOK(c, "<ok/>")
	}
}

// newForwarder is a forwarder whose idle connections close with the test.
func newForwarder(t *testing.T, opts TransportOptions, maxResponse int64) *Forwarder {
	tr := NewTransport(opts)
	t.Cleanup(tr.CloseIdleConnections)
	return NewForwarder(tr, maxResponse, nil)
}

// call forwards body to target through f with a recorder as consumer.
func call(t *testing.T, f *Forwarder, target string, body io.Reader, length int64) (*httptest.ResponseRecorder, *Exchange) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	x := &Exchange{Target: u, Body: body, ContentLength: length, Timeout: 5 * time.Second, Instance: "NTjP Test",
		Headers: OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1"}}
	w := httptest.NewRecorder()
	f.Forward(w, context.Background(), http.Header{"Content-Type": {"text/xml"}}, x)
	return w, x
}

func callString(t *testing.T, f *Forwarder, target, body string) (*httptest.ResponseRecorder, *Exchange) {
	return call(t, f, target, strings.NewReader(body), int64(len(body)))
}

// TestPooledConnectionIsReused: calls one after another share one
// connection to the producer, and the pool keeps it open.
func TestPooledConnectionIsReused(t *testing.T) {
	t.Parallel()
	p := newRawProducer(t, nil, keepAlive)
	f := newForwarder(t, TransportOptions{}, 0)
	for i := range 5 {
		w, _ := callString(t, f, p.URL+"/svc", fmt.Sprintf("<req>%d</req>", i))
		require.Equal(t, 200, w.Code, w.Body.String())
		assert.Equal(t, "<ok/>", w.Body.String())
	}
	assert.EqualValues(t, 1, p.Accepted.Load(), "one connection for five calls")
	assert.EqualValues(t, 5, p.Requests.Load())
	f.transport.CloseIdleConnections()
	require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 5*time.Second, 5*time.Millisecond)
}

// TestStaleConnection: a pooled connection the producer closed while idle
// is found before the call goes out on it (a peek at the socket), and the
// call goes on a new connection, whatever its body. One the producer reset
// fails the first write: nothing was sent, so a call held in memory goes
// once more on a new connection. A close not seen before sending may have
// been a producer that read the call: that call is not sent again.
func TestStaleConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noProbe   bool
		reset     bool // the producer resets instead of closing
		streaming bool
		wantCode  int
		wantConns int64
	}{
		{"found by the probe", false, false, false, 200, 2},
		{"found by the probe, body streaming", false, false, true, 200, 2},
		{"reset, found by the probe", false, true, false, 200, 2},
		{"reset, not probed: nothing written, sent again", true, true, false, 200, 2},
		{"reset, not probed, body streaming: not sent again", true, true, true, 500, 1},
		{"closed, not probed: written, never sent twice", true, false, false, 500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
				if p.ReadRequest(br) {
					answerOK(c, "<ok/>")
				}
				if tc, ok := c.(*net.TCPConn); ok && tt.reset {
					_ = tc.SetLinger(0)
				}
			})
			tr := &Transport{noProbe: tt.noProbe}
			tr.Replace(TransportOptions{})
			t.Cleanup(tr.CloseIdleConnections)
			f := NewForwarder(tr, 0, nil)
			w, _ := callString(t, f, p.URL, "<first/>")
			require.Equal(t, 200, w.Code)
			// The producer has closed its side once its script returned.
			require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 5*time.Second, 5*time.Millisecond)
			u, err := url.Parse(p.URL)
			require.NoError(t, err)
			h := tr.cur.Load().plain.host(u)
			require.Eventually(t, func() bool {
				h.mu.Lock()
				defer h.mu.Unlock()
				return len(h.idle) == 1 && h.idle[0].probe.closedByPeer()
			}, 5*time.Second, 5*time.Millisecond, "the close reached the pooled connection")
			var body io.Reader = strings.NewReader("<second/>")
			if !tt.streaming {
				body = bytesReader("<second/>")
			}
			w, x := call(t, f, p.URL, body, int64(len("<second/>")))
			assert.Equal(t, tt.wantCode, w.Code, w.Body.String())
			assert.Equal(t, tt.wantConns, p.Accepted.Load())
			if tt.wantCode == 200 {
				assert.Equal(t, []string{"<first/>", "<second/>"}, p.Bodies(), "the second call reached the producer once")
				return
			}
			assert.Equal(t, vpfault.VP009, parseFault(t, w).Code)
			assert.Error(t, x.Err)
			assert.Equal(t, []string{"<first/>"}, p.Bodies())
		})
	}
}

// TestAnswerFraming: answers framed by Content-Length, chunked (with
// extensions and a trailer), or the connection's close, and interim
// 1xx answers before the final one.
func TestAnswerFraming(t *testing.T) {
	t.Parallel()
	const body = "<ok>framed</ok>"
	tests := []struct {
		name    string
		answer  string
		reuse   bool // the connection serves the next call
		wantLen string
	}{
		{"content-length", fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body), true, fmt.Sprint(len(body))},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n<ok>\r\nb\r\nframed</ok>\r\n0\r\nX-Trailer: t\r\n\r\n", true, ""},
		{"close-delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n" + body, false, ""},
		{"HTTP/1.0 without keep-alive", fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body), false, fmt.Sprint(len(body))},
		{"100 Continue first", fmt.Sprintf("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body), true, fmt.Sprint(len(body))},
		{"header case and folding", fmt.Sprintf("HTTP/1.1 200 OK\r\ncontent-length: %d\r\nx-folded: a\r\n b\r\n\r\n%s", len(body), body), true, fmt.Sprint(len(body))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
				for p.ReadRequest(br) {
					_, _ = io.WriteString(c, tt.answer)
					if !tt.reuse {
						return
					}
				}
			})
			f := newForwarder(t, TransportOptions{}, 0)
			for range 2 {
				w, x := callString(t, f, p.URL, "<req/>")
				require.Equal(t, 200, w.Code, w.Body.String())
				assert.Equal(t, body, w.Body.String())
				assert.Nil(t, x.Fault)
				assert.Equal(t, tt.wantLen, w.Header().Get("Content-Length"))
				assert.Empty(t, w.Header().Get("Transfer-Encoding"))
				assert.Empty(t, w.Header().Get("X-Trailer"))
				if tt.name == "header case and folding" {
					assert.Equal(t, "a b", w.Header().Get("X-Folded"))
				}
			}
			want := int64(2)
			if tt.reuse {
				want = 1
			}
			assert.Equal(t, want, p.Accepted.Load())
		})
	}
}

// TestAnswerHeadOverLimit: a head over MaxResponseHeaderBytes is VP009
// with net/http's words, in one line or in many.
func TestAnswerHeadOverLimit(t *testing.T) {
	t.Parallel()
	for name, head := range map[string]string{
		"one long line": "X-Big: " + strings.Repeat("a", 70<<10) + "\r\n",
		"many lines":    strings.Repeat("X-Many: "+strings.Repeat("b", 100)+"\r\n", 50),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
				if p.ReadRequest(br) {
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n"+head+"Content-Length: 5\r\n\r\n<ok/>")
				}
			})
			f := newForwarder(t, TransportOptions{MaxResponseHeaderBytes: 4096}, 0)
			w, _ := callString(t, f, p.URL, "<req/>")
			assert.Equal(t, 500, w.Code)
			assert.Contains(t, parseFault(t, w).DetailString, "(IOException: net/http: server response headers exceeded 4096 bytes; aborted)")
		})
	}
}

// TestChunkedRequest: a body of unknown length goes out chunked and
// arrives whole.
func TestChunkedRequest(t *testing.T) {
	t.Parallel()
	p := newRawProducer(t, nil, keepAlive)
	f := newForwarder(t, TransportOptions{}, 0)
	big := strings.Repeat("<x>chunk</x>", 10000)
	w, _ := call(t, f, p.URL, io.MultiReader(strings.NewReader(big)), -1)
	require.Equal(t, 200, w.Code)
	assert.Equal(t, []string{big}, p.Bodies())
}

// TestProfilesHaveTheirOwnPools: the same producer called under two TLS
// profiles (by two names of one address) gets a connection per profile;
// each serves its own profile's next call.
func TestProfilesHaveTheirOwnPools(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("producer CA")
	require.NoError(t, err)
	sc, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	p := newRawProducer(t, sc, keepAlive)
	port := strings.TrimPrefix(p.URL, "https://127.0.0.1:")
	settings := TLSSettings{RootCAs: ca.Pool(), VerifyHostname: true}
	f := newForwarder(t, TransportOptions{TLS: settings,
		Profiles: []TLSProfile{{Name: "by-ip", Match: TLSMatch{Host: "127.0.0.1"}, TLS: settings}}}, 0)
	for range 2 {
		for _, target := range []struct{ url, profile string }{{p.URL, "by-ip"}, {"https://localhost:" + port, DefaultProfile}} {
			w, x := callString(t, f, target.url, "<req/>")
			require.Equal(t, 200, w.Code, w.Body.String())
			assert.Equal(t, target.profile, x.TLSProfile)
			assert.Equal(t, uint16(tls.VersionTLS13), x.TLSVersion)
			require.NotNil(t, x.ProducerCert)
		}
	}
	assert.EqualValues(t, 2, p.Accepted.Load(), "one connection per profile, each reused")
}

// holdingFirst is a keep-alive producer that holds its first answer until
// release is closed.
func holdingFirst(t *testing.T) (*rawProducer, chan struct{}) {
	release := make(chan struct{})
	var first atomic.Bool
	p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
		for p.ReadRequest(br) {
			if first.CompareAndSwap(false, true) {
				<-release
			}
			answerOK(c, "<ok/>")
		}
	})
	return p, release
}

// TestReplaceWhileInFlight: a reload swaps the pools while a call waits
// on its producer; the call finishes on its old connection, which is
// closed afterwards, and the next call opens a new one.
func TestReplaceWhileInFlight(t *testing.T) {
	t.Parallel()
	p, release := holdingFirst(t)
	tr := NewTransport(TransportOptions{})
	t.Cleanup(tr.CloseIdleConnections)
	f := NewForwarder(tr, 0, nil)
	done := make(chan int, 1)
	go func() {
		w, _ := callString(t, f, p.URL, "<slow/>")
		done <- w.Code
	}()
	require.Eventually(t, func() bool { return p.Requests.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	tr.Replace(TransportOptions{})
	close(release)
	assert.Equal(t, 200, <-done, "the call in flight finished on its old connection")
	require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 5*time.Second, 5*time.Millisecond, "the old pool's connection is closed once idle")
	w, _ := callString(t, f, p.URL, "<next/>")
	assert.Equal(t, 200, w.Code)
	assert.EqualValues(t, 2, p.Accepted.Load())
}

// TestMaxConnsPerHostWaitIsBounded: with the one connection allowed
// busy, a second call waits at most its timeout, then is a timeout
// fault; once the first is done, calls flow again.
func TestMaxConnsPerHostWaitIsBounded(t *testing.T) {
	t.Parallel()
	p, release := holdingFirst(t)
	f := newForwarder(t, TransportOptions{MaxConnsPerHost: 1}, 0)
	done := make(chan int, 1)
	go func() {
		w, _ := callString(t, f, p.URL, "<slow/>")
		done <- w.Code
	}()
	require.Eventually(t, func() bool { return p.Requests.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	u, err := url.Parse(p.URL)
	require.NoError(t, err)
	x := &Exchange{Target: u, Body: strings.NewReader("<x/>"), ContentLength: 4, Timeout: 100 * time.Millisecond, Instance: "NTjP Test"}
	w := httptest.NewRecorder()
	f.Forward(w, context.Background(), http.Header{}, x)
	assert.Contains(t, parseFault(t, w).DetailString, "(TimeoutException: Timeout when waiting on response from producer.)")
	close(release)
	assert.Equal(t, 200, <-done)
	w2, _ := callString(t, f, p.URL, "<again/>")
	assert.Equal(t, 200, w2.Code)
	assert.EqualValues(t, 1, p.Accepted.Load(), "never a second connection")
}

// TestConsumerGoneEndsTheCall: the consumer's context ending while the
// producer is silent ends the call at once (x.Canceled, no answer) and
// closes the producer connection.
func TestConsumerGoneEndsTheCall(t *testing.T) {
	t.Parallel()
	p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
		p.ReadRequest(br)
		_, _ = br.ReadByte() // silent until the gateway closes
	})
	f := newForwarder(t, TransportOptions{}, 0)
	u, err := url.Parse(p.URL)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for p.Requests.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	x := &Exchange{Target: u, Body: strings.NewReader("<x/>"), ContentLength: 4, Timeout: time.Minute, Instance: "NTjP Test"}
	w := httptest.NewRecorder()
	f.Forward(w, ctx, http.Header{}, x)
	assert.True(t, x.Canceled)
	assert.Zero(t, x.Status)
	assert.Empty(t, w.Body.String())
	require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 5*time.Second, 5*time.Millisecond)
}

// TestAnswerBreaksOff: an answer that fails after its head went out sets
// x.Aborted (the caller ends the consumer's connection), for a close
// mid-body, a stall past the timeout and a body over the size bound.
func TestAnswerBreaksOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script func(c net.Conn, br *bufio.Reader)
		max    int64
		want   string
	}{
		{"closed mid-body", func(c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<ok>")
		}, 0, "unexpected EOF"},
		{"stalled", func(c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<ok>\r\n")
			_, _ = br.ReadByte()
		}, 0, timeoutText},
		{"over the size bound", func(c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			for range 20 {
				_, _ = io.WriteString(c, "400\r\n"+strings.Repeat("x", 1024)+"\r\n")
			}
			_, _ = io.WriteString(c, "0\r\n\r\n")
		}, 4096, "exceeds limits.max_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
				if p.ReadRequest(br) {
					tt.script(c, br)
				}
			})
			f := newForwarder(t, TransportOptions{}, tt.max)
			u, err := url.Parse(p.URL)
			require.NoError(t, err)
			x := &Exchange{Target: u, Body: strings.NewReader("<x/>"), ContentLength: 4, Timeout: 300 * time.Millisecond, Instance: "NTjP Test"}
			w := httptest.NewRecorder()
			f.Forward(w, context.Background(), http.Header{}, x)
			assert.True(t, x.Aborted)
			assert.Equal(t, 200, x.Status)
			require.Error(t, x.Err)
			assert.Contains(t, x.Err.Error(), tt.want)
			require.Eventually(t, func() bool { return p.Open.Load() == 0 }, 5*time.Second, 5*time.Millisecond)
		})
	}
}

// TestIdleConnectionOutlivesItsTimeout: a pooled connection idle longer
// than IdleConnTimeout is closed when next looked at, not used.
func TestIdleConnectionOutlivesItsTimeout(t *testing.T) {
	t.Parallel()
	p := newRawProducer(t, nil, keepAlive)
	tr := NewTransport(TransportOptions{IdleConnTimeout: time.Minute})
	t.Cleanup(tr.CloseIdleConnections)
	f := NewForwarder(tr, 0, nil)
	w, _ := callString(t, f, p.URL, "<a/>")
	require.Equal(t, 200, w.Code)
	u, err := url.Parse(p.URL)
	require.NoError(t, err)
	h := tr.cur.Load().plain.host(u)
	h.mu.Lock()
	require.Len(t, h.idle, 1)
	h.idle[0].idleSince = time.Now().Add(-2 * time.Minute) // as if idle that long
	h.mu.Unlock()
	w, _ = callString(t, f, p.URL, "<b/>")
	require.Equal(t, 200, w.Code)
	assert.EqualValues(t, 2, p.Accepted.Load())
	require.Eventually(t, func() bool { return p.Open.Load() == 1 }, 5*time.Second, 5*time.Millisecond, "the old one closed")
}

// TestRequestOnTheWire: the request line, Host from the target and the
// headers as the rules leave them, no Accept-Encoding, Content-Length.
func TestRequestOnTheWire(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		got <- head.String()
		_, _ = io.CopyN(io.Discard, br, 6)
		answerOK(c, "<ok/>")
	})
	f := newForwarder(t, TransportOptions{}, 0)
	u, err := url.Parse(p.URL + "/svc/a%20b?x=1&y=2")
	require.NoError(t, err)
	x := &Exchange{Target: u, Body: bytesReader("<req/>"), ContentLength: 6, Timeout: 5 * time.Second, Instance: "NTjP Test",
		Headers: OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1", UserAgent: "rivgate/test"}}
	w := httptest.NewRecorder()
	in := http.Header{"Soapaction": {`"urn:x"`}, "Accept-Encoding": {"gzip"}, "Connection": {"keep-alive, X-Hop"}, "X-Hop": {"1"}, "Content-Type": {"text/xml"}}
	f.Forward(w, context.Background(), in, x)
	require.Equal(t, 200, w.Code, w.Body.String())
	head := <-got
	assert.True(t, strings.HasPrefix(head, "POST /svc/a%20b?x=1&y=2 HTTP/1.1\r\nHost: "+u.Host+"\r\n"), head)
	for _, want := range []string{"\r\nSoapaction: \"urn:x\"\r\n", "\r\nContent-Length: 6\r\n", "\r\nUser-Agent: rivgate/test\r\n", "\r\nX-Vp-Sender-Id: SE-CONS\r\n"} {
		assert.Contains(t, head, want)
	}
	for _, gone := range []string{"Accept-Encoding", "Connection", "X-Hop"} {
		assert.NotContains(t, head, gone+":")
	}
	assert.Equal(t, `"urn:x"`, in.Get("Soapaction"))
	assert.Equal(t, "gzip", in.Get("Accept-Encoding"), "the consumer's headers are not changed")
}

// TestInvalidHeaderIsNotSent: a header value that would split the head
// fails the call before anything is written.
func TestInvalidHeaderIsNotSent(t *testing.T) {
	t.Parallel()
	p := newRawProducer(t, nil, keepAlive)
	f := newForwarder(t, TransportOptions{}, 0)
	u, err := url.Parse(p.URL)
	require.NoError(t, err)
	x := &Exchange{Target: u, Body: bytesReader("<req/>"), ContentLength: 6, Timeout: 5 * time.Second, Instance: "NTjP Test"}
	w := httptest.NewRecorder()
	f.Forward(w, context.Background(), http.Header{"X-Evil": {"a\r\nX-Injected: 1"}}, x)
	pf := parseFault(t, w)
	assert.Equal(t, vpfault.VP009, pf.Code)
	assert.Contains(t, pf.DetailString, `net/http: invalid header field value for "X-Evil"`)
	assert.Zero(t, p.Requests.Load())
}

// bytesReader is a body held in memory, as the gateway passes a small call.
func bytesReader(s string) *bytes.Reader { return bytes.NewReader([]byte(s)) }

// TestTLSSessionResumes: a new connection to a producer resumes the TLS
// session of an earlier one (the pool's session cache), with the client
// certificate the producer asked for the first time.
func TestTLSSessionResumes(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("producer CA")
	require.NoError(t, err)
	sc, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	gw, err := ca.IssueClient("SE-GATEWAY", pki.Options{})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	resumed := make(chan bool, 2)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		assert.NotEmpty(t, r.TLS.PeerCertificates, "the client certificate holds on a resumed session")
		resumed <- r.TLS.DidResume
		_, _ = io.WriteString(w, "<ok/>")
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{sc.TLSCertificate()}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	cert := gw.TLSCertificate()
	tr := NewTransport(TransportOptions{TLS: TLSSettings{RootCAs: ca.Pool(), ClientCert: &cert, VerifyHostname: true}})
	t.Cleanup(tr.CloseIdleConnections)
	f := NewForwarder(tr, 0, nil)
	for i := range 2 {
		w, _ := callString(t, f, "https://"+ln.Addr().String(), "<req/>")
		require.Equal(t, 200, w.Code, w.Body.String())
		assert.Equal(t, i == 1, <-resumed, "call %d", i)
		tr.CloseIdleConnections() // the next call needs a new connection
	}
}

// TestWatchdogOnAReusedConnection: the watchdog's timer outlives a call
// on its connection; the next call is still cut at its own timeout,
// whether the timer left was due later (reset sooner) or sooner (fires
// early and is re-armed).
func TestWatchdogOnAReusedConnection(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name          string
		first, second time.Duration
	}{
		{"left due later", time.Minute, 200 * time.Millisecond},
		{"left due sooner", 100 * time.Millisecond, 300 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
				if p.ReadRequest(br) {
					answerOK(c, "<ok/>")
				}
				if p.ReadRequest(br) {
					_, _ = br.ReadByte() // silent until the gateway closes
				}
			})
			f := newForwarder(t, TransportOptions{}, 0)
			u, err := url.Parse(p.URL)
			require.NoError(t, err)
			for i, timeout := range []time.Duration{tt.first, tt.second} {
				x := &Exchange{Target: u, Body: strings.NewReader("<x/>"), ContentLength: 4, Timeout: timeout, Instance: "NTjP Test"}
				w := httptest.NewRecorder()
				start := time.Now()
				f.Forward(w, context.Background(), http.Header{}, x)
				if i == 0 {
					require.Equal(t, 200, x.Status)
					continue
				}
				// A new connection would have been answered: the fault is
				// the reused one's.
				require.NotNil(t, x.Fault)
				assert.Contains(t, x.Fault.Detail, "TimeoutException")
				assert.GreaterOrEqual(t, time.Since(start), timeout, "never before the timeout")
			}
		})
	}
}
