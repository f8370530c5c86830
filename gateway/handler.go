package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/contracts/wsdlserve"
	"github.com/rivgate/rivgate/gateway/httpwire"
	"github.com/rivgate/rivgate/gateway/proxy"
)

// serviceHandler serves the service listeners' requests (httpwire):
// SOAP calls through the stages, ?wsdl and ?xsd= from the contracts, 404
// and 405 for the rest.
func (g *Gateway) serviceHandler(listener string) httpwire.Handler {
	return func(rw *httpwire.ResponseWriter, r *httpwire.Request) {
		sc := g.serviceCalls.Get().(*serviceCall) // new, or reset by putServiceCall
		g.serveCall(sc, listener, rw, r)
		// Not reached when serveCall panics (http.ErrAbortHandler after an
		// answer broke off, or a bug): that call's memory is left to the GC.
		g.putServiceCall(sc, rw)
	}
}

// serveCall serves one request with sc's memory; its exchange line and
// metrics are written when it returns.
func (g *Gateway) serveCall(sc *serviceCall, listener string, rw *httpwire.ResponseWriter, r *httpwire.Request) {
	g.inFlight.Add(1)
	g.metrics.inFlight.Inc()
	sc.call = call{listener: listener, start: time.Now(), remote: r.RemoteAddr, kind: "service", forwardedFor: firstValue(r.Header, "X-Forwarded-For"),
		sniffed: &sc.sniffed, bodyErr: sc.bodyErr}
	c, w := &sc.call, &sc.answer
	*w = answerWriter{ResponseWriter: rw, wire: rw, idle: g.cfg.Listen.WriteTimeout.D(), rate: g.minRate}
	defer func() {
		// The answer goes out before the exchange line and metrics
		// are written, as nginx logs after it has answered: a slow log
		// write (a busy disk) then costs the consumer nothing. Only
		// answers of known length: an early flush would send any
		// other small answer chunked.
		if c.kind == "service" && w.Header()["Content-Length"] != nil {
			_ = w.FlushError()
		}
		w.arm() // the server's last write (after the handler) has its deadline too
		if w.err != nil && c.err == nil {
			c.err = fmt.Errorf("answer to the consumer: %w", w.err)
		}
		g.release(c)
		g.finish(c)
		// In flight until its exchange line and record are written: a
		// caller that sees in_flight 0 sees every answered call counted.
		g.inFlight.Add(-1)
		g.metrics.inFlight.Dec()
	}()
	c.correlationID = firstValue(r.Header, rivta.KeyCorrelationID)
	if !validCorrelationID(c.correlationID) {
		c.correlationID = g.uuids.New()
	}
	sc.correlationHeader[0] = c.correlationID
	w.Header()[rivta.KeyCorrelationID] = sc.correlationHeader[:]
	if r.Method == http.MethodGet && wsdlserve.Wanted(r.RawQuery) {
		c.kind = "wsdl"
		c.status = g.serveWSDL(w, r.HTTPRequest())
		return
	}
	if !g.underPrefix(r.Path) {
		c.kind = "notfound"
		c.status = http.StatusNotFound
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		c.kind = "notfound"
		c.status = http.StatusMethodNotAllowed
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "SOAP calls use POST; GET ?wsdl for the contract", http.StatusMethodNotAllowed)
		return
	}
	g.service(sc, r)
}

// serviceCall is one request's memory on the service path, allocated at
// once and pooled (Gateway.serviceCalls): the call, the HTTP layer's
// wrappers of its body and answer, and the sniffer's results. A call's
// strings never point into it (the Info's are copies), so what outlives
// the call (the exchange line, callwatch's ring, the metrics) holds none
// of its memory.
type serviceCall struct {
	call
	answer            answerWriter
	body              bodyReader
	correlationHeader [1]string // the answer's x-skltp-correlation-id

	// Kept from call to call: the sniffer's Info and head buffer, and
	// the producer client's view of the body's error (a closure over
	// body, made once with the serviceCall).
	sniffed envelope.Storage
	bodyErr func() error
}

