package gateway

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
)

// TestStageOrder: a call that breaks two rules gets the fault VP raises
// first, whatever the order the checks happen to be listed in. The stages
// run on a call filled in by hand, without net/http: what another HTTP
// engine would do.
func TestStageOrder(t *testing.T) {
	t.Parallel()
	p := newProducer(t, nil)
	tpl := strings.Replace(takVPCodes, "permissions:", `  - {receiver: BADADDR20, contract: "{{NS}}", profile: RIVTABP20, address: "ftp://producer/x"}
  - {receiver: BADADDR22, contract: "{{NS}}", profile: RIVTABP22, address: "ftp://producer/x"}
permissions:
  - {sender: "{{C}}", receiver: BADADDR20, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: BADADDR22, contract: "{{NS}}"}`, 1)
	y := fill(tpl, "{{NS}}", scheduleNS, "{{P20}}", p.srv.URL, "{{P21}}", p.srv.URL, "{{DEAD}}", closedAddr(t), "{{C}}", consumerID)
	httpsOnly := func(b *bed) {
		b.cfg.Listen.HTTP, b.cfg.Listen.Admin = "", ""
		b.cfg.OriginalConsumer = config.OriginalConsumer{Allowed: []string{"SE-AGP"}, Enforce: true}
		b.cfg.Limits.MaxBody = 64 << 10
		b.cfg.Limits.MaxHead = 32 << 10
	}
	vb := newBed(t, y, httpsOnly)
	noCatalogue := newBed(t, "", httpsOnly)
	rewriteFails := newBed(t, y, httpsOnly)
	rewriteFails.gw.rewrite = func([]byte, *envelope.Info, rivta.Profile) ([]byte, error) {
		return nil, errors.New("transform failed")
	}
	cons, err := vb.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	req21 := func(recv string) []byte { return sample(t, "Rivta21Request.xml", recv) }
	malformed := []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a x="1' y></a></soap:Body></soap:Envelope>`)

	tests := []struct {
		name      string
		gw        *Gateway
		noCert    bool
		body      []byte
		length    int64 // declared Content-Length; 0: len(body)
		history   string
		original  string
		want      vpfault.Code
		detailHas string
	}{
		{name: "sender before the body", noCert: true, body: malformed, want: vpfault.VP002},
		{name: "routing loop before the size", body: req21(""), length: 1 << 20, history: "SE-X#" + instanceID, want: vpfault.VP014},
		// VP checks every token of the history, the first too.
		{name: "own instance first in the history", body: req21(""), history: instanceID + "#some_server", want: vpfault.VP014},
		{name: "declared size before the envelope", body: malformed, length: 1 << 20, want: vpfault.VP015, detailHas: "exceeds limits.max_body"},
		{name: "envelope before the original consumer", body: malformed, original: "SE-SOMEONE", want: vpfault.VP015, detailHas: "could not be read"},
		// VP: OriginalConsumerIdProcessor, then VagvalProcessor (VP008,
		// then VP003, then the lookup with its whitespace hint).
		{name: "original consumer before the missing receiver", body: req21(" "), original: "SE-SOMEONE", want: vpfault.VP013},
		{name: "original consumer before receiver whitespace", body: req21("UNKNOWN "), original: "SE-SOMEONE", want: vpfault.VP013},
		{name: "original consumer before the catalogue", gw: noCatalogue.gw, body: req21(""), original: "SE-SOMEONE", want: vpfault.VP013},
		{name: "no catalogue", gw: noCatalogue.gw, body: req21("UNKNOWN"), want: vpfault.VP008},
		{name: "no catalogue before the missing receiver", gw: noCatalogue.gw, body: req21(" "), want: vpfault.VP008},
		{name: "no catalogue before receiver whitespace", gw: noCatalogue.gw, body: req21("UNKNOWN "), want: vpfault.VP008},
		{name: "missing receiver before the route", body: req21(" "), want: vpfault.VP003},
		{name: "receiver whitespace before the route", body: req21("UNKNOWN "), want: vpfault.VP004, detailHas: "Whitespace"},
		{name: "route before the profile", body: req21("UNKNOWN"), want: vpfault.VP004},
		{name: "profile before the address", body: req21("BADADDR22"), want: vpfault.VP005},
		{name: "rewrite before the address", body: req21("BADADDR20"), gw: rewriteFails.gw, want: vpfault.VP012},
		{name: "address", body: req21("BADADDR20"), want: vpfault.VP009, detailHas: "Invalid producer address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := vb.gw
			if tt.gw != nil {
				g = tt.gw
			}
			var cert *x509.Certificate
			if !tt.noCert {
				cert = cons.Cert
			}
			length := tt.length
			if length == 0 {
				length = int64(len(tt.body))
			}
			maxBody := int64(g.cfg.Limits.MaxBody)
			c := &call{listener: HTTPS, correlationID: "stage-order", kind: "service", req: consumerRequest{
				ctx: context.Background(), peerCert: cert, contentType: "text/xml; charset=UTF-8", contentLength: length,
				routingHistory: tt.history, originalConsumer: tt.original,
			}}
			c.body = &bodyReader{r: bytes.NewReader(tt.body), left: maxBody, max: maxBody}
			g.runStages(c)
			require.NotNil(t, c.fault, "the call passed every stage")
			assert.Equal(t, tt.want, c.fault.Code, c.fault.Detail)
			assert.Contains(t, c.fault.Detail, tt.detailHas)
			assert.False(t, c.replied)
		})
	}

	// A call that passes every stage is left ready to forward.
	c := &call{listener: HTTPS, correlationID: "stage-order", kind: "service", req: consumerRequest{
		ctx: context.Background(), peerCert: cons.Cert, contentLength: int64(len(req21(""))),
	}}
	c.body = &bodyReader{r: bytes.NewReader(req21("")), left: 64 << 10, max: 64 << 10}
	vb.gw.runStages(c)
	require.Nil(t, c.fault)
	assert.Equal(t, p.srv.URL+"/producer21", c.exchange.Target.String())
	assert.Equal(t, consumerID, c.exchange.Headers.OriginalConsumer)
	assert.Equal(t, consumerID+"#"+instanceID, c.exchange.Headers.RoutingHistory)
}

// TestHeaderKeysCanonical: the service handler looks these names up in
// httpwire's canonical header map directly, so each must be canonical.
func TestHeaderKeysCanonical(t *testing.T) {
	for _, k := range []string{"Content-Type", "X-Forwarded-For", "Forwarded", "X-Real-Ip", rivta.KeyVPSenderID, rivta.KeyVPInstanceID,
		rivta.KeyRoutingHistory, rivta.KeyOriginalConsumer, rivta.KeyActingOnBehalfOf, rivta.KeyCorrelationID} {
		assert.Equal(t, http.CanonicalHeaderKey(k), k)
	}
}

// TestTargetCache: a producer address is parsed once and the URL shared;
// one the catalogue may not use is refused each time and not kept.
func TestTargetCache(t *testing.T) {
	var tc targetCache
	tests := []struct {
		address string
		ok      bool
	}{
		{"http://127.0.0.1:8080/producer", true},
		{"https://producer.example:443/svc?x=1", true},
		{"ftp://producer.example/svc", false},
		{"http://user:secret@producer.example/svc", false},
	}
	for _, tt := range tests {
		first, err := tc.parse(tt.address)
		again, err2 := tc.parse(tt.address)
		if !tt.ok {
			assert.Error(t, err, tt.address)
			assert.Error(t, err2, tt.address)
			continue
		}
		require.NoError(t, err, tt.address)
		assert.Same(t, first, again, "parsed once: %s", tt.address)
		assert.Equal(t, tt.address, first.String())
	}
	assert.Equal(t, int64(2), tc.n.Load(), "refused addresses are not kept")
}
