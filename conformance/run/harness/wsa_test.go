package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

// exchangeRecorder is a consumer that sends one prepared request per
// awaited step and keeps what came back.
type exchangeRecorder struct {
	client *http.Client
	url    string
	body   []byte
	action string

	mu      sync.Mutex
	status  []int
	answers [][]byte
}

func newRecorder(p *testPKI, cert *pki.Cert, body []byte, action string) *exchangeRecorder {
	cfg := &tls.Config{RootCAs: p.ca.Pool(), Certificates: []tls.Certificate{cert.TLSCertificate()}}
	return &exchangeRecorder{body: body, action: action,
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}}
}

// call posts the request and records the answer.
func (c *exchangeRecorder) call(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `"`+c.action+`"`)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = append(c.status, resp.StatusCode)
	c.answers = append(c.answers, b)
	return nil
}

// awaitVia is an Await hook that sends the request to the harness
// runHarness pointed gc at.
func (c *exchangeRecorder) awaitVia(gc *goConsumer) func(context.Context, Await) error {
	return func(ctx context.Context, _ Await) error {
		c.url = gc.url
		return c.call(ctx)
	}
}

func loadFixtureSuite(t *testing.T, name string) *scenario.Suite {
	t.Helper()
	s, err := scenario.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBP20WSAddressing runs the real RIVTABP20 suite's happy scenario
// (GetSubjectOfCareSchedule 1.0, crm:scheduling 1.0.4) over mutual TLS
// with the suite's recorded request given WS-Addressing headers: the
// answer carries wsa:RelatesTo with the request's MessageID, and a wrong
// Action, a MessageID that is no URI, receiver headers that disagree and a
// mustUnderstand header the contract does not define are each exactly one
// finding.
func TestBP20WSAddressing(t *testing.T) {
	t.Parallel()
	testutil.Shared(t, "contracts", "crm_scheduling_1.0.4")
	p := newPKI(t)
	const (
		action = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"
		id     = "urn:uuid:5f0c1c64-1d0e-4bd4-9d4f-0f0ad1c9b2e7"
		to     = "<wsa:To>SE2321000016-BOOK</wsa:To>"
	)
	recorded, err := loadFixtureSuite(t, "crm-scheduling-bp20").ReadFile("requests/get-subject-of-care-schedule.xml")
	if err != nil {
		t.Fatal(err)
	}
	// headers replaces the recorded wsa:To with the given header elements.
	headers := func(els ...string) []byte {
		return []byte(strings.Replace(string(recorded), to, strings.Join(els, ""), 1))
	}
	mu := `soapenv:mustUnderstand="1"`
	good := []string{to, `<wsa:Action ` + mu + `>` + action + `</wsa:Action>`, `<wsa:MessageID>` + id + `</wsa:MessageID>`}
	tests := []struct {
		name      string
		body      []byte
		relatesTo string            // the answer's wsa:RelatesTo text ("" for none)
		want      map[string]string // failed check -> message fragment; exactly these fail
	}{
		{name: "recorded request, no WS-Addressing beyond To", body: recorded, want: map[string]string{}},
		{name: "Action and MessageID", body: headers(good...), relatesTo: id, want: map[string]string{}},
		{name: "wrong Action with mustUnderstand", relatesTo: id,
			body: headers(to, `<wsa:Action `+mu+`>urn:riv:crm:scheduling:MakeBookingResponder:1:MakeBooking</wsa:Action>`, `<wsa:MessageID>`+id+`</wsa:MessageID>`),
			want: map[string]string{"SCH-S01/ask/RIV-WSA-01": `wsa:Action "urn:riv:crm:scheduling:MakeBookingResponder:1:MakeBooking", the WSDL gives "` + action + `"`}},
		{name: "MessageID no URI", body: headers(to, `<wsa:MessageID>4711</wsa:MessageID>`), relatesTo: "4711",
			want: map[string]string{"SCH-S01/ask/RIV-WSA-02": `wsa:MessageID "4711" has no scheme`}},
		{name: "LogicalAddress and To disagree", body: headers(`<itr:LogicalAddress xmlns:itr="urn:riv:itintegration:registry:1">SE2321000016-OTHER</itr:LogicalAddress>`, to),
			want: map[string]string{"SCH-S01/ask/RIV-RECV-04": `receiver headers disagree: {urn:riv:itintegration:registry:1}LogicalAddress "SE2321000016-OTHER", {http://www.w3.org/2005/08/addressing}To "SE2321000016-BOOK"`}},
		{name: "header not understood", body: headers(append(good, `<tr:Trace xmlns:tr="urn:example:trace" `+mu+`>on</tr:Trace>`)...), relatesTo: id,
			want: map[string]string{"SCH-S01/ask/RIV-SOAP-02": `mustUnderstand="1" on {urn:example:trace}Trace, which RIVTABP20 and the WSDL of GetSubjectOfCareSchedule do not define`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, gc := newRecorder(p, p.good, tc.body, action), &goConsumer{}
			run := runHarness(t, loadFixtureSuite(t, "crm-scheduling-bp20"),
				Options{TLS: p.serverTLS(), Out: t.TempDir(), Scenarios: []string{"SCH-S01"}, Await: c.awaitVia(gc)}, gc, time.Minute)
			got := failures(run)
			if len(got) != len(tc.want) {
				t.Fatalf("failed %v, want %v", keys(got), keys(tc.want))
			}
			for k, frag := range tc.want {
				if !strings.Contains(got[k], frag) {
					t.Errorf("%s: %q, want it to contain %q", k, got[k], frag)
				}
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.answers) != 1 || c.status[0] != http.StatusOK {
				t.Fatalf("answers %d, status %v", len(c.answers), c.status)
			}
			want := fmt.Sprintf(`<wsa:RelatesTo xmlns:wsa="http://www.w3.org/2005/08/addressing">%s</wsa:RelatesTo>`, tc.relatesTo)
			if has := bytes.Contains(c.answers[0], []byte(want)); has != (tc.relatesTo != "") || (tc.relatesTo == "" && bytes.Contains(c.answers[0], []byte("RelatesTo"))) {
				t.Fatalf("answer (RelatesTo %q expected):\n%s", tc.relatesTo, c.answers[0])
			}
		})
	}
}
