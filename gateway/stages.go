package gateway

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/identity"
	"github.com/rivgate/rivgate/gateway/proxy"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/internal/redact"
)

// call is one exchange as it moves through the pipeline. The HTTP layer
// (handler.go) fills in what the consumer sent, the stages below add what
// they learn and decide the answer, and the HTTP layer sends it; the
// exchange log line and the metrics are written from it at the end. The
// stages read the consumer only through c.req and c.body (an io.Reader),
// so another HTTP engine replaces only the layer around them.
type call struct {
	listener      string
	start         time.Time
	correlationID string
	remote        string // peer address, host:port
	forwardedFor  string // X-Forwarded-For, as a load balancer set it
	kind          string // "service", "wsdl", "notfound"

	// What the consumer sent (service calls).
	req  consumerRequest
	body *bodyReader // the consumer's body, bounded by limits.max_body
	// bodyErr reports body's error for the producer client (nil: a
	// closure is made); sniffed holds the sniffer's results (nil: new
	// memory). The pooled serviceCall keeps both from call to call.
	bodyErr func() error
	sniffed *envelope.Storage

	// What the stages learned, in their order.
	sender           string
	admitted         bool   // counted against limits.max_calls_per_consumer
	internal         bool   // sender asserted by a trusted internal caller
	history          string // x-rivta-routing-history to send on
	info             *envelope.Info
	head             []byte // the bytes the sniffer read, up to the first Body child
	contract         string
	profile          rivta.Profile
	originalConsumer string         // c.req's, logged once it is checked
	actingOnBehalfOf string         // likewise
	cat              *tak.Catalogue // the catalogue this call is decided by
	receiver         string
	routingTrace     string
	authTrace        string
	platform         bool
	producer         string
	routeProfile     rivta.Profile
	outHead          []byte          // head as it goes to the producer (rewritten for its profile)
	exchange         *proxy.Exchange // the call to the producer; Forward fills in its outcome

	// Room for the producer call and its in-memory body, allocated with
	// the call rather than each on its own.
	exchangeRoom proxy.Exchange
	outReader    bytes.Reader

	// metricContract is the contract as the catalogue spells it, once a
	// route (or a platform service) is found: the metrics label, which a
	// consumer cannot vary (the namespace it sent is looked up ignoring case).
	metricContract string

	// The outcome: a stage's fault is sent as a VP fault; a reply is the
	// gateway's own answer (platform services), sent with status.
	reply        []byte
	replied      bool
	status       int
	fault        *vpfault.Fault
	err          error
	producerTime time.Duration
	canceled     bool
}

// consumerRequest is what the stages read from the consumer's request,
// copied out of it once by the HTTP layer.
type consumerRequest struct {
	ctx           context.Context    // ends when the consumer goes away
	gone          proxy.GoneNotifier // tells of it without allocating; nil: none
	peerCert      *x509.Certificate  // the TLS handshake's client certificate; nil: none
	contentType   string
	contentLength int64    // -1: not known (chunked)
	xForwardedFor []string // every X-Forwarded-For line
	forwarded     []string // every Forwarded line (RFC 7239)
	xRealIP       []string // every X-Real-IP line
	// vpSenderID and vpInstanceID are an internal caller's assertion of
	// the sender.
	vpSenderID, vpInstanceID string
	certHeader               string // the certificate in http.cert_header (plain HTTP)
	routingHistory           string
	originalConsumer         string
	actingOnBehalfOf         string
}

// runStages runs the stages in VP's order of checks and faults until one
// ends the call. Each stage reads and adds to c, and ends the call by
// returning a fault, by marking it canceled (the consumer went away) or by
// answering it itself (c.replied). The HTTP layer then sends c.reply or
// c.fault, sends nothing (canceled), or forwards c.exchange. (Direct calls,
// not a table of functions: through a function value c would escape to
// the heap.)
func (g *Gateway) runStages(c *call) {
	_ = c.goOn(g.identify(c)) && // sender: certificate, or header on plain HTTP (VP002, VP011)
		c.goOn(g.admit(c)) && // limits.max_calls_per_consumer (HTTP 503, RG001)
		c.goOn(g.checkRoutingHistory(c)) && // VP014
		c.goOn(g.checkLength(c)) && // a declared length over limits.max_body (VP015)
		c.goOn(g.readEnvelope(c)) && // sniff the head (VP015)
		c.goOn(g.checkOriginalConsumer(c)) && // VP013
		c.goOn(g.takeCatalogue(c)) && // VP008: none loaded
		c.goOn(g.checkReceiver(c)) && // VP003, VP004 with the whitespace hint
		c.goOn(g.authoriseAndRoute(c)) && // TAK (VP004, VP006, VP007, VP010); platform services answered
		c.goOn(g.mediateProfile(c)) && // RIV-TA 2.0 <-> 2.1 (VP005, VP012)
		c.goOn(g.prepareForward(c)) // producer address (VP009)
}

