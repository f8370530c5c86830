package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Headers and framing on the wire (issue 19, items 7, 8, 13 and 15): what
// producers' answers may carry to consumers, what consumers' headers may
// carry to producers, Content-Type as VP sends it, and MTOM as VP's own
// integration test sends it. Black-box, over real TLS or the plain
// listener.

// rawAnswer is a producer that writes head (status line and headers,
// without the blank line) and body as they are, after reading the call.
func rawAnswer(t *testing.T, head, body string) *scriptedProducer {
	return newScripted(t, nil, func(p *scriptedProducer, c net.Conn, br *bufio.Reader) {
		for p.ReadRequest(br) {
			fmt.Fprintf(c, "%s\r\nContent-Length: %d\r\n\r\n%s", head, len(body), body)
		}
	})
}

// rawCall sends one call over TLS and returns the answer's raw header
// block as well, to count repeated headers a client would merge.
func rawCall(t *testing.T, b *bed, extra string) (response, string) {
	t.Helper()
	conn := rawTLS(t, b)
	req := sample(t, "Rivta21Request.xml", "")
	fmt.Fprintf(conn, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml; charset=UTF-8\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", extra, len(req), req)
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	raw, err := io.ReadAll(conn)
	noErr(t, err)
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	return parseRawResponse(t, raw), head
}

// TestProducerAnswerHeaders: the consumer gets a producer's own headers
// but not its hop-by-hop ones, nor the platform's identity headers, cookies
// or CORS headers unless producers.pass_response_headers names them; the
// correlation id once; and a header block over producers.max_header_bytes
// is VP009, not relayed.
func TestProducerAnswerHeaders(t *testing.T) {
	t.Parallel()
	head := strings.Join([]string{
		"HTTP/1.1 200 OK", "Content-Type: text/xml; charset=UTF-8",
		"Connection: X-Hop", "X-Hop: per connection", "Keep-Alive: timeout=5", "Upgrade: h2c", "Proxy-Authenticate: Basic",
		"X-Vp-Sender-Id: PRODUCER-SAYS-SO", "X-VP-Instance-Id: someone-else", "X-Skltp-Correlation-Id: the-producers-own",
		"Set-Cookie: session=abc; Path=/", "Access-Control-Allow-Origin: *", "Access-Control-Allow-Credentials: true",
		"X-Producer-Own: kept",
	}, "\r\n")
	p := rawAnswer(t, head, string(okResponse))
	b := newBed(t, routeTo(p.URL))
	passing := newBed(t, routeTo(p.URL), reuseCA(b), func(b *bed) {
		b.cfg.Producers.PassResponseHeaders = []string{"set-cookie", "Access-Control-*"}
	})
	dropped := []string{"X-Hop", "Keep-Alive", "Upgrade", "Proxy-Authenticate", "X-Vp-Sender-Id", "X-Vp-Instance-Id", "Set-Cookie", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"}

	t.Run("default rules", func(t *testing.T) {
		r, raw := rawCall(t, b, "X-Skltp-Correlation-Id: consumer-corr-1\r\n")
		assert.Equal(t, http.StatusOK, r.status)
		for _, h := range dropped {
			assert.Empty(t, r.header.Values(h), "%s is not relayed", h)
		}
		assert.Equal(t, "kept", r.header.Get("X-Producer-Own"))
		assert.Equal(t, []string{"consumer-corr-1"}, r.header.Values("X-Skltp-Correlation-Id"))
		assert.Equal(t, 1, strings.Count(strings.ToLower(raw), "\r\nx-skltp-correlation-id:"), "sent once:\n%s", raw)
	})
	t.Run("producers.pass_response_headers", func(t *testing.T) {
		r, _ := rawCall(t, passing, "")
		assert.Equal(t, "session=abc; Path=/", r.header.Get("Set-Cookie"))
		assert.Equal(t, "*", r.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "true", r.header.Get("Access-Control-Allow-Credentials"))
		assert.Empty(t, r.header.Values("X-Vp-Sender-Id"), "not named: still dropped")
		assert.Empty(t, r.header.Values("X-Hop"), "hop-by-hop: never relayed")
	})
	t.Run("a header block over producers.max_header_bytes", func(t *testing.T) {
		big := rawAnswer(t, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Big: "+strings.Repeat("a", 2<<20), string(okResponse))
		// Reading a megabyte of header is slow under -race on a busy
		// machine: the timeout must not be what answers.
		hb := newBed(t, routeTo(big.URL), reuseCA(b), func(b *bed) { b.cfg.Producers.Timeout = yamlstrict.Duration(time.Minute) })
		r := hb.post(t, hb.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
		f := r.fault(t)
		assert.Equal(t, http.StatusInternalServerError, r.status)
		assert.Equal(t, vpfault.VP009, f.Code)
		assert.Contains(t, f.DetailString, "server response headers exceeded 1048576 bytes")
	})
}

// TestProducer500IsAFaultOnlyWhenSOAP: a producer's HTTP 500 passes to the
// consumer only when its body is a SOAP envelope; an HTML error page is
// VP009, however it mentions the envelope namespace.
func TestProducer500IsAFaultOnlyWhenSOAP(t *testing.T) {
	t.Parallel()
	soapFault := `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>producer says no</faultstring></soap:Fault></soap:Body></soap:Envelope>`
	tests := []struct {
		name   string
		body   string
		passed bool
	}{
		{"SOAP 1.1 fault", soapFault, true},
		{"HTML with the envelope namespace in a comment", `<html><!-- see http://schemas.xmlsoap.org/soap/envelope/ --><body><h1>500 Internal Server Error</h1></body></html>`, false},
		{"text naming the namespace", `java.lang.IllegalStateException: expected http://schemas.xmlsoap.org/soap/envelope/`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := rawAnswer(t, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html", tt.body)
			b := newBed(t, routeTo(p.URL))
			r := b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
			assert.Equal(t, http.StatusInternalServerError, r.status)
			if tt.passed {
				assert.Equal(t, tt.body, string(r.body))
				return
			}
			f := r.fault(t)
			assert.Equal(t, vpfault.VP009, f.Code)
			assert.True(t, strings.HasSuffix(f.DetailString, "VP_PRODUCER_EXCEPTION_HTTP_STATUS=500"), "%s", f.DetailString)
		})
	}
}

// TestAnswerContentType: every answer is SOAP's text/xml as VP sends it
// (VP's HttpResponseHeadersIT.testCorrectContentTypeInResponse), keeping the
// producer's charset; SOAP 1.2 and multipart answers keep theirs.
func TestAnswerContentType(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ from, want string }{
		{"text/plain;charset=UTF-8", "text/xml; charset=UTF-8"},
		{"text/plain", "text/xml; charset=UTF-8"},
		{"text/html; charset=ISO-8859-1", "text/xml; charset=ISO-8859-1"},
		{"text/xml", "text/xml; charset=UTF-8"},
		{"text/xml;charset=utf-8", "text/xml;charset=utf-8"},
		{"application/soap+xml; charset=utf-8", "application/soap+xml; charset=utf-8"},
		{`multipart/related; type="application/xop+xml"; boundary="b"`, `multipart/related; type="application/xop+xml"; boundary="b"`},
	} {
		t.Run(tt.from, func(t *testing.T) {
			t.Parallel()
			p := rawAnswer(t, "HTTP/1.1 200 OK\r\nContent-Type: "+tt.from, string(okResponse))
			b := newBed(t, routeTo(p.URL))
			r := b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
			assert.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, []string{tt.want}, r.header.Values("Content-Type"))
		})
	}
}

// TestConsumerHeadersTowardsProducers: a correlation id the consumer sends
// is kept when it is a plain token and replaced by a UUID when not; the
// underscore spellings of identity headers never reach the producer.
func TestConsumerHeadersTowardsProducers(t *testing.T) {
	t.Parallel()
	p := newProducer(t, nil)
	b := newBed(t, routeTo(p.srv.URL))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

	for _, tt := range []struct {
		name, id string
		kept     bool
	}{
		{"UUID", "6f1c1b0e-5b7a-4c1e-9d7e-0a1b2c3d4e5f", true},
		{"another platform's token", "ntjp:corr/AB+12=@x_y.z", true},
		{"128 characters", strings.Repeat("a", 128), true},
		{"129 characters", strings.Repeat("a", 129), false},
		{"with a space", "a b", false},
		{"with quotes and a semicolon", `"x";y`, false},
		{"non-ASCII", "åäö", false},
	} {
		t.Run("correlation id: "+tt.name, func(t *testing.T) {
			r, _ := rawCall(t, b, "X-Skltp-Correlation-Id: "+tt.id+"\r\n")
			assert.Equal(t, http.StatusOK, r.status)
			got := r.header.Get("X-Skltp-Correlation-Id")
			sent := p.last(t).header.Get("X-Skltp-Correlation-Id")
			assert.Equal(t, got, sent, "the producer and the consumer see the same id")
			if tt.kept {
				assert.Equal(t, tt.id, got)
			} else {
				assert.Regexp(t, uuid, got, "replaced")
			}
		})
	}

	t.Run("underscore spellings of identity headers", func(t *testing.T) {
		hdr := http.Header{}
		for _, name := range []string{"X_VP_SENDER_ID", "X_VP_INSTANCE_ID", "x_vp_auth_cert", "X_rivta_original_serviceconsumer_hsaid",
			"X_RIVTA_ROUTING_HISTORY", "X_SKLTP_CORRELATION_ID", "X_Forwarded_For", "X_REAL_IP"} {
			hdr[name] = []string{"SPOOFED"}
		}
		hdr["X_Custom_Thing"] = []string{"kept"}
		r := b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", ""), hdr)
		assert.Equal(t, http.StatusOK, r.status)
		got := p.last(t).header
		for name, v := range got {
			assert.NotContains(t, v, "SPOOFED", "%s reached the producer", name)
		}
		assert.Equal(t, consumerID, got.Get("X-Rivta-Original-Serviceconsumer-Hsaid"), "the platform's own value")
		assert.Equal(t, []string{"kept"}, got.Values("X_custom_thing"), "other underscore headers pass")
	})
}

// TestForwardedAndRealIPOnThePlainListener: an internal caller's Forwarded
// (RFC 7239) and X-Real-IP are checked against the allow list as its
// X-Forwarded-For is, and X-Real-IP is not passed to producers.
func TestForwardedAndRealIPOnThePlainListener(t *testing.T) {
	t.Parallel()
	const secret = "the-internal-secret-0123456789"
	vb := newVPBed(t, func(b *bed) { b.cfg.HTTP.InternalSecret = secret })
	internal := http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {secret}}
	with := func(k, v string) http.Header {
		h := internal.Clone()
		h[k] = []string{v}
		return h
	}
	for _, tt := range []struct {
		name       string
		hdr        http.Header
		wantDetail string // "": routed
	}{
		{"Forwarded for an allowed address", with("Forwarded", `for=127.0.0.1;proto=https, for="[::1]:4711"`), ""},
		{"Forwarded for an address outside the list", with("Forwarded", `for=127.0.0.1, for=10.9.9.9;by=proxy`),
			"Caller was not on the white list of accepted IP-addresses.  IP-address: 10.9.9.9. HTTP header that caused checking: Forwarded"},
		{"Forwarded for an obfuscated node", with("Forwarded", `for=_hidden`),
			"Caller was not on the white list of accepted IP-addresses.  IP-address: _hidden. HTTP header that caused checking: Forwarded"},
		{"X-Real-IP allowed", with("X-Real-Ip", "127.0.0.1"), ""},
		{"X-Real-IP outside the list", with("X-Real-Ip", "10.9.9.9"),
			"Caller was not on the white list of accepted IP-addresses.  IP-address: 10.9.9.9. HTTP header that caused checking: X-Real-IP"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := vb.p21.count()
			r := vb.post(t, http.DefaultClient, HTTP, sample(t, "Rivta21Request.xml", ""), tt.hdr)
			if tt.wantDetail == "" {
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				got := vb.p21.last(t).header
				assert.Empty(t, got.Values("X-Real-Ip"), "not passed to the producer")
				assert.Empty(t, got.Values("Forwarded"), "not passed to the producer")
				return
			}
			f := r.fault(t)
			assert.Equal(t, vpfault.VP011, f.Code)
			assert.Equal(t, tt.wantDetail, f.DetailString)
			assert.Equal(t, before, vb.p21.count(), "the producer saw nothing")
		})
	}
}

