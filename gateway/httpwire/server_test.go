package httpwire

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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve starts a server with h on a loopback listener and returns its
// address; the server is closed when the test ends.
func serve(t testing.TB, h Handler, opts Options) (string, *Server) {
	t.Helper()
	opts.Handler = h
	s := NewServer(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close(); <-done })
	return ln.Addr().String(), s
}

// echo answers with the body's length and the connection's remote
// address, so a test can tell connections apart.
func echo(w *ResponseWriter, r *Request) {
	n, err := io.Copy(io.Discard, r.Body)
	w.Header().Set("X-Remote", r.RemoteAddr)
	w.Header().Set("X-Path", r.Path)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "body: "+err.Error())
		return
	}
	_, _ = io.WriteString(w, strconv.FormatInt(n, 10))
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func readResponse(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp, string(body)
}

// closed reports whether the server closed c (read gives EOF, not a
// timeout, within a second).
func closed(c net.Conn, br *bufio.Reader) bool {
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	_, err := br.ReadByte()
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestKeepAliveReusesTheConnection(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, echo, Options{})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	var remotes []string
	for i := range 3 {
		resp, err := c.Post("http://"+addr+"/p", "text/xml", strings.NewReader(strings.Repeat("x", i*1000)))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, strconv.Itoa(i*1000), string(body))
		assert.Equal(t, strconv.Itoa(len(body)), resp.Header.Get("Content-Length"), "a small answer gets a Content-Length")
		assert.NotEmpty(t, resp.Header.Get("Date"))
		remotes = append(remotes, resp.Header.Get("X-Remote"))
	}
	assert.Equal(t, remotes[0], remotes[1])
	assert.Equal(t, remotes[0], remotes[2], "one connection for all calls")
}

func TestPipelinedRequestsAreAnsweredInOrder(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, echo, Options{})
	c, br := dial(t, addr)
	var all strings.Builder
	for i := range 3 {
		fmt.Fprintf(&all, "POST /%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", i, i, strings.Repeat("a", i))
	}
	fmt.Fprintf(&all, "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer-Field: v\r\n\r\n")
	_, err := io.WriteString(c, all.String())
	require.NoError(t, err)
	for i := range 3 {
		resp, body := readResponse(t, br)
		assert.Equal(t, "/"+strconv.Itoa(i), resp.Header.Get("X-Path"))
		assert.Equal(t, strconv.Itoa(i), body)
	}
	resp, body := readResponse(t, br)
	assert.Equal(t, "/chunked", resp.Header.Get("X-Path"))
	assert.Equal(t, "5", body)
	assert.False(t, resp.Close)
}

func TestExpectContinue(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) {
		if r.Path == "/refuse" { // answers without reading: no 100, then close
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		echo(w, r)
	}, Options{})
	t.Run("read body", func(t *testing.T) {
		c, br := dial(t, addr)
		_, err := io.WriteString(c, "POST /p HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
		require.NoError(t, err)
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
		line, _ = br.ReadString('\n')
		assert.Equal(t, "\r\n", line)
		_, err = io.WriteString(c, "abcd")
		require.NoError(t, err)
		resp, body := readResponse(t, br)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "4", body)
		assert.False(t, resp.Close)
	})
	t.Run("refused before reading", func(t *testing.T) {
		c, br := dial(t, addr)
		_, err := io.WriteString(c, "POST /refuse HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
		require.NoError(t, err)
		resp, _ := readResponse(t, br)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		assert.True(t, resp.Close, "the body never came: the connection cannot go on")
		assert.True(t, closed(c, br))
	})
	t.Run("other expectation", func(t *testing.T) {
		c, br := dial(t, addr)
		_, err := io.WriteString(c, "POST /p HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 4\r\n\r\nabcd")
		require.NoError(t, err)
		resp, _ := readResponse(t, br)
		assert.Equal(t, http.StatusExpectationFailed, resp.StatusCode)
	})
}

