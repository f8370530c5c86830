package proxy

import (
	"mime"
	"net/http"
	"strings"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/httpwire"
)

// DefaultContentType is what VP sends when none is given.
const DefaultContentType = "text/xml; charset=UTF-8"

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, without the
// allocation of lower-casing the name first.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// removedRequestPrefixes are dropped before a call goes to a producer (VP's
// requestHeadersToRemove: x-vp-*, X-Forwarded-*, Mule internals,
// certificates, accept-encoding). x-vp-sender-id and x-vp-instance-id are
// set again afterwards, for plain-HTTP producers only.
var removedRequestPrefixes = []string{"x-vp-", "x-forwarded", "mule_", "x-mule_"}

// removedRequestHeaders are consumer headers never sent on; Host and
// Content-Length the client writes itself.
var removedRequestHeaders = []string{"Peer_certificates", "Accept-Encoding", "Forwarded", "X-Real-Ip", "Expect", "Content-Length", "Host"}

// removedResponseHeaders are producer headers VP does not pass back.
var removedResponseHeaders = []string{"Soapaction", "Local_certificate", "Peer_certificates", "Http.method"}

// hopByHopHeaders are about one connection (RFC 9110 7.6.1; net/http's
// ReverseProxy list) and never relayed, in either direction; the names a
// Connection header lists are removed too (hopByHop).
var hopByHopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// guardedResponsePrefixes are producer headers not passed to consumers
// unless producers.pass_response_headers names them: the platform's
// identity headers (a producer must not speak for the platform), cookies
// (the gateway is no session for a consumer's browser) and CORS (a
// producer must not open the gateway's origin to web pages).
var guardedResponsePrefixes = []string{"x-vp-", "set-cookie", "access-control-"}

// nameSet is a set of header names matched ignoring ASCII case, kept by
// length so that a look-up compares a name with few others.
type nameSet [32][]string

func newNameSet(lists ...[]string) *nameSet {
	var s nameSet
	for _, l := range lists {
		for _, name := range l {
			s[len(name)] = append(s[len(name)], name)
		}
	}
	return &s
}