// The Content-Type and the two bodies of VP's FullServiceMtomIT (from its
// RequestReaderProcessorXMLEventReaderTest): the declared boundary is in
// neither body, the Content-Type ends in a literal backslash-r-backslash-n,
// and the second envelope's root is spelled in lower case. VP routes both.
const (
	vpMTOMContentType = `multipart/related; type="application/xop+xml";start="<http://tempuri.org/0>";boundary="uuid:1b56605a-1344-46cd-98b9-4687e64cfe7a+id=393";start-info="text/xml"\r\n`
	vpMTOMText1       = "\n--uuid:2b0d9d3d-f8bf-4a78-b9ad-62e0996d1872+id=1\nContent-ID: <http://tempuri.org/0>\nContent-Transfer-Encoding: 8bit\nContent-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\n\n" +
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:LogicalAddress xmlns:h="urn:riv:itintegration:registry:1" xmlns="urn:riv:itintegration:registry:1">HttpProducer</h:LogicalAddress></s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><CheckBlocksRequest xmlns="urn:riv:ehr:blocking:accesscontrol:CheckBlocksResponder:3"><AccessingActor><EmployeeId xmlns="urn:riv:ehr:blocking:accesscontrol:3">TST5565594230-114W</EmployeeId><CareProviderId xmlns="urn:riv:ehr:blocking:accesscontrol:3">SE5564323748100S</CareProviderId><CareUnitId xmlns="urn:riv:ehr:blocking:accesscontrol:3">SE55643237481011</CareUnitId></AccessingActor><PatientId>191212121212</PatientId><InformationEntities><InformationStartDate xmlns="urn:riv:ehr:blocking:accesscontrol:3">2017-03-14T10:40:00</InformationStartDate><InformationEndDate xmlns="urn:riv:ehr:blocking:accesscontrol:3">2017-03-14T10:40:00</InformationEndDate><InformationCareUnitId xmlns="urn:riv:ehr:blocking:accesscontrol:3">SE5564323748101M</InformationCareUnitId><InformationCareProviderId xmlns="urn:riv:ehr:blocking:accesscontrol:3">SE5564323748100S</InformationCareProviderId><InformationType xmlns="urn:riv:ehr:blocking:accesscontrol:3">lak</InformationType><RowNumber xmlns="urn:riv:ehr:blocking:accesscontrol:3">0</RowNumber></InformationEntities><InformationEntities><InformationStartDate xmlns="urn:riv:ehr:blocking:accesscontrol:3">2017-03-15T09:01:00</InformationStartDate><InformationEndDate xmlns="urn:riv:ehr:blocking:accesscontrol:3">2017-03-15T09:01:00</InformationEndDate><InformationCareUnitId xmlns="urn:riv:ehr:blocking:accesscontrol:3">SE5564323748101M</InformationCareUnitId><InformationCareProviderId xmlns="urn:riv:ehr:blocking:accesscontrol:3">SE5564323748100S</InformationCareProviderId><InformationType xmlns="urn:riv:ehr:blocking:accesscontrol:3">lak</InformationType><RowNumber xmlns="urn:riv:ehr:blocking:accesscontrol:3">1</RowNumber></InformationEntities></CheckBlocksRequest></s:Body></s:Envelope>` +
		"\n--uuid:2b0d9d3d-f8bf-4a78-b9ad-62e0996d1872+id=1--"
	vpMTOMText2 = "\n------=_Part_11_8757200.1571821395690\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\nContent-Transfer-Encoding: 8bit\nContent-ID: <rootpart@soapui.org>\n\n" +
		`<soapenv:envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:riv:infrastructure:itintegration:registry:2" xmlns:urn1="urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2">` + "\n" +
		"   <soapenv:Header>\n      <urn:LogicalAddress>HttpProducer</urn:LogicalAddress>\n   </soapenv:Header>\n   <soapenv:Body>\n      <urn1:GetSupportedServiceContracts>\n" +
		"         <urn1:serviceConsumerHsaId>5565594230</urn1:serviceConsumerHsaId>\n         <urn1:logicalAdress>5565594230</urn1:logicalAdress>\n      </urn1:GetSupportedServiceContracts>\n   </soapenv:Body>\n</soapenv:envelope>\n------=_Part_11_8757200.1571821395690--\n"
)

