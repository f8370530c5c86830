package gateway

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/identity"
	"github.com/rivgate/rivgate/gateway/proxy"
	"github.com/rivgate/rivgate/internal/ids"
)

// call is one exchange as it moves through the pipeline; it becomes the
// exchange log line and the metrics.
type call struct {
	listener         string
	start            time.Time
	correlationID    string
	remote           string
	forwardedFor     string // X-Forwarded-For, as a load balancer set it
	sender           string
	internal         bool // sender asserted by a trusted internal caller
	receiver         string
	contract         string
	profile          rivta.Profile
	routeProfile     rivta.Profile
	producer         string
	status           int
	fault            *vpfault.Fault
	err              error
	producerTime     time.Duration
	routingTrace     string
	authTrace        string
	originalConsumer string
	actingOnBehalfOf string
	routed           bool // contract label is safe for metrics (known to the catalogue)
	platform         bool
	canceled         bool
	kind             string // "service", "wsdl", "notfound"
	head             []byte // for payload logging only
}

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
		c.correlationID = r.Header.Get(proxy.KeyCorrelationID)
		if c.correlationID == "" {
			c.correlationID = ids.NewUUID()
		}
		w.Header()[proxy.KeyCorrelationID] = []string{c.correlationID}
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

// fail answers c with a VP fault.
func (g *Gateway) fail(w http.ResponseWriter, c *call, f *vpfault.Fault) {
	c.fault = f
	c.status = proxy.WriteFault(w, f, g.cfg.Instance.Name)
}

// service is the pipeline, in VP's order: identity (VP002, VP011), routing
// history (VP014), size limit, sniff (VP015), receiver (VP003, VP004
// whitespace), original consumer (VP013), catalogue (VP008, VP004, VP006,
// VP007, VP010), RIV-TA profile (VP005, VP012), forward (VP009).
func (g *Gateway) service(w http.ResponseWriter, r *http.Request, c *call) {
	if f := g.identify(r, c); f != nil {
		g.fail(w, c, f)
		return
	}
	history, f := g.routingHistory(r, c)
	if f != nil {
		g.fail(w, c, f)
		return
	}
	maxBody := int64(g.cfg.Limits.MaxBody)
	if r.ContentLength > maxBody {
		g.fail(w, c, tooLarge(r.ContentLength, maxBody))
		return
	}
	body := &bodyReader{r: r.Body, ctx: r.Context(), left: maxBody, max: maxBody}
	body.watch(w, g.cfg.Listen.BodyTimeout.D())
	defer body.unwatch()
	maxHead := int64(g.cfg.Limits.MaxHead)
	if r.ContentLength >= 0 && r.ContentLength < maxHead {
		// The sniffer sizes its buffer by the limit (up to 4 KiB): a body
		// of known length cannot outgrow length+1, so a small call gets a
		// buffer of its own size. Errors are unchanged: that limit is never
		// reached, the body ends first.
		maxHead = r.ContentLength + 1
	}
	h, head, err := g.env.Sniff(body, maxHead, mimeBoundary(r.Header.Get("Content-Type")))
	if g.cfg.Logging.Payloads {
		c.head = head
	}
	if err != nil {
		if body.err != nil {
			var bf *vpfault.Fault
			if errors.As(body.err, &bf) {
				g.fail(w, c, bf)
				return
			}
			c.canceled, c.err = true, body.err
			return
		}
		g.fail(w, c, vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail(err.Error()), err))
		return
	}
	c.contract, c.profile = h.Contract, h.Profile
	if !h.HasReceiver || strings.TrimSpace(h.Receiver) == "" {
		g.fail(w, c, vpfault.New(vpfault.VP003, ""))
		return
	}
	c.receiver = h.Receiver
	if strings.TrimSpace(h.Receiver) != h.Receiver {
		g.fail(w, c, vpfault.Newf(vpfault.VP004, "serviceNamespace: %s, receiverId: %s. Whitespace detected in incoming request!", h.Contract, h.Receiver))
		return
	}
	original := r.Header.Get(proxy.KeyOriginalConsumer)
	c.originalConsumer = original
	c.actingOnBehalfOf = r.Header.Get(proxy.KeyActingOnBehalfOf)
	if original != "" && !c.internal && !g.originalConsumerAllowed(c.sender) {
		if g.cfg.OriginalConsumer.Enforce {
			g.fail(w, c, vpfault.New(vpfault.VP013, ""))
			return
		}
		g.log.Warn().Str("correlation_id", c.correlationID).Str("sender", c.sender).Str("original_consumer", original).
			Msg("sender is not in original_consumer.allowed but set " + rivta.HeaderOriginalConsumer)
	}
	if original == "" {
		original = c.sender
	}
	cat := g.store.Catalogue()
	if cat == nil {
		g.fail(w, c, vpfault.New(vpfault.VP008, ""))
		return
	}
	q := Query{Contract: h.Contract, Receiver: h.Receiver, Sender: c.sender, At: time.Now()}
	if g.platform != nil && g.platform.Handles(h.Contract, h.Receiver) {
		g.servePlatform(w, r, c, cat, q, h, head, body)
		return
	}
	d := cat.Decide(q)
	c.routingTrace, c.authTrace = d.RoutingTrace, d.AuthTrace
	if d.Route != nil {
		c.routed = true
		c.producer = d.Route.Address
		c.routeProfile = d.Route.Profile
	}
	if d.Fault != nil {
		g.fail(w, c, d.Fault)
		return
	}
	if d.Route == nil || d.Route.Address == "" {
		g.fail(w, c, vpfault.Newf(vpfault.VP010, "serviceNamespace: %s, receiverId: %s", h.Contract, h.Receiver))
		return
	}
	out := head
	if !strings.EqualFold(string(d.Route.Profile), string(h.Profile)) {
		if !isRIVTA(d.Route.Profile) || !isRIVTA(h.Profile) {
			g.fail(w, c, vpfault.New(vpfault.VP005, h.Profile.Lower()))
			return
		}
		out, err = g.env.Rewrite(head, h, rivta.Profile(strings.ToUpper(string(d.Route.Profile))))
		if err != nil {
			g.fail(w, c, vpfault.Raw(vpfault.VP012, vpfault.VP012.Detail(err.Error()), err))
			return
		}
	}
	target, err := url.Parse(d.Route.Address)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		g.fail(w, c, vpfault.Raw(vpfault.VP009, vpfault.VP009.Detail(fmt.Sprintf("%s. Invalid producer address in the catalogue", d.Route.Address)), err))
		return
	}
	length := int64(-1)
	if r.ContentLength >= 0 {
		length = r.ContentLength - int64(len(head)) + int64(len(out))
	}
	var fwd io.Reader = io.MultiReader(bytes.NewReader(out), body)
	if r.ContentLength >= 0 && int64(len(head)) == r.ContentLength {
		// The sniff read the whole body (a small call): sent from memory,
		// the transport writes headers and body in one write, not two.
		fwd = bytes.NewReader(out)
	}
	x := &proxy.Exchange{
		Target: target, Body: fwd, ContentLength: length,
		Timeout: g.timeoutFor(h.Contract), Instance: g.cfg.Instance.Name,
		RequestErr: func() error { return body.err },
		Headers: proxy.OutboundHeaders{
			Sender: c.sender, InstanceID: g.cfg.Instance.ID, CorrelationID: c.correlationID,
			OriginalConsumer: original, RoutingHistory: history, UserAgent: g.userAgent(),
			CertHeader: g.certHeaderKey, CorrelationToHTTPS: config.On(g.cfg.Producers.CorrelationIDToHTTPS),
		},
	}
	g.forwarder.Forward(w, r, x)
	c.status, c.fault, c.err, c.producerTime, c.canceled = x.Status, x.Fault, x.Err, x.ProducerTime, x.Canceled
}