// goOn records a stage's fault and reports whether the call goes on to
// the next stage.
func (c *call) goOn(f *vpfault.Fault) bool {
	if f != nil {
		c.fault = f
		return false
	}
	return !c.canceled && !c.replied
}

// identify finds the sender: the verified client certificate on HTTPS; on
// plain HTTP the peer must be allowed (VP011), then a trusted internal
// caller's x-vp-sender-id or the certificate in the configured header.
func (g *Gateway) identify(c *call) *vpfault.Fault {
	if c.listener == HTTPS {
		cert := c.req.peerCert
		if cert == nil {
			return vpfault.Raw(vpfault.VP002, "No client certificate was presented in the TLS handshake", nil)
		}
		s, err := identity.Sender(cert)
		if err != nil {
			return senderFault(cert, err)
		}
		c.sender = s
		return nil
	}
	host, _, err := net.SplitHostPort(c.remote)
	if err != nil {
		host = c.remote
	}
	if _, ok := g.allow.AllowedString(host); !ok {
		return vpfault.Newf(vpfault.VP011, " IP-address: %s.", host)
	}
	if secret := g.cfg.HTTP.InternalSecret; secret != "" {
		if id := c.req.vpSenderID; id != "" {
			if subtle.ConstantTimeCompare([]byte(c.req.vpInstanceID), []byte(secret)) == 1 {
				// An internal hop (AgP, EI, another platform) forwarding for
				// a client: that client must be allowed too, as in VP.
				if f := g.checkForwardedFor(c.req); f != nil {
					return f
				}
				c.sender, c.internal = id, true
				return nil
			}
		}
	}
	name := g.cfg.HTTP.CertHeader
	v := c.req.certHeader
	if v == "" {
		return vpfault.Raw(vpfault.VP002, "No certificate found in httpheader "+name, nil)
	}
	cert, err := identity.ParseHeaderCert(v)
	switch {
	case errors.Is(err, identity.ErrUnknownCertType):
		// VP's text, its spelling kept (HeaderCertificateHelperImpl).
		return vpfault.Raw(vpfault.VP002, "Exception, unkown certificate type found in httpheader "+name, err)
	case err != nil:
		return vpfault.Raw(vpfault.VP002, "Exception occured parsing certificate in httpheader "+name, err)
	}
	if g.serverTLS != nil && config.On(g.cfg.HTTP.VerifyCert) {
		if err := g.serverTLS.VerifyClient(cert); err != nil {
			return vpfault.Raw(vpfault.VP002, "Certificate in httpheader "+name+" is not trusted: "+err.Error(), err)
		}
	}
	s, err := identity.Sender(cert)
	switch {
	case errors.Is(err, identity.ErrTwoSerialNumbers):
		return senderFault(cert, err)
	case err != nil:
		// Without the subject, unlike the HTTPS listener's text: VP's two
		// paths differ (HeaderCertificateHelperImpl, CertificateExtractorProcessorImpl).
		return vpfault.Raw(vpfault.VP002, "No senderId found in Certificate", nil)
	}
	c.sender = s
	return nil
}

// senderFault is VP002 for a certificate that names no sender: VP's text
// when it has no SERIALNUMBER, the reason when it has two (VP takes one of
// them; docs/differences-from-vp.md).
func senderFault(cert *x509.Certificate, err error) *vpfault.Fault {
	if errors.Is(err, identity.ErrTwoSerialNumbers) {
		return vpfault.Raw(vpfault.VP002, "Ambiguous senderId in Certificate: "+err.Error()+": "+cert.Subject.String(), err)
	}
	return vpfault.Raw(vpfault.VP002, "No senderId found in Certificate: "+cert.Subject.String(), nil)
}

