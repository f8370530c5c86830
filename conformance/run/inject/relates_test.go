package inject

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/internal/testutil"
)

const (
	soapNS  = `xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`
	relates = `<wsa:RelatesTo xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:1</wsa:RelatesTo>`
)

// TestWithRelatesTo: the request's MessageID goes into the answer's Header
// and nothing else changes, whatever the answer's Header looks like.
func TestWithRelatesTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
		id               string // default urn:uuid:1
	}{
		{name: "no Header", body: `<?xml version="1.0"?>` + "\n" + `<soap:Envelope ` + soapNS + `>` + "\n  <soap:Body><R/></soap:Body></soap:Envelope>",
			want: `<?xml version="1.0"?>` + "\n" + `<soap:Envelope ` + soapNS + `>` + "\n  " +
				`<soapenv:Header xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` + relates + `</soapenv:Header><soap:Body><R/></soap:Body></soap:Envelope>`},
		{name: "empty Header", body: `<soap:Envelope ` + soapNS + `><soap:Header/><soap:Body><R/></soap:Body></soap:Envelope>`,
			want: `<soap:Envelope ` + soapNS + `><soap:Header>` + relates + `</soap:Header><soap:Body><R/></soap:Body></soap:Envelope>`},
		{name: "Header with other headers", body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header attr="1"><x:H xmlns:x="urn:x"><x:In/></x:H></s:Header><s:Body/></s:Envelope>`,
			want: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header attr="1">` + relates + `<x:H xmlns:x="urn:x"><x:In/></x:H></s:Header><s:Body/></s:Envelope>`},
		{name: "recorded RelatesTo", body: `<soap:Envelope ` + soapNS + `><soap:Header><a:RelatesTo xmlns:a="http://www.w3.org/2005/08/addressing"> urn:uuid:recorded </a:RelatesTo></soap:Header><soap:Body/></soap:Envelope>`,
			want: `<soap:Envelope ` + soapNS + `><soap:Header><a:RelatesTo xmlns:a="http://www.w3.org/2005/08/addressing">urn:uuid:1</a:RelatesTo></soap:Header><soap:Body/></soap:Envelope>`},
		{name: "recorded empty RelatesTo", body: `<soap:Envelope ` + soapNS + `><soap:Header><a:RelatesTo xmlns:a="http://www.w3.org/2005/08/addressing"/></soap:Header><soap:Body/></soap:Envelope>`,
			want: `<soap:Envelope ` + soapNS + `><soap:Header><a:RelatesTo xmlns:a="http://www.w3.org/2005/08/addressing">urn:uuid:1</a:RelatesTo></soap:Header><soap:Body/></soap:Envelope>`},
		{name: "RelatesTo of another relationship kept", body: `<soap:Envelope ` + soapNS + `><soap:Header><a:RelatesTo xmlns:a="http://www.w3.org/2005/08/addressing" RelationshipType="urn:x:other">urn:uuid:x</a:RelatesTo></soap:Header><soap:Body/></soap:Envelope>`,
			want: `<soap:Envelope ` + soapNS + `><soap:Header>` + relates + `<a:RelatesTo xmlns:a="http://www.w3.org/2005/08/addressing" RelationshipType="urn:x:other">urn:uuid:x</a:RelatesTo></soap:Header><soap:Body/></soap:Envelope>`},
		{name: "escaped id", id: "urn:x:a&b<Å", body: `<soap:Envelope ` + soapNS + `><soap:Header/><soap:Body/></soap:Envelope>`,
			want: `<soap:Envelope ` + soapNS + `><soap:Header><wsa:RelatesTo xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:x:a&amp;b&lt;&#xC5;</wsa:RelatesTo></soap:Header><soap:Body/></soap:Envelope>`},
		{name: "ISO-8859-1 answer", body: `<?xml version="1.0" encoding="ISO-8859-1"?><soap:Envelope ` + soapNS + `><soap:Body><R>` + "\xc5" + `</R></soap:Body></soap:Envelope>`,
			want: `<?xml version="1.0" encoding="ISO-8859-1"?><soap:Envelope ` + soapNS + `><soapenv:Header xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` + relates + `</soapenv:Header><soap:Body><R>` + "\xc5" + `</R></soap:Body></soap:Envelope>`},
		{name: "not XML", body: "Service Unavailable"},
		{name: "SOAP 1.2", body: `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`},
		{name: "empty Envelope", body: `<soap:Envelope ` + soapNS + `/>`},
		{name: "UTF-16", body: "\xff\xfe<\x00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := tc.id
			if id == "" {
				id = "urn:uuid:1"
			}
			got, ok := withRelatesTo([]byte(tc.body), id)
			if tc.want == "" {
				if ok {
					t.Fatalf("edited a body that is no SOAP 1.1 envelope: %q", got)
				}
				return
			}
			if !ok || string(got) != tc.want {
				t.Fatalf("got %v %q\nwant %q", ok, got, tc.want)
			}
		})
	}
}