func newServiceCall() any {
	sc := new(serviceCall)
	sc.bodyErr = func() error { return sc.body.err }
	return sc
}

// reset clears all but what is kept from call to call, when the call's
// memory goes back to the pool: a pooled one holds no connection,
// certificate or fault.
func (sc *serviceCall) reset() {
	sc.call = call{}
	sc.answer = answerWriter{}
	sc.body = bodyReader{}
	sc.correlationHeader = [1]string{}
}

// putServiceCall gives sc back once serveCall returned: the exchange line,
// metrics and callwatch are written, and the forward (which reads the
// body and writes the answer on this goroutine) is over. The answer's
// head may still be unsent (httpwire sends it after the handler): a
// correlation header that is still sc's array gets a slice of its own.
func (g *Gateway) putServiceCall(sc *serviceCall, rw *httpwire.ResponseWriter) {
	if !rw.HeadWritten() {
		h := rw.Header()
		if v := h[rivta.KeyCorrelationID]; len(v) > 0 && &v[0] == &sc.correlationHeader[0] {
			h[rivta.KeyCorrelationID] = []string{v[0]}
		}
	}
	sc.reset()
	g.serviceCalls.Put(sc)
}

// firstValue is h.Get for a canonical key in a canonical map (httpwire's).
func firstValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// maxCorrelationID is the longest correlation id taken from a consumer.
const maxCorrelationID = 128

// validCorrelationID reports whether a consumer's x-skltp-correlation-id
// is taken as it is: at most 128 characters of letters, digits and
// "-_.:@+=/". Any other (empty, long, spaces, quotes, control or non-ASCII
// characters that would end up in producers' headers and every log) is
// replaced by a new UUID.
func validCorrelationID(id string) bool {
	if id == "" || len(id) > maxCorrelationID {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case strings.IndexByte("-_.:@+=/", b) >= 0:
		default:
			return false
		}
	}
	return true
}

func (g *Gateway) underPrefix(path string) bool {
	if g.pathDir == "" {
		return true
	}
	return path == g.cfg.Listen.PathPrefix || strings.HasPrefix(path, g.pathDir)
}

// service runs the stages (stages.go) for one service call and sends
// their answer: the only part of the pipeline that touches HTTP.
func (g *Gateway) service(sc *serviceCall, r *httpwire.Request) {
	c, w := &sc.call, &sc.answer
	h := r.Header
	// httpwire's keys are canonical, and so are these names: map lookups,
	// not h.Get's canonicalising of each name on every call.
	c.req = consumerRequest{
		ctx:              r.Context(),
		gone:             r,
		contentType:      firstValue(h, "Content-Type"),
		contentLength:    r.ContentLength,
		xForwardedFor:    h["X-Forwarded-For"],
		forwarded:        h["Forwarded"],
		xRealIP:          h["X-Real-Ip"],
		vpSenderID:       firstValue(h, rivta.KeyVPSenderID),
		vpInstanceID:     firstValue(h, rivta.KeyVPInstanceID),
		certHeader:       firstValue(h, g.certHeaderKey),
		routingHistory:   firstValue(h, rivta.KeyRoutingHistory),
		originalConsumer: firstValue(h, rivta.KeyOriginalConsumer),
		actingOnBehalfOf: firstValue(h, rivta.KeyActingOnBehalfOf),
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		c.req.peerCert = r.TLS.PeerCertificates[0]
	}
	maxBody := int64(g.cfg.Limits.MaxBody)
	sc.body = bodyReader{r: r.Body, ctx: r.Context(), left: maxBody, max: maxBody, length: r.ContentLength, start: c.start}
	c.body = &sc.body
	c.body.watch(r.Body, g.cfg.Listen.BodyTimeout.D(), g.minRate)
	defer c.body.unwatch()

	g.runStages(c)

	switch {
	case c.canceled: // the consumer went away: nobody to answer
	case c.replied:
		h := w.Header()
		h.Set("Content-Type", proxy.DefaultContentType)
		h.Set("Content-Length", strconv.Itoa(len(c.reply)))
		if c.status == http.StatusServiceUnavailable {
			h.Set("Retry-After", "1")
		}
		w.WriteHeader(c.status)
		_, _ = w.Write(c.reply)
		g.linger(w, r, c)
	case c.fault != nil:
		c.status = proxy.WriteFault(w, c.fault, g.cfg.Instance.Name)
		g.linger(w, r, c)
	default:
		x := c.exchange
		g.forwarder.Forward(w, r.Context(), r.Header, x)
		c.status, c.fault, c.err, c.producerTime, c.canceled = x.Status, x.Fault, x.Err, x.ProducerTime, x.Canceled
		if x.Aborted {
			// The answer broke off after its head went out: the connection
			// ends without completing it (httpwire closes it on this
			// panic, as net/http did for ReverseProxy), so a cut answer
			// never looks complete. The deferred exchange line still runs.
			panic(http.ErrAbortHandler)
		}
		// The body's own fault (over the limit while it streamed): the
		// transport has stopped reading it, the rest is still coming.
		if x.Fault != nil && c.body.failedWith(x.Fault) {
			g.linger(w, r, c)
		}
	}
}

