package check

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil"
)

// notesEnv is the demo suite's checks on the fixture contract GetNotes,
// whose WSDL binding declares the header Actor besides LogicalAddress.
func notesEnv(t *testing.T, withValidator bool) *Env {
	t.Helper()
	env := testEnv(t, nil)
	set, err := contracts.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_notes_1.0"))
	if err != nil {
		t.Fatal(err)
	}
	env.Contracts, env.Validator = set, nil
	if withValidator {
		env.Validator = xsd.New(set)
	}
	return env
}

func notesRequest(header string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" xmlns:act="urn:riv:interoperability:headers:1">
  <soapenv:Header>
    <itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress>` + header + `
  </soapenv:Header>
  <soapenv:Body>
    <gn:GetNotes xmlns:gn="urn:riv:demo:notes:GetNotesResponder:1" xmlns:core="urn:riv:demo:notes:1">
      <gn:patientId><core:id>191212121212</core:id><core:type>1.2.752.129.2.1.3.1</core:type></gn:patientId>
    </gn:GetNotes>
  </soapenv:Body>
</soapenv:Envelope>`)
}

// RIV-HDR-02: a request without the contract's second header element, or
// with one of the wrong type, fails naming it; a correct one passes.
func TestHeaderElementsCheck(t *testing.T) {
	t.Parallel()
	const actor = "{urn:riv:interoperability:headers:1}Actor"
	tests := []struct {
		name   string
		header string
		noXSD  bool
		status result.Status
		msg    string
	}{
		{name: "correct", status: result.Pass, msg: "header element(s) " + actor + " sent and valid",
			header: "\n    <act:Actor><act:actorId>SE2321000016-1234</act:actorId><act:actorType>PROFESSION</act:actorType></act:Actor>"},
		{name: "missing", status: result.Fail,
			msg: "header element " + actor + " is missing; the WSDL binding of GetNotes declares it"},
		{name: "in another namespace", status: result.Fail,
			header: `<x:Actor xmlns:x="urn:riv:interoperability:headers:2"><x:actorId>a</x:actorId></x:Actor>`,
			msg:    "header element " + actor + ` is missing; the WSDL binding of GetNotes declares it (an element named Actor was sent in namespace "urn:riv:interoperability:headers:2")`},
		{name: "wrong type", status: result.Fail,
			header: "\n    <act:Actor><act:actorId>SE2321000016-1234</act:actorId><act:actorType>DOCTOR</act:actorType></act:Actor>",
			msg: "header element " + actor + " is invalid: 1 schema problem(s) for urn:riv:interoperability:headers:1: " +
				`5:81: /Actor/actorType: value "DOCTOR" is not one of "SUBJECT_OF_CARE", "PROFESSION" of ActorTypeEnum [validation.facet]`},
		{name: "present, no validator", noXSD: true, status: result.Skip, header: "<act:Actor/>",
			msg: "header element " + actor + " was sent but not validated: no XSD validator configured"},
		{name: "missing, no validator", noXSD: true, status: result.Fail,
			msg: "header element " + actor + " is missing; the WSDL binding of GetNotes declares it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := notesEnv(t, !tc.noXSD)
			got := find(t, env.Request(Request{Header: http.Header{"Content-Type": {"text/xml"}}, Body: notesRequest(tc.header)}, nil, nil), scenario.ReqHeaderElements)
			if got.Status != tc.status || got.Message != tc.msg {
				t.Fatalf("got %s %q\nwant %s %q", got.Status, got.Message, tc.status, tc.msg)
			}
			if got.Impact != 3 {
				t.Errorf("impact %d, want the built-in 3", got.Impact)
			}
		})
	}
}

// The demo contract declares no header but the receiver: n/a.
func TestHeaderElementsCheckNotApplicable(t *testing.T) {
	t.Parallel()
	env := testEnv(t, nil)
	body, err := env.Suite.ReadFile("requests/get-visits.xml")
	if err != nil {
		t.Fatal(err)
	}
	got := find(t, env.Request(Request{Body: body}, nil, nil), scenario.ReqHeaderElements)
	if got.Status != result.NotApplicable || !strings.Contains(got.Message, "declares no header element for GetVisits besides the receiver") {
		t.Fatalf("got %s %q", got.Status, got.Message)
	}
}

func find(t *testing.T, checks []result.Check, id string) result.Check {
	t.Helper()
	for _, c := range checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no %s among %v", id, checks)
	return result.Check{}
}
