package gateway

import (
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/internal/pki"
)

// TestHappyPathVPSamples sends VP's own sample requests (RIV-TA 2.0 and
// 2.1, namespace on the element or on soap:Header) through real TLS and
// checks the producer got the bytes unchanged and the consumer got the
// producer's answer unchanged.
func TestHappyPathVPSamples(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	tests := []struct {
		name, file string
		p          func() *producer
		path       string
	}{
		{"RIV-TA 2.1", "Rivta21Request.xml", func() *producer { return vb.p21 }, "/producer21"},
		{"RIV-TA 2.1 namespace on Header", "Rivta21RequestNamespaceInHeader.xml", func() *producer { return vb.p21 }, "/producer21"},
		{"RIV-TA 2.0", "Rivta20Request.xml", func() *producer { return vb.p20 }, "/producer20"},
		{"RIV-TA 2.0 namespace on Header", "Rivta20RequestNamespaceInHeader.xml", func() *producer { return vb.p20 }, "/producer20"},
		{"RIV-TA 2.1 with Actor header", "GetSubjectOfCareRequest21.xml", func() *producer { return vb.p21 }, "/tidbok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := sample(t, tt.file, "")
			r := vb.post(t, vb.client, HTTPS, body, nil)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, okResponse, r.body)
			got := tt.p().last(t)
			assert.Equal(t, tt.path, got.path)
			assert.Equal(t, body, got.body, "same profile: forwarded byte for byte")
			assert.NotEmpty(t, r.header.Get("x-skltp-prt"))
			_, err := strconv.Atoi(r.header.Get("x-skltp-prt"))
			assert.NoError(t, err)
		})
	}
}

// TestProfileRewrite: a 2.0 call to a 2.1 producer and a 2.1 call to a 2.0
// producer arrive rewritten (VP's FullServiceRivVersionTransformationIT and
// SoapUI 3.1.x); the body after the header is untouched.
func TestProfileRewrite(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	tests := []struct {
		name, file, receiver string
		p                    func() *producer
		want                 rivta.Profile
	}{
		{"2.0 to 2.1 producer", "Rivta20Request.xml", "TO-21", func() *producer { return vb.p21 }, rivta.RIVTABP21},
		{"2.1 to 2.0 producer", "Rivta21Request.xml", "TO-20", func() *producer { return vb.p20 }, rivta.RIVTABP20},
		{"2.0 namespace on Header to 2.1", "Rivta20RequestNamespaceInHeader.xml", "TO-21", func() *producer { return vb.p21 }, rivta.RIVTABP21},
		{"2.1 namespace on Header to 2.0", "Rivta21RequestNamespaceInHeader.xml", "TO-20", func() *producer { return vb.p20 }, rivta.RIVTABP20},
		{"2.0 with Actor header to 2.1", "GetSubjectOfCareRequest20.xml", "demo-tidbok", func() *producer { return vb.p21 }, rivta.RIVTABP21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := sample(t, tt.file, tt.receiver)
			r := vb.post(t, vb.client, HTTPS, body, nil)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			got := tt.p().last(t)
			info, err := envelope.SniffBytes(got.body)
			require.NoError(t, err, "the producer got a well-formed envelope")
			assert.Equal(t, tt.want, info.Profile)
			assert.Equal(t, tt.receiver, info.Receiver)
			assert.Equal(t, scheduleNS, info.Body.Space)
			ns, local := tt.want.ReceiverElement()
			assert.Equal(t, 1, countReceiverElements(got.body, local), "one %s element", local)
			assert.Contains(t, string(got.body), ns)
			in, err := envelope.SniffBytes(body)
			require.NoError(t, err)
			assert.Equal(t, body[in.BodyStart:], got.body[info.BodyStart:], "the body is forwarded unchanged")
			assert.Equal(t, strconv.Itoa(len(got.body)), got.header.Get("Content-Length"), "Content-Length follows the rewrite")
			xmllintWellFormed(t, got.body)
		})
	}
}

// xmllintWellFormed has xmllint, an independent parser, read the whole
// rewritten message.
func xmllintWellFormed(t *testing.T, doc []byte) {
	t.Helper()
	xl, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint missing: apt-get install -y libxml2-utils (scripts/test.sh installs it)")
	}
	cmd := exec.Command(xl, "--noout", "-")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "xmllint: %s", out)
}