// linger reads and discards the rest of a request body the gateway refused
// before reading it all (over limits.max_body, a head over limits.max_head,
// a malformed envelope), for at most listen.linger_time and
// listen.linger_bytes, as nginx's lingering close does. A client that
// writes its whole request before it reads (most SOAP stacks, Python's
// http.client, Java's HttpURLConnection) then reads the fault; closing
// with its bytes unread would make the kernel reset the connection, and
// the fault would be lost with it.
//
// Only the handler's goroutine reads the body here: linger runs for the
// gateway's own answers (nothing was forwarded) and after a forward that
// failed on the body itself. The server (httpwire), when the answer's
// head goes out, discards up to 256 KiB of the rest itself and closes the
// connection after the answer when more is left; linger reads on from
// there.
func (g *Gateway) linger(w *answerWriter, r *httpwire.Request, c *call) {
	if !c.body.unfinished() {
		return
	}
	c.body.unwatch()
	_ = r.Body.SetReadDeadline(time.Now().Add(g.cfg.Listen.LingerTime.D()))
	if w.wire.FlushError() != nil {
		return // the consumer is gone
	}
	_, _ = io.CopyN(io.Discard, r.Body, int64(g.cfg.Listen.LingerBytes))
}

// answerWriter bounds the answer's writes to the consumer: each must make
// progress within listen.write_timeout, and the whole answer must keep
// limits.min_rate, so a consumer that stops reading (or reads a byte now
// and then) does not hold the call, its producer connection and the
// answer's buffers. A write past its deadline fails and the connection is
// closed.
type answerWriter struct {
	http.ResponseWriter
	wire  *httpwire.ResponseWriter // the same writer, for deadlines and flushes
	idle  time.Duration            // listen.write_timeout; <= 0: no deadline
	rate  proxy.MinRate
	start time.Time // the answer's first write
	n     int64     // bytes written
	armed time.Time // the write deadline set last
	err   error     // the first failed write
}

// arm pushes the write deadline out to now+idle, or to where the answer
// falls behind the minimum rate if that is sooner (see nextDeadline). The
// first arm of an answer starts from the deadline the connection's last
// answer left, and keeps it when it fits: on a busy keep-alive
// connection most answers change no deadline.
func (a *answerWriter) arm() {
	if a.idle <= 0 {
		return
	}
	now := time.Now()
	first := a.start.IsZero()
	if first {
		a.start = now
		a.armed = a.wire.WriteDeadline()
	}
	dl, _ := nextDeadline(now, a.idle, a.rate, a.start, a.n, a.armed)
	if dl.IsZero() && first {
		dl = a.armed // kept: setting it again makes it this answer's (no timer change)
	}
	if !dl.IsZero() {
		_ = a.wire.SetWriteDeadline(dl)
		a.armed = dl
	}
}