// checkForwardedFor answers VP011 when an address an internal hop says it
// forwards for is not in the allow list: every X-Forwarded-For entry, every
// Forwarded for= (RFC 7239) and X-Real-IP. An entry that is no address
// (Forwarded's "unknown" or an obfuscated "_name") is refused too: a hop
// that asserts the sender must say for whom.
func (g *Gateway) checkForwardedFor(req consumerRequest) *vpfault.Fault {
	check := func(header, ip string) *vpfault.Fault {
		if ip == "" {
			return nil
		}
		if _, ok := g.allow.AllowedString(ip); !ok {
			return vpfault.Newf(vpfault.VP011, " IP-address: %s. HTTP header that caused checking: %s", ip, header)
		}
		return nil
	}
	for _, v := range req.xForwardedFor {
		for _, ip := range strings.Split(v, ",") {
			if f := check("X-Forwarded-For", strings.TrimSpace(ip)); f != nil {
				return f
			}
		}
	}
	for _, v := range req.forwarded {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					if f := check("Forwarded", forwardedNode(val)); f != nil {
						return f
					}
				}
			}
		}
	}
	for _, v := range req.xRealIP {
		if f := check("X-Real-IP", strings.TrimSpace(v)); f != nil {
			return f
		}
	}
	return nil
}

// forwardedNode is the address in a Forwarded for= value: quotes, an IPv6
// address's brackets and a port removed ("[2001:db8::1]:4711" ->
// 2001:db8::1, "192.0.2.43:47011" -> 192.0.2.43). Anything else ("unknown",
// "_hidden") comes back as it is, to be refused.
func forwardedNode(v string) string {
	v = strings.Trim(strings.TrimSpace(v), `"`)
	if strings.HasPrefix(v, "[") {
		if end := strings.IndexByte(v, ']'); end > 0 {
			return v[1:end]
		}
		return v
	}
	if host, _, err := net.SplitHostPort(v); err == nil {
		return host
	}
	return v
}

// checkRoutingHistory checks x-rivta-routing-history for this instance
// (VP014, a loop between platforms) and keeps the value to send on.
// Internal callers' history is passed unchanged, as VP does.
func (g *Gateway) checkRoutingHistory(c *call) *vpfault.Fault {
	if !config.On(g.cfg.RoutingHistory.Enabled) || c.internal {
		return nil
	}
	in := strings.TrimSpace(c.req.routingHistory)
	if in == "" {
		c.history = c.sender + "#" + g.cfg.Instance.ID
		return nil
	}
	// Every token counts, the first too, as in VP
	// (HttpSenderIdExtractorProcessorImplTest: "dev_env#some_server" is a
	// loop for instance dev_env): a history may start at another platform.
	for t := range strings.SplitSeq(in, "#") {
		if strings.EqualFold(strings.TrimSpace(t), g.cfg.Instance.ID) {
			return vpfault.New(vpfault.VP014, "")
		}
	}
	c.history = in + "#" + g.cfg.Instance.ID
	return nil
}

// checkLength refuses a body whose declared length is over the limit
// before reading any of it; the body reader enforces the limit on the rest.
func (g *Gateway) checkLength(c *call) *vpfault.Fault {
	if maxBody := int64(g.cfg.Limits.MaxBody); c.req.contentLength > maxBody {
		return tooLarge(c.req.contentLength, maxBody)
	}
	return nil
}

// readEnvelope sniffs the envelope head: contract, receiver, profile.
func (g *Gateway) readEnvelope(c *call) *vpfault.Fault {
	maxHead := int64(g.cfg.Limits.MaxHead)
	if n := c.req.contentLength; n >= 0 && n < maxHead {
		// The sniffer sizes its buffer by the limit (up to 4 KiB): a body
		// of known length cannot outgrow length+1, so a small call gets a
		// buffer of its own size. Errors are unchanged: that limit is never
		// reached, the body ends first.
		maxHead = n + 1
	}
	z := g.sniffers.Get().(*envelope.Sniffer)
	// Results never refer to the Sniffer's memory: it goes back at once.
	isMIME, boundary := mimeParts(c.req.contentType)
	info, head, err := z.SniffInto(c.sniffed, c.body, envelope.Options{MaxHead: maxHead, MIME: isMIME, MIMEBoundary: boundary})
	g.sniffers.Put(z)
	c.head = head
	if err != nil {
		if c.body.err != nil {
			return c.bodyFailed()
		}
		if isMIME && !errors.Is(err, envelope.ErrHeadTooLarge) && !envelopeTag.Match(head) {
			return vpfault.Raw(vpfault.VP015, mtomNoEnvelope, err)
		}
		return vpfault.Raw(vpfault.VP015, vpfault.VP015.Detail(err.Error()), err)
	}
	c.info = info
	c.contract, c.profile = info.Body.Space, info.Profile
	return nil
}

