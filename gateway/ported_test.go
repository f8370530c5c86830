package gateway

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
)

// Cases ported from VP's integration tests (reference §6 A) and Inera's
// SoapUI platform suite (§6 B) that the other test files do not cover.

const (
	stdNS  = "urn:riv:test:StandardResponder:1" // default route and permission cases
	stdNS2 = "urn:riv:test:NoDefaultPermResponder:1"
	vgveNS = "urn:riv:test:DefaultRoutingResponder:1"
)

func env21(ns, receiver string) []byte {
	return []byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">` +
		receiver + `</LogicalAddress></soapenv:Header><soapenv:Body><ns:Req xmlns:ns="` + ns + `"/></soapenv:Body></soapenv:Envelope>`)
}

const takPorted = `
routes:
  - {receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/exact"}
  - {receiver: WSDLQUERY, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/vardgivare-b/tjanst2/?wsdl"}
  - {receiver: FAULTY, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/fault"}
  - {receiver: HISTORY, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/history"}
  - {receiver: "*", contract: "{{STD}}", profile: RIVTABP21, address: "{{P}}/default-route"}
  - {receiver: EXPLICIT, contract: "{{STD}}", profile: RIVTABP21, address: "{{P}}/explicit-route"}
  - {receiver: "*", contract: "{{STD2}}", profile: RIVTABP21, address: "{{P}}/default-route-2"}
  - {receiver: VE-1, contract: "{{VGVE}}", profile: RIVTABP21, address: "{{P}}/ve"}
  - {receiver: VG-1, contract: "{{VGVE}}", profile: RIVTABP21, address: "{{P}}/vg"}
permissions:
  - {sender: "{{C}}", receiver: RIVTA21REQUEST, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: WSDLQUERY, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: FAULTY, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: HISTORY, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: "*", contract: "{{STD}}"}
  - {sender: "{{C}}", receiver: ONLY-EXPLICIT, contract: "{{STD2}}"}
  - {sender: "{{C}}", receiver: VE-1, contract: "{{VGVE}}"}
  - {sender: "{{C}}", receiver: VG-1, contract: "{{VGVE}}"}
`

func newPortedBed(t *testing.T) (*bed, *producer) {
	t.Helper()
	p := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case "/fault":
			w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Producer says no</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
		case "/history":
			w.Header().Set("x-rivta-routing-history", "FROM-PRODUCER#xyz")
			_, _ = w.Write(okResponse)
		default:
			_, _ = w.Write(okResponse)
		}
	})
	y := fill(takPorted, "{{NS}}", scheduleNS, "{{STD}}", stdNS, "{{STD2}}", stdNS2, "{{VGVE}}", vgveNS, "{{P}}", p.srv.URL, "{{C}}", consumerID)
	return newBed(t, y), p
}

