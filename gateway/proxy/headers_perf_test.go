package proxy

import (
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// referenceContentType is normaliseContentType without its fast paths:
// every value parsed.
func referenceContentType(ct string) string {
	if ct == "" {
		return DefaultContentType
	}
	mt, params, err := mime.ParseMediaType(ct)
	lower := strings.ToLower(strings.TrimSpace(ct))
	switch {
	case err == nil && (mt == "application/soap+xml" || strings.HasPrefix(mt, "multipart/")):
		return ct
	case err != nil && (strings.HasPrefix(lower, "text/xml") || strings.HasPrefix(lower, "application/soap+xml") || strings.HasPrefix(lower, "multipart/")):
		return ct
	case err != nil || params["charset"] == "":
		return DefaultContentType
	case mt == "text/xml":
		return ct
	}
	return "text/xml; charset=" + params["charset"]
}

func TestNormaliseContentTypeMatchesParsing(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{
		"", DefaultContentType, "text/xml", "TEXT/XML", " text/xml ", "text/xml;charset=utf-8", `text/xml; charset=""`,
		"text/xml; charset=ISO-8859-1", "text/xml; foo=bar", "application/soap+xml; charset=utf-8", "application/xml",
		"text/xml;;", "garbage", "multipart/related; type=\"text/xml\"", "text/xmlx", "Text/Xml; Charset=UTF-8",
		"text/plain;charset=UTF-8", "text/plain", "text/html; charset=ISO-8859-1", "application/xml", "application/soap+xml",
	} {
		t.Run(ct, func(t *testing.T) {
			assert.Equal(t, referenceContentType(ct), normaliseContentType(ct))
		})
	}
}

func TestHeaderPrefixesRemovedInAnyCase(t *testing.T) {
	t.Parallel()
	// Keys put in the map directly keep their case, as a Header built by
	// hand (or by a proxy in front) may.
	h := http.Header{"X-VP-Foo": {"1"}, "x-forwarded-host": {"h"}, "MULE_ABC": {"m"}, "X-Mule_Y": {"y"}, "Soapaction": {"s"}}
	o := &OutboundHeaders{Sender: "S", InstanceID: "I", CorrelationID: "C"}
	o.Apply(h, false)
	for _, gone := range []string{"X-VP-Foo", "x-forwarded-host", "MULE_ABC", "X-Mule_Y"} {
		assert.NotContains(t, h, gone)
	}
	assert.Equal(t, "s", h.Get("SOAPAction"))
	assert.Equal(t, "S", h.Get(rivta.HeaderVPSenderID))

	resp := http.Header{"mule_x": {"1"}, "X-MULE_Y": {"2"}, "Content-Type": {"text/xml", "text/plain"}, "X-Keep": {"k"}}
	InboundHeaders(resp, "corr", "12")
	assert.NotContains(t, resp, "mule_x")
	assert.NotContains(t, resp, "X-MULE_Y")
	assert.Equal(t, []string{DefaultContentType}, resp["Content-Type"], "one value, normalised")
	assert.Equal(t, "corr", resp.Get(rivta.HeaderCorrelationID))
	assert.Equal(t, "12", resp.Get(rivta.HeaderProducerRoundTrip))
	assert.Equal(t, "k", resp.Get("X-Keep"))
}

// BenchmarkHeaders is the header work per call: the outbound rules on a
// typical consumer request and the inbound rules on a producer answer.
func BenchmarkHeaders(b *testing.B) {
	in := http.Header{
		"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {`"urn:x"`}, "User-Agent": {"consumer/1"},
		"Content-Length": {"1826"}, "X-Rivta-Original-Serviceconsumer-Hsaid": {"SE-ORIG"}, "Accept-Encoding": {"gzip"},
	}
	out := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Content-Length": {"2048"}, "Date": {"x"}}
	o := &OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1", OriginalConsumer: "SE-ORIG",
		RoutingHistory: "SE-CONS#rivgate-1", UserAgent: "rivgate/test", CertHeader: "X-Vp-Auth-Cert", CorrelationToHTTPS: true}
	h, r := http.Header{}, http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		clear(h)
		for k, v := range in {
			h[k] = v
		}
		o.Apply(h, false)
		clear(r)
		for k, v := range out {
			r[k] = v
		}
		InboundHeaders(r, "corr-1", "3")
	}
}

// TestRemovedHeaderNamesCanonical: the header rules delete these names
// from canonical maps directly, so each must be in canonical form.
func TestRemovedHeaderNamesCanonical(t *testing.T) {
	for _, list := range [][]string{removedRequestHeaders, removedResponseHeaders, hopByHopHeaders} {
		for _, name := range list {
			assert.Equal(t, http.CanonicalHeaderKey(name), name)
		}
	}
}
