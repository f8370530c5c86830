package check

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/sample"
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

// actorHeader is the sample request's Actor header element.
var actorHeader = regexp.MustCompile(`(?s)<(\w+):Actor>.*</\w+:Actor>`)

// notesRequest is the sample GetNotes request with its Actor header
// element replaced by header (the prefix of its namespace is declared on
// the Envelope as ACT).
func notesRequest(t *testing.T, env *Env, header string) []byte {
	t.Helper()
	op, _ := env.Contracts.ByNamespace("urn:riv:demo:notes:GetNotesResponder:1")
	msg, err := sample.Request(op, sample.Options{Receiver: "SE2321000016-CLIN"})
	if err != nil {
		t.Fatal(err)
	}
	m := actorHeader.FindSubmatch(msg)
	if m == nil {
		t.Fatalf("no Actor header in the sample:\n%s", msg)
	}
	return actorHeader.ReplaceAll(msg, []byte(strings.ReplaceAll(header, "ACT", string(m[1]))))
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
			header: "<ACT:Actor><ACT:actorId>SE2321000016-1234</ACT:actorId><ACT:actorType>PROFESSION</ACT:actorType></ACT:Actor>"},
		{name: "missing", status: result.Fail,
			msg: "header element " + actor + " is missing; the WSDL binding of GetNotes declares it"},
		{name: "in another namespace", status: result.Fail,
			header: `<x:Actor xmlns:x="urn:riv:interoperability:headers:2"><x:actorId>a</x:actorId></x:Actor>`,
			msg:    "header element " + actor + ` is missing; the WSDL binding of GetNotes declares it (an element named Actor was sent in namespace "urn:riv:interoperability:headers:2")`},
		{name: "wrong type", status: result.Fail,
			header: "<ACT:Actor><ACT:actorId>SE2321000016-1234</ACT:actorId><ACT:actorType>DOCTOR</ACT:actorType></ACT:Actor>",
			msg: "header element " + actor + " is invalid: 1 schema problem(s) for urn:riv:interoperability:headers:1: " +
				`4:85: /Actor/actorType: value "DOCTOR" is not one of "SUBJECT_OF_CARE", "PROFESSION" of ActorTypeEnum [validation.facet]`},
		{name: "present, no validator", noXSD: true, status: result.Skip, header: "<ACT:Actor/>",
			msg: "header element " + actor + " was sent but not validated: no XSD validator configured"},
		{name: "missing, no validator", noXSD: true, status: result.Fail,
			msg: "header element " + actor + " is missing; the WSDL binding of GetNotes declares it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := notesEnv(t, !tc.noXSD)
			got := find(t, env.Request(Request{Message: NewMessage(http.Header{"Content-Type": {"text/xml"}}, notesRequest(t, env, tc.header), nil, nil)}, nil, nil), scenario.ReqHeaderElements)
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
	got := find(t, env.Request(Request{Message: NewMessage(nil, body, nil, nil)}, nil, nil), scenario.ReqHeaderElements)
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
