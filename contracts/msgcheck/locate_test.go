package msgcheck

import (
	"bytes"
	"net/http"
	"slices"
	"testing"

	"github.com/rivgate/rivgate/contracts/xsd"
)

// TestLocate: a failed rule points at the element, line or HTTP header it
// is about; a passing one points nowhere.
func TestLocate(t *testing.T) {
	t.Parallel()
	set := demoContracts(t)
	good := getVisits(t)
	checker := Checker{Contracts: set, Validator: xsd.New(set), Consumer: consumer}
	edit := func(old, new string) []byte {
		b := bytes.Replace(good, []byte(old), []byte(new), 1)
		if bytes.Equal(b, good) {
			t.Fatalf("fixture has no %q", old)
		}
		return b
	}
	header := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}}
	tests := []struct {
		name   string
		body   []byte
		header http.Header
		rule   string
		want   []Location
	}{
		{"passing rule points nowhere", good, header, RuleSchema, nil},
		{"schema problem: its line and element", edit("<core:type>", "<core:kind>1</core:kind><core:type>"), header, RuleSchema,
			[]Location{{Line: 10, Element: "/Envelope/Body/GetVisits/patientId/kind"}}},
		{"receiver with whitespace: the receiver element",
			edit(">SE2321000016-CLIN<", "> SE2321000016-CLIN<"), header, RuleReceiverSpace,
			[]Location{{Element: "/Envelope/Header/LogicalAddress"}}},
		{"receivers that disagree: both",
			edit("</soapenv:Header>", "<itr:LogicalAddress>SE2321000016-OTHER</itr:LogicalAddress></soapenv:Header>"), header, RuleReceiverConflict,
			[]Location{{Element: "/Envelope/Header/LogicalAddress"}, {Element: "/Envelope/Header/LogicalAddress[2]"}}},
		{"no receiver: the Header it belongs in",
			edit("<itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress>", ""), header, RuleReceiverPresent,
			[]Location{{Element: "/Envelope/Header"}}},
		{"not well-formed: the line", edit("</gv:careUnitHSAId>", "</gv:careUnit>"), header, RuleSOAPEnvelope,
			[]Location{{Line: 12, Element: "/Envelope/Body/GetVisits/careUnitHSAId"}}},
		{"content type: the HTTP header", good, http.Header{"Content-Type": {"application/soap+xml"}}, RuleContentType,
			[]Location{{Header: "Content-Type"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := checker.Check(&Message{Header: tc.header, Body: tc.body}, tc.rule)[0]
			if (tc.want == nil) != (got.Outcome != Fail) {
				t.Fatalf("outcome %s (%s)", got.Outcome, got.Message)
			}
			if !slices.Equal(got.At, tc.want) {
				t.Errorf("at %+v, want %+v (%s)", got.At, tc.want, got.Message)
			}
		})
	}
}

// TestElementAt: a place inside an element's start tag or text, or
// between its children, is that element's; outside the root nobody's.
func TestElementAt(t *testing.T) {
	t.Parallel()
	body := getVisits(t)
	for p, want := range map[position]string{{1, 0}: "", {2, 1}: "/Envelope", {4, 5}: "/Envelope/Header/LogicalAddress",
		{4, 30}: "/Envelope/Header/LogicalAddress", {5, 0}: "/Envelope/Header", {10, 9}: "/Envelope/Body/GetVisits/patientId/type",
		{11, 0}: "/Envelope/Body/GetVisits/patientId", {13, 0}: "/Envelope/Body/GetVisits", {15, 0}: "/Envelope", {99, 0}: ""} {
		if got := elementAt(body, p); got != want {
			t.Errorf("%v: %q, want %q", p, got, want)
		}
	}
}
