package record

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

const request = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" xmlns:gv="urn:riv:demo:clinic:GetVisitsResponder:1" xmlns:core="urn:riv:demo:clinic:1">
  <soapenv:Header><itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress></soapenv:Header>
  <soapenv:Body><gv:GetVisits><gv:patientId><core:id>PATIENT</core:id><core:type>1.2.752.129.2.1.3.1</core:type></gv:patientId></gv:GetVisits></soapenv:Body>
</soapenv:Envelope>`

// patients are test personnummer (valid check digits) the producer and
// consumer exchange; none may reach the recorded files.
var patients = []string{"191212121212", "197001022388", "194107086995"}

// TestRecordThenReplay records a consumer talking to a producer through
// the recording proxy (mTLS on both sides), checks that no personnummer or
// name reached the written files, then replays the written suite with the
// harness against the same consumer and expects a passing run.
func TestRecordThenReplay(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("record test CA")
	if err != nil {
		t.Fatal(err)
	}
	serverCert, _ := ca.IssueServer(pki.Options{})
	consumerCert, _ := ca.IssueClient("SE2321000016-DEMOCONS", pki.Options{})
	recorderCert, _ := ca.IssueClient("SE2321000016-RECORDER", pki.Options{})
	okResp, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	if err != nil {
		t.Fatal(err)
	}

	// The producer answers with the patient's visits, names included.
	producer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "no client certificate", http.StatusForbidden)
			return
		}
		pat := patients[0]
		for _, p := range patients {
			if bytes.Contains(body, []byte(p)) {
				pat = p
			}
		}
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(bytes.ReplaceAll(okResp, []byte("191212121212"), []byte(pat)))
	}))
	producer.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert.TLSCertificate()}, ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
	producer.StartTLS()
	t.Cleanup(producer.Close)

	out := t.TempDir()
	rec, err := New(Options{
		Upstream:    producer.URL,
		ServerTLS:   &tls.Config{Certificates: []tls.Certificate{serverCert.TLSCertificate()}, ClientCAs: ca.Pool()},
		UpstreamTLS: &tls.Config{Certificates: []tls.Certificate{recorderCert.TLSCertificate()}, RootCAs: ca.Pool()},
		Out:         out,
		Contracts:   filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rec.Start(ctx); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{consumerCert.TLSCertificate()}, RootCAs: ca.Pool()}}}
	// call is also run from the harness's hook goroutine: it reports with
	// t.Error, never t.Fatal.
	call := func(ctx context.Context, url, patient string) []byte {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(strings.Replace(request, "PATIENT", patient, 1)))
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("HTTP %d: %s", resp.StatusCode, b)
		}
		return b
	}
	for _, p := range patients {
		got := call(ctx, "https://"+rec.Addr()+"/", p)
		// The consumer sees the producer's real answer, unscrubbed.
		if !bytes.Contains(got, []byte(p)) || !bytes.Contains(got, []byte("Tolvan")) {
			t.Fatalf("proxy changed the live answer: %s", got)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	// No personnummer and no name in anything written.
	files := 0
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, pat := range patients {
			if bytes.Contains(b, []byte(pat)) || bytes.Contains(b, []byte(pat[2:])) {
				t.Errorf("%s holds personnummer %s", p, pat)
			}
		}
		if bytes.Contains(b, []byte("Tolvan")) {
			t.Errorf("%s holds a name", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3*5+2 { // per exchange: sidecar, 2 bodies, request, response; plus suite and scenario
		t.Fatalf("only %d files written", files)
	}

	// Replay: the written skeleton is a suite the harness runs.
	suite, err := scenario.LoadDir(out)
	if err != nil {
		t.Fatalf("recorded suite does not load: %v", err)
	}
	if suite.Consumer.HSAID != "SE2321000016-DEMOCONS" || len(suite.Scenarios) != 1 || len(suite.Scenarios[0].Steps) != 3 {
		t.Fatalf("skeleton: %+v", suite)
	}
	var harnessURL string // set before Run calls the hook
	h, err := harness.New(suite, harness.Options{
		TLS: &tls.Config{Certificates: []tls.Certificate{serverCert.TLSCertificate()}, ClientCAs: ca.Pool()},
		Out: t.TempDir(),
		Await: func(ctx context.Context, a harness.Await) error {
			call(ctx, harnessURL, patients[a.Index])
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	harnessURL = h.URL()
	run, err := h.Run(ctx)
	h.Close()
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != result.Pass {
		t.Fatalf("replay run %s: %+v", run.Status, run.Scenarios[0])
	}
}
