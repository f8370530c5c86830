package recordcmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

// TestRecordCommand runs `rivgate record --max 1` with certificate files
// on both sides, sends one call through it and checks the suite it writes
// loads with `conform run`'s loader and holds no personnummer.
func TestRecordCommand(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "rec")
	suite := recordOne(t, testutil.RepoRoot(t), out)
	written, _ := os.ReadFile(filepath.Join(out, "responses", "001-GetVisits.xml"))
	if bytes.Contains(written, []byte("191212121212")) || !bytes.Contains(written, []byte("<core:start>")) {
		t.Fatalf("recorded response not scrubbed: %s", written)
	}
	if suite.Contracts[0] != '.' {
		t.Errorf("contracts %q: want the directory relative to the suite", suite.Contracts)
	}
}

// TestRecordRelativeOut: with --out relative to the working directory and
// --contracts absolute, the written suite still names its contracts so
// that it loads. It used to write the absolute path, which the loader then
// refused ("does not exist").
func TestRecordRelativeOut(t *testing.T) {
	root := testutil.RepoRoot(t)
	t.Chdir(t.TempDir()) // not parallel: the working directory is the process's
	suite := recordOne(t, root, "rec")
	if want, _ := filepath.Abs("rec"); suite.OSDir != want {
		t.Fatalf("suite at %s, want %s", suite.OSDir, want)
	}
}

// recordOne runs `rivgate record --max 1 --out out` with certificate
// files on both sides, sends one call through it and returns the suite it
// wrote, loaded with `conform run`'s loader. root is the repository.
func recordOne(t *testing.T, root, out string) *scenario.Suite {
	t.Helper()
	f := writePKI(t)
	pair := f.server.TLSCertificate()
	resp, _ := os.ReadFile(filepath.Join(root, "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	producer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "client certificate required", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(resp)
	}))
	producer.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAnyClientCert}
	producer.StartTLS()
	defer producer.Close()

	cmd := New()
	var stdout bytes.Buffer
	stderr := &syncbuf.Buffer{}
	cmd.SetOut(&stdout)
	cmd.SetErr(stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--listen", "127.0.0.1:0", "--upstream", producer.URL, "--out", out, "--max", "1", "--for", "30s",
		"--contracts", filepath.Join(root, "fixtures", "contracts", "demo_clinic_1.0"),
		"--cert", f.serverCert, "--key", f.serverKey, "--client-ca", f.caCert,
		"--upstream-cert", f.clientCert, "--upstream-key", f.clientKey, "--upstream-ca", f.caCert})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(context.Background()) }()
	addrRE := regexp.MustCompile(`consumers call https://([0-9.:]+)/`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("recorder did not start: %s", stderr.String())
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{f.client.TLSCertificate()}, RootCAs: f.ca.Pool()}}}
	req, _ := os.ReadFile(filepath.Join(root, "fixtures", "suites", "demo-clinic", "requests", "get-visits.xml"))
	r, err := c.Post("https://"+addr+"/", "text/xml; charset=UTF-8", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if err := <-done; cliutil.Code(err) != 0 {
		t.Fatalf("record: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "recorded 1 exchange(s)") {
		t.Fatalf("stdout %q", stdout.String())
	}
	suite, err := scenario.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if suite.Consumer.HSAID != "SE2321000016-DEMOCONS" || len(suite.Scenarios[0].Steps) != 1 {
		t.Fatalf("suite %+v", suite)
	}
	return suite
}

// TestRecordBadInput: what the recorded suite will name is required.
func TestRecordBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := New()
	var out bytes.Buffer
	cmd.SetArgs([]string{"--upstream", "https://127.0.0.1:1/", "--out", dir, "--cert", "c.pem", "--key", "c.key"})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	if code := cliutil.Code(err); code != 2 || !strings.Contains(cliutil.Message(err), "--contracts is required") {
		t.Fatalf("exit %d, error %v, output %q; want exit 2 and --contracts is required", code, err, out.String())
	}
}

// recordPKI is a CA with a server certificate for the recorder and a
// consumer client certificate, in memory and as the files the flags take.
type recordPKI struct {
	ca                                                   *pki.CA
	server, client                                       *pki.Cert
	caCert, serverCert, serverKey, clientCert, clientKey string
}

func writePKI(t *testing.T) recordPKI {
	t.Helper()
	dir := t.TempDir()
	var p recordPKI
	var err error
	if p.ca, err = pki.NewCA("record test CA"); err != nil {
		t.Fatal(err)
	}
	if p.server, err = p.ca.IssueServer(pki.Options{}); err != nil {
		t.Fatal(err)
	}
	if p.client, err = p.ca.IssueClient("SE2321000016-DEMOCONS", pki.Options{}); err != nil {
		t.Fatal(err)
	}
	if p.caCert, _, err = p.ca.WriteFiles(dir, "ca"); err != nil {
		t.Fatal(err)
	}
	if p.serverCert, p.serverKey, err = p.server.WriteFiles(dir, "server"); err != nil {
		t.Fatal(err)
	}
	if p.clientCert, p.clientKey, err = p.client.WriteFiles(dir, "consumer"); err != nil {
		t.Fatal(err)
	}
	return p
}