// TestVPMTOMIntegrationCases: VP's own MTOM integration test, sent to the
// gateway as VP's test consumer sends it: both calls are routed and reach
// the producer whole, and the producer's answer comes back.
func TestVPMTOMIntegrationCases(t *testing.T) {
	t.Parallel()
	p := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = io.WriteString(w, "<This worked!/>")
	})
	const checkBlocks = "urn:riv:ehr:blocking:accesscontrol:CheckBlocksResponder:3"
	const supported = "urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2"
	b := newBed(t, fill(`routes:
  - {receiver: HttpProducer, contract: "{{A}}", profile: RIVTABP21, address: "{{P}}/a"}
  - {receiver: HttpProducer, contract: "{{B}}", profile: RIVTABP21, address: "{{P}}/b"}
permissions:
  - {sender: "{{C}}", receiver: HttpProducer, contract: "{{A}}"}
  - {sender: "{{C}}", receiver: HttpProducer, contract: "{{B}}"}
`, "{{A}}", checkBlocks, "{{B}}", supported, "{{P}}", p.srv.URL, "{{C}}", consumerID))
	for _, tt := range []struct{ name, body, path string }{
		{"MTOM_TEXT_1", vpMTOMText1, "/a"},
		{"MTOM_TEXT_2", vpMTOMText2, "/b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post(t, b.client, HTTPS, []byte(tt.body), http.Header{"Content-Type": {vpMTOMContentType}})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assert.Equal(t, "<This worked!/>", string(r.body))
			got := p.last(t)
			assert.Equal(t, tt.path, got.path)
			assert.Equal(t, tt.body, string(got.body), "forwarded whole and unchanged")
			assert.Equal(t, vpMTOMContentType, got.header.Get("Content-Type"))
		})
	}
}

// TestCorrelationIDsOfPooledCalls: calls at once on several connections,
// forwarded and refused (a 404, whose head httpwire sends after the
// handler returned and its memory went back to the pool), each get their
// own correlation id back.
func TestCorrelationIDsOfPooledCalls(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	const workers, calls = 4, 25
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			errs <- func() error {
				for i := range calls {
					id := fmt.Sprintf("pooled-%d-%d", w, i)
					var req *http.Request
					if i%2 == 0 {
						req, _ = http.NewRequest(http.MethodGet, "https://"+vb.gw.Addr(HTTPS)+"/elsewhere", nil)
					} else {
						req, _ = http.NewRequest(http.MethodPost, vb.url(HTTPS), bytes.NewReader(sample(t, "Rivta21Request.xml", "")))
						req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
					}
					req.Header.Set(rivta.HeaderCorrelationID, id)
					resp, err := vb.client.Do(req)
					if err != nil {
						return err
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if got := resp.Header.Get(rivta.HeaderCorrelationID); got != id {
						return fmt.Errorf("call %s (status %d) answered with correlation id %q", id, resp.StatusCode, got)
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
}
