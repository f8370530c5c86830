package httpwire

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// conn is one connection and everything its requests reuse.
type conn struct {
	srv  *Server
	raw  net.Conn      // as accepted
	dc   *deadlineConn // raw, keeping its deadlines
	rwc  net.Conn      // dc, or the TLS connection over it
	idle atomic.Bool   // between requests: Shutdown closes it
	// accepted and used let Shutdown close a connection that never sent a
	// request only once it is older than newConnGrace, as net/http does:
	// one still in its handshake or sending its first head is not dropped.
	accepted time.Time
	used     atomic.Bool

	ctx    context.Context
	cancel context.CancelFunc
	br     *bufio.Reader
	bw     *bufio.Writer
	cr     connReader
	cw     connWriter

	head []byte // the request head as read
	p    parser
	req  Request
	w    ResponseWriter
	// body is the current request's. It is not reused: a producer
	// client may still hold (and read) a request's body after its
	// handler returned, and must find it closed, not the next request's.
	body *Body
	// wmu orders a 100 Continue sent from a body reader on another
	// goroutine with the answer's head.
	wmu sync.Mutex
	// gone runs a request's AfterGone function when ctx ends.
	gone goneWatch
}

// connReader is the reader under the read buffer: a failed read (the
// consumer went away, or stalled past a deadline) cancels the
// connection's context, as net/http's does, so whoever waits for the
// consumer learns of it.
type connReader struct{ c *conn }

func (r *connReader) Read(p []byte) (int, error) {
	n, err := r.c.rwc.Read(p)
	if err != nil && err != io.EOF || err == io.EOF && n == 0 {
		r.c.cancel()
	}
	return n, err
}

// connWriter is the writer under the write buffer: a failed write (the
// consumer went away, or a write deadline passed) cancels the context.
type connWriter struct{ c *conn }

func (w *connWriter) Write(p []byte) (int, error) {
	n, err := w.c.rwc.Write(p)
	if err != nil {
		w.c.cancel()
	}
	return n, err
}

func (c *conn) serve() {
	s := c.srv
	c.ctx, c.cancel = context.WithCancel(s.opts.BaseContext)
	stopGone := context.AfterFunc(c.ctx, c.gone.fire)
	c.dc = newDeadlineConn(c.raw)
	c.rwc = c.dc
	var b *bufs
	defer func() {
		stopGone()
		// A handler that panics (http.ErrAbortHandler: an answer that
		// broke off) ends the connection: what is buffered goes out, with
		// no chunked terminator, so the consumer sees the answer cut.
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			s.logf("http: panic serving %v: %v\n%s", c.raw.RemoteAddr(), v, buf)
		}
		if b != nil {
			_ = b.bw.Flush()
			b.br.Reset(nil)
			b.bw.Reset(nil)
			bufPool.Put(b)
		}
		c.cancel()
		_ = c.rwc.Close()
		s.forget(c)
	}()
	if s.opts.TLS != nil && !c.handshake() {
		return
	}
	b = bufPool.Get().(*bufs)
	c.cr.c, c.cw.c = c, c
	b.br.Reset(&c.cr)
	b.bw.Reset(&c.cw)
	c.br, c.bw = b.br, b.bw
	c.req.Header = make(http.Header, 16)
	c.req.RemoteAddr = c.raw.RemoteAddr().String()
	c.req.LocalAddr = c.raw.LocalAddr()
	c.req.ctx = c.ctx
	c.req.gone = &c.gone
	c.w.header = make(http.Header, 8)
	c.w.c = c

	for first := true; ; first = false {
		if !c.waitForRequest(first) {
			return
		}
		c.idle.Store(false)
		c.used.Store(true)
		if herr := c.readRequest(); herr != nil {
			c.refuse(herr)
			return
		}
		c.body = &Body{}
		c.body.reset(c, &c.req)
		c.req.Body = c.body
		c.w.reset(&c.req)
		s.opts.Handler(&c.w, &c.req)
		c.gone.clear()
		keep := c.w.finish()
		c.body.close()
		// The handler's write deadline stays until a write it does not
		// bound clears it: the next answer most often keeps it (Coarse).
		c.dc.writeDone()
		if !keep {
			if !c.body.finished() {
				c.closeWriteAndWait()
			}
			return
		}
		c.idle.Store(true)
		if s.shutdown.Load() {
			return
		}
	}
}

// handshake runs the TLS handshake within ReadHeaderTimeout.
func (c *conn) handshake() bool {
	s := c.srv
	tc := tls.Server(c.dc, s.opts.TLS)
	c.rwc = tc
	if d := s.opts.ReadHeaderTimeout; d > 0 {
		_ = c.dc.SetDeadline(time.Now().Add(d + Coarse(d)))
	}
	if err := tc.HandshakeContext(c.ctx); err != nil {
		reason := err.Error()
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
			_, _ = io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
			reason = "client sent an HTTP request to an HTTPS server"
		}
		s.logf("http: TLS handshake error from %s: %v", c.raw.RemoteAddr(), reason)
		return false
	}
	// The handshake's deadline stays for the first request's wait, which
	// keeps it when it fits, and for no write.
	c.dc.readDone()
	c.dc.writeDone()
	st := tc.ConnectionState()
	c.req.TLS = &st
	return true
}