// mtomNoEnvelope is VP's VP015 detail for a multipart (MTOM/XOP) request
// in which no envelope could be found: RequestReaderProcessorXMLEventReader
// throws "Failed to extract XML part from MTOM message" as the exception's
// message, which the fault does not show, and this sentence as its detail
// (skltp/vp since 9a5023a7, raw since 65681a93).
const mtomNoEnvelope = "Inkommande begäran är ej korrekt utformat och kan därför inte behandlas."

// envelopeTag finds an Envelope start tag, prefixed or not, as VP's
// extraction pattern does (case-insensitive).
var envelopeTag = regexp.MustCompile(`(?i)<(?:[a-z_][\w.-]*:)?Envelope[\s/>]`)

// bodyFailed is the answer when reading the consumer's body failed: its
// fault (over the limit, stalled, bad framing), or none when the consumer
// went away (the call is canceled).
func (c *call) bodyFailed() *vpfault.Fault {
	var f *vpfault.Fault
	if errors.As(c.body.err, &f) {
		return f
	}
	c.canceled, c.err = true, c.body.err
	return nil
}

// mimeParts tells a multipart (MTOM/XOP) request and its declared
// boundary; the sniffer then reads the envelope in its root part and the
// whole multipart message is forwarded unchanged, attachments included.
// As VP, a Content-Type naming application/xop+xml is MTOM too, and one
// whose parameters do not parse (VP's own MTOM test ends its Content-Type
// with a literal "\r\n") is still multipart: the sniffer finds the root
// part by the body's first delimiter line.
func mimeParts(contentType string) (isMIME bool, boundary string) {
	// Plain SOAP (almost every call) needs no parse and its allocations.
	t := strings.TrimLeft(contentType, " \t")
	multipart := len(t) >= len("multipart/") && strings.EqualFold(t[:len("multipart/")], "multipart/")
	if !multipart && !proxy.ContainsFold(contentType, "application/xop+xml") {
		return false, ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		boundary = params["boundary"]
	}
	return true, boundary
}

// checkReceiver wants a receiver, without surrounding whitespace
// (vpfault.ReceiverRefusal). One with whitespace is still logged.
func (g *Gateway) checkReceiver(c *call) *vpfault.Fault {
	f := vpfault.ReceiverRefusal(c.info.HasReceiver, c.contract, c.info.Receiver)
	if f == nil || f.Code != vpfault.VP003 {
		c.receiver = c.info.Receiver
	}
	return f
}

