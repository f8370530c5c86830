package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/proxy"
	"github.com/rivgate/rivgate/internal/ids"
)

func (g *Gateway) serviceHandler(listener string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.inFlight.Add(1)
		g.metrics.inFlight.Inc()
		c := &call{listener: listener, start: time.Now(), remote: r.RemoteAddr, kind: "service", forwardedFor: r.Header.Get("X-Forwarded-For")}
		defer func() {
			// The answer goes out before the exchange line and metrics
			// are written, as nginx logs after it has answered: a slow log
			// write (a busy disk) then costs the consumer nothing. Only
			// answers of known length: an early flush would make net/http
			// send any other small answer chunked.
			if c.kind == "service" && w.Header()["Content-Length"] != nil {
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
			}
			g.inFlight.Add(-1)
			g.metrics.inFlight.Dec()
			g.finish(c)
		}()
		c.correlationID = r.Header.Get(rivta.KeyCorrelationID)
		if c.correlationID == "" {
			c.correlationID = ids.NewUUID()
		}
		w.Header()[rivta.KeyCorrelationID] = []string{c.correlationID}
		if r.Method == http.MethodGet && r.URL.RawQuery != "" && hasWSDLQuery(r.URL.Query()) {
			c.kind = "wsdl"
			c.status = g.serveWSDL(w, r)
			return
		}
		if !g.underPrefix(r.URL.Path) {
			c.kind = "notfound"
			c.status = http.StatusNotFound
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			c.kind = "notfound"
			c.status = http.StatusMethodNotAllowed
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "SOAP calls use POST; GET ?wsdl for the contract", http.StatusMethodNotAllowed)
			return
		}
		g.service(w, r, c)
	})
}

func hasWSDLQuery(q url.Values) bool { return q.Has("wsdl") || q.Has("xsd") }

func (g *Gateway) underPrefix(path string) bool {
	p := g.cfg.Listen.PathPrefix
	if p == "/" {
		return true
	}
	return path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/")
}

// service runs the stages (stages.go) for one service call and sends
// their answer: the only part of the pipeline that touches net/http.
func (g *Gateway) service(w http.ResponseWriter, r *http.Request, c *call) {
	h := r.Header
	c.req = consumerRequest{
		ctx:              r.Context(),
		contentType:      h.Get("Content-Type"),
		contentLength:    r.ContentLength,
		xForwardedFor:    h.Values("X-Forwarded-For"),
		vpSenderID:       h.Get(rivta.KeyVPSenderID),
		vpInstanceID:     h.Get(rivta.KeyVPInstanceID),
		certHeader:       h.Get(g.certHeaderKey),
		routingHistory:   h.Get(rivta.KeyRoutingHistory),
		originalConsumer: h.Get(rivta.KeyOriginalConsumer),
		actingOnBehalfOf: h.Get(rivta.KeyActingOnBehalfOf),
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		c.req.peerCert = r.TLS.PeerCertificates[0]
	}
	maxBody := int64(g.cfg.Limits.MaxBody)
	c.body = &bodyReader{r: r.Body, ctx: r.Context(), left: maxBody, max: maxBody}
	c.body.watch(w, g.cfg.Listen.BodyTimeout.D())
	defer c.body.unwatch()

	g.runStages(c)

	switch {
	case c.canceled: // the consumer went away: nobody to answer
	case c.replied:
		w.Header().Set("Content-Type", proxy.DefaultContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(c.reply)))
		w.WriteHeader(c.status)
		_, _ = w.Write(c.reply)
	case c.fault != nil:
		c.status = proxy.WriteFault(w, c.fault, g.cfg.Instance.Name)
	default:
		x := c.exchange
		g.forwarder.Forward(w, r, x)
		c.status, c.fault, c.err, c.producerTime, c.canceled = x.Status, x.Fault, x.Err, x.ProducerTime, x.Canceled
	}
}

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
	r    io.Reader
	ctx  context.Context // the request's: canceled when the consumer's connection fails
	left int64
	max  int64
	err  error

	// A stalled body (no bytes for idle) fails with a VP015 fault through a
	// read deadline on the consumer's connection. The transport reads the
	// body on its own goroutine, so mu orders its deadline changes with
	// unwatch, after which the connection (maybe serving its next request)
	// is not touched again.
	mu    sync.Mutex
	rc    *http.ResponseController // nil: no deadline
	idle  time.Duration
	armed time.Time // when the deadline was last pushed out
}

// watch arms the no-progress deadline (idle <= 0: none).
func (b *bodyReader) watch(w http.ResponseWriter, idle time.Duration) {
	if idle > 0 {
		b.rc, b.idle = http.NewResponseController(w), idle
	}
}

// unwatch stops touching the deadline; the handler calls it before it
// returns. A body not read to its end keeps its deadline: net/http reads
// (discards) the rest after the answer, and a stalled consumer must not
// hold that up.
func (b *bodyReader) unwatch() {
	b.mu.Lock()
	b.rc = nil
	b.mu.Unlock()
}

// arm pushes the deadline out, at most every idle/8: a read then waits
// between 7/8 idle and idle before it fails. At the end of the body it
// clears the deadline: net/http then watches the idle connection for the
// consumer going away, which must not time out.
func (b *bodyReader) arm(eof bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.rc == nil:
	case eof:
		_ = b.rc.SetReadDeadline(time.Time{})
		b.rc = nil
	default:
		if now := time.Now(); now.Sub(b.armed) > b.idle/8 {
			_ = b.rc.SetReadDeadline(now.Add(b.idle))
			b.armed = now
		}
	}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
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
		if b.idle > 0 {
			b.arm(true)
		}
	case b.idle > 0 && errors.Is(err, os.ErrDeadlineExceeded):
		b.err = vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail(fmt.Sprintf(
			"Request body stalled: no bytes for %s (listen.body_timeout)", b.idle)), err)
		return n, b.err
	case b.ctx != nil && b.ctx.Err() == nil:
		// The connection is fine but the body is not (bad chunked
		// framing): the consumer is still there and gets an answer, not
		// the empty 200 net/http sends for a handler that wrote nothing.
		b.err = vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail("Request body could not be read: "+err.Error()), err)
		return n, b.err
	default:
		b.err = err
	}
	return n, err
}
