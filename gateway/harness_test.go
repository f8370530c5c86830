package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// The tests here start real gateways: real TLS on 127.0.0.1:0 with
// certificates made at test time, the real sniffer and the real catalogue
// (gateway/tak) read from TAK YAML, real producers on loopback that record
// what they got.

const (
	instanceName = "NTjP Test"
	instanceID   = "rivgate-test-1"
	consumerID   = "SE-CONSUMER-1"
	scheduleNS   = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
)

// sharedRivta is ../shared/rivta next to the repository.
func sharedRivta(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testutil.RepoRoot(t), "..", "shared", "rivta")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("test data missing: %s (../shared/rivta next to the repository root)", dir)
	}
	return dir
}

// sample reads one of VP's own test messages, optionally with another receiver.
func sample(t testing.TB, name, receiver string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedRivta(t), "samples", "skltp-vp", "testfiles", name))
	require.NoError(t, err)
	if receiver != "" {
		for _, old := range []string{">RIVTA20REQUEST<", ">RIVTA21REQUEST<"} {
			b = bytes.Replace(b, []byte(old), []byte(">"+receiver+"<"), 1)
		}
	}
	return b
}

// producer records what the gateway forwarded.
type producer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []recorded
	handler func(w http.ResponseWriter, r *http.Request, body []byte)
}

type recorded struct {
	header http.Header
	body   []byte
	path   string
	err    error // reading the body failed: the call was cut off
}

func newProducer(t testing.TB, h func(w http.ResponseWriter, r *http.Request, body []byte)) *producer {
	t.Helper()
	p := &producer{handler: h}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		p.mu.Lock()
		p.got = append(p.got, recorded{header: r.Header.Clone(), body: body, path: r.URL.RequestURI(), err: err})
		p.mu.Unlock()
		if err != nil {
			return // the call never arrived whole
		}
		if p.handler != nil {
			p.handler(w, r, body)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(okResponse)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *producer) last(t testing.TB) recorded {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NotEmpty(t, p.got, "producer got no call")
	return p.got[len(p.got)-1]
}

func (p *producer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

var okResponse = []byte(`<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:GetSubjectOfCareScheduleResponse xmlns:ns2="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"/></soap:Body></soap:Envelope>`)

// bed is one running gateway with its PKI and log.
type bed struct {
	t       testing.TB
	ca      *pki.CA
	dir     string
	cfg     *config.Config
	gw      *Gateway
	logs    *syncbuf.Buffer
	logTo   io.Writer    // where the exchange log goes instead of logs (benchmarks: a file)
	takPath string       // the TAK YAML file the gateway reads
	client  *http.Client // consumerID's certificate
}

type bedOpt func(b *bed)

// newBed writes takYAML (with producer URLs already in it), makes a PKI and
// starts a gateway with the HTTPS, HTTP and admin listeners on 127.0.0.1:0.
func newBed(t testing.TB, takYAML string, opts ...bedOpt) *bed {
	t.Helper()
	ca, err := pki.NewCA("gateway test CA")
	require.NoError(t, err)
	dir := t.TempDir()
	srv, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	certPath, keyPath, err := srv.WriteFiles(dir, "server")
	require.NoError(t, err)
	caPath := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caPath, ca.CertPEM, 0o644))
	takPath := filepath.Join(dir, "tak.yaml")
	if takYAML != "" { // "" leaves the file missing: nothing loads (VP008)
		require.NoError(t, os.WriteFile(takPath, []byte(takYAML), 0o644))
	}
	cfg := config.Default()
	cfg.Instance = config.Instance{Name: instanceName, ID: instanceID}
	// Addresses only: the listeners' timeouts and limits keep their defaults.
	cfg.Listen.HTTPS, cfg.Listen.HTTP, cfg.Listen.Admin, cfg.Listen.PathPrefix = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "/vp"
	cfg.TLS.Cert, cfg.TLS.Key, cfg.TLS.ClientCA = certPath, keyPath, caPath
	cfg.TAK.Files = []string{takPath}
	cfg.Producers.Timeout = yamlstrict.Duration(5 * time.Second)
	cfg.Producers.CA = caPath
	b := &bed{t: t, ca: ca, dir: dir, cfg: cfg, logs: &syncbuf.Buffer{}, takPath: takPath}
	for _, o := range opts {
		o(b)
	}
	var logTo io.Writer = b.logs
	if b.logTo != nil {
		logTo = b.logTo
	}
	gw, err := New(cfg, Deps{Logger: zerolog.New(logTo), Version: "test"})
	require.NoError(t, err)
	require.NoError(t, gw.Start(context.Background()))
	t.Cleanup(func() { _ = gw.Close() })
	b.gw = gw
	b.client = b.clientFor(t, consumerID)
	return b
}

func (b *bed) clientFor(t testing.TB, hsaID string) *http.Client {
	t.Helper()
	c, err := b.ca.IssueClient(hsaID, pki.Options{})
	require.NoError(t, err)
	return b.clientWith(c)
}

func (b *bed) clientWith(c *pki.Cert) *http.Client {
	cfg := &tls.Config{RootCAs: b.ca.Pool()}
	if c != nil {
		tc := c.TLSCertificate()
		cfg.Certificates = []tls.Certificate{tc}
	}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: 16}}
}

func (b *bed) url(listener string) string {
	scheme := "https"
	if listener != HTTPS {
		scheme = "http"
	}
	return scheme + "://" + b.gw.Addr(listener) + "/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21"
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (b *bed) post(t testing.TB, c *http.Client, listener string, body []byte, hdr http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url(listener), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: rb}
}

// fault parses a VP fault answer and checks what every VP fault shares:
// HTTP 500 (or 413 for an oversized body), text/xml; charset=UTF-8, a
// correlation id, the instance name in the faultstring.
func (r response) fault(t testing.TB) *vpfault.Parsed {
	t.Helper()
	p, err := vpfault.Parse(r.body)
	require.NoError(t, err, "not a SOAP fault: %s", r.body)
	require.Equal(t, vpfault.ContentType, r.header.Get("Content-Type"))
	require.NotEmpty(t, r.header.Get("x-skltp-correlation-id"), "correlation id on faults too")
	return p
}

// exchangeLine waits (at most 5 s) for the exchange log line of the call
// with this correlation id and decodes it: the gateway writes it just
// after the answer has gone out.
func exchangeLine(t testing.TB, logs *syncbuf.Buffer, correlationID string) map[string]any {
	t.Helper()
	return exchangeLineWithin(t, logs, correlationID, 5*time.Second)
}

// exchangeLineWithin is exchangeLine waiting at most limit: for calls
// whose end is itself what the test waits for.
func exchangeLineWithin(t testing.TB, logs *syncbuf.Buffer, correlationID string, limit time.Duration) map[string]any {
	t.Helper()
	var line map[string]any
	require.Eventually(t, func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"`+correlationID+`"`) && strings.Contains(l, `"message":"exchange"`) {
				return json.Unmarshal([]byte(l), &line) == nil
			}
		}
		return false
	}, limit, 5*time.Millisecond, "exchange line for %s", correlationID)
	return line
}

func closedAddr(t testing.TB) string {
	t.Helper()
	return testutil.RefusedAddr(t)
}

func fill(tpl string, kv ...string) string {
	return strings.NewReplacer(kv...).Replace(tpl)
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }
