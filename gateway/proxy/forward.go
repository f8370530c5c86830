package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// Exchange is one forwarded call: what the gateway decided, and what
// happened, for the exchange log and metrics.
type Exchange struct {
	// Target is the producer address from the catalogue (query kept).
	Target *url.URL
	// Body is the request as it goes out: the (possibly rewritten) envelope
	// head followed by the rest of the consumer's body, still streaming.
	Body io.Reader
	// ContentLength of Body, or -1 when unknown (chunked).
	ContentLength int64
	// Timeout is the longest wait without progress from the producer.
	Timeout time.Duration
	// Headers are the outbound header rules for this call.
	Headers OutboundHeaders
	// Instance is the name in fault strings.
	Instance string
	// RequestErr reports why reading the consumer's body failed, if it did
	// (a *vpfault.Fault for a body over the size limit).
	RequestErr func() error
	// MinRate is the pace the whole exchange must keep (request and answer
	// bytes), with Timeout added to its grace; the zero value sets none.
	MinRate MinRate
	// PassHeaders are producer response headers relayed although the
	// rules drop them (see InboundHeaders).
	PassHeaders []string
	// Gone, when set, tells of the consumer going away (ctx ending)
	// without a context.AfterFunc per call: the server's hook for the
	// consumer's connection (httpwire.Request). nil: AfterFunc on ctx.
	Gone GoneNotifier

	// answerRoom holds the values of the answer's headers: the consumer's
	// answer head is written from them after Forward returns, so they are
	// the call's memory, not the pooled call state's. An Exchange is
	// therefore not reused before that head went out. Its first is the
	// correlation id, for callers that did not set it (see Forward); the
	// rest the producer's and the gateway's values (callState.vals).
	answerRoom [8]string

	// Results, filled by Forward.
	Status       int           // HTTP status sent to the consumer (0: none, consumer gone)
	ProducerTime time.Duration // request start to producer response headers
	Fault        *vpfault.Fault
	Err          error // internal cause, for logs
	Canceled     bool  // the consumer went away
	// TLSProfile names the TLS settings used for an https producer
	// (DefaultProfile or a profile's name); "" for plain http.
	TLSProfile string
	// TLSVersion and ProducerCert are what the producer's TLS connection
	// negotiated and showed (0 and nil when no answer came).
	TLSVersion   uint16
	ProducerCert *x509.Certificate
	// Aborted: the answer broke off after its head went out to the
	// consumer (Err says why); the consumer's connection must be ended
	// without completing the answer.
	Aborted bool
	started time.Time
}

// GoneNotifier runs a function when the consumer goes away, as
// context.AfterFunc on the call's context does, without allocating: one
// function at a time, StopGone reporting false once it has started.
type GoneNotifier interface {
	AfterGone(f func())
	StopGone() bool
}

// Forwarder sends calls to producers over the Transport's pools and
// streams their answers back: its own HTTP/1.1 client (wire.go), one
// goroutine per call (the caller's), buffers pooled.
type Forwarder struct {
	transport   *Transport
	maxResponse int64
	errLog      *log.Logger
}

// NewForwarder makes a forwarder over t. maxResponse bounds producer
// response bodies (0 = no bound); errLog receives answers that broke off
// after their head was sent (nil discards them).
func NewForwarder(t *Transport, maxResponse int64, errLog *log.Logger) *Forwarder {
	if errLog == nil {
		errLog = log.New(io.Discard, "", 0)
	}
	return &Forwarder{transport: t, maxResponse: maxResponse, errLog: errLog}
}

// callState is one call's buffers, pooled: the connection's reader and
// writer, the answer's header map and the strings made for earlier
// answers' names and values.
type callState struct {
	bw    *bufio.Writer
	br    *bufio.Reader
	in    http.Header // the consumer's request headers (not changed)
	resp  http.Header
	vals  []string          // backing of resp's one-value slices: the call's Exchange.answerRoom
	seen  map[string]string // see intern
	long  []byte            // a head line longer than br's buffer
	peek  []byte            // the start of a 500 answer, made on first use
	chunk []byte            // chunked request body copy buffer, made on first use
	one   [1]byte
	body  answerBody

	pc         *pconn
	stop       func() bool  // context.AfterFunc's, nil when none
	gone       GoneNotifier // or the Exchange's, when it has one
	lastOnConn bool         // the answer said the connection ends with it
}

// ioBufferSize is the reader's and writer's size per call.
const ioBufferSize = 32 << 10

var callStates = sync.Pool{New: func() any {
	return &callState{bw: bufio.NewWriterSize(nil, ioBufferSize), br: bufio.NewReaderSize(nil, ioBufferSize), resp: http.Header{}, seen: map[string]string{}}
}}

func (c *callState) release() {
	if c.pc != nil {
		c.finish(false) // a panic on the way (a consumer's writer): the slot is given back
	}
	c.bw.Reset(nil)
	c.br.Reset(nil)
	c.in, c.vals = nil, nil
	clear(c.resp)
	if cap(c.long) > 64<<10 {
		c.long = nil // a megabyte header is not kept for every call
	}
	c.body = answerBody{}
	callStates.Put(c)
}

// Forward sends x to its producer and streams the answer to w. ctx ends
// when the consumer goes away; in is the consumer's request headers (not
// changed). Failures before the answer's head went out are answered with
// VP faults; x holds the outcome. An answer that breaks off after its head
// went out sets x.Aborted: the caller must then end the consumer's
// connection without completing the answer (net/http: panic with
// http.ErrAbortHandler), so the consumer sees an incomplete message.
func (f *Forwarder) Forward(w http.ResponseWriter, ctx context.Context, in http.Header, x *Exchange) {
	// Every answer, the producer's or a fault, carries the call's
	// correlation id once: the gateway's handler set it already, so this
	// sets it only for other callers.
	if v := w.Header()[rivta.KeyCorrelationID]; len(v) != 1 || v[0] != x.Headers.CorrelationID {
		x.answerRoom[0] = x.Headers.CorrelationID
		w.Header()[rivta.KeyCorrelationID] = x.answerRoom[0:1:1]
	}
	x.started = time.Now()
	c := callStates.Get().(*callState)
	defer c.release()
	st := f.transport.cur.Load()
	profile, pool := st.pick(x.Target)
	x.TLSProfile = profile
	c.in = in

	ah, err := f.send(ctx, st, pool, c, x)
	if err != nil {
		f.fail(w, ctx, x, err)
		return
	}
	f.answer(w, ctx, c, ah, x)
}

