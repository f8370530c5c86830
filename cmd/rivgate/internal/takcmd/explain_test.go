package takcmd_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/takcmd"
	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

const (
	thingsNS = "urn:riv:test:GetThingsResponder:1"
	clinic   = "SE2321000016-CLIN"
	ward     = "SE2321000016-WARD"
	consumer = "SE2321000016-CONS1"
	stranger = "SE2321000016-CONS2"
)

const hsaXML = `<?xml version="1.0" encoding="UTF-8"?>
<FileGetHsaUnitsResponse xmlns="urn:riv:hsa:HsaWsResponder:3"><hsaUnits>
  <hsaUnit><hsaIdentity>SE2321000016-CLIN</hsaIdentity><DN>ou=Clinic,c=SE</DN><name>Clinic</name></hsaUnit>
  <hsaUnit><hsaIdentity>SE2321000016-WARD</hsaIdentity><DN>ou=Ward,ou=Clinic,c=SE</DN><name>Ward</name></hsaUnit>
</hsaUnits></FileGetHsaUnitsResponse>
`

// liveGateway is a real gateway on loopback (mutual TLS in, a plain HTTP
// producer out) writing its exchange log as `rivgate gateway` does.
type liveGateway struct {
	dir, cfgPath, producer string
	logs                   *syncbuf.Buffer
	url                    string
	clients                map[string]*http.Client
}

