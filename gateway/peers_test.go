package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

const scheduleWSDLPath = "/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp20"

// wsdlBed serves crm_scheduling 1.0.4 (RIVTABP20) from ../shared and routes
// RIVTA20REQUEST to a recording producer.
func wsdlBed(t *testing.T) (*vpBed, *pki.Cert) {
	t.Helper()
	dir := filepath.Join(sharedRivta(t), "contracts", "crm_scheduling_1.0.4")
	vb := newVPBed(t, func(b *bed) { b.cfg.Contracts.Dir = dir })
	cons, err := vb.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	return vb, cons
}

// TestWSDLServing: ?wsdl at VP's URL scheme with the endpoint rewritten to
// the URL the caller used and imports pointing at ?xsd=; ?xsd= serves the
// schemas; an unknown path lists the served ones (VP's answer, HTTP 500).
func TestWSDLServing(t *testing.T) {
	t.Parallel()
	vb, _ := wsdlBed(t)
	get := func(url string) (int, string) {
		resp, err := vb.client.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	base := "https://" + vb.gw.Addr() + scheduleWSDLPath
	code, wsdl := get(base + "?wsdl")
	require.Equal(t, 200, code, wsdl)
	assert.Contains(t, wsdl, `location="`+base+`"`)
	assert.NotContains(t, wsdl, "tempuri.org")
	assert.Contains(t, wsdl, `schemaLocation="`+base+`?xsd=GetSubjectOfCareScheduleResponder_1.0.xsd"`)
	assert.Contains(t, wsdl, `schemaLocation="`+base+`?xsd=..%2F..%2Fcore_components%2Fws-addressing-1.0.xsd"`)

	code, xsd := get(base + "?xsd=GetSubjectOfCareScheduleResponder_1.0.xsd")
	require.Equal(t, 200, code)
	assert.Contains(t, xsd, `schemaLocation="`+base+`?xsd=..%2F..%2Fcore_components%2Fcrm_scheduling_1.0.xsd"`)
	code, _ = get(base + "?xsd=..%2F..%2Fcore_components%2Fcrm_scheduling_1.0.xsd")
	assert.Equal(t, 200, code)
	code, _ = get(base + "?xsd=..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd")
	assert.Equal(t, 404, code, "no way out of the contract directory")

	code, list := get("https://" + vb.gw.Addr() + "/vp/no/such/Thing/1/rivtabp21?wsdl")
	assert.Equal(t, 500, code)
	assert.Contains(t, list, "No wsdl found on this path, following wsdl paths is available:")
	assert.Contains(t, list, strings.TrimPrefix(scheduleWSDLPath, "/"))

	resp, err := http.Get("http://" + vb.gw.Addr(HTTP) + scheduleWSDLPath + "?wsdl")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the plain listener serves WSDLs too, without a sender check")
	assert.Contains(t, string(b), `location="http://`+vb.gw.Addr(HTTP)+scheduleWSDLPath+`"`)
}

// TestCurlThroughGateway: curl with a client certificate calls a producer
// through the gateway and gets the producer's answer.
func TestCurlThroughGateway(t *testing.T) {
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl missing: apt-get install -y curl (scripts/test.sh installs it)")
	}
	vb, cons := wsdlBed(t)
	certPath, keyPath, err := cons.WriteFiles(vb.dir, "consumer")
	require.NoError(t, err)
	reqPath := filepath.Join(vb.dir, "req.xml")
	require.NoError(t, os.WriteFile(reqPath, sample(t, "Rivta21Request.xml", ""), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "-sS", "--fail-with-body", "--noproxy", "*",
		"--cacert", filepath.Join(vb.dir, "ca.pem"), "--cert", certPath, "--key", keyPath,
		"-H", "Content-Type: text/xml; charset=UTF-8", "-H", "SOAPAction: urn:x",
		"--data-binary", "@"+reqPath, vb.url(HTTPS)).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, string(okResponse), string(out))
	assert.Equal(t, "/producer21", vb.p21.last(t).path)
	assert.Equal(t, consumerID, vb.p21.last(t).header.Get("x-vp-sender-id"))
}

const zeepScript = `
import sys, requests, zeep
from zeep.transports import Transport
wsdl, ca, cert, key = sys.argv[1:5]
s = requests.Session()
s.trust_env = False
s.verify = ca
s.cert = (cert, key)
client = zeep.Client(wsdl, transport=Transport(session=s, timeout=30))
res = client.service.GetSubjectOfCareSchedule(
    _soapheaders={"LogicalAddress": "RIVTA20REQUEST"},
    healthcare_facility="SE2321000164-7381037590423", subject_of_care="188803099368")
print("timeslots:", len(res.timeslotDetail))
`

// TestZeepThroughGateway: python3-zeep loads a real contract WSDL (crm
// scheduling 1.0.4, RIVTABP20) from the gateway over mutual TLS, follows its
// ?xsd= imports, and calls the producer through the gateway.
func TestZeepThroughGateway(t *testing.T) {
	t.Parallel()
	py := testutil.Zeep(t)
	vb, cons := wsdlBed(t)
	vb.p20.handler = func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:GetSubjectOfCareScheduleResponse xmlns:ns2="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"/></soap:Body></soap:Envelope>`)
	}
	certPath, keyPath, err := cons.WriteFiles(vb.dir, "consumer")
	require.NoError(t, err)
	script := filepath.Join(vb.dir, "call.py")
	require.NoError(t, os.WriteFile(script, []byte(zeepScript), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script, "https://"+vb.gw.Addr()+scheduleWSDLPath+"?wsdl", filepath.Join(vb.dir, "ca.pem"), certPath, keyPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), out.String())
	assert.Contains(t, out.String(), "timeslots: 0")
	got := vb.p20.last(t)
	info, err := envelope.SniffBytes(got.body)
	require.NoError(t, err)
	assert.Equal(t, "RIVTA20REQUEST", info.Receiver)
	assert.Equal(t, scheduleNS, info.Body.Space)
	assert.Equal(t, "/producer20", got.path)
}