func (a *answerWriter) note(err error) {
	if err != nil && a.err == nil {
		a.err = err
	}
}

func (a *answerWriter) WriteHeader(code int) {
	a.arm()
	a.ResponseWriter.WriteHeader(code)
}

func (a *answerWriter) Write(p []byte) (int, error) {
	a.arm()
	n, err := a.ResponseWriter.Write(p)
	a.n += int64(n)
	a.note(err)
	return n, err
}

// FlushError flushes under the deadline (http.ResponseController finds it).
func (a *answerWriter) FlushError() error {
	a.arm()
	err := a.wire.FlushError()
	a.note(err)
	return err
}

// Flush is FlushError for callers that look for http.Flusher.
func (a *answerWriter) Flush() { _ = a.FlushError() }

// Unwrap gives http.ResponseController the connection's own writer.
func (a *answerWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

func tooLarge(n, max int64) *vpfault.Fault {
	detail := fmt.Sprintf("Request body exceeds limits.max_body (%d bytes)", max)
	if n > 0 {
		detail = fmt.Sprintf("Request body of %d bytes exceeds limits.max_body (%d bytes)", n, max)
	}
	return vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail(detail), proxy.ErrRequestTooLarge)
}

// bodyReader bounds the consumer's body and remembers why reading it
// failed (over the limit, stalled, or the consumer went away), so the
// pipeline can tell a consumer problem from a producer one.
type bodyReader struct {
	r      io.Reader
	ctx    context.Context // the request's: canceled when the consumer's connection fails
	left   int64
	max    int64
	length int64 // declared, -1 when chunked
	err    error

	// A stalled body (no bytes for idle) fails with a VP015 fault through a
	// read deadline on the consumer's connection. The transport reads the
	// body on its own goroutine, so mu orders its deadline changes with
	// unwatch, after which the connection (maybe serving its next request)
	// is not touched again.
	mu       sync.Mutex
	rc       readDeadliner // nil: no deadline
	idle     time.Duration
	rate     proxy.MinRate // the body must keep this pace too
	start    time.Time     // when the request arrived, for the pace
	armed    time.Time     // the read deadline set last
	armedFor paceOrIdle    // what set it
	eof      bool          // read to its end
}

// readDeadliner sets the consumer connection's read deadline; Buffered
// reports whether the next read is served without reading the connection
// (httpwire's read buffer), which no deadline would bound.
type readDeadliner interface {
	SetReadDeadline(time.Time) error
	Buffered() bool
}

// watch arms the no-progress deadline (idle <= 0: none) and the pace.
func (b *bodyReader) watch(rc readDeadliner, idle time.Duration, rate proxy.MinRate) {
	if idle > 0 {
		b.rc, b.idle, b.rate = rc, idle, rate
	}
}

// unfinished reports whether the body may have more bytes coming from a
// consumer that is still there and still sending: not read to its end,
// not broken off, not stalled.
func (b *bodyReader) unfinished() bool {
	switch {
	case b.eof, b.length >= 0 && b.max-b.left >= b.length, b.ctx != nil && b.ctx.Err() != nil:
		return false
	case b.err == nil:
		return true
	}
	var f *vpfault.Fault
	return errors.As(b.err, &f) && !errors.Is(b.err, os.ErrDeadlineExceeded)
}

// failedWith reports whether f is the body's own fault.
func (b *bodyReader) failedWith(f *vpfault.Fault) bool {
	var bf *vpfault.Fault
	return errors.As(b.err, &bf) && bf == f
}

// unwatch stops touching the deadline; the handler calls it before it
// returns. A body not read to its end keeps its deadline: the server
// reads (discards) the rest after the answer, and a stalled consumer must
// not hold that up.
func (b *bodyReader) unwatch() {
	b.mu.Lock()
	b.rc = nil
	b.mu.Unlock()
}