func startLiveGateway(t *testing.T) *liveGateway {
	t.Helper()
	dir := t.TempDir()
	prod := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = io.WriteString(w, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x:GetThingsResponse xmlns:x="`+thingsNS+`"/></soapenv:Body></soapenv:Envelope>`)
	}))
	t.Cleanup(prod.Close)
	ca, err := pki.NewCA("explain test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := server.WriteFiles(dir, "server")
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(dir, "ca.pem")
	write(t, caPath, string(ca.CertPEM))
	write(t, filepath.Join(dir, "hsa.xml"), hsaXML)
	// The clinic's producer serves its ward by tree climbing; every
	// consumer with the default permission may call.
	write(t, filepath.Join(dir, "tak.yaml"), fmt.Sprintf(`routes:
  - receiver: %s
    contract: %s
    profile: RIVTABP21
    address: %s/things
    from: 2024-01-01
permissions:
  - sender: %s
    receiver: "*"
    contract: %s
`, clinic, thingsNS, prod.URL, consumer, thingsNS))
	cfgPath := filepath.Join(dir, "gateway.yaml")
	write(t, cfgPath, fmt.Sprintf(`instance: {name: "explain test", id: explain-1}
listen: {https: "127.0.0.1:0", admin: "127.0.0.1:0"}
tls: {cert: %s, key: %s, client_ca: %s}
tak: {files: [tak.yaml], hsa_files: [hsa.xml], poll: 0s}
producers:
  timeout: 29s
  timeouts: {%q: 7s}
`, certPath, keyPath, caPath, strings.ToUpper(thingsNS)))
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	// As `rivgate gateway` makes its logger (cmd/rivgate/internal/gatewaycmd).
	log := zerolog.New(logs).With().Timestamp().Str("instance", cfg.Instance.ID).Logger()
	gw, err := gateway.New(cfg, gateway.Deps{Logger: log, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	lg := &liveGateway{dir: dir, cfgPath: cfgPath, producer: prod.URL + "/things", logs: logs,
		url: "https://" + gw.Addr() + "/vp/things", clients: map[string]*http.Client{}}
	for _, id := range []string{consumer, stranger} {
		c, err := ca.IssueClient(id, pki.Options{})
		if err != nil {
			t.Fatal(err)
		}
		lg.clients[id] = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			Certificates: []tls.Certificate{c.TLSCertificate()}, RootCAs: ca.Pool()}}}
	}
	return lg
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// call makes one call through the gateway and waits for its exchange line.
func (g *liveGateway) call(t *testing.T, from, receiver, corr string) int {
	t.Helper()
	body := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" xmlns:x="` + thingsNS + `">` +
		`<soapenv:Header><itr:LogicalAddress>` + receiver + `</itr:LogicalAddress></soapenv:Header><soapenv:Body><x:GetThings/></soapenv:Body></soapenv:Envelope>`
	req, _ := http.NewRequest(http.MethodPost, g.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("x-skltp-correlation-id", corr)
	resp, err := g.clients[from].Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	// The line is written when the exchange finishes, after the response.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(g.logs.String(), `"correlation_id":"`+corr+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no exchange line for %s in:\n%s", corr, g.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return resp.StatusCode
}

// TestExplainLoggedCalls runs real calls through a real gateway, then
// explains each from its exchange log: the entries, HSA path, producer,
// timeout and VP code, matching what the gateway logged; and a catalogue
// that is not the one in use is reported as such.
func TestExplainLoggedCalls(t *testing.T) {
	t.Parallel()
	g := startLiveGateway(t)
	if st := g.call(t, consumer, ward, "explain-ok"); st != 200 {
		t.Fatalf("tree-routed call: HTTP %d\n%s", st, g.logs.String())
	}
	if st := g.call(t, stranger, ward, "explain-vp007"); st != 500 {
		t.Fatalf("call without permission: HTTP %d", st)
	}
	if st := g.call(t, consumer, "SE2321000016-NOSUCH", "explain-vp004"); st != 500 {
		t.Fatalf("call without route: HTTP %d", st)
	}
	logPath := filepath.Join(g.dir, "gateway.log")
	write(t, logPath, g.logs.String())

	out, stderr, code := run(t, "explain", "--log", logPath, "--correlation", "explain-ok", "-c", g.cfgPath, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	var res takcmd.ExplainResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Calls) != 1 {
		t.Fatalf("calls %+v", res.Calls)
	}
	x := res.Calls[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"code", x.Code, "OK"},
		{"route key", x.RouteKey, clinic},
		{"route via", x.RouteVia, "hsa"},
		{"routes", len(x.Routes), 1},
		{"route origin", x.Routes[0].Origin, filepath.Join(g.dir, "tak.yaml") + ":2"},
		{"auth key", x.AuthKey, "*"},
		{"auth via", x.AuthVia, "default"},
		{"permission entries", len(x.Perms), 1},
		{"HSA path", strings.Join(x.Path, " > "), ward + " > " + clinic + " > SE"},
		{"producer", x.Producer.Address, g.producer},
		{"profile", x.Producer.Profile, "RIVTABP21"},
		{"tls", x.Producer.TLS, "plain HTTP (x-vp-sender-id and x-vp-instance-id sent)"},
		{"timeout", x.Timeout, "7s"},
		{"timeout from", x.TimeoutFrom, "producers.timeouts[" + strings.ToUpper(thingsNS) + "]"},
		{"logged sender", x.Logged.Sender, consumer},
		{"logged trace", x.Logged.RoutingTrace, ward + ",(parent)," + clinic},
		{"matches", x.Matches, true},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if !x.At.Before(x.Logged.Time) && !x.At.Equal(x.Logged.Time) {
		t.Errorf("re-run at %s, after the line's time %s", x.At, x.Logged.Time)
	}

	out, _, code = run(t, "explain", "--log", logPath, "--correlation", "explain-vp007", "-c", g.cfgPath)
	for _, want := range []string{"answer:      VP007 [explain test] ", "route:       key " + clinic + " (an HSA ancestor's, by tree climbing)",
		"HSA path:    " + ward + " > " + clinic + " > SE", "timeout:     7s", "authorisation trace: " + ward + ",(default),*,(parent)," + clinic + ",SE", "matches the log"} {
		if !strings.Contains(out, want) || code != 0 {
			t.Errorf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	out, _, code = run(t, "explain", "--log", logPath, "--correlation", "explain-vp004", "--tak", filepath.Join(g.dir, "tak.yaml"))
	for _, want := range []string{"answer:      VP004 ", "timeout:     29s (producers.timeout's default", "matches the log"} {
		if !strings.Contains(out, want) || code != 0 {
			t.Errorf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}

	// Another catalogue: the clinic's route gone. The re-run differs from
	// what the gateway did, and says so.
	other := filepath.Join(g.dir, "other.yaml")
	write(t, other, "permissions:\n  - {sender: "+consumer+", receiver: \"*\", contract: \""+thingsNS+"\"}\n")
	out, _, code = run(t, "explain", "--log", logPath, "--correlation", "explain-ok", "--tak", other, "--hsa", filepath.Join(g.dir, "hsa.xml"))
	if code != 1 || !strings.Contains(out, "DIFFERS:     the log says the catalogue answered OK, the re-run answers VP004") {
		t.Errorf("exit %d:\n%s", code, out)
	}

	// --at re-runs at another moment: before the route's validity.
	out, _, code = run(t, "explain", "--log", logPath, "--correlation", "explain-ok", "-c", g.cfgPath, "--at", "2023-06-01T12:00:00+02:00")
	if code != 1 || !strings.Contains(out, "re-run:      at 2023-06-01T12:00:00.000+02:00") || !strings.Contains(out, "the re-run answers VP004") {
		t.Errorf("--at: exit %d:\n%s", code, out)
	}

	for _, bad := range [][]string{
		{"explain", "--log", logPath, "--correlation", "no-such-id", "-c", g.cfgPath},
		{"explain", "--log", logPath, "--correlation", "explain-ok"},
		{"explain", "--correlation", "explain-ok", "-c", g.cfgPath},
	} {
		if _, stderr, code := run(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, %s", bad, code, stderr)
		}
	}
}
