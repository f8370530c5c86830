package proxy

import (
	"mime"
	"net/http"
	"strings"

	"github.com/rivgate/rivgate/contracts/rivta"
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

var removedRequestHeaders = []string{
	"Peer_certificates", "Accept-Encoding", "Forwarded", "X-Real-Ip", "Expect", "Content-Length",
	"Te", "Trailer", "Proxy-Authorization", "Proxy-Connection", "Keep-Alive", "Upgrade", "Connection",
}

// removedResponseHeaders are producer headers VP does not pass back.
var removedResponseHeaders = []string{"Soapaction", "Local_certificate", "Peer_certificates", "Http.method"}

// hopByHopHeaders are about one connection (RFC 9110 7.6.1) and never
// relayed; the names a Connection header lists are removed too.
var hopByHopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// guardedResponsePrefixes are producer headers not passed to consumers
// unless producers.pass_response_headers names them: the platform's
// identity headers (a producer must not speak for the platform), cookies
// (the gateway is no session for a consumer's browser) and CORS (a
// producer must not open the gateway's origin to web pages).
var guardedResponsePrefixes = []string{"x-vp-", "set-cookie", "access-control-"}

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

// Apply edits h for a producer; https is the producer URL's scheme. h's
// keys are canonical, as http.Header's methods and both of the gateway's
// parsers leave them.
func (o *OutboundHeaders) Apply(h http.Header, https bool) { o.apply(h, https, nil) }

// setValues is room for the values Apply sets, so a header map that
// never leaves the call (the client's own) costs no allocation per value.
type setValues [7]string

// apply is Apply taking the one-value slices it sets from room (nil:
// allocated): h must then not outlive room's next use.
func (o *OutboundHeaders) apply(h http.Header, https bool, room *setValues) {
	used := 0
	one := func(v string) []string {
		if room == nil || used == len(room) {
			return []string{v}
		}
		room[used] = v
		used++
		return room[used-1 : used : used]
	}
	for name := range h {
		if strings.IndexByte(name, '_') >= 0 && identityVariant(name, o.CertHeader) {
			delete(h, name)
			continue
		}
		for _, p := range removedRequestPrefixes {
			if hasPrefixFold(name, p) {
				delete(h, name)
				break
			}
		}
	}
	for _, name := range removedRequestHeaders {
		delete(h, name) // canonical already (a test checks): no canonicalising per call
	}
	if o.CertHeader != "" {
		h.Del(o.CertHeader)
	}
	delete(h, rivta.KeyForwardedTLSCert)
	delete(h, rivta.KeyVPAuthCert)
	if !https {
		// Only internal, plain-HTTP hops learn who called (next VP/AgP);
		// never sent over https to external producers (SKLTP-707).
		h[rivta.KeyVPSenderID] = one(o.Sender)
		h[rivta.KeyVPInstanceID] = one(o.InstanceID)
	}
	if !https || o.CorrelationToHTTPS {
		h[rivta.KeyCorrelationID] = one(o.CorrelationID)
	} else {
		delete(h, rivta.KeyCorrelationID)
	}
	if o.OriginalConsumer != "" {
		h[rivta.KeyOriginalConsumer] = one(o.OriginalConsumer)
	}
	if o.RoutingHistory != "" {
		h[rivta.KeyRoutingHistory] = one(o.RoutingHistory)
	}
	if o.UserAgent != "" {
		h["User-Agent"] = one(o.UserAgent)
	}
	switch {
	case o.ContentType != "":
		h["Content-Type"] = one(o.ContentType)
	case first(h, "Content-Type") == "":
		h["Content-Type"] = one(DefaultContentType)
	}
}

// InboundHeaders cleans a producer's response headers for the consumer and
// sets the platform's own. pass names guarded headers (X-Vp-*,
// Set-Cookie, Access-Control-*) to relay all the same, case-insensitively;
// a name ending in "*" is a prefix. Hop-by-hop headers are never relayed.
// h's keys are canonical, as the producer client's parser leaves them.
func InboundHeaders(h http.Header, correlationID, prt string, pass ...string) {
	for _, v := range h["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for name := range h {
		if hasPrefixFold(name, "mule_") || hasPrefixFold(name, "x-mule_") {
			delete(h, name)
			continue
		}
		for _, p := range guardedResponsePrefixes {
			if hasPrefixFold(name, p) && !passed(name, pass) {
				delete(h, name)
				break
			}
		}
	}
	for _, name := range removedResponseHeaders {
		delete(h, name)
	}
	for _, name := range hopByHopHeaders {
		delete(h, name)
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