func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// waitForRequest waits for the next request's first byte: at most
// IdleTimeout between requests, ReadHeaderTimeout for the first. A
// pipelined request already buffered needs no wait, and its head no
// deadline when it is all there.
func (c *conn) waitForRequest(first bool) bool {
	if c.br.Buffered() > 0 {
		if !c.headBuffered() {
			c.setHeaderDeadline()
		}
		return true
	}
	d := c.srv.opts.IdleTimeout
	if first {
		d = c.srv.opts.ReadHeaderTimeout
	}
	c.dc.readWithin(d)
	if _, err := c.br.Peek(1); err != nil {
		return false // closed, reset or idle too long: no answer owed
	}
	if !c.headBuffered() {
		c.setHeaderDeadline()
	}
	return true
}

// headBuffered reports whether a whole request head (a request line
// first, up to the empty line) is in the read buffer: reading it then
// reads nothing from the connection, and a header deadline set for it
// would never apply (a timer set and cleared per call for nothing).
func (c *conn) headBuffered() bool {
	buf, _ := c.br.Peek(c.br.Buffered())
	if len(buf) == 0 || buf[0] == '\r' || buf[0] == '\n' {
		return false
	}
	return bytes.Contains(buf, headEndCRLF) || bytes.Contains(buf, headEndLF)
}

// The end of a head: a line ending then an empty line (bare LF allowed).
var headEndCRLF, headEndLF = []byte("\n\r\n"), []byte("\n\n")

func (c *conn) setHeaderDeadline() {
	c.dc.readWithin(c.srv.opts.ReadHeaderTimeout)
}

// readRequest reads and parses one request head, up to MaxHeaderBytes
// (+4096 as net/http) and within the header deadline.
func (c *conn) readRequest() *headError {
	limit := c.srv.opts.MaxHeaderBytes + 4096
	c.head = c.head[:0]
	read := 0
	for {
		line, err := c.br.ReadSlice('\n')
		read += len(line)
		if read > limit {
			return errTooLarge
		}
		if len(c.head) == 0 && err == nil && (len(line) == 1 || len(line) == 2 && line[0] == '\r') {
			continue // empty lines before a request line (RFC 9112 2.2)
		}
		c.head = append(c.head, line...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			if len(c.head) > 0 {
				// A head cut off by the header deadline is answered (as
				// net/http does on TLS); one cut off by the consumer is not.
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return errBadRequest
				}
			}
			return errGone
		}
		if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
			break
		}
	}
	// The header deadline stays until a read it does not bound (a body
	// read without one) clears it; the next request's wait most often
	// keeps it.
	c.dc.readDone()
	return c.p.parse(c.head, &c.req)
}

// errGone is a request that ended with the connection: nobody to answer.
var errGone = &headError{}

// refuse answers a request the server cannot take, in net/http's words,
// and ends the connection.
func (c *conn) refuse(e *headError) {
	if e == errGone {
		return
	}
	_ = c.rwc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	// The client may still be sending (a head, a body): closing with its
	// bytes unread would make the kernel reset the connection under the
	// answer, so the answer goes out before a lingering close.
	defer c.closeWriteAndWait()
	if e == errExpect {
		_, _ = c.bw.WriteString("HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		return
	}
	const errorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	_, _ = c.bw.WriteString("HTTP/1.1 ")
	if e == errUnsupTE {
		_, _ = c.bw.WriteString(strconv.Itoa(e.status) + " " + http.StatusText(e.status) + errorHeaders + "Unsupported transfer encoding")
	} else {
		_, _ = c.bw.WriteString(e.Error() + errorHeaders + e.Error())
	}
}

// sendContinue sends 100 Continue unless the answer's head is out.
func (c *conn) sendContinue() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.w.committed {
		return nil
	}
	if _, err := c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
		return err
	}
	return c.bw.Flush()
}

// lingerAfterClose bounds the wait after closing the write side for the
// client to read the answer and close (net/http's rstAvoidanceDelay), so
// unread request bytes do not make the kernel reset the connection under
// the answer.
const lingerAfterClose = 500 * time.Millisecond

// closeWriteAndWait sends what is buffered, closes the write side and
// reads (and drops) what the client still sends for a short while.
func (c *conn) closeWriteAndWait() {
	_ = c.bw.Flush()
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := c.rwc.(closeWriter); ok {
		_ = cw.CloseWrite()
	}
	_ = c.rwc.SetReadDeadline(time.Now().Add(lingerAfterClose))
	_, _ = io.CopyN(io.Discard, c.rwc, maxDiscard)
}
