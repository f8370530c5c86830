package httpwire

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// memConn is a connection whose peer sent in and then closed its side;
// what the server writes is kept. Deadlines do nothing: reads never wait.
type memConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *memConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *memConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzHandler does what the gateway's handler does on different paths:
// reads the whole body, reads part of it, streams an answer of unknown
// length with flushes, or answers without reading.
func fuzzHandler(w *ResponseWriter, r *Request) {
	switch r.Path {
	case "/read":
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "1")
		_, _ = w.Write([]byte{byte('0' + n%10)})
	case "/part":
		var buf [7]byte
		_, _ = io.ReadFull(r.Body, buf[:])
		_, _ = w.Write(bytes.Repeat([]byte("p"), 3000))
	case "/stream":
		_, _ = io.Copy(w, r.Body)
		w.Flush()
		_, _ = w.Write([]byte("end"))
	default:
		http.Error(w, "not here", http.StatusNotFound)
	}
}

// FuzzServe feeds a connection's whole input to the server: it must not
// panic, and what it writes must be HTTP responses, one after another.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloPOST /part HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"POST /stream HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
		"POST /stream HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n",
		"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n",
		"POST /part HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort",
		"GET /x HTTP/1.1\r\nHost: x\r\nX-F: a\r\n b\r\n\r\n",
		"\r\n\r\nGET /read HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := NewServer(Options{Handler: fuzzHandler, MaxHeaderBytes: 4096})
		mc := &memConn{in: bytes.NewReader(in)}
		c := s.newConn(mc)
		if c == nil {
			t.Fatal("no connection")
		}
		c.serve()
		if bytes.Contains(in, []byte("HEAD")) {
			return // an answer to HEAD has no body its head announces: not readable without the request
		}
		br := bufio.NewReader(&mc.out)
		for n := 0; ; n++ {
			if _, err := br.Peek(1); err == io.EOF {
				return
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("answer %d is no HTTP response: %v\n%q", n, err, mc.out.String())
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatalf("answer %d's body: %v\n%q", n, err, mc.out.String())
			}
			_ = resp.Body.Close()
		}
	})
}
