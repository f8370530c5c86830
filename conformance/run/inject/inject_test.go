package inject

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

const okBody = `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><R xmlns="urn:x"><v>0123456789</v></R></soap:Body></soap:Envelope>`

// server answers every request with the answer built from respond, over
// real TLS, and reports what was sent.
type server struct {
	srv  *httptest.Server
	ca   *pki.CA
	mu   sync.Mutex
	sent []Sent
}

func newServer(t *testing.T, respond scenario.Respond) *server {
	t.Helper()
	suite := &scenario.Suite{ID: "t", Instance: "test-vp", FS: fstest.MapFS{"s/ok.xml": {Data: []byte(okBody)}}, Dir: "s"}
	ans, err := Build(suite, &respond, Request{Contract: "urn:riv:demo:clinic:GetVisitsResponder:1", Receiver: "SE2321000016-CLIN", Sender: "SE2321000016-CONS",
		CorrelationID: "c0ffee00-0000-4000-8000-000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA("inject test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueServer(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ca: ca}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		sent := ans.Serve(context.Background(), w, r, 3*time.Second)
		s.mu.Lock()
		s.sent = append(s.sent, sent)
		s.mu.Unlock()
	}))
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}}
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.ca.Pool()}}}
}

func (s *server) lastSent(t *testing.T) Sent {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := len(s.sent)
		var last Sent
		if n > 0 {
			last = s.sent[n-1]
		}
		s.mu.Unlock()
		if n > 0 {
			return last
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server recorded nothing")
	return Sent{}
}

func post(c *http.Client, url string) (*http.Response, []byte, error) {
	resp, err := c.Post(url, "text/xml; charset=UTF-8", strings.NewReader("<x/>"))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestFaultsSeenByRealClient guards that every fault a step can inject is
// what a real HTTP client observes: a reset resets, a truncated body ends
// early, a timeout makes the client give up.
func TestFaultsSeenByRealClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		respond scenario.Respond
		timeout time.Duration
		check   func(t *testing.T, resp *http.Response, body []byte, err error, sent Sent)
	}{
		{name: "recorded file", respond: scenario.Respond{File: "ok.xml"}, check: func(t *testing.T, resp *http.Response, body []byte, err error, _ Sent) {
			if err != nil || resp.StatusCode != 200 || string(body) != okBody {
				t.Fatalf("status %v err %v body %q", resp, err, body)
			}
		}},
		{name: "vp fault", respond: scenario.Respond{VPFault: "VP007"}, check: func(t *testing.T, resp *http.Response, body []byte, err error, _ Sent) {
			if err != nil || resp.StatusCode != 500 {
				t.Fatalf("err %v resp %v", err, resp)
			}
			p, perr := vpfault.Parse(body)
			if perr != nil {
				t.Fatal(perr)
			}
			if p.Code != vpfault.VP007 || p.Instance != "test-vp" || p.FaultCode != "SOAP-ENV:Server" ||
				!strings.Contains(p.FaultString, vpfault.VP007.Text()) ||
				p.DetailString != "Authorization missing for serviceNamespace: urn:riv:demo:clinic:GetVisitsResponder:1, receiverId: SE2321000016-CLIN, senderId: SE2321000016-CONS" {
				t.Fatalf("parsed %+v", p)
			}
		}},
		{name: "producer soap fault", respond: scenario.Respond{SOAPFault: &scenario.SOAPFault{Code: "soap:Server", String: "Register down", Detail: `<c xmlns="urn:x">DOWN</c>`}}, check: func(t *testing.T, resp *http.Response, body []byte, err error, _ Sent) {
			if err != nil || resp.StatusCode != 500 {
				t.Fatalf("err %v resp %v", err, resp)
			}
			p, perr := vpfault.Parse(body)
			if perr != nil || p.FaultString != "Register down" || p.IsVP() {
				t.Fatalf("parsed %+v %v", p, perr)
			}
			if !bytes.Contains(body, []byte(`<detail><c xmlns="urn:x">DOWN</c></detail>`)) {
				t.Fatalf("detail missing: %s", body)
			}
		}},
		{name: "delay", respond: scenario.Respond{File: "ok.xml", Delay: yamlstrict.Duration(300 * time.Millisecond)}, check: func(t *testing.T, resp *http.Response, _ []byte, err error, sent Sent) {
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("err %v", err)
			}
		}},
		{name: "timeout: client gives up", respond: scenario.Respond{Timeout: true}, timeout: 300 * time.Millisecond, check: func(t *testing.T, _ *http.Response, _ []byte, err error, sent Sent) {
			if err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
				t.Fatalf("want client timeout, got %v", err)
			}
			if sent.ClientGone.IsZero() {
				t.Fatalf("server did not see the client go: %+v", sent)
			}
		}},
		{name: "reset", respond: scenario.Respond{Connection: scenario.ConnReset}, check: func(t *testing.T, _ *http.Response, _ []byte, err error, _ Sent) {
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("want connection reset, got %v", err)
			}
		}},
		{name: "empty reply", respond: scenario.Respond{Connection: scenario.ConnEmptyReply}, check: func(t *testing.T, _ *http.Response, _ []byte, err error, _ Sent) {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("want EOF before any response, got %v", err)
			}
		}},
		{name: "truncated", respond: scenario.Respond{Connection: scenario.ConnTruncated, File: "ok.xml"}, check: func(t *testing.T, resp *http.Response, body []byte, err error, sent Sent) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("want unexpected EOF in body, got %v", err)
			}
			if resp.ContentLength != int64(len(okBody)) || len(body) != len(okBody)/2 || len(sent.Body) != len(okBody)/2 {
				t.Fatalf("announced %d, got %d bytes, sent %d", resp.ContentLength, len(body), len(sent.Body))
			}
		}},
		{name: "malformed xml", respond: scenario.Respond{Connection: scenario.ConnMalformedXML, File: "ok.xml"}, check: func(t *testing.T, resp *http.Response, body []byte, err error, _ Sent) {
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("err %v", err)
			}
			if wellFormed(body) == nil {
				t.Fatalf("body is well-formed: %s", body)
			}
		}},
		{name: "wrong content type", respond: scenario.Respond{Connection: scenario.ConnWrongContentType, File: "ok.xml"}, check: func(t *testing.T, resp *http.Response, body []byte, err error, _ Sent) {
			if err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || string(body) != okBody {
				t.Fatalf("err %v content type %q", err, resp.Header.Get("Content-Type"))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tc.respond)
			to := tc.timeout
			if to == 0 {
				to = 10 * time.Second
			}
			start := time.Now()
			resp, body, err := post(s.client(to), s.srv.URL)
			sent := s.lastSent(t)
			if tc.respond.Delay > 0 && time.Since(start) < tc.respond.Delay.D() {
				t.Fatalf("answered after %v, before the delay %v", time.Since(start), tc.respond.Delay.D())
			}
			tc.check(t, resp, body, err, sent)
		})
	}
}

