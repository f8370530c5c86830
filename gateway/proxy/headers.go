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
	"Peer_certificates", "Accept-Encoding", "Forwarded", "Expect", "Content-Length",
	"Te", "Trailer", "Proxy-Authorization", "Proxy-Connection", "Keep-Alive", "Upgrade", "Connection",
}

// removedResponseHeaders are producer headers VP does not pass back.
var removedResponseHeaders = []string{"Soapaction", "Local_certificate", "Peer_certificates", "Http.method"}

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

// Apply edits h for a producer; https is the producer URL's scheme.
func (o *OutboundHeaders) Apply(h http.Header, https bool) {
	for name := range h {
		for _, p := range removedRequestPrefixes {
			if hasPrefixFold(name, p) {
				delete(h, name)
				break
			}
		}
	}
	for _, name := range removedRequestHeaders {
		h.Del(name)
	}
	if o.CertHeader != "" {
		h.Del(o.CertHeader)
	}
	delete(h, rivta.KeyForwardedTLSCert)
	delete(h, rivta.KeyVPAuthCert)
	if !https {
		// Only internal, plain-HTTP hops learn who called (next VP/AgP);
		// never sent over https to external producers (SKLTP-707).
		h[rivta.KeyVPSenderID] = []string{o.Sender}
		h[rivta.KeyVPInstanceID] = []string{o.InstanceID}
	}
	if !https || o.CorrelationToHTTPS {
		h[rivta.KeyCorrelationID] = []string{o.CorrelationID}
	} else {
		delete(h, rivta.KeyCorrelationID)
	}
	if o.OriginalConsumer != "" {
		h[rivta.KeyOriginalConsumer] = []string{o.OriginalConsumer}
	}
	if o.RoutingHistory != "" {
		h[rivta.KeyRoutingHistory] = []string{o.RoutingHistory}
	}
	if o.UserAgent != "" {
		h["User-Agent"] = []string{o.UserAgent}
	}
	switch {
	case o.ContentType != "":
		h.Set("Content-Type", o.ContentType)
	case h.Get("Content-Type") == "":
		h.Set("Content-Type", DefaultContentType)
	}
}

// InboundHeaders cleans a producer's response headers for the consumer and
// sets the platform's own.
func InboundHeaders(h http.Header, correlationID, prt string) {
	for name := range h {
		if hasPrefixFold(name, "mule_") || hasPrefixFold(name, "x-mule_") {
			delete(h, name)
		}
	}
	for _, name := range removedResponseHeaders {
		h.Del(name)
	}
	h[rivta.KeyCorrelationID] = []string{correlationID}
	if prt != "" {
		h[rivta.KeyProducerRoundTrip] = []string{prt}
	}
	ct := h.Get("Content-Type")
	if n := normaliseContentType(ct); n != ct || len(h["Content-Type"]) != 1 {
		h["Content-Type"] = []string{n}
	}
}

// normaliseContentType gives text/xml a charset (VP answers
// "text/xml; charset=UTF-8") and leaves other types, such as SOAP 1.2's
// application/soap+xml, and explicit charsets alone.
func normaliseContentType(ct string) string {
	if ct == "" {
		return DefaultContentType
	}
	if ct == DefaultContentType || !containsFold(ct, "text/xml") {
		// What parsing would conclude, without its allocations: only a
		// text/xml type can lack a charset that we add.
		return ct
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	if mt == "text/xml" && params["charset"] == "" {
		return DefaultContentType
	}
	return ct
}

// containsFold reports whether s contains the lower-case ASCII substr in any case.
func containsFold(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return true
		}
	}
	return false
}