// TestBrokenRequests: what net/http answers, the server answers, and it
// closes the connection; the handler never runs.
func TestBrokenRequests(t *testing.T) {
	t.Parallel()
	var ran atomic.Int32
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) { ran.Add(1); echo(w, r) }, Options{MaxHeaderBytes: 1024})
	tests := []struct {
		name, raw, status string
	}{
		{"no spaces", "GARBAGE\r\n\r\n", "400 Bad Request"},
		{"one space", "GET /\r\n\r\n", "400 Bad Request"},
		{"bad version", "GET / HTTP/x\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"HTTP/2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported: unsupported protocol version"},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", "400 Bad Request: missing required Host header"},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400 Bad Request: malformed Host header"},
		{"bad method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"control character in the target", "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"not a target", "GET ::: HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", "400 Bad Request"},
		{"space before colon", "GET / HTTP/1.1\r\nHost: x\r\nA : b\r\n\r\n", "400 Bad Request"},
		{"fold before any header", "GET / HTTP/1.1\r\n folded\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"control character in a value", "GET / HTTP/1.1\r\nHost: x\r\nA: b\x00c\r\n\r\n", "400 Bad Request: invalid header value"},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "400 Bad Request"},
		{"signed Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na", "400 Bad Request"},
		{"unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501 Not Implemented"},
		{"head too large", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", "431 Request Header Fields Too Large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, br := dial(t, addr)
			_, err := io.WriteString(c, tt.raw)
			require.NoError(t, err)
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "HTTP/1.1 "+tt.status+"\r\n", line)
			rest, err := io.ReadAll(br)
			require.NoError(t, err, "the server closes the connection")
			assert.True(t, strings.HasSuffix(string(rest), "\r\n\r\n"+strings.TrimPrefix(tt.status, "501 Not Implemented")) ||
				strings.HasSuffix(string(rest), "Unsupported transfer encoding"), "%q", rest)
		})
	}
	assert.Zero(t, ran.Load(), "the handler saw none of them")
}

func TestMalformedChunkedBodyReachesTheHandler(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, echo, Options{})
	c, br := dial(t, addr)
	_, err := io.WriteString(c, "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX\r\n0\r\n\r\n")
	require.NoError(t, err)
	resp, body := readResponse(t, br)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, "malformed chunked encoding")
	assert.True(t, closed(c, br), "what is left on the wire is no request")
}

// TestSlowHeadIsCutOff: a head that arrives a byte at a time is answered
// 400 and closed at the read header timeout; an idle connection is closed
// without an answer.
func TestSlowHeadIsCutOff(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	addr, _ := serve(t, echo, Options{ReadHeaderTimeout: timeout})
	t.Run("slowloris", func(t *testing.T) {
		t.Parallel()
		c, br := dial(t, addr)
		_, err := io.WriteString(c, "POST /p HTTP/1.1\r\n")
		require.NoError(t, err)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			tick := time.NewTicker(timeout / 6)
			defer tick.Stop()
			for range 100 {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := io.WriteString(c, "X"); err != nil {
						return
					}
				}
			}
		}()
		got, err := io.ReadAll(br)
		require.NoError(t, err, "closed by the server")
		assert.True(t, strings.HasPrefix(string(got), "HTTP/1.1 400 Bad Request\r\n"), "%q", got)
		assert.Contains(t, string(got), "\r\nConnection: close\r\n")
	})
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		_, br := dial(t, addr)
		got, err := io.ReadAll(br)
		require.NoError(t, err, "closed by the server")
		assert.Empty(t, got)
	})
}