// mimeBoundary returns the boundary of a multipart/related (MTOM/XOP)
// request; the sniffer then reads the envelope in its root part and the
// whole multipart message is forwarded unchanged, attachments included.
func mimeBoundary(contentType string) string {
	// Plain SOAP (almost every call) needs no parse and its allocations.
	if t := strings.TrimLeft(contentType, " \t"); len(t) < len("multipart/") || !strings.EqualFold(t[:len("multipart/")], "multipart/") {
		return ""
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/related" {
		return ""
	}
	return params["boundary"]
}

func isRIVTA(p rivta.Profile) bool {
	_, err := rivta.ParseProfile(string(p))
	return err == nil
}

func (g *Gateway) timeoutFor(contract string) time.Duration {
	if len(g.timeouts) == 0 {
		return g.cfg.Producers.Timeout.D() // no lower-casing (an allocation) per call
	}
	if d, ok := g.timeouts[strings.ToLower(contract)]; ok {
		return d
	}
	return g.cfg.Producers.Timeout.D()
}

func (g *Gateway) userAgent() string {
	if g.cfg.Producers.UserAgent != "" {
		return g.cfg.Producers.UserAgent
	}
	return g.defaultUA
}

func (g *Gateway) originalConsumerAllowed(sender string) bool {
	if len(g.cfg.OriginalConsumer.Allowed) == 0 {
		return true
	}
	for _, s := range g.cfg.OriginalConsumer.Allowed {
		if strings.EqualFold(strings.TrimSpace(s), sender) {
			return true
		}
	}
	return false
}