func TestPortedRoutingCases(t *testing.T) {
	t.Parallel()
	b, p := newPortedBed(t)
	tests := []struct {
		name     string
		body     []byte
		wantPath string       // producer path for a routed call
		code     vpfault.Code // expected fault otherwise
		detail   string
	}{
		// FullServiceErrorHandlingIT.shouldGetVP004WhenReceiverStartsWithWhitespace
		{name: "VP004 leading whitespace", body: sample(t, "Rivta21Request.xml", " RIVTA21REQUEST"), code: vpfault.VP004,
			detail: "No receiverId (logical address) found for serviceNamespace: " + scheduleNS + ", receiverId:  RIVTA21REQUEST. Whitespace detected in incoming request!"},
		// SoapUI "Producent med HSAId i gemener" / VirtualiseringsInfoMapTest: case-insensitive keys
		{name: "receiver in lower case", body: sample(t, "Rivta21Request.xml", "rivta21request"), wantPath: "/exact"},
		// FullServiceTestIT.testVagvalContainingWsdlQuery: the address's query is kept
		{name: "TAK address with ?wsdl query", body: sample(t, "Rivta21Request.xml", "WSDLQUERY"), wantPath: "/vardgivare-b/tjanst2/?wsdl"},
		// FullServiceStandardVagvalIT: default permission + default route
		{name: "default permission and default route", body: env21(stdNS, "ANY-RECEIVER"), wantPath: "/default-route"},
		// FullServiceStandardVagvalIT: default permission + explicit route
		{name: "default permission and explicit route", body: env21(stdNS, "EXPLICIT"), wantPath: "/explicit-route"},
		// FullServiceStandardVagvalIT.testDefaultVagvalButNoDefaultBehorighetShouldGiveVP007
		{name: "default route without default permission", body: env21(stdNS2, "ANY-RECEIVER"), code: vpfault.VP007,
			detail: "Authorization missing for serviceNamespace: " + stdNS2 + ", receiverId: ANY-RECEIVER, senderId: " + consumerID},
		// FullServiceDefaultVagvalIT: VG#VE tries the rightmost token first
		{name: "VG#VE routes on VE first", body: env21(vgveNS, "VG-1#VE-1"), wantPath: "/ve"},
		{name: "VG#VE falls back to VG", body: env21(vgveNS, "VG-1#VE-UNKNOWN"), wantPath: "/vg"},
		// FullServiceDefaultVagvalIT: three tokens give VP007
		{name: "three tokens give VP007", body: env21(vgveNS, "X#VG-1#VE-1"), code: vpfault.VP007},
		// SoapUI 2.1.1 "unknown service": a contract nobody routes
		{name: "unknown contract", body: env21("urn:riv:test:NobodyResponder:1", "RIVTA21REQUEST"), code: vpfault.VP004,
			detail: "No receiverId (logical address) found for serviceNamespace: urn:riv:test:NobodyResponder:1, receiverId: RIVTA21REQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post(t, b.client, HTTPS, tt.body, nil)
			if tt.wantPath != "" {
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				assert.Equal(t, tt.wantPath, p.last(t).path)
				return
			}
			assert.Equal(t, http.StatusInternalServerError, r.status)
			f := r.fault(t)
			assert.Equal(t, tt.code, f.Code, f.DetailString)
			if tt.detail != "" {
				assert.Equal(t, tt.detail, f.DetailString)
			}
		})
	}
}

// TestPortedResponseCases: producer SOAP fault passed with 500 (SoapUI
// 2.10.1, FullServiceErrorHandlingIT), a producer's routing-history header
// returned as is (HttpResponseHeadersIT.testRoutingHistory), a path outside
// /vp is 404 (SoapUI 2.1.2).
func TestPortedResponseCases(t *testing.T) {
	t.Parallel()
	b, _ := newPortedBed(t)
	r := b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", "FAULTY"), nil)
	assert.Equal(t, http.StatusInternalServerError, r.status)
	f := r.fault(t)
	assert.Equal(t, "soap:Server", f.FaultCode)
	assert.Equal(t, "Producer says no", f.FaultString)
	assert.False(t, f.IsVP())

	r = b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", "HISTORY"), nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "FROM-PRODUCER#xyz", r.header.Get("x-rivta-routing-history"))

	resp, err := b.client.Post("https://"+b.gw.Addr()+"/other", "text/xml", strings.NewReader(string(sample(t, "Rivta21Request.xml", ""))))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestPortedKeepAlive ports the Mule-era VpFullKeepAliveAndHttpHeaderServiceTest:
// HTTP/1.0 and 1.1, keep-alive and close, x-skltp-prt on 200 and on 500
// (VP004), over the plain listener with a raw client.
func TestPortedKeepAlive(t *testing.T) {
	t.Parallel()
	b, _ := newPortedBed(t)
	cons, err := b.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	certHeader := strings.ReplaceAll(string(cons.CertPEM), "\n", " ")
	tests := []struct {
		name, proto, conn, receiver string
		status                      int
		closed                      bool
	}{
		{"1.1 keep-alive 200", "HTTP/1.1", "keep-alive", "RIVTA21REQUEST", 200, false},
		{"1.1 close 200", "HTTP/1.1", "close", "RIVTA21REQUEST", 200, true},
		{"1.0 keep-alive 200", "HTTP/1.0", "keep-alive", "RIVTA21REQUEST", 200, false},
		{"1.0 close 500", "HTTP/1.0", "", "UNKNOWN", 500, true},
		{"1.1 keep-alive 500", "HTTP/1.1", "keep-alive", "UNKNOWN", 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.DialTimeout("tcp", b.gw.Addr(HTTP), 5*time.Second)
			require.NoError(t, err)
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			body := sample(t, "Rivta21Request.xml", tt.receiver)
			fmt.Fprintf(c, "POST /vp/x %s\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nx-vp-auth-cert: %s\r\n", tt.proto, len(body), certHeader)
			if tt.conn != "" {
				fmt.Fprintf(c, "Connection: %s\r\n", tt.conn)
			}
			fmt.Fprintf(c, "\r\n%s", body)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("x-skltp-correlation-id"))
			if tt.status == 200 {
				assert.NotEmpty(t, resp.Header.Get("x-skltp-prt"))
			}
			_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			_, rerr := br.ReadByte()
			if tt.closed {
				assert.ErrorIs(t, rerr, io.EOF, "connection closed")
			} else {
				var ne net.Error
				assert.ErrorAs(t, rerr, &ne, "connection kept open")
			}
		})
	}
}

