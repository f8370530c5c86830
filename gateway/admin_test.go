package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

func adminGet(t *testing.T, b *bed, path string) (int, string) {
	t.Helper()
	return adminDo(t, b, http.MethodGet, path, nil)
}

// adminDo sends one request to the admin listener with the given headers
// ("Host" sets the Host header).
func adminDo(t *testing.T, b *bed, method, path string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+b.gw.Addr(Admin)+path, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestAdminEndpoints: /healthz, /readyz (503 until a catalogue is loaded,
// 200 after /resetcache loads one), /status JSON, /metrics with rivgate_*
// names that pass Prometheus' own lint.
func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t, func(b *bed) { b.cfg.TAK.Files = []string{filepath.Join(b.dir, "later.yaml")} })
	code, body := adminGet(t, vb.bed, "/healthz")
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok\n", body)
	code, _ = adminGet(t, vb.bed, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code, "no catalogue yet")
	code, body = adminDo(t, vb.bed, http.MethodPost, "/resetcache", nil)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, body, "later.yaml")
	assert.Contains(t, body, "FAILED")

	tak, err := os.ReadFile(vb.takPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(vb.cfg.TAK.Files[0], tak, 0o644))
	code, body = adminDo(t, vb.bed, http.MethodPost, "/resetcache", nil)
	assert.Equal(t, 200, code, body)
	var rep ReloadReport
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	assert.True(t, rep.Catalogue.OK)
	assert.Equal(t, "ok", rep.TLS)
	code, _ = adminGet(t, vb.bed, "/readyz")
	assert.Equal(t, 200, code)

	r := vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
	require.Equal(t, 200, r.status)
	r = vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", "NOPERM"), nil)
	require.Equal(t, 500, r.status)

	code, body = adminGet(t, vb.bed, "/status")
	require.Equal(t, 200, code)
	var st map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	assert.Equal(t, instanceName, st["name"])
	assert.Equal(t, "test", st["version"])
	assert.Equal(t, true, st["ready"])
	assert.Contains(t, st, "uptime_seconds")
	assert.Contains(t, st, "last_reload")
	assert.Contains(t, st, "tls")

	// The metrics of a call are written just after its answer went out.
	require.Eventually(t, func() bool {
		code, body = adminGet(t, vb.bed, "/metrics")
		return code == 200 && strings.Contains(body, "rivgate_gateway_in_flight_requests 0")
	}, 5*time.Second, 5*time.Millisecond)
	assert.Contains(t, body, `rivgate_gateway_requests_total{contract="`+scheduleNS+`",status="200",vp_code=""} 1`)
	assert.Contains(t, body, `rivgate_gateway_requests_total{contract="`+scheduleNS+`",status="500",vp_code="VP007"} 1`)
	assert.Contains(t, body, `rivgate_tak_reloads_total{result="failed"} 2`)
	assert.Contains(t, body, `rivgate_tak_reloads_total{result="ok"} 1`)
	assert.Contains(t, body, "rivgate_gateway_producer_duration_seconds_bucket")
	assert.Contains(t, body, "rivgate_tls_cert_not_after_seconds")
	for _, name := range regexp.MustCompile(`(?m)^# TYPE (\S+)`).FindAllStringSubmatch(body, -1) {
		assert.True(t, strings.HasPrefix(name[1], "rivgate_"), "metric %s", name[1])
	}
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestExchangeLog: one JSON line per exchange with the fields operators
// query, and client certificate headers never in it.
func TestExchangeLog(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	cons, err := vb.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	flat := strings.ReplaceAll(string(cons.CertPEM), "\n", " ")
	r := vb.post(t, http.DefaultClient, HTTP, sample(t, "Rivta21Request.xml", ""), http.Header{"X-Vp-Auth-Cert": {flat}, "X-Skltp-Correlation-Id": {"log-corr-1"}, "X-Forwarded-For": {"127.0.0.1"}})
	require.Equal(t, 200, r.status, string(r.body))
	line := exchangeLine(t, vb.logs, "log-corr-1")
	for k, want := range map[string]any{
		"message": "exchange", "correlation_id": "log-corr-1", "sender": consumerID, "receiver": "RIVTA21REQUEST",
		"contract": scheduleNS, "riv_profile": "RIVTABP21", "producer": vb.p21.srv.URL + "/producer21",
		"status": float64(200), "vp_code": "", "listener": HTTP, "forwarded_for": "127.0.0.1",
	} {
		assert.Equal(t, want, line[k], k)
	}
	for _, k := range []string{"total_ms", "producer_ms", "routing_trace", "auth_trace"} {
		assert.Contains(t, line, k)
	}
	assert.NotEmpty(t, line["routing_trace"])
	assert.NotContains(t, vb.logs.String(), "BEGIN CERTIFICATE")
	assert.NotContains(t, vb.logs.String(), flat[30:80])
}