// arm pushes the deadline out to now+idle, or to where the body falls
// behind the minimum rate if that is sooner (see nextDeadline): a stalled
// read then fails between idle and idle+httpwire.Coarse(idle). At the
// end of the body it clears the deadline: the connection then waits for
// the consumer's next request, which must not time out on the body's
// deadline.
func (b *bodyReader) arm(eof bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.rc == nil:
	case eof:
		if !b.armed.IsZero() { // never set while the body came from the read buffer
			_ = b.rc.SetReadDeadline(time.Time{})
		}
		b.rc = nil
	case b.rc.Buffered():
		// A small call's body arrives with its head: reading it from the
		// buffer needs no deadline, and setting and clearing one costs
		// two timer changes per call.
	default:
		dl, why := nextDeadline(time.Now(), b.idle, b.rate, b.start, b.max-b.left, b.armed)
		if !dl.IsZero() {
			_ = b.rc.SetReadDeadline(dl)
			b.armed, b.armedFor = dl, why
		}
	}
}

// paceOrIdle is what a deadline was set for.
type paceOrIdle bool

const (
	forIdle paceOrIdle = false // no progress for the idle time
	forPace paceOrIdle = true  // behind the minimum rate
)

// nextDeadline is the deadline a transfer of n bytes since start should
// have now: now+idle, or where it falls behind rate if that is sooner,
// coarsened: it returns the zero Time when armed, the deadline set last,
// is no earlier than that and at most httpwire.Coarse(idle) later, and
// else one that much later, so the next reads or writes within
// Coarse(idle) keep it. A stream of reads or writes then costs few timer
// changes, and a transfer is never cut before its limit, at most
// Coarse(idle) after it.
func nextDeadline(now time.Time, idle time.Duration, rate proxy.MinRate, start time.Time, n int64, armed time.Time) (time.Time, paceOrIdle) {
	dl, why := now.Add(idle), forIdle
	if r := rate.Deadline(start, n); !r.IsZero() && r.Before(dl) {
		dl, why = r, forPace
	}
	late := dl.Add(httpwire.Coarse(idle))
	if !armed.Before(dl) && !armed.After(late) {
		return time.Time{}, why
	}
	return late, why
}

// stallDetail says why a read of the body timed out: no bytes for idle,
// or too few for the minimum rate.
func (b *bodyReader) stallDetail() string {
	read := b.max - b.left
	if b.armedFor == forPace {
		return fmt.Sprintf("Request body too slow: %d bytes in %s, below limits.min_rate (%d bytes/s after limits.rate_grace %s)",
			read, time.Since(b.start).Round(time.Millisecond), b.rate.BytesPerSec, b.rate.Grace)
	}
	return fmt.Sprintf("Request body stalled: no bytes for %s (listen.body_timeout)", b.idle)
}

func (b *bodyReader) Read(p []byte) (int, error) {
	switch {
	case b.err != nil:
		return 0, b.err
	case b.eof:
		// The producer client reads once more after a body of known
		// length: no deadline to arm, nothing to read.
		return 0, io.EOF
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	if b.idle > 0 {
		b.arm(false)
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		b.err = tooLarge(0, b.max)
		return 0, b.err
	}
	switch {
	case err == nil:
	case err == io.EOF:
		b.eof = true
		if b.idle > 0 {
			b.arm(true)
		}
	case b.idle > 0 && errors.Is(err, os.ErrDeadlineExceeded):
		b.err = vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail(b.stallDetail()), err)
		return n, b.err
	case b.ctx != nil && b.ctx.Err() == nil:
		// The connection is fine but the body is not (bad chunked
		// framing): the consumer is still there and gets an answer, not
		// the empty 200 a handler that wrote nothing would send.
		b.err = vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail("Request body could not be read: "+err.Error()), err)
		return n, b.err
	default:
		b.err = err
	}
	return n, err
}
