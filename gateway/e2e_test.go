package gateway

import (
	"errors"
	"io"
	"net/http"
	"strconv"
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

// takVPCodes is the catalogue behind the fault tests: each receiver is set
// up to provoke one outcome.
const takVPCodes = `
routes:
  - {receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P21}}/producer21"}
  - {receiver: RIVTA20REQUEST, contract: "{{NS}}", profile: RIVTABP20, address: "{{P20}}/producer20"}
  - {receiver: TO-21, contract: "{{NS}}", profile: RIVTABP21, address: "{{P21}}/rewritten21"}
  - {receiver: TO-20, contract: "{{NS}}", profile: RIVTABP20, address: "{{P20}}/rewritten20"}
  - {receiver: NOPERM, contract: "{{NS}}", profile: RIVTABP21, address: "{{P21}}/noperm"}
  - {receiver: TWICE, contract: "{{NS}}", profile: RIVTABP21, address: "{{P21}}/a"}
  - {receiver: TWICE, contract: "{{NS}}", profile: RIVTABP21, address: "{{P21}}/b"}
  - {receiver: BP22, contract: "{{NS}}", profile: RIVTABP22, address: "{{P21}}/bp22"}
  - {receiver: DEAD, contract: "{{NS}}", profile: RIVTABP21, address: "http://{{DEAD}}/dead"}
  - {receiver: NOADDR, contract: "{{NS}}", profile: RIVTABP21, address: ""}
  - {receiver: demo-tidbok, contract: "{{NS}}", profile: RIVTABP21, address: "{{P21}}/tidbok"}
permissions:
  - {sender: "{{C}}", receiver: RIVTA21REQUEST, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: RIVTA20REQUEST, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: TO-21, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: TO-20, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: TWICE, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: BP22, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: DEAD, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: NOADDR, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: demo-tidbok, contract: "{{NS}}"}
`

type vpBed struct {
	*bed
	p20, p21 *producer
	dead     string
}

func newVPBed(t *testing.T, opts ...bedOpt) *vpBed {
	t.Helper()
	p20, p21 := newProducer(t, nil), newProducer(t, nil)
	dead := closedAddr(t)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", p20.srv.URL, "{{P21}}", p21.srv.URL, "{{DEAD}}", dead, "{{C}}", consumerID)
	return &vpBed{bed: newBed(t, y, opts...), p20: p20, p21: p21, dead: dead}
}

// TestVPFaultsEndToEnd: every VP code the gateway can raise, over real TLS
// (or the plain listener where the code belongs to it), with faultcode,
// exact faultstring with the instance name, exact detailString and HTTP 500.
func TestVPFaultsEndToEnd(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t, func(b *bed) {
		b.cfg.OriginalConsumer = config.OriginalConsumer{Allowed: []string{"SE-AGP"}, Enforce: true}
	})
	noSerial, err := vb.ca.Issue(pki.Options{CommonName: "consumer without serial"})
	require.NoError(t, err)
	malformed := []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">X</LogicalAddress></soap:Header><soap:Body><a x="1' y></a></soap:Body></soap:Envelope>`)
	_, parseErr := envelope.SniffBytes(malformed)
	require.Error(t, parseErr)

	req21 := func(recv string) []byte { return sample(t, "Rivta21Request.xml", recv) }
	tests := []struct {
		name     string
		client   func() *http.Client
		listener string
		body     []byte
		header   http.Header
		code     vpfault.Code
		detail   string
	}{
		{name: "VP002 certificate without SERIALNUMBER", client: func() *http.Client { return vb.clientWith(noSerial) }, body: req21(""),
			code: vpfault.VP002, detail: "No senderId found in Certificate: " + noSerial.Cert.Subject.String()},
		{name: "VP002 no client certificate", client: func() *http.Client { return vb.clientWith(nil) }, body: req21(""),
			code: vpfault.VP002, detail: "No client certificate was presented in the TLS handshake"},
		{name: "VP002 plain listener without certificate header", listener: HTTP, body: req21(""),
			code: vpfault.VP002, detail: "No certificate found in httpheader x-vp-auth-cert"},
		{name: "VP003 empty receiver", body: req21(" "), code: vpfault.VP003,
			detail: "No receiverId (logical address) found in message header."},
		{name: "VP004 unknown receiver", body: req21("UNKNOWN"), code: vpfault.VP004,
			detail: "No receiverId (logical address) found for serviceNamespace: " + scheduleNS + ", receiverId: UNKNOWN"},
		{name: "VP004 trailing whitespace", body: req21("RIVTA21REQUEST "), code: vpfault.VP004,
			detail: "No receiverId (logical address) found for serviceNamespace: " + scheduleNS + ", receiverId: RIVTA21REQUEST . Whitespace detected in incoming request!"},
		{name: "VP005 producer profile not 2.0/2.1", body: req21("BP22"), code: vpfault.VP005,
			detail: "No receiverId (logical address) with matching Riv-version found for rivtabp21"},
		{name: "VP006 two routes", body: req21("TWICE"), code: vpfault.VP006,
			detail: "More than one receiverId (logical address) with matching Riv-version found for serviceNamespace: " + scheduleNS + ", receiverId: TWICE"},
		{name: "VP007 no permission", body: req21("NOPERM"), code: vpfault.VP007,
			detail: "Authorization missing for serviceNamespace: " + scheduleNS + ", receiverId: NOPERM, senderId: " + consumerID},
		{name: "VP009 producer down", body: req21("DEAD"), code: vpfault.VP009,
			detail: "Error connecting to service producer at address http://" + vb.dead + "/dead. Exception Caught by Camel when contacting producer. Exception information: (ConnectException: Connection refused: " + vb.dead + ")"},
		{name: "VP010 route without address", body: req21("NOADDR"), code: vpfault.VP010,
			detail: "Physical Address field is empty in Service Producer for serviceNamespace: " + scheduleNS + ", receiverId: NOADDR"},
		{name: "VP013 sender may not set original consumer", body: req21(""), header: http.Header{"X-Rivta-Original-Serviceconsumer-Hsaid": {"SE-SOMEONE"}},
			code: vpfault.VP013, detail: "Sender is not approved to set header x-rivta-original-serviceconsumer-hsaid."},
		{name: "VP014 routing loop", body: req21(""), header: http.Header{"X-Rivta-Routing-History": {"SE-X#other-vp#" + instanceID}},
			code: vpfault.VP014, detail: ""},
		// HttpSenderIdExtractorProcessorImplTest: "dev_env#some_server" is a loop for dev_env.
		{name: "VP014 own instance first in the routing history", body: req21(""), header: http.Header{"X-Rivta-Routing-History": {instanceID + "#some_server"}},
			code: vpfault.VP014, detail: ""},
		{name: "VP015 malformed request", body: malformed, code: vpfault.VP015,
			detail: "The request could not be read properly. " + parseErr.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := vb.client
			if tt.client != nil {
				c = tt.client()
			}
			l := tt.listener
			if l == "" {
				l = HTTPS
			}
			r := vb.post(t, c, l, tt.body, tt.header)
			assert.Equal(t, http.StatusInternalServerError, r.status)
			f := r.fault(t)
			assert.Equal(t, string(tt.code.Side()), f.FaultCode)
			assert.Equal(t, tt.code.String()+" ["+instanceName+"] "+tt.code.Text(), f.FaultString)
			assert.Equal(t, tt.detail, f.DetailString)
		})
	}
}