// TestReloadSwapsCertificatesAndCatalogue: new server certificate on the
// next handshake and a changed catalogue after Reload, no restart.
func TestReloadSwapsCertificatesAndCatalogue(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	r := vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", "NEWRECV"), nil)
	assert.Equal(t, "VP004", r.fault(t).Code.String())

	next, err := vb.ca.IssueServer(pki.Options{CommonName: "renewed server"})
	require.NoError(t, err)
	_, _, err = next.WriteFiles(vb.dir, "server")
	require.NoError(t, err)
	y, err := os.ReadFile(vb.takPath)
	require.NoError(t, err)
	y = append(y, []byte("  - {sender: "+consumerID+", receiver: NEWRECV, contract: \""+scheduleNS+"\"}\n")...)
	y = []byte(strings.Replace(string(y), "routes:\n", "routes:\n  - {receiver: NEWRECV, contract: \""+scheduleNS+"\", profile: RIVTABP21, address: \""+vb.p21.srv.URL+"/new\"}\n", 1))
	require.NoError(t, os.WriteFile(vb.takPath, y, 0o644))
	rep := vb.gw.Reload(t.Context())
	require.True(t, rep.Catalogue.OK, rep.Catalogue.Message)
	require.Equal(t, "ok", rep.TLS)

	fresh := vb.clientFor(t, consumerID)
	resp, err := fresh.Get("https://" + vb.gw.Addr() + "/vp/x?wsdl")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "renewed server", resp.TLS.PeerCertificates[0].Subject.CommonName)
	r = vb.post(t, fresh, HTTPS, sample(t, "Rivta21Request.xml", "NEWRECV"), nil)
	assert.Equal(t, 200, r.status, string(r.body))
	assert.Equal(t, "/new", vb.p21.last(t).path)

	// A broken key keeps the old certificate.
	require.NoError(t, os.WriteFile(filepath.Join(vb.dir, "server.key"), []byte("broken"), 0o600))
	rep = vb.gw.Reload(t.Context())
	assert.Contains(t, rep.TLS, "failed, old certificates kept")
	r = vb.post(t, vb.clientFor(t, consumerID), HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
	assert.Equal(t, 200, r.status)
}

// TestShutdownDrainsInFlight: a call in progress when Shutdown starts is
// answered; new connections are refused.
func TestShutdownDrainsInFlight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		<-release
		_, _ = w.Write(okResponse)
	})
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", slow.srv.URL, "{{P21}}", slow.srv.URL, "{{DEAD}}", closedAddr(t), "{{C}}", consumerID)
	b := newBed(t, y)
	done := make(chan response, 1)
	go func() { done <- b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil) }()
	require.Eventually(t, func() bool { return slow.count() == 1 }, 5*time.Second, 10*time.Millisecond)
	shut := make(chan error, 1)
	go func() { shut <- b.gw.Shutdown(t.Context()) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	r := <-done
	assert.Equal(t, 200, r.status)
	require.NoError(t, <-shut)
	_, err := http.Get("http://" + b.cfg.Listen.Admin)
	assert.Error(t, err)
}

// TestCloseEndsCallsWaitingOnProducers: Close cancels a call that waits
// on a producer through the consumer connection's context, which closes
// the producer connection at once (httpwire's AfterGone hook, no
// AfterFunc per call), not after the producer timeout.
func TestCloseEndsCallsWaitingOnProducers(t *testing.T) {
	t.Parallel()
	producerSawClose := make(chan struct{})
	stuck := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		select {
		case <-r.Context().Done(): // the gateway closed the connection
			close(producerSawClose)
		case <-time.After(time.Minute):
		}
	})
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", stuck.srv.URL, "{{P21}}", stuck.srv.URL, "{{DEAD}}", closedAddr(t), "{{C}}", consumerID)
	// The producer timeout would end the call too: far beyond the waits below.
	b := newBed(t, y, func(b *bed) { b.cfg.Producers.Timeout = yamlstrict.Duration(time.Minute) })
	done := make(chan error, 1)
	go func() {
		resp, err := b.client.Post(b.url(HTTPS), "text/xml; charset=UTF-8", bytes.NewReader(sample(t, "Rivta21Request.xml", "")))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return stuck.count() == 1 }, 5*time.Second, 10*time.Millisecond)
	go func() { _ = b.gw.Close() }()
	select {
	case <-producerSawClose:
	case <-time.After(20 * time.Second):
		t.Fatal("the producer connection stayed open after Close")
	}
	select {
	case err := <-done:
		assert.Error(t, err, "the consumer's connection ends without an answer")
	case <-time.After(20 * time.Second):
		t.Fatal("the consumer's call did not end after Close")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	b := newBed(t, "routes: []\n")
	cfg := *b.cfg
	cfg.TLS.ClientCA = filepath.Join(b.dir, "missing.pem")
	_, err := New(&cfg, Deps{Logger: zerolog.Nop()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.pem")
}
