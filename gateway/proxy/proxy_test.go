package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

const soapFault = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>producer says no</faultstring></soap:Fault></soap:Body></soap:Envelope>`

type recorded struct {
	header http.Header
	body   string
	n      atomic.Int32
}

func producer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *recorded) {
	t.Helper()
	rec := &recorded{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.n.Add(1)
		b, _ := io.ReadAll(r.Body)
		rec.header, rec.body = r.Header.Clone(), string(b)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s, rec
}

func forward(t *testing.T, f *Forwarder, target string, body string, hdr http.Header, timeout time.Duration) (*httptest.ResponseRecorder, *Exchange) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	in := httptest.NewRequest(http.MethodPost, "/vp/x", strings.NewReader(body))
	for k, v := range hdr {
		in.Header[k] = v
	}
	x := &Exchange{
		Target: u, Body: in.Body, ContentLength: int64(len(body)), Timeout: timeout, Instance: "NTjP Test",
		Headers: OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1",
			OriginalConsumer: "SE-CONS", RoutingHistory: "SE-CONS#rivgate-1", UserAgent: "rivgate/test", CertHeader: "x-vp-auth-cert", CorrelationToHTTPS: true},
	}
	w := httptest.NewRecorder()
	f.Forward(w, in.Context(), in.Header, x)
	return w, x
}

func parseFault(t *testing.T, w *httptest.ResponseRecorder) *vpfault.Parsed {
	t.Helper()
	p, err := vpfault.Parse(w.Body.Bytes())
	require.NoError(t, err, w.Body.String())
	return p
}

// TestProducerOutcomes ports VP's producer-error cases (ErrorInResponseTest,
// FullServiceErrorHandlingIT, ProducerErrorsIT): 200 and SOAP-fault 500 pass
// through, everything else is VP009 with VP's detail text.
func TestProducerOutcomes(t *testing.T) {
	t.Parallel()
	tr := NewTransport(TransportOptions{Retry: true})
	f := NewForwarder(tr, 1<<20, nil)
	tests := []struct {
		name       string
		handler    func(w http.ResponseWriter, r *http.Request)
		wantStatus int
		wantBody   string
		wantDetail string // substring of detailString; "" = no fault
	}{
		{"200 passes unchanged", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<ok/>") }, 200, "<ok/>", ""},
		{"200 non-SOAP passes unchanged", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "plain text") }, 200, "plain text", ""},
		{"500 SOAP fault passes", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500); _, _ = io.WriteString(w, soapFault) }, 500, soapFault, ""},
		{"500 non-SOAP is VP009", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500); _, _ = io.WriteString(w, "boom") }, 500, "", "VP_PRODUCER_EXCEPTION_HTTP_STATUS=500"},
		{"404 is VP009 with status", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, 500, "", "with statusCode: 404)\nVP_PRODUCER_EXCEPTION_HTTP_STATUS=404"},
		{"503 is VP009 with status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, 500, "", "VP_PRODUCER_EXCEPTION_HTTP_STATUS=503"},
		{"empty 200 is VP009", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }, 500, "", "Empty message when server responded with status code: 200 OK"},
		{"empty chunked 200 is VP009", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
		}, 500, "", "Empty message when server responded with status code: 200 OK"},
		{"too large response is VP009", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2000000")
			_, _ = w.Write(make([]byte, 2000000))
		}, 500, "", "exceeds limits.max_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _ := producer(t, tt.handler)
			w, x := forward(t, f, p.URL+"/svc?wsdl=no", "<req/>", nil, 5*time.Second)
			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, "corr-1", w.Header().Get("x-skltp-correlation-id"))
			if tt.wantDetail == "" {
				assert.Equal(t, tt.wantBody, w.Body.String())
				assert.Nil(t, x.Fault)
				assert.NotEmpty(t, w.Header().Get("x-skltp-prt"))
				return
			}
			pf := parseFault(t, w)
			assert.Equal(t, vpfault.VP009, pf.Code)
			assert.Equal(t, "SOAP-ENV:Server", pf.FaultCode)
			assert.Equal(t, "VP009 [NTjP Test] Fel vid kontakt med tjänsteproducenten.", pf.FaultString)
			assert.True(t, strings.HasPrefix(pf.DetailString, "Error connecting to service producer at address "+p.URL+"/svc?wsdl=no. "), pf.DetailString)
			assert.Contains(t, pf.DetailString, tt.wantDetail)
		})
	}
}

func TestHeadersToHTTPProducer(t *testing.T) {
	t.Parallel()
	f := NewForwarder(NewTransport(TransportOptions{}), 0, nil)
	p, rec := producer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("SOAPAction", "leak")
		w.Header().Set("MULE_X", "leak")
		w.Header().Set("x-custom", "kept")
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, "<ok/>")
	})
	in := http.Header{
		"Soapaction":                  {`"urn:x"`},
		"X-Rivta-Acting-On-Behalf-Of": {"SE-ACT"},
		"X-Vp-Sender-Id":              {"SPOOF"},
		"X-Vp-Auth-Cert":              {"CERT"},
		"X-Forwarded-For":             {"1.2.3.4"},
		"Accept-Encoding":             {"gzip"},
		"Mule_session":                {"x"},
	}
	w, _ := forward(t, f, p.URL, "<req/>", in, 5*time.Second)
	require.Equal(t, 200, w.Code)
	h := rec.header
	assert.Equal(t, `"urn:x"`, h.Get("SOAPAction"))
	assert.Equal(t, "SE-ACT", h.Get("x-rivta-acting-on-behalf-of"))
	assert.Equal(t, "SE-CONS", h.Get("x-vp-sender-id"), "set by the gateway, not the caller's")
	assert.Equal(t, "rivgate-1", h.Get("x-vp-instance-id"))
	assert.Equal(t, "corr-1", h.Get("x-skltp-correlation-id"))
	assert.Equal(t, "SE-CONS", h.Get("x-rivta-original-serviceconsumer-hsaid"))
	assert.Equal(t, "SE-CONS#rivgate-1", h.Get("x-rivta-routing-history"))
	assert.Equal(t, "rivgate/test", h.Get("User-Agent"))
	assert.Equal(t, DefaultContentType, h.Get("Content-Type"))
	for _, gone := range []string{"x-vp-auth-cert", "X-Forwarded-For", "Accept-Encoding", "Mule_session"} {
		assert.Empty(t, h.Get(gone), gone)
	}
	assert.Equal(t, "<req/>", rec.body)
	assert.Empty(t, w.Header().Get("SOAPAction"))
	assert.Empty(t, w.Header().Get("MULE_X"))
	assert.Equal(t, "kept", w.Header().Get("x-custom"))
	assert.Equal(t, DefaultContentType, w.Header().Get("Content-Type"))
}

type httpsProducer struct {
	url string
	rec *recorded
	ca  *pki.CA
	cli *pki.Cert
}

func newHTTPSProducer(t *testing.T, serverOpts pki.Options) *httpsProducer {
	t.Helper()
	ca, err := pki.NewCA("producer CA")
	require.NoError(t, err)
	sc, err := ca.IssueServer(serverOpts)
	require.NoError(t, err)
	gw, err := ca.IssueClient("SE-GATEWAY", pki.Options{})
	require.NoError(t, err)
	rec := &recorded{}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.n.Add(1)
		b, _ := io.ReadAll(r.Body)
		rec.header, rec.body = r.Header.Clone(), string(b)
		_, _ = io.WriteString(w, "<ok/>")
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{sc.TLSCertificate()}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}
	s.StartTLS()
	t.Cleanup(s.Close)
	return &httpsProducer{url: s.URL, rec: rec, ca: ca, cli: gw}
}

// TestHTTPSProducer: client certificate presented, hostname verified by
// default (VP's default is off), x-vp-* never sent over https.
func TestHTTPSProducer(t *testing.T) {
	t.Parallel()
	hp := newHTTPSProducer(t, pki.Options{})
	cert := hp.cli.TLSCertificate()
	f := NewForwarder(NewTransport(TransportOptions{TLS: TLSSettings{RootCAs: hp.ca.Pool(), ClientCert: &cert, VerifyHostname: true}}), 0, nil)
	w, _ := forward(t, f, hp.url, "<req/>", http.Header{"X-Vp-Instance-Id": {"x"}}, 5*time.Second)
	require.Equal(t, 200, w.Code, w.Body.String())
	assert.Empty(t, hp.rec.header.Get("x-vp-sender-id"))
	assert.Empty(t, hp.rec.header.Get("x-vp-instance-id"))
	assert.Equal(t, "corr-1", hp.rec.header.Get("x-skltp-correlation-id"))

	wrongName := newHTTPSProducer(t, pki.Options{DNSNames: []string{"producer.example"}, IPAddresses: []net.IP{net.ParseIP("10.9.9.9")}})
	wc := wrongName.cli.TLSCertificate()
	strict := NewForwarder(NewTransport(TransportOptions{TLS: TLSSettings{RootCAs: wrongName.ca.Pool(), ClientCert: &wc, VerifyHostname: true}}), 0, nil)
	w, _ = forward(t, strict, wrongName.url, "<req/>", nil, 5*time.Second)
	pf := parseFault(t, w)
	assert.Equal(t, vpfault.VP009, pf.Code)
	assert.Contains(t, pf.DetailString, "SSLHandshakeException")
	assert.EqualValues(t, 0, wrongName.rec.n.Load())

	lax := NewForwarder(NewTransport(TransportOptions{TLS: TLSSettings{RootCAs: wrongName.ca.Pool(), ClientCert: &wc, VerifyHostname: false}}), 0, nil)
	w, _ = forward(t, lax, wrongName.url, "<req/>", nil, 5*time.Second)
	assert.Equal(t, 200, w.Code, "verify_hostname: false still verifies the chain, not the name")

	unknown := NewForwarder(NewTransport(TransportOptions{TLS: TLSSettings{ClientCert: &wc, VerifyHostname: false}}), 0, nil)
	w, _ = forward(t, unknown, wrongName.url, "<req/>", nil, 5*time.Second)
	assert.Contains(t, parseFault(t, w).DetailString, "SSLHandshakeException")
}

// TestRetryOnlyWhenNothingWasSent guards VP's retry (one, after a connect
// failure) without VP's defect of re-sending a call the producer got.
func TestRetryOnlyWhenNothingWasSent(t *testing.T) {
	t.Parallel()
	p, rec := producer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<ok/>") })
	tests := []struct {
		name      string
		retry     bool
		failDials int32
		wantCode  int
		wantDials int32
	}{
		{"one failed connect is retried", true, 1, 200, 2},
		{"two failed connects give VP009", true, 2, 500, 2},
		{"retry off", false, 1, 500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dials atomic.Int32
			tr := &Transport{dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) <= tt.failDials {
					return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}
			tr.Replace(TransportOptions{Retry: tt.retry})
			f := NewForwarder(tr, 0, nil)
			w, _ := forward(t, f, p.URL, "<req>post body</req>", nil, 5*time.Second)
			assert.Equal(t, tt.wantCode, w.Code)
			assert.Equal(t, tt.wantDials, dials.Load())
			if tt.wantCode == 200 {
				assert.Equal(t, "<req>post body</req>", rec.body, "the retried call carries the whole body")
			} else {
				assert.Contains(t, parseFault(t, w).DetailString, "ConnectException")
			}
		})
	}
}

// TestResetAfterSendIsNotRetried: a producer that reads the call and drops
// the connection must not get it twice.
func TestResetAfterSendIsNotRetried(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
		}
	}))
	t.Cleanup(p.Close)
	f := NewForwarder(NewTransport(TransportOptions{Retry: true}), 0, nil)
	w, _ := forward(t, f, p.URL, "<req/>", nil, 5*time.Second)
	pf := parseFault(t, w)
	assert.Equal(t, vpfault.VP009, pf.Code)
	assert.EqualValues(t, 1, calls.Load())
}

func TestConnectRefusedIsVP009(t *testing.T) {
	t.Parallel()
	addr := testutil.RefusedAddr(t)
	f := NewForwarder(NewTransport(TransportOptions{Retry: true}), 0, nil)
	w, _ := forward(t, f, "http://"+addr+"/svc", "<req/>", nil, 5*time.Second)
	pf := parseFault(t, w)
	assert.Equal(t, vpfault.VP009, pf.Code)
	assert.Contains(t, pf.DetailString, "(ConnectException: Connection refused: "+addr+")")
}

// TestTimeoutIsWithoutProgress: a producer silent for longer than the
// timeout gives VP009 with VP's timeout text; one that trickles its
// response within the timeout per chunk is not cut off.
func TestTimeoutIsWithoutProgress(t *testing.T) {
	t.Parallel()
	f := NewForwarder(NewTransport(TransportOptions{}), 0, nil)
	slow, _ := producer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	w, x := forward(t, f, slow.URL, "<req/>", nil, 200*time.Millisecond)
	pf := parseFault(t, w)
	assert.Equal(t, vpfault.VP009, pf.Code)
	assert.Contains(t, pf.DetailString, "(TimeoutException: Timeout when waiting on response from producer.)")
	assert.False(t, x.Canceled)

	trickle, _ := producer(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 5; i++ {
			_, _ = io.WriteString(w, "<x/>")
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	})
	w, _ = forward(t, f, trickle.URL, "<req/>", nil, 300*time.Millisecond)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, strings.Repeat("<x/>", 5), w.Body.String())
}

func TestOutboundHeadersHTTPSWithoutCorrelation(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-Skltp-Correlation-Id": {"in"}}
	o := &OutboundHeaders{CorrelationID: "c", CorrelationToHTTPS: false}
	o.Apply(h, true)
	assert.Empty(t, h.Get("x-skltp-correlation-id"))
	assert.Empty(t, h.Get("x-vp-sender-id"))
}

// TestTLSProfileChoice: which TLS settings a producer address gets. Every
// criterion a match gives must hold; a domain suffix matches the domain
// and names under it, never a name that merely ends in the same letters;
// the first profile that matches wins; plain http has none.
func TestTLSProfileChoice(t *testing.T) {
	t.Parallel()
	o := TransportOptions{Profiles: []TLSProfile{
		{Name: "exact", Match: TLSMatch{Host: "Prod.Example.SE"}},
		{Name: "suffix-port", Match: TLSMatch{DomainSuffix: ".example.se", Port: 8443}},
		{Name: "suffix", Match: TLSMatch{DomainSuffix: "example.se"}},
		{Name: "port", Match: TLSMatch{Port: 9443}},
		{Name: "ip", Match: TLSMatch{Host: "10.1.2.3", Port: 443}},
		{Name: "never", Match: TLSMatch{}},
	}}
	tests := []struct{ url, want string }{
		{"https://prod.example.se/x", "exact"},
		{"https://prod.example.se:8443/x", "exact"},
		{"https://a.example.se:8443/x", "suffix-port"},
		{"https://a.b.example.se/x", "suffix"},
		{"https://example.se/x", "suffix"},
		{"https://example.se./x", "suffix"},
		{"https://badexample.se/x", DefaultProfile},
		{"https://other.org:9443/x", "port"},
		{"https://10.1.2.3/x", "ip"},
		{"https://10.1.2.3:444/x", DefaultProfile},
		{"HTTPS://elsewhere.org/x", DefaultProfile},
		{"http://prod.example.se/x", ""},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		require.NoError(t, err)
		assert.Equal(t, tt.want, o.ProfileFor(u), tt.url)
	}
}
