package demo

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// The demo contract, as the consumer knows it (from its WSDL).
const (
	visitsNS         = "urn:riv:demo:clinic:GetVisitsResponder:1"
	visitsCoreNS     = "urn:riv:demo:clinic:1"
	visitsSOAPAction = `"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`
	// visitsPath is the gateway path in VP's URL scheme; the gateway routes
	// by the body's namespace and the LogicalAddress header, not by path.
	visitsPath = "/vp/demo/clinic/GetVisits/1/rivtabp21"
	// personnummerType is the OID of a Swedish personal identity number.
	personnummerType = "1.2.752.129.2.1.3.1"
)

// consumer is a well-behaved GetVisits consumer: it sends a valid RIV-TA
// 2.1 request with its client certificate, gives up after its own timeout
// (below the suite's 5 s), never retries a fault by itself, and turns every
// answer into something a user can act on while the patient stays
// selected. It calls one request at a time, as a user interface does.
type consumer struct {
	client   *http.Client
	url      string
	patient  string
	careUnit string
	say      func(scenarioID, line string)

	mu sync.Mutex
}

// consumerTimeout is how long the consumer waits for an answer.
const consumerTimeout = 4 * time.Second

func newConsumer(cert tls.Certificate, roots *tls.Config, say func(scenarioID, line string)) *consumer {
	cfg := roots.Clone()
	cfg.Certificates = []tls.Certificate{cert}
	return &consumer{
		client: &http.Client{
			Timeout: consumerTimeout,
			Transport: &http.Transport{
				TLSClientConfig:     cfg,
				MaxIdleConnsPerHost: 2,
				IdleConnTimeout:     30 * time.Second,
			},
		},
		patient:  "191212121212",
		careUnit: "SE2321000016-UNIT1",
		say:      say,
	}
}

func (c *consumer) close() { c.client.CloseIdleConnections() }

// outcome is what one call gave and what the user was shown.
type outcome struct {
	Status int
	Visits int
	Fault  *vpfault.Parsed
	Err    error
	Shown  string
}

// request builds the GetVisits request for receiver.
func (c *consumer) request(receiver string) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="%s" xmlns:gv="%s" xmlns:core="%s">
  <soapenv:Header>
    <itr:LogicalAddress>%s</itr:LogicalAddress>
  </soapenv:Header>
  <soapenv:Body>
    <gv:GetVisits>
      <gv:patientId>
        <core:id>%s</core:id>
        <core:type>%s</core:type>
      </gv:patientId>
      <gv:careUnitHSAId>%s</gv:careUnitHSAId>
    </gv:GetVisits>
  </soapenv:Body>
</soapenv:Envelope>
`, rivta.LogicalAddressNS, visitsNS, visitsCoreNS, esc(receiver), esc(c.patient), personnummerType, esc(c.careUnit))
	return b.Bytes()
}

// getVisits asks receiver for the patient's visits through the gateway.
func (c *consumer) getVisits(ctx context.Context, receiver string) outcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.request(receiver)))
	if err != nil {
		return outcome{Err: err, Shown: "internal error: " + err.Error()}
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", visitsSOAPAction)
	resp, err := c.client.Do(req)
	if err != nil {
		return outcome{Err: err, Shown: shownForError(err)}
	}
	defer resp.Body.Close()
	o := outcome{Status: resp.StatusCode}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	corr := resp.Header.Get(rivta.HeaderCorrelationID)
	if err != nil {
		o.Err = err
		o.Shown = "the answer was cut off (" + shortErr(err) + "); nothing shown, patient kept, the user may try again"
		return o
	}
	if !isXML(resp.Header.Get("Content-Type")) {
		o.Err = fmt.Errorf("content type %q", resp.Header.Get("Content-Type"))
		o.Shown = fmt.Sprintf("HTTP %d with content type %q is not a SOAP answer; shown as \"the clinic's answer could not be read\", patient kept", resp.StatusCode, resp.Header.Get("Content-Type"))
		return o
	}
	if f, err := vpfault.Parse(body); err == nil && f != nil {
		o.Fault = f
		o.Shown = shownForFault(f, corr)
		return o
	}
	if resp.StatusCode != http.StatusOK {
		o.Err = fmt.Errorf("HTTP %d without a SOAP fault", resp.StatusCode)
		o.Shown = fmt.Sprintf("HTTP %d without a SOAP fault; shown as \"the clinic could not answer\", patient kept", resp.StatusCode)
		return o
	}
	n, err := countVisits(body)
	if err != nil {
		o.Err = err
		o.Shown = "the answer is not valid XML (" + shortErr(err) + "); shown as \"the clinic's answer could not be read\", patient kept"
		return o
	}
	o.Visits = n
	if n == 0 {
		o.Shown = "HTTP 200: shows \"no visits for this patient\""
	} else {
		o.Shown = fmt.Sprintf("HTTP 200: shows %d visit(s)", n)
	}
	return o
}

// await is the harness's hook: the consumer acts as the step expects.
func (c *consumer) await(ctx context.Context, a harness.Await) error {
	// The consumer is configured for one clinic, as a real one is; it
	// does not read the suite.
	o := c.getVisits(ctx, defaultReceiver)
	c.say(a.Scenario.ID, fmt.Sprintf("  %s/%s → %s", a.Scenario.ID, a.Step.ID, o.Shown))
	return nil
}

func isXML(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/xml" || mt == "application/soap+xml")
}

// countVisits counts the visits in a GetVisitsResponse, reading the whole
// document so malformed XML is noticed.
func countVisits(body []byte) (int, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	n, inResponse := 0, false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if !inResponse {
				return 0, errors.New("no GetVisitsResponse in the answer")
			}
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == visitsNS {
			switch se.Name.Local {
			case "GetVisitsResponse":
				inResponse = true
			case "visit":
				n++
			}
		}
	}
}

// shownForFault is the user's message for a SOAP fault: platform faults by
// kind, producer faults with their text, always with the correlation id a
// support desk asks for.
func shownForFault(f *vpfault.Parsed, corr string) string {
	ref := ""
	if corr != "" {
		ref = ", ref " + corr[:min(8, len(corr))]
	}
	if !f.IsVP() {
		return fmt.Sprintf("producer fault %q: shows \"the clinic reports: %s\"%s, patient kept, no retry", f.FaultString, f.FaultString, ref)
	}
	var what string
	switch f.Code {
	case vpfault.VP002, vpfault.VP007, vpfault.VP011, vpfault.VP013:
		what = "this system may not fetch visits from that clinic (contact support)"
	case vpfault.VP003, vpfault.VP004, vpfault.VP006, vpfault.VP010:
		what = "the clinic cannot be reached through the platform (contact support)"
	case vpfault.VP009:
		what = "the clinic could not answer just now, try again later"
	case vpfault.VP008:
		what = "the platform is starting up, try again later"
	default:
		what = "the platform could not pass the request on (contact support)"
	}
	return fmt.Sprintf("%s from the platform: shows \"%s\"%s, patient kept, no retry", f.Code, what, ref)
}

func shownForError(err error) string {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %s: gave up by itself, shows \"the clinic did not answer, try again later\", patient kept", consumerTimeout)
	}
	return "connection failed (" + shortErr(err) + "): shows \"the clinic could not be reached\", patient kept, no retry"
}

// shortErr keeps the last, most specific part of a wrapped error.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