func countReceiverElements(b []byte, local string) int {
	return len(regexp.MustCompile(`<([A-Za-z0-9_]+:)?`+local+`[\s>]`).FindAll(b, -1))
}

// TestHeaderPropagation ports HttpRequestHeadersIT/HttpsRequestHeadersIT
// and the SoapUI "CorrelationId", "Ursprunglig avsandare" and "Anropskedja"
// cases: correlation id passed or made and always answered, original
// consumer passed or set, routing history extended, x-vp-* and certificate
// headers never reach the producer, SOAPAction and x-rivta-* pass.
func TestHeaderPropagation(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	body := sample(t, "Rivta21Request.xml", "")
	tests := []struct {
		name  string
		in    http.Header
		check func(t *testing.T, got http.Header, resp http.Header)
	}{
		{"correlation id made when absent", nil, func(t *testing.T, got, resp http.Header) {
			id := resp.Get("x-skltp-correlation-id")
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
			assert.Equal(t, id, got.Get("x-skltp-correlation-id"))
		}},
		{"correlation id passed", http.Header{"X-Skltp-Correlation-Id": {"corr-from-consumer"}}, func(t *testing.T, got, resp http.Header) {
			assert.Equal(t, "corr-from-consumer", got.Get("x-skltp-correlation-id"))
			assert.Equal(t, "corr-from-consumer", resp.Get("x-skltp-correlation-id"))
		}},
		{"original consumer set to sender when absent", nil, func(t *testing.T, got, _ http.Header) {
			assert.Equal(t, consumerID, got.Get(rivta.HeaderOriginalConsumer))
		}},
		{"original consumer passed unchanged", http.Header{"X-Rivta-Original-Serviceconsumer-Hsaid": {"SE-ORIGIN"}}, func(t *testing.T, got, _ http.Header) {
			assert.Equal(t, "SE-ORIGIN", got.Get(rivta.HeaderOriginalConsumer))
		}},
		{"routing history started", nil, func(t *testing.T, got, _ http.Header) {
			assert.Equal(t, consumerID+"#"+instanceID, got.Get(rivta.HeaderRoutingHistory))
		}},
		{"routing history extended", http.Header{"X-Rivta-Routing-History": {"SE-FIRST#other-vp"}}, func(t *testing.T, got, _ http.Header) {
			assert.Equal(t, "SE-FIRST#other-vp#"+instanceID, got.Get(rivta.HeaderRoutingHistory))
		}},
		{"x-vp and certificate headers removed, own set for http producer", http.Header{
			"X-Vp-Sender-Id": {"SPOOFED"}, "X-Vp-Instance-Id": {"x"}, "X-Vp-Auth-Cert": {"CERT"},
			"X-Forwarded-Tls-Client-Cert": {"CERT"}, "X-Forwarded-For": {"192.0.2.1"},
		}, func(t *testing.T, got, _ http.Header) {
			assert.Equal(t, consumerID, got.Get("x-vp-sender-id"))
			assert.Equal(t, instanceID, got.Get("x-vp-instance-id"))
			assert.Empty(t, got.Get("x-vp-auth-cert"))
			assert.Empty(t, got.Get("X-Forwarded-Tls-Client-Cert"))
			assert.Empty(t, got.Get("X-Forwarded-For"))
		}},
		{"SOAPAction and x-rivta passed", http.Header{"X-Rivta-Acting-On-Behalf-Of-Hsaid": {"SE-ACTOR"}, "X-Rivta-Custom": {"v"}}, func(t *testing.T, got, _ http.Header) {
			assert.Equal(t, `"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`, got.Get("SOAPAction"))
			assert.Equal(t, "SE-ACTOR", got.Get(rivta.HeaderActingOnBehalfOf))
			assert.Equal(t, "v", got.Get("x-rivta-custom"))
			assert.Equal(t, "rivgate/test", got.Get("User-Agent"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := vb.post(t, vb.client, HTTPS, body, tt.in)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			tt.check(t, vb.p21.last(t).header, r.header)
		})
	}
}

// TestPlainListenerBehindProxy: the certificate comes in a header from an
// allowed peer (PEM flattened onto one line, as Traefik or a flattening
// proxy sends it); x-vp-sender-id is trusted only with the shared secret.
func TestPlainListenerBehindProxy(t *testing.T) {
	t.Parallel()
	const secret = "a-long-shared-secret-0123456789"
	vb := newVPBed(t, func(b *bed) {
		b.cfg.HTTP.CertHeader = "X-Forwarded-Tls-Client-Cert"
		b.cfg.HTTP.InternalSecret = secret
	})
	cons, err := vb.ca.IssueClient("SE-VIA-PROXY", pki.Options{})
	require.NoError(t, err)
	flat := string(bytes.ReplaceAll(cons.CertPEM, []byte("\n"), []byte(" ")))
	body := sample(t, "Rivta21Request.xml", "")
	// SE-VIA-PROXY has no permission: VP007 proves the sender was read from the header.
	// X-Forwarded-For holds the consumer's own (public) address behind a
	// proxy; only internal calls need it in the allow list.
	r := vb.post(t, http.DefaultClient, HTTP, body, http.Header{"X-Forwarded-Tls-Client-Cert": {flat}, "X-Forwarded-For": {"192.0.2.1"}})
	f := r.fault(t)
	assert.Equal(t, "VP007", f.Code.String())
	assert.Contains(t, f.DetailString, "senderId: SE-VIA-PROXY")

	r = vb.post(t, http.DefaultClient, HTTP, body, http.Header{"X-Forwarded-Tls-Client-Cert": {flat}, "X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {"wrong-secret"}})
	assert.Contains(t, r.fault(t).DetailString, "senderId: SE-VIA-PROXY", "a wrong secret falls back to the certificate, as VP")

	r = vb.post(t, http.DefaultClient, HTTP, body, http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {secret}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	got := vb.p21.last(t).header
	assert.Equal(t, consumerID, got.Get("x-vp-sender-id"))
	assert.Empty(t, got.Get(rivta.HeaderRoutingHistory), "internal callers' history is left as received")

	other, err := pki.NewCA("untrusted")
	require.NoError(t, err)
	stranger, err := other.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	r = vb.post(t, http.DefaultClient, HTTP, body, http.Header{"X-Forwarded-Tls-Client-Cert": {strings.ReplaceAll(string(stranger.CertPEM), "\n", " ")}})
	f = r.fault(t)
	assert.Equal(t, "VP002", f.Code.String(), "a header certificate from an unknown CA is refused")
}

// TestMTOMForwardedWhole: an MTOM/XOP call is routed from the envelope in
// its root part and forwarded unchanged, attachment included (VP cuts the
// envelope out and drops attachments with a warning).
func TestMTOMForwardedWhole(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	env := sample(t, "Rivta21Request.xml", "")
	msg := "--MIMEBoundary_1\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n" +
		string(env) + "\r\n--MIMEBoundary_1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <att1>\r\n\r\nBINARYDATA\x00\x01\r\n--MIMEBoundary_1--\r\n"
	ct := `multipart/related; type="application/xop+xml"; boundary="MIMEBoundary_1"; start="<root.message@cxf.apache.org>"; start-info="text/xml"`
	r := vb.post(t, vb.client, HTTPS, []byte(msg), http.Header{"Content-Type": {ct}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	got := vb.p21.last(t)
	assert.Equal(t, msg, string(got.body))
	assert.Equal(t, ct, got.header.Get("Content-Type"))
}

// TestSOAP12Aware: a SOAP 1.2 call is routed like any other, keeps its
// application/soap+xml Content-Type towards the producer, and the
// producer's SOAP 1.2 fault in a 500 passes through (VP forces text/xml and
// has no SOAP 1.2 tests).
func TestSOAP12Aware(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	const fault12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">no</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`
	vb.p21.handler = func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, fault12)
	}
	msg := `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress></env:Header><env:Body><ns:GetSubjectOfCareSchedule xmlns:ns="` + scheduleNS + `"/></env:Body></env:Envelope>`
	ct := `application/soap+xml; charset=utf-8; action="urn:x"`
	r := vb.post(t, vb.client, HTTPS, []byte(msg), http.Header{"Content-Type": {ct}})
	assert.Equal(t, http.StatusInternalServerError, r.status)
	assert.Equal(t, fault12, string(r.body))
	assert.Equal(t, "application/soap+xml; charset=utf-8", r.header.Get("Content-Type"))
	got := vb.p21.last(t)
	assert.Equal(t, msg, string(got.body))
	assert.Equal(t, ct, got.header.Get("Content-Type"))
}
