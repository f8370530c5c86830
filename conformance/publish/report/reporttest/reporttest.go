// Package reporttest makes real conformance runs for the report, evidence
// and CLI tests: the fixture suite in testdata/suite is run by the real
// harness over mutual TLS against a Go consumer, so results.json, the
// exchanges and their checks are exactly what a run writes; Certify then
// records the people's part (manual verdict, reviews, declaration).
package reporttest

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/pki"
)

// ConsumerHSAID is the fixture consumer's HSA-id.
const ConsumerHSAID = "SE2321000016-DEMOCONS"

// SuiteDir is the fixture suite's directory.
func SuiteDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "suite")
}

const envelope = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" xmlns:gv="urn:riv:demo:clinic:GetVisitsResponder:1" xmlns:core="urn:riv:demo:clinic:1">
  <soapenv:Header><itr:LogicalAddress>RECEIVER</itr:LogicalAddress></soapenv:Header>
  <soapenv:Body>
    <gv:GetVisits>
      <gv:patientId><core:id>191212121212</core:id><core:type>1.2.752.129.2.1.3.1</core:type></gv:patientId>
      <gv:careUnitHSAId>SE2321000016-UNIT1</gv:careUnitHSAId>
    </gv:GetVisits>
  </soapenv:Body>
</soapenv:Envelope>`

// RealRun runs the fixture suite into a new directory and returns it. The
// consumer behaves, except in scenario R04, where it surrounds the
// receiver with spaces (a medium-risk failure of RIV-RECV-02). The manual
// step of R03 is left pending.
func RealRun(t testing.TB) string {
	t.Helper()
	suite, err := scenario.LoadDir(SuiteDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return RealRunOf(t, suite)
}

// RealRunOf is RealRun with the fixture suite as loaded by the caller (a
// copy of it elsewhere, say).
func RealRunOf(t testing.TB, suite *scenario.Suite) string {
	t.Helper()
	ca, err := pki.NewCA("report test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueClient(ConsumerHSAID, pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{client.TLSCertificate()}}}}
	out := t.TempDir()
	var url string
	call := func(ctx context.Context, a harness.Await) error {
		receiver := "SE2321000016-CLIN"
		if a.Scenario.ID == "R04" {
			receiver = "  SE2321000016-CLIN "
		}
		body := strings.Replace(envelope, "RECEIVER", receiver, 1)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		req.Header.Set("SOAPAction", `"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`)
		resp, err := hc.Do(req)
		if err != nil {
			return nil // a consumer that gives up is behaving
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	h, err := harness.New(suite, harness.Options{
		TLS: &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientCAs: ca.Pool()},
		Out: out, Await: call,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	url = h.URL()
	if _, err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Logf("close harness: %v", err)
	}
	return out
}
