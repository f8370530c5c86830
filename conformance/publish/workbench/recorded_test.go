package workbench_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestProducerExchangeShowsTheRecordedDiff: in producer mode an exchange's
// page shows the recorded response against the live one line by line; the
// changed status is a removed and an added line, the volatile visit id
// that differs too is blanked in both, as the response-diff check does.
func TestProducerExchangeShowsTheRecordedDiff(t *testing.T) {
	t.Parallel()
	suiteDir := filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic")
	suite, err := scenario.LoadDir(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := os.ReadFile(filepath.Join(suiteDir, "responses", "visits-ok.xml"))
	if err != nil {
		t.Fatal(err)
	}
	live := bytes.Replace(ok, []byte("<core:status>booked</core:status>"), []byte("<core:status>lost</core:status>"), 1)
	live = bytes.ReplaceAll(live, []byte("V-2026-000117"), []byte("V-9999-000001"))

	ca, err := pki.NewCA("workbench producer test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueClient("SE2321000016-DEMOCONS", pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	producer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(live)
	}))
	producer.TLS = &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
	producer.StartTLS()
	defer producer.Close()
	runs := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := harness.RunProducer(ctx, suite, harness.ProducerOptions{URL: producer.URL, Out: filepath.Join(runs, "p1"), Scenarios: []string{"S01"},
		TLS: &tls.Config{Certificates: []tls.Certificate{client.TLSCertificate()}, RootCAs: ca.Pool()}})
	if err != nil {
		t.Fatal(err)
	}

	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	c.Login("Tove Testare", "")
	_, body := c.Get("/runs/p1/exchange?id=" + run.Scenarios[0].Steps[0].Exchanges[0])
	section := regexp.MustCompile(`(?s)<section id="recorded">.*?</section>`).FindString(body)
	if section == "" {
		t.Fatalf("no recorded-versus-live section:\n%s", body)
	}
	section = html.UnescapeString(section)
	del := regexp.MustCompile(`<del>- (.*?)</del>`).FindAllStringSubmatch(section, -1)
	ins := regexp.MustCompile(`<ins>\+ (.*?)</ins>`).FindAllStringSubmatch(section, -1)
	if len(del) != 1 || len(ins) != 1 || strings.TrimSpace(del[0][1]) != "<core:status>booked</core:status>" || strings.TrimSpace(ins[0][1]) != "<core:status>lost</core:status>" {
		t.Errorf("removed %q, added %q; want the status line alone:\n%s", del, ins, section)
	}
	if !strings.Contains(section, "responses/visits-ok.xml") || !strings.Contains(section, "2 line(s) differ") {
		t.Errorf("the section does not name the recording or the count:\n%s", section)
	}
}