// checkOriginalConsumer checks who may set x-rivta-original-serviceconsumer-hsaid:
// VP013 when original_consumer.enforce, else a warning.
func (g *Gateway) checkOriginalConsumer(c *call) *vpfault.Fault {
	c.originalConsumer = c.req.originalConsumer
	c.actingOnBehalfOf = c.req.actingOnBehalfOf
	if c.originalConsumer != "" && !c.internal && !g.originalConsumerAllowed(c.sender) {
		if g.cfg.OriginalConsumer.Enforce {
			return vpfault.New(vpfault.VP013, "")
		}
		g.log.Warn().Str("correlation_id", c.correlationID).Str("sender", c.sender).Str("original_consumer", c.originalConsumer).
			Msg("sender is not in original_consumer.allowed but set " + rivta.HeaderOriginalConsumer)
	}
	return nil
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

// takeCatalogue takes the catalogue the call is decided by: VP008 when none
// is loaded. VP checks this before the receiver (VagvalProcessor), so a
// gateway without a catalogue answers VP008 whatever the call holds.
func (g *Gateway) takeCatalogue(c *call) *vpfault.Fault {
	c.cat = g.store.Catalogue()
	if c.cat == nil {
		return vpfault.New(vpfault.VP008, "")
	}
	return nil
}

// authoriseAndRoute asks the catalogue: routing then authorisation. Calls
// to the platform's own services are authorised and answered here.
func (g *Gateway) authoriseAndRoute(c *call) *vpfault.Fault {
	cat := c.cat
	q := tak.Query{Contract: c.contract, Receiver: c.receiver, Sender: c.sender, At: time.Now()}
	if g.platform != nil && g.platform.Handles(c.contract, c.receiver) {
		return g.servePlatform(c, cat, q)
	}
	d := cat.Decide(q)
	c.routingTrace, c.authTrace = d.RoutingTrace, d.AuthTrace
	if d.Route != nil {
		c.metricContract = d.Route.Contract
		c.producer = d.Route.Address
		c.routeProfile = d.Route.Profile
	}
	if d.Fault != nil {
		return d.Fault
	}
	if d.Route == nil || d.Route.Address == "" {
		return vpfault.Newf(vpfault.VP010, "serviceNamespace: %s, receiverId: %s", c.contract, c.receiver)
	}
	return nil
}

// servePlatform authorises a call to a platform service (gateway/platform)
// and answers it from the whole message.
func (g *Gateway) servePlatform(c *call, cat *tak.Catalogue, q tak.Query) *vpfault.Fault {
	c.platform, c.metricContract = true, c.contract // Handles matched it exactly
	trace, f := cat.Authorize(q)
	c.authTrace = trace
	if f != nil {
		return f
	}
	rest, err := io.ReadAll(c.body)
	if err != nil {
		return c.bodyFailed()
	}
	msg := append(append(make([]byte, 0, len(c.head)+len(rest)), c.head...), rest...)
	c.status, c.reply = g.platform.Serve(c.req.ctx, c.info, msg)
	c.replied = true
	if p, err := vpfault.Parse(c.reply); err == nil && p.IsVP() {
		c.fault = &vpfault.Fault{Code: p.Code, Detail: p.DetailString}
	}
	return nil
}

// mediateProfile rewrites the receiver header when the producer's RIV-TA
// profile in TAK differs from the call's (2.0 <-> 2.1 only, else VP005).
func (g *Gateway) mediateProfile(c *call) *vpfault.Fault {
	c.outHead = c.head
	if strings.EqualFold(string(c.routeProfile), string(c.profile)) {
		return nil
	}
	if !isRIVTA(c.routeProfile) || !isRIVTA(c.profile) {
		return vpfault.New(vpfault.VP005, c.profile.Lower())
	}
	out, err := g.rewrite(c.head, c.info, rivta.Profile(strings.ToUpper(string(c.routeProfile))))
	if err != nil {
		return vpfault.Raw(vpfault.VP012, vpfault.VP012.Detail(err.Error()), err)
	}
	c.outHead = out
	return nil
}

func isRIVTA(p rivta.Profile) bool {
	_, err := rivta.ParseProfile(string(p))
	return err == nil
}

// prepareForward sets up the call to the producer: its address (VP009
// when the catalogue's is not a usable URL), the body (the head as
// rewritten, then the rest still streaming) and the outbound headers.
func (g *Gateway) prepareForward(c *call) *vpfault.Fault {
	target, err := g.targets.parse(c.producer)
	if err != nil {
		reason := err.Error()
		if ae := (*takdata.AddressError)(nil); errors.As(err, &ae) {
			reason = ae.Reason
		}
		return vpfault.Raw(vpfault.VP009, vpfault.VP009.Detail(fmt.Sprintf("%s. Invalid producer address in the catalogue: %s", redact.URL(c.producer), reason)), err)
	}
	n, head, out := c.req.contentLength, c.head, c.outHead
	length := int64(-1)
	if n >= 0 {
		length = n - int64(len(head)) + int64(len(out))
	}
	c.outReader.Reset(out)
	var body io.Reader = &c.outReader
	if n < 0 || int64(len(head)) != n {
		body = io.MultiReader(body, c.body)
	}
	// else the sniff read the whole body (a small call): sent from memory,
	// the transport writes headers and body in one write, not two.
	requestErr := c.bodyErr
	if requestErr == nil {
		reqBody := c.body
		requestErr = func() error { return reqBody.err }
	}
	c.exchange = &c.exchangeRoom
	*c.exchange = proxy.Exchange{
		Target: target, Body: body, ContentLength: length,
		Timeout: g.timeoutFor(c.contract), Instance: g.cfg.Instance.Name,
		RequestErr: requestErr,
		MinRate:    g.minRate, PassHeaders: g.cfg.Producers.PassResponseHeaders, Gone: c.req.gone,
		Headers: proxy.OutboundHeaders{
			Sender: c.sender, InstanceID: g.cfg.Instance.ID, CorrelationID: c.correlationID,
			OriginalConsumer: cmp.Or(c.originalConsumer, c.sender), RoutingHistory: c.history, UserAgent: g.userAgent(),
			CertHeader: g.certHeaderKey, CorrelationToHTTPS: config.On(g.cfg.Producers.CorrelationIDToHTTPS),
		},
	}
	return nil
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