// TestPortedHTTPToHTTPSProducer: FullServiceTestIT.callHttpVPEndpoint2HttpsProducerHappyDays:
// a call on the plain listener goes to an https producer with the
// gateway's client certificate; x-vp-* are not sent to it (SKLTP-707).
func TestPortedHTTPToHTTPSProducer(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("producer side")
	require.NoError(t, err)
	var got http.Header
	ps := newTLSProducer(t, ca, func(h http.Header) { got = h })
	y := fill(`
routes:
  - {receiver: TLSPROD, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/secure"}
permissions:
  - {sender: "{{C}}", receiver: TLSPROD, contract: "{{NS}}"}
`, "{{NS}}", scheduleNS, "{{P}}", ps, "{{C}}", consumerID)
	b := newBed(t, y, func(b *bed) {
		gwCert, err := ca.IssueClient("SE-GATEWAY", pki.Options{})
		require.NoError(t, err)
		cp, kp, err := gwCert.WriteFiles(b.dir, "gateway-client")
		require.NoError(t, err)
		b.cfg.Producers.Cert, b.cfg.Producers.Key = cp, kp
		caPath := b.dir + "/producer-ca.pem"
		require.NoError(t, writeFile(caPath, ca.CertPEM))
		b.cfg.Producers.CA = caPath
		b.cfg.HTTP.InternalSecret = "0123456789abcdef-secret"
	})
	r := b.post(t, http.DefaultClient, HTTP, sample(t, "Rivta21Request.xml", "TLSPROD"),
		http.Header{"X-Vp-Sender-Id": {consumerID}, "X-Vp-Instance-Id": {"0123456789abcdef-secret"}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Empty(t, got.Get("x-vp-sender-id"))
	assert.Empty(t, got.Get("x-vp-instance-id"))
	assert.Equal(t, consumerID, got.Get("x-rivta-original-serviceconsumer-hsaid"))
}

// TestPortedUTF16Request: FullServiceTestIT.callHttpsVPEndpointUTF16*: a
// real UTF-16 request is routed; rivgate forwards its bytes unchanged
// (VP converts to UTF-8; see docs/differences-from-vp.md).
func TestPortedUTF16Request(t *testing.T) {
	t.Parallel()
	b, p := newPortedBed(t)
	utf8 := strings.Replace(string(sample(t, "Rivta21Request.xml", "")), "encoding='UTF-8'", "encoding='UTF-16'", 1)
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(utf8)
	require.NoError(t, err)
	r := b.post(t, b.client, HTTPS, []byte(u16), http.Header{"Content-Type": {"text/xml; charset=UTF-16"}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, u16, string(p.last(t).body))
	assert.Equal(t, "/exact", p.last(t).path)
}

func newTLSProducer(t *testing.T, ca *pki.CA, record func(http.Header)) string {
	t.Helper()
	sc, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{sc.TLSCertificate()}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool(),
	})
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		record(r.Header.Clone())
		_, _ = w.Write(okResponse)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "https://localhost:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}