// TestVP008NoCatalogue: without a catalogue every call gets VP008, one
// without a receiver too: VP checks for TAK before the receiver
// (VagvalProcessor.validateRequest).
func TestVP008NoCatalogue(t *testing.T) {
	t.Parallel()
	b := newBed(t, "")
	for _, recv := range []string{"", " ", "RIVTA21REQUEST "} {
		t.Run("receiver "+strconv.Quote(recv), func(t *testing.T) {
			r := b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", recv), nil)
			assert.Equal(t, http.StatusInternalServerError, r.status)
			f := r.fault(t)
			assert.Equal(t, "SOAP-ENV:Server", f.FaultCode)
			assert.Equal(t, "VP008 ["+instanceName+"] "+vpfault.VP008.Text(), f.FaultString)
			assert.Equal(t, "No contact with TAK at startup, and no local cache to fallback on, not possible to route call", f.DetailString)
		})
	}
}

func TestVP011PeerNotAllowed(t *testing.T) {
	t.Parallel()
	b := newBed(t, "routes: []\n", func(b *bed) { b.cfg.HTTP.AllowedCIDRs = []string{"10.0.0.0/8"} })
	r := b.post(t, http.DefaultClient, HTTP, sample(t, "Rivta21Request.xml", ""), nil)
	assert.Equal(t, http.StatusInternalServerError, r.status)
	f := r.fault(t)
	assert.Equal(t, "SOAP-ENV:Client", f.FaultCode)
	assert.Equal(t, "VP011 ["+instanceName+"] "+vpfault.VP011.Text(), f.FaultString)
	assert.Equal(t, "Caller was not on the white list of accepted IP-addresses.  IP-address: 127.0.0.1.", f.DetailString)

	// An allowed internal hop forwarding for a disallowed client (VP's
	// X-Forwarded-For check on internal calls).
	const secret = "internal-secret-0123456789"
	b2 := newBed(t, "routes: []\n", func(b *bed) { b.cfg.HTTP.InternalSecret = secret })
	r = b2.post(t, http.DefaultClient, HTTP, sample(t, "Rivta21Request.xml", ""),
		http.Header{"X-Forwarded-For": {"127.0.0.1, 192.0.2.7"}, "X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {secret}})
	f = r.fault(t)
	assert.Equal(t, vpfault.VP011, f.Code)
	assert.Equal(t, "Caller was not on the white list of accepted IP-addresses.  IP-address: 192.0.2.7. HTTP header that caused checking: X-Forwarded-For", f.DetailString)
}

func TestVP012TransformFailure(t *testing.T) {
	t.Parallel()
	p := newProducer(t, nil)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", p.srv.URL, "{{P21}}", p.srv.URL, "{{DEAD}}", closedAddr(t), "{{C}}", consumerID)
	b := newBed(t, y)
	gw, err := New(b.cfg, Deps{})
	require.NoError(t, err)
	// VP012 is only reachable through a transform failure, which the real
	// rewrite does not produce for a message the sniffer accepted.
	gw.rewrite = func([]byte, *envelope.Info, rivta.Profile) ([]byte, error) {
		return nil, errors.New("transform failed")
	}
	b.cfg.Listen.HTTP, b.cfg.Listen.Admin = "", ""
	require.NoError(t, gw.Start(t.Context()))
	t.Cleanup(func() { _ = gw.Close() })
	req, err := http.NewRequest(http.MethodPost, "https://"+gw.Addr()+"/vp/x", strings.NewReader(string(sample(t, "Rivta20Request.xml", "TO-21"))))
	require.NoError(t, err)
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	assert.Equal(t, http.StatusInternalServerError, r.status)
	f := r.fault(t)
	assert.Equal(t, "SOAP-ENV:Server", f.FaultCode)
	assert.Equal(t, "VP012 ["+instanceName+"] "+vpfault.VP012.Text(), f.FaultString)
	assert.Equal(t, "Server problem, VP does not have all necessary resources to operate. transform failed", f.DetailString)
	assert.Equal(t, 0, p.count(), "the producer saw nothing")
}