// identify finds the sender: the verified client certificate on HTTPS; on
// plain HTTP the peer must be allowed (VP011), then a trusted internal
// caller's x-vp-sender-id or the certificate in the configured header.
func (g *Gateway) identify(r *http.Request, c *call) *vpfault.Fault {
	if c.listener == HTTPS {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return vpfault.Raw(vpfault.VP002, "No client certificate was presented in the TLS handshake", nil)
		}
		cert := r.TLS.PeerCertificates[0]
		s, ok := identity.SenderFromCert(cert)
		if !ok {
			return vpfault.Raw(vpfault.VP002, "No senderId found in Certificate: "+cert.Subject.String(), nil)
		}
		c.sender = s
		return nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if _, ok := g.allow.AllowedString(host); !ok {
		return vpfault.Newf(vpfault.VP011, " IP-address: %s.", host)
	}
	if secret := g.cfg.HTTP.InternalSecret; secret != "" {
		if id := r.Header.Get(proxy.KeyVPSenderID); id != "" {
			got := r.Header.Get(proxy.KeyVPInstanceID)
			if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) == 1 {
				// An internal hop (AgP, EI, another platform) forwarding for
				// a client: that client must be allowed too, as in VP.
				if f := g.checkForwardedFor(r); f != nil {
					return f
				}
				c.sender, c.internal = id, true
				return nil
			}
		}
	}
	name := g.cfg.HTTP.CertHeader
	v := r.Header.Get(name)
	if v == "" {
		return vpfault.Raw(vpfault.VP002, "No certificate found in httpheader "+name, nil)
	}
	cert, err := identity.ParseHeaderCert(v)
	if err != nil {
		return vpfault.Raw(vpfault.VP002, "Exception occured parsing certificate in httpheader "+name, err)
	}
	if g.serverTLS != nil && config.On(g.cfg.HTTP.VerifyCert) {
		if err := g.serverTLS.VerifyClient(cert); err != nil {
			return vpfault.Raw(vpfault.VP002, "Certificate in httpheader "+name+" is not trusted: "+err.Error(), err)
		}
	}
	s, ok := identity.SenderFromCert(cert)
	if !ok {
		return vpfault.Raw(vpfault.VP002, "No senderId found in Certificate: "+cert.Subject.String(), nil)
	}
	c.sender = s
	return nil
}

// checkForwardedFor answers VP011 when an X-Forwarded-For entry is not in
// the allow list.
func (g *Gateway) checkForwardedFor(r *http.Request) *vpfault.Fault {
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, ip := range strings.Split(v, ",") {
			ip = strings.TrimSpace(ip)
			if ip == "" {
				continue
			}
			if _, ok := g.allow.AllowedString(ip); !ok {
				return vpfault.Newf(vpfault.VP011, " IP-address: %s. HTTP header that caused checking: X-Forwarded-For", ip)
			}
		}
	}
	return nil
}

// routingHistory checks x-rivta-routing-history for this instance (VP014,
// a loop between platforms) and returns the value to send on. Internal
// callers' history is passed unchanged, as VP does.
func (g *Gateway) routingHistory(r *http.Request, c *call) (string, *vpfault.Fault) {
	if !config.On(g.cfg.RoutingHistory.Enabled) || c.internal {
		return "", nil
	}
	in := strings.TrimSpace(r.Header.Get(proxy.KeyRoutingHistory))
	if in == "" {
		return c.sender + "#" + g.cfg.Instance.ID, nil
	}
	tokens := strings.Split(in, "#")
	for _, t := range tokens[1:] {
		if strings.EqualFold(strings.TrimSpace(t), g.cfg.Instance.ID) {
			return "", vpfault.New(vpfault.VP014, "")
		}
	}
	return in + "#" + g.cfg.Instance.ID, nil
}

func (g *Gateway) servePlatform(w http.ResponseWriter, r *http.Request, c *call, cat Catalogue, q Query, h *Head, head []byte, body io.Reader) {
	c.platform, c.routed = true, true
	trace, f := cat.Authorize(q)
	c.authTrace = trace
	if f != nil {
		g.fail(w, c, f)
		return
	}
	rest, err := io.ReadAll(body)
	if err != nil {
		var bf *vpfault.Fault
		if errors.As(err, &bf) {
			g.fail(w, c, bf)
			return
		}
		c.canceled, c.err = true, err
		return
	}
	msg := append(append(make([]byte, 0, len(head)+len(rest)), head...), rest...)
	status, out := g.platform.Serve(r.Context(), h, msg, c.sender)
	w.Header().Set("Content-Type", proxy.DefaultContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
	c.status = status
	if p, err := vpfault.Parse(out); err == nil && p.IsVP() {
		c.fault = &vpfault.Fault{Code: p.Code, Detail: p.DetailString}
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
