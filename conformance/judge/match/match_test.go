package match

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/msgcheck"
)

const getVisits = `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:a="urn:riv:itintegration:registry:1">
  <s:Header><a:LogicalAddress>SE2321000016-PROD1</a:LogicalAddress></s:Header>
  <s:Body>
    <v:GetVisits xmlns:v="urn:riv:demo:clinic:GetVisitsResponder:1" xmlns:c="urn:riv:demo:clinic:1">
      <v:patientId><c:id>191212121212</c:id><c:type>1.2.752.129.2.1.3.1</c:type></v:patientId>
      <v:careUnitHSAId kind="unit">SE2321000016-UNIT1</v:careUnitHSAId>
    </v:GetVisits>
  </s:Body>
</s:Envelope>`

func ptr(s string) *string { return &s }

func TestEval(t *testing.T) {
	t.Parallel()
	doc, err := msgcheck.ParseDocument([]byte(getVisits))
	if err != nil {
		t.Fatal(err)
	}
	msg := Message{Doc: doc, Header: http.Header{"Soapaction": {`"urn:x"`}}}
	// Prefixes differ from the document's on purpose: matching is by URI.
	ns := map[string]string{"soap": envelope.SOAP11NS, "itr": "urn:riv:itintegration:registry:1",
		"gv": "urn:riv:demo:clinic:GetVisitsResponder:1", "core": "urn:riv:demo:clinic:1"}
	tests := []struct {
		name string
		m    scenario.Matcher
		ok   bool
		msg  string
	}{
		{name: "equals by URI not prefix", m: scenario.Matcher{XPath: "//gv:patientId/core:id", Equals: ptr("191212121212")}, ok: true},
		{name: "equals wrong value", m: scenario.Matcher{XPath: "//gv:patientId/core:id", Equals: ptr("1")}, msg: `got "191212121212"`},
		{name: "prefix as written does not match", m: scenario.Matcher{XPath: "//v:patientId", Present: true}, msg: "bad XPath"},
		{name: "regex", m: scenario.Matcher{XPath: "/soap:Envelope/soap:Header/itr:LogicalAddress", Regex: `^SE\d{10}-`}, ok: true},
		{name: "in header", m: scenario.Matcher{In: "header", XPath: "itr:LogicalAddress", Equals: ptr("SE2321000016-PROD1")}, ok: true},
		{name: "in body relative", m: scenario.Matcher{In: "body", XPath: "gv:careUnitHSAId/@kind", Equals: ptr("unit")}, ok: true},
		{name: "absent ok", m: scenario.Matcher{XPath: "//gv:fromDate", Absent: true}, ok: true},
		{name: "absent but present", m: scenario.Matcher{XPath: "//gv:careUnitHSAId", Absent: true}, msg: `found "SE2321000016-UNIT1"`},
		{name: "present missing", m: scenario.Matcher{XPath: "//gv:toDate", Present: true}, msg: "not found"},
		{name: "count function", m: scenario.Matcher{XPath: "count(//gv:patientId/*)", Equals: ptr("2")}, ok: true},
		{name: "boolean expression", m: scenario.Matcher{XPath: "string-length(//core:id) = 12", Equals: ptr("true")}, ok: true},
		{name: "local-name works", m: scenario.Matcher{XPath: "//*[local-name()='type']", Equals: ptr("1.2.752.129.2.1.3.1")}, ok: true},
		{name: "http header present", m: scenario.Matcher{HTTPHeader: "SOAPAction", Present: true}, ok: true},
		{name: "http header absent", m: scenario.Matcher{HTTPHeader: "x-rivta-original-serviceconsumer-hsaid", Present: true}, msg: "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Eval(tc.m, msg, ns)
			if r.OK != tc.ok {
				t.Fatalf("OK = %v, want %v (%s)", r.OK, tc.ok, r.Message)
			}
			if tc.msg != "" && !strings.Contains(r.Message, tc.msg) {
				t.Fatalf("message %q does not contain %q", r.Message, tc.msg)
			}
		})
	}
}

func TestDiffIgnoresPrefixesAndVolatile(t *testing.T) {
	t.Parallel()
	a := `<r:R xmlns:r="urn:a"><r:id>1</r:id><r:when>2026-01-01</r:when><r:v>x</r:v></r:R>`
	b := `<R xmlns="urn:a">
  <id>2</id>
  <when>2027-01-01</when>
  <v>x</v>
</R>`
	da, _ := msgcheck.ParseDocument([]byte(a))
	db, _ := msgcheck.ParseDocument([]byte(b))
	if d := Diff(da, db, 10); len(d) != 2 {
		t.Fatalf("want 2 differences before blanking, got %q", d)
	}
	ns := map[string]string{"a": "urn:a"}
	if err := Blank(da, []string{"//a:id", "//a:when"}, ns); err != nil {
		t.Fatal(err)
	}
	if err := Blank(db, []string{"//a:id", "//a:when"}, ns); err != nil {
		t.Fatal(err)
	}
	if d := Diff(da, db, 10); len(d) != 0 {
		t.Fatalf("want no differences after blanking, got %q", d)
	}
	dc, _ := msgcheck.ParseDocument([]byte(`<R xmlns="urn:a"><id>1</id><when>x</when><v>y</v><extra/></R>`))
	if err := Blank(dc, []string{"//a:id", "//a:when"}, ns); err != nil {
		t.Fatal(err)
	}
	d := Diff(da, dc, 10)
	want := []string{`/R/v[3]: text "y", want "x"`, "/R/extra: unexpected element"}
	if strings.Join(d, "|") != strings.Join(want, "|") {
		t.Fatalf("diff = %q, want %q", d, want)
	}
}