// TestUnreadBody: a body the handler leaves unread is discarded up to 256
// KiB and the connection kept; beyond that the answer says
// Connection: close.
func TestUnreadBody(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) { _, _ = io.WriteString(w, "no thanks") }, Options{})
	for _, tt := range []struct {
		n      int
		closes bool
	}{{1000, false}, {maxDiscard + 10000, true}} {
		t.Run(strconv.Itoa(tt.n), func(t *testing.T) {
			c, br := dial(t, addr)
			go func() {
				_, _ = fmt.Fprintf(c, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", tt.n, strings.Repeat("a", tt.n))
			}()
			resp, body := readResponse(t, br)
			assert.Equal(t, "no thanks", body)
			assert.Equal(t, tt.closes, resp.Close)
		})
	}
	t.Run("stalled", func(t *testing.T) {
		// The body never comes: the answer still does, and the server
		// lets go of the connection instead of waiting for it.
		c, br := dial(t, addr)
		_, err := io.WriteString(c, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
		require.NoError(t, err)
		_, body := readResponse(t, br)
		assert.Equal(t, "no thanks", body)
		_, err = io.ReadAll(br)
		assert.NoError(t, err, "closed by the server, not kept waiting for the body")
	})
}

// TestAnswerFraming: a declared length is kept, a large answer without one
// is chunked, HTTP/1.0 keep-alive is honoured with a length and the
// connection closed without one.
func TestAnswerFraming(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("b", 10000)
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) {
		switch r.Path {
		case "/length":
			w.Header().Set("Content-Length", "5")
			_, _ = io.WriteString(w, "hello")
		case "/big":
			_, _ = io.WriteString(w, big)
		case "/flush":
			_, _ = io.WriteString(w, "a")
			w.Flush()
			_, _ = io.WriteString(w, "b")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}, Options{})
	tests := []struct {
		proto, path, conn, body string
		chunked, closes         bool
	}{
		{"HTTP/1.1", "/length", "", "hello", false, false},
		{"HTTP/1.1", "/big", "", big, true, false},
		{"HTTP/1.1", "/flush", "", "ab", true, false},
		{"HTTP/1.1", "/empty", "", "", false, false},
		{"HTTP/1.1", "/length", "close", "hello", false, true},
		{"HTTP/1.0", "/length", "keep-alive", "hello", false, false},
		{"HTTP/1.0", "/length", "", "hello", false, true},
		{"HTTP/1.0", "/big", "keep-alive", big, false, true},
		// Every Connection line counts: "close" on a second line closes.
		{"HTTP/1.1", "/length", "keep-alive\r\nConnection: close", "hello", false, true},
		{"HTTP/1.0", "/length", "keep-alive\r\nConnection: close", "hello", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.proto+tt.path+tt.conn, func(t *testing.T) {
			c, br := dial(t, addr)
			hdr := ""
			if tt.conn != "" {
				hdr = "Connection: " + tt.conn + "\r\n"
			}
			_, err := fmt.Fprintf(c, "GET %s %s\r\nHost: x\r\n%s\r\n", tt.path, tt.proto, hdr)
			require.NoError(t, err)
			resp, body := readResponse(t, br)
			assert.Equal(t, tt.body, body)
			assert.Equal(t, tt.chunked, len(resp.TransferEncoding) > 0)
			assert.Equal(t, tt.closes, closed(c, br))
		})
	}
}

// TestShutdown drains a call in progress and closes idle connections.
func TestShutdown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{})
	addr, s := serve(t, func(w *ResponseWriter, r *Request) {
		if r.Path == "/slow" {
			close(started)
			<-release
		}
		_, _ = io.WriteString(w, "done")
	}, Options{})
	idle, idleBR := dial(t, addr)
	_, err := io.WriteString(idle, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	readResponse(t, idleBR)
	busy, busyBR := dial(t, addr)
	_, err = io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	<-started
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	assert.True(t, closed(idle, idleBR), "the idle connection is closed at once")
	close(release)
	resp, body := readResponse(t, busyBR)
	assert.Equal(t, "done", body, "the call in progress is answered")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, <-shut)
	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "no longer listening")
}

// TestContextEndsWithTheConnection: a consumer that goes away cancels the
// request's context once the server reads or writes.
func TestContextEndsWithTheConnection(t *testing.T) {
	t.Parallel()
	got := make(chan error, 1)
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) {
		_, err := io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		got <- err
	}, Options{})
	c, _ := dial(t, addr)
	_, err := io.WriteString(c, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	require.NoError(t, err)
	_ = c.Close()
	select {
	case err := <-got:
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	case <-time.After(10 * time.Second):
		t.Fatal("the context never ended")
	}
}

// TestAfterCancel: a request's AfterCancel function runs when its
// context ends (here the server's base context), not when it was taken
// back first; one per request, on one connection's registration.
func TestAfterCancel(t *testing.T) {
	t.Parallel()
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ran atomic.Int64
	stopped := make(chan bool, 2)
	waiting, fired := make(chan struct{}), make(chan struct{})
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) {
		r.AfterCancel(func() { ran.Add(1); close(fired) })
		if r.Path == "/wait" {
			close(waiting)
			<-fired
		}
		stopped <- r.StopCancel()
		echo(w, r)
	}, Options{BaseContext: base})
	c, br := dial(t, addr)
	_, err := io.WriteString(c, "POST /quick HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
	require.NoError(t, err)
	resp, _ := readResponse(t, br)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, <-stopped, "taken back before the context ended")

	_, err = io.WriteString(c, "POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
	require.NoError(t, err)
	<-waiting
	cancel()
	assert.False(t, <-stopped, "it ran")
	assert.Equal(t, int64(1), ran.Load(), "the second request's function, once")
}