// TestFaultsSeenByCurl checks the connection faults with an independent
// client: curl's own error codes for reset (56), empty reply (52) and a
// transfer closed early (18).
func TestFaultsSeenByCurl(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl missing: apt-get install -y curl (scripts/test.sh installs it)")
	}
	tests := []struct {
		name     string
		conn     string
		exitCode int
	}{
		{name: "reset", conn: scenario.ConnReset, exitCode: 56},
		{name: "empty reply", conn: scenario.ConnEmptyReply, exitCode: 52},
		{name: "truncated", conn: scenario.ConnTruncated, exitCode: 18},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, scenario.Respond{Connection: tc.conn, File: "ok.xml"})
			caFile := filepath.Join(t.TempDir(), "ca.pem")
			if err := os.WriteFile(caFile, s.ca.CertPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("curl", "-sS", "--cacert", caFile, "--data", "<x/>", "-H", "Content-Type: text/xml", s.srv.URL)
			cmd.Env = append(os.Environ(), "CURL_CA_BUNDLE=")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.exitCode {
				t.Fatalf("curl exit %v, want %d; output %s", err, tc.exitCode, out)
			}
		})
	}
}

// TestEveryVPFault answers with each of VP001-VP015 over real TLS and
// checks what a client parses: the code, VP's faultcode side and Swedish
// text, the instance name, HTTP 500 and VP's content type.
func TestEveryVPFault(t *testing.T) {
	t.Parallel()
	for _, code := range vpfault.All {
		t.Run(code.String(), func(t *testing.T) {
			t.Parallel()
			s := newServer(t, scenario.Respond{VPFault: code.String()})
			resp, body, err := post(s.client(5*time.Second), s.srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != vpfault.ContentType ||
				resp.Header.Get("x-skltp-correlation-id") != "c0ffee00-0000-4000-8000-000000000001" {
				t.Fatalf("HTTP %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			p, err := vpfault.Parse(body)
			if err != nil {
				t.Fatal(err)
			}
			want := code.String() + " [test-vp] " + code.Text()
			if p.Code != code || p.FaultString != want || p.FaultCode != string(code.Side()) {
				t.Fatalf("got %q %q, want %q %q", p.FaultCode, p.FaultString, code.Side(), want)
			}
		})
	}
}