// send writes the request and reads the answer's head, on a pooled
// connection or a new one: one retry after a failed connect (opts.Retry,
// nothing was sent), and one on a new connection when a reused one fails
// before a byte of the call was written to it and none of the consumer's
// body was read (the call is in memory). A pooled connection the producer
// closed while idle is found before use (hostPool.get).
func (f *Forwarder) send(ctx context.Context, st *transportState, pool *connPool, c *callState, x *Exchange) (answerHead, error) {
	h := pool.host(x.Target)
	retryConnect, retryStale := st.opts.Retry, true
	mark, replay := x.Body.(*bytes.Reader)
	var at int64
	if replay {
		at, _ = mark.Seek(0, io.SeekCurrent)
	}
	fresh := false
	for {
		pc, err := f.conn(ctx, h, x, fresh)
		if err != nil {
			var de *DialError
			if retryConnect && errors.As(err, &de) && ctx.Err() == nil {
				retryConnect = false
				if d := st.opts.RetryDelay; d > 0 && !sleep(ctx, d) {
					return answerHead{}, err
				}
				continue
			}
			return answerHead{}, err
		}
		c.start(ctx, pc, x)
		ah, consumed, err := c.roundTrip(x, st.opts.MaxResponseHeaderBytes)
		if err == nil {
			return ah, nil
		}
		why := c.finish(false)
		err = stopErr(err, why)
		// Nothing reached the reused connection: it was closed (reset)
		// under the call. Anything written might have been read, and a
		// producer that read the call never gets it twice.
		var refused invalidHeader
		stale := why == running && pc.reused && pc.wrote == 0 && !consumed && retryStale && !errors.As(err, &refused)
		if stale && (x.Body == nil || x.ContentLength == 0 || replay) {
			retryStale, fresh = false, true
			if replay {
				_, _ = mark.Seek(at, io.SeekStart)
			}
			continue
		}
		return ah, err
	}
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// stopErr says why the watchdog closed the connection, if it did.
func stopErr(err error, why stopReason) error {
	switch why {
	case stalled:
		return &TimeoutError{Err: err}
	case tooSlow:
		return &TimeoutError{Err: err, TooSlow: true}
	}
	return err
}

// conn takes an idle connection to the producer or makes one (fresh: a
// new one), waiting for a slot under MaxConnsPerHost at most the call's
// timeout.
func (f *Forwarder) conn(ctx context.Context, h *hostPool, x *Exchange, fresh bool) (*pconn, error) {
	pc, err := h.get(ctx, x.Timeout, fresh)
	if err != nil || pc != nil {
		return pc, err
	}
	pc, err = h.connect(ctx)
	if err != nil {
		h.closed()
		return nil, err
	}
	return pc, nil
}

// start takes pc for this call: buffers on it, the watchdog armed, the
// consumer's going away wired to close it.
func (c *callState) start(ctx context.Context, pc *pconn, x *Exchange) {
	c.pc = pc
	pc.wrote = 0
	c.bw.Reset(pc)
	c.br.Reset(pc)
	rate := x.MinRate
	rate.Grace += x.Timeout // the producer has its timeout to begin answering
	pc.dog.arm(x.started, x.Timeout, rate)
	c.stop, c.gone, c.lastOnConn = nil, nil, false
	switch {
	case x.Gone != nil:
		c.gone = x.Gone
		c.gone.AfterGone(pc.cancelFn)
	case ctx.Done() != nil:
		c.stop = context.AfterFunc(ctx, pc.cancelFn)
	}
}

// finish ends the call on its connection: back to the pool when the
// exchange completed cleanly (reusable) and nothing is left unread,
// closed otherwise. It reports whether the watchdog ended the call.
func (c *callState) finish(reusable bool) stopReason {
	pc := c.pc
	if pc == nil {
		return running
	}
	c.pc = nil
	if c.stop != nil && !c.stop() || c.gone != nil && !c.gone.StopGone() {
		// The consumer went away as the call ended: the cancel may still
		// be on its way to this connection, which must then serve no
		// other call.
		reusable = false
	}
	c.stop, c.gone = nil, nil
	why := pc.dog.disarm()
	if reusable && !c.lastOnConn && why == running && c.br.Buffered() == 0 {
		c.bw.Reset(nil)
		c.br.Reset(nil)
		pc.host.put(pc)
	} else {
		pc.close()
		pc.host.closed()
	}
	return why
}

// roundTrip writes the request and reads the answer's head. consumed
// reports whether any of the consumer's own body was read (a body not in
// memory), after which the call is never sent again.
func (c *callState) roundTrip(x *Exchange, headLimit int64) (answerHead, bool, error) {
	if err := writeHead(c.bw, x.Target, c.in, &x.Headers, x.Target.Scheme == "https", x.ContentLength); err != nil {
		return answerHead{}, false, err
	}
	consumed, err := c.writeBody(x)
	if err != nil {
		return answerHead{}, consumed, err
	}
	if err := c.bw.Flush(); err != nil {
		return answerHead{}, consumed, err
	}
	clear(c.resp)
	c.vals = x.answerRoom[1:1]
	ah, err := c.readHead(c.br, headLimit, c.resp)
	c.lastOnConn = ah.close
	return ah, consumed, err
}

// writeBody copies the request body into the connection's writer, read
// straight into its free space when the length is known, chunked when not.
func (c *callState) writeBody(x *Exchange) (consumed bool, err error) {
	if x.Body == nil || x.ContentLength == 0 {
		return false, nil
	}
	_, inMemory := x.Body.(*bytes.Reader)
	dog := &c.pc.dog
	reads := 0
	read := func(p []byte) (int, error) {
		n, err := x.Body.Read(p)
		reads++
		if n > 0 {
			dog.progress()
			dog.count(n)
			consumed = consumed || !inMemory
		}
		return n, err
	}
	// A body not in memory may block on the consumer: the request's head
	// goes out before the first read that may wait (as net/http flushed
	// the head), so the producer sees the call at once; the rest in full
	// buffers. Not before the first read, which gives the envelope head
	// the gateway read already, sent with the request's head.
	flushFirst := func() error {
		if inMemory || reads == 0 || c.pc.wrote > 0 || c.bw.Buffered() == 0 {
			return nil
		}
		return c.bw.Flush()
	}
	if x.ContentLength < 0 {
		if c.chunk == nil {
			c.chunk = make([]byte, ioBufferSize)
		}
		for {
			if err := flushFirst(); err != nil {
				return consumed, err
			}
			n, err := read(c.chunk)
			if n > 0 {
				_, _ = c.bw.Write(strconv.AppendInt(c.bw.AvailableBuffer(), int64(n), 16))
				_, _ = c.bw.WriteString("\r\n")
				if _, werr := c.bw.Write(c.chunk[:n]); werr != nil {
					return consumed, werr
				}
				_, _ = c.bw.WriteString("\r\n")
			}
			if err == io.EOF {
				_, werr := c.bw.WriteString("0\r\n\r\n")
				return consumed, werr
			}
			if err != nil {
				return consumed, err
			}
		}
	}
	var sent int64
	for sent < x.ContentLength {
		if err := flushFirst(); err != nil {
			return consumed, err
		}
		if c.bw.Available() == 0 {
			if err := c.bw.Flush(); err != nil {
				return consumed, err
			}
		}
		// Read straight into the writer's free space: no copy.
		p := c.bw.AvailableBuffer()
		p = p[:min(int64(cap(p)), x.ContentLength-sent)]
		n, err := read(p)
		sent += int64(n)
		if _, werr := c.bw.Write(p[:n]); werr != nil {
			return consumed, werr
		}
		if err == io.EOF && sent < x.ContentLength {
			return consumed, fmt.Errorf("http: ContentLength=%d with Body length %d", x.ContentLength, sent)
		}
		if err != nil && err != io.EOF {
			return consumed, err
		}
	}
	// Read on to the body's end, as net/http did: the consumer's reader
	// learns the body is complete, and a longer body is an error.
	if n, err := read(c.one[:]); n > 0 {
		return consumed, fmt.Errorf("http: ContentLength=%d with Body length %d", x.ContentLength, sent+int64(n))
	} else if err != nil && err != io.EOF {
		return consumed, err
	}
	return consumed, nil
}

// answer relays the producer's answer: VP faults for what VP turns into
// one, else the status, headers and body, streamed.
func (f *Forwarder) answer(w http.ResponseWriter, ctx context.Context, c *callState, ah answerHead, x *Exchange) {
	x.ProducerTime = time.Since(x.started)
	pc := c.pc
	x.TLSVersion, x.ProducerCert = pc.tlsVersion, pc.peerCert
	// The address text is only needed for a fault: not built per call.
	target := x.Target.String
	if f.maxResponse > 0 && ah.length > f.maxResponse {
		c.finish(false)
		f.fail(w, ctx, x, vpfault.New(vpfault.VP009, fmt.Sprintf("%s. Producer response of %d bytes exceeds limits.max_body (%d bytes)", target(), ah.length, f.maxResponse)))
		return
	}
	c.body.reset(c.br, ah, c)
	var first []byte // the body's start, read to decide
	var firstErr error
	switch {
	case ah.status == http.StatusInternalServerError:
		// A SOAP fault (1.1, or 1.2) is an answer whose root element is a
		// SOAP Envelope; an HTML error page that merely names the
		// namespace (in a comment, say) is not one.
		first, firstErr = c.gather(faultPeek)
		if _, err := envelope.SniffRoot(first); err != nil {
			c.finish(firstErr == io.EOF)
			f.fail(w, ctx, x, statusFault(target(), ah.status))
			return
		}
	case ah.status >= 200 && ah.status < 300:
		if ah.length == 0 {
			c.finish(true)
			f.fail(w, ctx, x, emptyFault(target(), ah.status))
			return
		}
		if ah.length < 0 {
			first, firstErr = c.body.next()
			if len(first) == 0 && firstErr == io.EOF {
				c.finish(true)
				f.fail(w, ctx, x, emptyFault(target(), ah.status))
				return
			}
		}
	default:
		c.finish(c.body.drain())
		f.fail(w, ctx, x, statusFault(target(), ah.status))
		return
	}
	c.relay(w.Header(), x, ah)
	x.Status = ah.status
	w.WriteHeader(ah.status)
	if err := f.stream(w, c, ah, first, firstErr); err != nil {
		why := c.finish(false)
		x.Err = stopErr(err, why)
		x.Canceled = why == canceled
		x.Aborted = true
		f.errLog.Printf("proxy: the answer from %s broke off after its head was sent: %v", x.Target.Redacted(), x.Err)
		return
	}
	c.finish(true)
}

// relay puts the answer's headers that the rules let through
// (relayed, as InboundHeaders) into wh with the gateway's own: the
// correlation id (there already: Forward), the producer round trip, the
// Content-Type as VP sends it and the answer's length. No map is edited
// but wh; the values stay in x's memory (Exchange.answerRoom).
func (c *callState) relay(wh http.Header, x *Exchange, ah answerHead) {
	h := c.resp
	conn := h["Connection"]
	for k, vv := range h {
		switch k {
		case rivta.KeyCorrelationID, rivta.KeyProducerRoundTrip, "Content-Type", "Content-Length":
			continue // the gateway's own, below
		}
		if !relayed(k, conn, x.PassHeaders) {
			continue
		}
		if old, ok := wh[k]; ok {
			wh[k] = append(old, vv...)
		} else {
			wh[k] = vv
		}
	}
	wh[rivta.KeyProducerRoundTrip] = c.answerValue(strconv.FormatInt(x.ProducerTime.Milliseconds(), 10))
	ct := h["Content-Type"]
	if !relayed("Content-Type", conn, x.PassHeaders) {
		ct = nil // a Connection line named it
	}
	v := ""
	if len(ct) > 0 {
		v = ct[0]
	}
	if n := normaliseContentType(v); len(ct) == 1 && n == v {
		wh["Content-Type"] = ct
	} else {
		wh["Content-Type"] = c.answerValue(n)
	}
	if ah.length >= 0 {
		// The producer's own digits, unless they are several or padded
		// (what the length was read from, either way).
		if vv := h["Content-Length"]; len(vv) == 1 && (len(vv[0]) == 1 || vv[0][0] != '0') {
			wh["Content-Length"] = vv
		} else {
			wh["Content-Length"] = c.answerValue(strconv.FormatInt(ah.length, 10))
		}
	}
}

// stream copies the answer's body to w, first (read already) and then
// the rest, flushing each piece when the length is unknown, as a
// streaming answer should reach the consumer as it comes.
func (f *Forwarder) stream(w http.ResponseWriter, c *callState, ah answerHead, first []byte, err error) error {
	fl, _ := w.(http.Flusher)
	fe, _ := w.(interface{ FlushError() error })
	flushEach := ah.length < 0 && fl != nil
	dog := &c.pc.dog
	var total int64
	p := first
	for {
		if len(p) > 0 {
			if total += int64(len(p)); f.maxResponse > 0 && total > f.maxResponse {
				return errResponseTooLarge
			}
			dog.count(len(p))
			if _, werr := w.Write(p); werr != nil {
				return fmt.Errorf("answer to the consumer: %w", werr)
			}
			if flushEach && fe != nil {
				// A flush the consumer's deadline cut is the answer's end,
				// not a producer failure: the consumer's going away closes
				// the producer's connection under the next read.
				if ferr := fe.FlushError(); ferr != nil {
					return fmt.Errorf("answer to the consumer: %w", ferr)
				}
			} else if flushEach {
				fl.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p, err = c.body.next()
	}
}

// gather reads up to n bytes of the body into c.peek: the start of a 500
// answer, to tell a SOAP fault from an error page. The error is the
// body's (io.EOF: all of it is in the slice).
func (c *callState) gather(n int) ([]byte, error) {
	if c.peek == nil {
		c.peek = make([]byte, 0, n)
	}
	buf := c.peek[:0]
	for len(buf) < n {
		p, err := c.body.next()
		buf = append(buf, p...)
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// drain reads the rest of an unwanted body when it is all buffered
// already, so the connection can serve again; false when it is not.
func (b *answerBody) drain() bool {
	for !b.done {
		if !b.chunked && !b.close && b.left > int64(b.br.Buffered()) {
			return false
		}
		if b.close || b.chunked && b.br.Buffered() == 0 {
			return false
		}
		if _, err := b.next(); err != nil && err != io.EOF {
			return false
		}
	}
	return true
}

// faultPeek is how far into a 500 body we look for the SOAP envelope.
const faultPeek = 16 << 10

var errResponseTooLarge = errors.New("producer response exceeds limits.max_body")

// vp009 builds VP's VP009 detail: "Error connecting to service producer at
// address <url>. Exception Caught by Camel when contacting producer.
// Exception information: (<kind>: <message>)". The wording is VP's, kept so
// consumers and operators recognise it.
func vp009(target, kind, msg string, cause error) *vpfault.Fault {
	f := vpfault.New(vpfault.VP009, fmt.Sprintf("%s. Exception Caught by Camel when contacting producer. Exception information: (%s: %s)", target, kind, msg))
	f.Err = cause
	return f
}

func statusFault(target string, status int) *vpfault.Fault {
	f := vp009(target, "HttpOperationFailedException", fmt.Sprintf("HTTP operation failed invoking %s with statusCode: %d", target, status), nil)
	f.Detail += "\nVP_PRODUCER_EXCEPTION_HTTP_STATUS=" + strconv.Itoa(status)
	return f
}

func emptyFault(target string, status int) *vpfault.Fault {
	return vpfault.New(vpfault.VP009, fmt.Sprintf("%s. Empty message when server responded with status code: %d %s", target, status, http.StatusText(status)))
}

// ClassifyError maps a transport error onto VP009 with the kind of failure
// VP reports (connect refused, timeout, TLS handshake, reset, I/O).
func ClassifyError(target string, err error) *vpfault.Fault {
	var f *vpfault.Fault
	if errors.As(err, &f) {
		return f
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return vp009(target, "TimeoutException", te.Error(), err)
	}
	var de *DialError
	if errors.As(err, &de) {
		var ne net.Error
		if errors.As(de.Err, &ne) && ne.Timeout() {
			return vp009(target, "ConnectTimeoutException", "connection timed out: "+de.Addr, err)
		}
		if errors.Is(de.Err, syscall.ECONNREFUSED) {
			return vp009(target, "ConnectException", "Connection refused: "+de.Addr, err)
		}
		return vp009(target, "ConnectException", de.Err.Error(), err)
	}
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	if errors.As(err, &certErr) || errors.As(err, &hostErr) || errors.As(err, &unknown) || errors.As(err, &recErr) || errors.As(err, &alert) || tlsFailure(err) {
		return vp009(target, "SSLHandshakeException", err.Error(), err)
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return vp009(target, "SocketException", "Connection reset", err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return vp009(target, "IOException", "Connection closed by producer before a complete response", err)
	}
	return vp009(target, "IOException", err.Error(), err)
}

// tlsFailure reports a handshake that failed on a TLS protocol matter (no
// version or cipher both sides speak, an alert from the producer), which
// crypto/tls reports without a type of its own: its messages start "tls: ",
// an alert from the peer is a net.OpError "remote error".
func tlsFailure(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	return strings.HasPrefix(err.Error(), "tls: ")
}

// fail answers a call that got no answer to relay: the consumer's body
// fault, nothing when the consumer went away (ctx ended), else VP009 as
// ClassifyError says.
func (f *Forwarder) fail(w http.ResponseWriter, ctx context.Context, x *Exchange, err error) {
	x.Err = err
	if x.RequestErr != nil {
		if rerr := x.RequestErr(); rerr != nil {
			var rf *vpfault.Fault
			if errors.As(rerr, &rf) {
				x.Fault = rf
				x.Status = writeFault(w, rf, x.Instance)
				return
			}
			// The consumer's body broke off: nobody to answer.
			x.Canceled = true
			x.Err = rerr
			delete(w.Header(), rivta.KeyCorrelationID)
			return
		}
	}
	if ctx.Err() != nil {
		var te *TimeoutError
		if !errors.As(err, &te) {
			x.Canceled = true
			delete(w.Header(), rivta.KeyCorrelationID)
			return
		}
	}
	x.Fault = ClassifyError(x.Target.String(), err)
	x.Status = writeFault(w, x.Fault, x.Instance)
}

// FaultStatus is the HTTP status a fault is sent with: 500 as VP, except a
// request over the size limit (413, the clear answer VP lacked).
func FaultStatus(f *vpfault.Fault) int {
	if errors.Is(f.Err, ErrRequestTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// ErrRequestTooLarge is the cause of the fault for a body over limits.max_body.
var ErrRequestTooLarge = errors.New("request body exceeds limits.max_body")

func writeFault(w http.ResponseWriter, f *vpfault.Fault, instance string) int {
	status := FaultStatus(f)
	body := f.Envelope(instance)
	h := w.Header()
	h.Set("Content-Type", vpfault.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// WriteFault writes a VP fault with the status FaultStatus gives.
func WriteFault(w http.ResponseWriter, f *vpfault.Fault, instance string) int {
	return writeFault(w, f, instance)
}