// TestBuildRelatesTo: the producer's answers (file, template, SOAP fault,
// also when the connection then breaks it) to a RIVTABP20 contract carry
// wsa:RelatesTo with the request's MessageID; platform faults, answers to
// RIVTABP21 contracts and requests without a MessageID get none.
func TestBuildRelatesTo(t *testing.T) {
	t.Parallel()
	req, err := os.ReadFile(testutil.Fixture(t, "suites", "crm-scheduling-bp20", "requests", "get-subject-of-care-schedule.xml"))
	if err != nil {
		t.Fatal(err)
	}
	const id = "urn:uuid:0b7e5a52-3c2e-4f4a-9a43-6f1d8c3f0a11"
	withID := &msgcheck.Message{Body: []byte(strings.Replace(string(req), "</wsa:To>", "</wsa:To><wsa:MessageID>"+id+"</wsa:MessageID>", 1))}
	withoutID := &msgcheck.Message{Body: req}
	suite := &scenario.Suite{ID: "t", Dir: "s", FS: fstest.MapFS{
		"s/ok.xml":  {Data: []byte(okBody)},
		"s/tpl.xml": {Data: []byte(`<soap:Envelope ` + soapNS + `><soap:Body><R>{{//wsa:To}}</R></soap:Body></soap:Envelope>`)},
	}}
	relatesID := `<wsa:RelatesTo xmlns:wsa="http://www.w3.org/2005/08/addressing">` + id + `</wsa:RelatesTo>`
	tests := []struct {
		name    string
		respond scenario.Respond
		profile rivta.Profile
		msg     *msgcheck.Message
		related bool
	}{
		{"file", scenario.Respond{File: "ok.xml"}, rivta.RIVTABP20, withID, true},
		{"template", scenario.Respond{Template: "tpl.xml"}, rivta.RIVTABP20, withID, true},
		{"producer fault", scenario.Respond{SOAPFault: &scenario.SOAPFault{Code: "soap:Server", String: "down"}}, rivta.RIVTABP20, withID, true},
		{"malformed", scenario.Respond{File: "ok.xml", Connection: scenario.ConnMalformedXML}, rivta.RIVTABP20, withID, true},
		{"platform fault", scenario.Respond{VPFault: "VP007"}, rivta.RIVTABP20, withID, false},
		{"RIVTABP21 contract", scenario.Respond{File: "ok.xml"}, rivta.RIVTABP21, withID, false},
		{"contract unknown", scenario.Respond{File: "ok.xml"}, "", withID, false},
		{"no MessageID", scenario.Respond{File: "ok.xml"}, rivta.RIVTABP20, withoutID, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := Build(suite, &tc.respond, Request{ContractProfile: tc.profile, Message: tc.msg})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(a.Body), relatesID); got != tc.related {
				t.Fatalf("RelatesTo in the answer: %v, want %v\n%s", got, tc.related, a.Body)
			}
			if strings.Contains(string(a.Body), "RelatesTo") && !tc.related {
				t.Fatalf("a RelatesTo where none belongs:\n%s", a.Body)
			}
		})
	}
}