func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: 12\r\n\r\n",
		"GET /vp?wsdl HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: x\r\nX-Cert: -----BEGIN\r\n  AAAA\r\n -----END\r\n\r\n",
		"GET http://h/%41?q HTTP/1.1\nHost: h\nExpect: 100-continue\n\n",
		"GET / HTTP/9.9\r\n\r\n",
		"\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		var p parser
		r := Request{Header: http.Header{}}
		in := bytes.Clone(head)
		if err := p.parse(in, &r); err != nil {
			return
		}
		// What parses is well formed: canonical keys with valid values,
		// and a framing the body reader can take.
		for k, vs := range r.Header {
			assert.Equal(t, http.CanonicalHeaderKey(k), k)
			for _, v := range vs {
				assert.NotContains(t, v, "\n")
			}
		}
		assert.GreaterOrEqual(t, r.ContentLength, int64(-1))
		assert.NotEmpty(t, r.Method)
	})
}

// benchCall returns a function doing one keep-alive call of a 2 KiB
// request on a loopback connection to addr, reading the answer.
func benchCall(b *testing.B, addr string) func() {
	return benchCallOver(b, func() (net.Conn, error) { return net.Dial("tcp", addr) })
}

// benchCallOver is benchCall over the connection dial makes.
func benchCallOver(b *testing.B, dial func() (net.Conn, error)) func() {
	c, err := dial()
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	body := strings.Repeat("x", 2048)
	req := []byte("POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml; charset=UTF-8\r\nSOAPAction: \"urn:x\"\r\nX-Skltp-Correlation-Id: abc\r\nContent-Length: 2048\r\n\r\n" + body)
	br := bufio.NewReaderSize(c, 16<<10)
	return func() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		length := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) <= 2 {
				break
			}
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
				length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			}
		}
		if _, err := br.Discard(length); err != nil {
			b.Fatal(err)
		}
	}
}

// The benchmarks' handlers read the body and answer 2 KiB with a
// Content-Length, on either server.
var (
	benchAnswer = bytes.Repeat([]byte("a"), 2048)
	benchCT     = []string{"text/xml; charset=UTF-8"}
	benchCL     = []string{"2048"}
)

func benchHandler(w *ResponseWriter, r *Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header()["Content-Type"] = benchCT
	w.Header()["Content-Length"] = benchCL
	_, _ = w.Write(benchAnswer)
}

func benchNetHTTPHandler(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header()["Content-Type"] = benchCT
	w.Header()["Content-Length"] = benchCL
	_, _ = w.Write(benchAnswer)
}

// netHTTPServer serves benchNetHTTPHandler with net/http's server on a
// loopback listener (over tlsCfg unless nil), as the service listeners
// had it, and returns its address.
func netHTTPServer(b *testing.B, tlsCfg *tls.Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, Handler: http.HandlerFunc(benchNetHTTPHandler)}
	var l net.Listener = ln
	if tlsCfg != nil {
		l = tls.NewListener(ln, tlsCfg)
	}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// BenchmarkServer is the server alone: a loopback keep-alive consumer
// calling benchHandler. Compare BenchmarkNetHTTPServer.
func BenchmarkServer(b *testing.B) {
	addr, _ := serve(b, benchHandler, Options{ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute})
	runBench(b, benchCall(b, addr))
}

// runBench runs call b.N times, reporting allocations and cpu-ns/op: the
// process's CPU time per call (server and client), steadier than wall
// time on a shared machine.
func runBench(b *testing.B, call func()) {
	call()
	b.ReportAllocs()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := ru.Utime.Nano() + ru.Stime.Nano()
	for b.Loop() {
		call()
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(ru.Utime.Nano()+ru.Stime.Nano()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkNetHTTPServer is BenchmarkServer's call against net/http's
// server.
func BenchmarkNetHTTPServer(b *testing.B) {
	runBench(b, benchCall(b, netHTTPServer(b, nil)))
}