func (s *nameSet) has(name string) bool {
	if len(name) >= len(s) {
		return false
	}
	for _, n := range s[len(name)] {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}

var (
	hopByHopSet = newNameSet(hopByHopHeaders)
	// requestDropped: a consumer's correlation id and certificate headers
	// never go on; the gateway sends its own id (OutboundHeaders).
	requestDropped  = newNameSet(removedRequestHeaders, []string{rivta.KeyCorrelationID, rivta.KeyForwardedTLSCert, rivta.KeyVPAuthCert})
	responseDropped = newNameSet(removedResponseHeaders)
)

// hopByHop reports whether a header is about one connection: a
// hop-by-hop name, or one its message's Connection lines (conn) list.
// The one place both directions decide it.
func hopByHop(name string, conn []string) bool {
	if hopByHopSet.has(name) {
		return true
	}
	for _, v := range conn {
		if httpwire.HasToken(v, name) {
			return true
		}
	}
	return false
}

// OutboundHeaders applies the platform's header rules to a request going to
// a producer (reference §2 table).
type OutboundHeaders struct {
	Sender           string
	InstanceID       string
	CorrelationID    string
	OriginalConsumer string // value to send (incoming, or the sender)
	RoutingHistory   string // value to send ("" leaves the header as received)
	UserAgent        string
	CertHeader       string // the configured client-certificate header, removed
	// CorrelationToHTTPS sends the correlation id to https producers too.
	CorrelationToHTTPS bool
	// ContentType overrides the request's Content-Type ("" keeps it).
	ContentType string
}

// identityPrefixes are the header names (by prefix, '-' spelled) that say
// who calls or from where: their underscore spellings are dropped too,
// since servers behind some stacks (CGI, PHP, many proxies) read
// X_VP_SENDER_ID as X-Vp-Sender-Id.
var identityPrefixes = []string{"x-vp-", "x-rivta-", "x-skltp-", "x-forwarded", "forwarded", "x-real-ip"}

// identityVariant reports whether name, an underscore spelling, reads as
// an identity header (or as certHeader) once '_' is '-'.
func identityVariant(name, certHeader string) bool {
	dashed := strings.ReplaceAll(name, "_", "-")
	if certHeader != "" && strings.EqualFold(dashed, certHeader) {
		return true
	}
	for _, p := range identityPrefixes {
		if hasPrefixFold(dashed, p) {
			return true
		}
	}
	return false
}

// field is one header line.
type field struct{ name, value string }

// ownFields is room for the headers the gateway sets on a request.
type ownFields [7]field

// own lists the headers the gateway sets on a request, in room: https is
// the producer URL's scheme, contentType the consumer's (first) one.
func (o *OutboundHeaders) own(https bool, contentType string, room *ownFields) []field {
	f := room[:0]
	if !https {
		// Only internal, plain-HTTP hops learn who called (next VP/AgP);
		// never sent over https to external producers (SKLTP-707).
		f = append(f, field{rivta.KeyVPSenderID, o.Sender}, field{rivta.KeyVPInstanceID, o.InstanceID})
	}
	if !https || o.CorrelationToHTTPS {
		f = append(f, field{rivta.KeyCorrelationID, o.CorrelationID})
	}
	if o.OriginalConsumer != "" {
		f = append(f, field{rivta.KeyOriginalConsumer, o.OriginalConsumer})
	}
	if o.RoutingHistory != "" {
		f = append(f, field{rivta.KeyRoutingHistory, o.RoutingHistory})
	}
	if o.UserAgent != "" {
		f = append(f, field{"User-Agent", o.UserAgent})
	}
	switch {
	case o.ContentType != "":
		f = append(f, field{"Content-Type", o.ContentType})
	case contentType == "":
		f = append(f, field{"Content-Type", DefaultContentType})
	}
	return f
}

// plan lists the gateway's own headers for a request with the consumer's
// headers in (see own), and in's Connection lines, for passes.
func (o *OutboundHeaders) plan(in http.Header, https bool, room *ownFields) (own []field, conn []string) {
	conn = in["Connection"]
	ct := first(in, "Content-Type")
	if hopByHop("Content-Type", conn) {
		ct = "" // a Connection line named it: it does not go on
	}
	return o.own(https, ct, room), conn
}

// passes reports whether a consumer's header goes on to the producer:
// conn is the request's Connection lines, own the gateway's headers,
// which replace the consumer's of the same name.
func (o *OutboundHeaders) passes(name string, conn []string, own []field) bool {
	if requestDropped.has(name) || hopByHop(name, conn) {
		return false
	}
	if strings.IndexByte(name, '_') >= 0 && identityVariant(name, o.CertHeader) {
		return false
	}
	for _, p := range removedRequestPrefixes {
		if hasPrefixFold(name, p) {
			return false
		}
	}
	if o.CertHeader != "" && strings.EqualFold(name, o.CertHeader) {
		return false
	}
	for _, f := range own {
		if len(name) == len(f.name) && strings.EqualFold(name, f.name) {
			return false
		}
	}
	return true
}

// Apply edits h for a producer; https is the producer URL's scheme. The
// producer client writes a request's head from the consumer's headers
// with the same rules (writeHead), without editing a map.
func (o *OutboundHeaders) Apply(h http.Header, https bool) {
	var room ownFields
	own, conn := o.plan(h, https, &room)
	for name := range h {
		if !o.passes(name, conn, own) {
			delete(h, name)
		}
	}
	vals := make([]string, len(own)) // one allocation for all of them
	for i, f := range own {
		vals[i] = f.value
		h[f.name] = vals[i : i+1 : i+1]
	}
}

// relayed reports whether a producer's answer header goes on to the
// consumer: conn is the answer's Connection lines, pass the guarded
// names to relay all the same (see InboundHeaders).
func relayed(name string, conn []string, pass []string) bool {
	if responseDropped.has(name) || hopByHop(name, conn) || hasPrefixFold(name, "mule_") || hasPrefixFold(name, "x-mule_") {
		return false
	}
	for _, p := range guardedResponsePrefixes {
		if hasPrefixFold(name, p) {
			return passed(name, pass)
		}
	}
	return true
}

// InboundHeaders cleans a producer's response headers for the consumer and
// sets the platform's own. pass names guarded headers (X-Vp-*,
// Set-Cookie, Access-Control-*) to relay all the same, case-insensitively;
// a name ending in "*" is a prefix. Hop-by-hop headers are never relayed.
// The producer client relays its answers with the same rules
// (callState.relay), without editing a map.
func InboundHeaders(h http.Header, correlationID, prt string, pass ...string) {
	conn := h["Connection"]
	for name := range h {
		if !relayed(name, conn, pass) {
			delete(h, name)
		}
	}
	v := []string{correlationID, prt} // one allocation for both
	h[rivta.KeyCorrelationID] = v[0:1:1]
	if prt != "" {
		h[rivta.KeyProducerRoundTrip] = v[1:2:2]
	}
	ct := first(h, "Content-Type")
	if n := normaliseContentType(ct); n != ct || len(h["Content-Type"]) != 1 {
		h["Content-Type"] = []string{n}
	}
}

// first is h.Get for a key already in canonical form, without
// canonicalising it again on every call.
func first(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// passed reports whether name is in pass (case-insensitive; "p*" is a prefix).
func passed(name string, pass []string) bool {
	for _, p := range pass {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if hasPrefixFold(name, pre) {
				return true
			}
		} else if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// keptContentTypes are answer types passed as they are: SOAP 1.2 and
// multipart (MTOM) answers.
var keptContentTypes = []string{"application/soap+xml", "multipart/"}

// normaliseContentType makes every answer SOAP's text/xml as VP does
// (VP's HttpResponseHeadersIT: a producer's "text/plain;charset=UTF-8"
// reaches the consumer as "text/xml; charset=UTF-8"), keeping the
// producer's charset (the gateway does not convert charsets) or adding
// UTF-8. SOAP 1.2 and multipart answers are left alone.
func normaliseContentType(ct string) string {
	if ct == "" || ct == DefaultContentType {
		return DefaultContentType
	}
	if plainXMLCharset(ct) {
		return ct // what mime.ParseMediaType would find, without its allocations
	}
	t := strings.TrimLeft(ct, " \t")
	for _, k := range keptContentTypes {
		if hasPrefixFold(t, k) {
			return ct // without parsing: its allocations are for the rare case
		}
	}
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil && hasPrefixFold(t, "text/xml"):
		return ct // text/xml with odd parameters: the producer's own words
	case err != nil || params["charset"] == "":
		return DefaultContentType
	case mt == "text/xml":
		return ct
	}
	return "text/xml; charset=" + params["charset"]
}

// plainXMLCharset reports whether ct is text/xml with only a charset, as
// most SOAP stacks send it ("text/xml;charset=UTF-8", any case, one
// space or none after the ';'), which the answer keeps as it is.
func plainXMLCharset(ct string) bool {
	const typ, param = "text/xml;", "charset="
	if !hasPrefixFold(ct, typ) {
		return false
	}
	rest := strings.TrimPrefix(ct[len(typ):], " ")
	if !hasPrefixFold(rest, param) || len(rest) == len(param) {
		return false
	}
	for i := len(param); i < len(rest); i++ {
		switch b := rest[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_', b == '.':
		default:
			return false
		}
	}
	return true
}

// ContainsFold reports whether s contains the lower-case ASCII substr in
// any case, without lower-casing (allocating) s.
func ContainsFold(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return true
		}
	}
	return false
}
