package proxy

import (
	"mime"
	"net/http"
	"strings"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// DefaultContentType is what VP sends when none is given.
const DefaultContentType = "text/xml; charset=UTF-8"

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
		lower := strings.ToLower(name)
		for _, p := range removedRequestPrefixes {
			if strings.HasPrefix(lower, p) {
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
	h.Del(rivta.HeaderForwardedTLSCert)
	h.Del(rivta.HeaderVPAuthCert)
	if !https {
		// Only internal, plain-HTTP hops learn who called (next VP/AgP);
		// never sent over https to external producers (SKLTP-707).
		h.Set(rivta.HeaderVPSenderID, o.Sender)
		h.Set(rivta.HeaderVPInstanceID, o.InstanceID)
	}
	if !https || o.CorrelationToHTTPS {
		h.Set(rivta.HeaderCorrelationID, o.CorrelationID)
	} else {
		h.Del(rivta.HeaderCorrelationID)
	}
	if o.OriginalConsumer != "" {
		h.Set(rivta.HeaderOriginalConsumer, o.OriginalConsumer)
	}
	if o.RoutingHistory != "" {
		h.Set(rivta.HeaderRoutingHistory, o.RoutingHistory)
	}
	if o.UserAgent != "" {
		h.Set("User-Agent", o.UserAgent)
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
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "mule_") || strings.HasPrefix(lower, "x-mule_") {
			delete(h, name)
		}
	}
	for _, name := range removedResponseHeaders {
		h.Del(name)
	}
	h.Set(rivta.HeaderCorrelationID, correlationID)
	if prt != "" {
		h.Set(rivta.HeaderProducerRoundTrip, prt)
	}
	h.Set("Content-Type", normaliseContentType(h.Get("Content-Type")))
}

// normaliseContentType gives text/xml a charset (VP answers
// "text/xml; charset=UTF-8") and leaves other types, such as SOAP 1.2's
// application/soap+xml, and explicit charsets alone.
func normaliseContentType(ct string) string {
	if ct == "" {
		return DefaultContentType
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
