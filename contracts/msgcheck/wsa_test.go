package msgcheck

import (
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/internal/testutil"
)

// schedulingAction is the soapAction the GetSubjectOfCareSchedule 1.0 WSDL
// (crm:scheduling 1.0.4, RIVTABP20) binds.
const schedulingAction = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"

// schedulingContracts is the real RIVTABP20 contract crm:scheduling 1.0.4.
func schedulingContracts(t testing.TB) *contracts.Set {
	t.Helper()
	set, err := contracts.LoadDir(testutil.Shared(t, "contracts", "crm_scheduling_1.0.4"))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWSAddressing judges real RIVTABP20 requests (the BP20 fixture
// suite's recorded request and VP's own test messages) with
// WS-Addressing headers added or changed: wsa:Action against the WSDL's
// soapAction, wsa:MessageID as a URI, mustUnderstand headers, and receiver
// headers that disagree.
func TestWSAddressing(t *testing.T) {
	t.Parallel()
	bp20 := Checker{Contracts: schedulingContracts(t)}
	bp21 := Checker{Contracts: demoContracts(t)}
	fixture := readFile(t, testutil.Fixture(t, "suites", "crm-scheduling-bp20", "requests", "get-subject-of-care-schedule.xml"))
	vpSample := readFile(t, testutil.Shared(t, "samples", "skltp-vp", "testfiles", "GetSubjectOfCareRequest20.xml"))
	vpNSInHeader := readFile(t, testutil.Shared(t, "samples", "skltp-vp", "testfiles", "Rivta20RequestNamespaceInHeader.xml"))
	// withHeaders adds header elements after the fixture's wsa:To.
	withHeaders := func(els ...string) string {
		return strings.Replace(fixture, "<wsa:To>SE2321000016-BOOK</wsa:To>", "<wsa:To>SE2321000016-BOOK</wsa:To>"+strings.Join(els, ""), 1)
	}
	const mu = `soapenv:mustUnderstand="1"`
	tests := []struct {
		name    string
		checker Checker
		body    string
		rule    string
		outcome Outcome
		text    string
	}{
		{"fixture: no Action", bp20, fixture, RuleWSAAction, NotApplicable, "no wsa:Action sent"},
		{"fixture: no MessageID", bp20, fixture, RuleWSAMessageID, NotApplicable, "no wsa:MessageID sent"},
		{"fixture: nothing marked", bp20, fixture, RuleMustUnderstand, NotApplicable, "no header element is marked mustUnderstand"},
		{"fixture: one receiver", bp20, fixture, RuleReceiverConflict, Pass, "one receiver header, To"},

		{"right Action", bp20, withHeaders(`<wsa:Action ` + mu + `>` + schedulingAction + `</wsa:Action>`), RuleWSAAction, Pass,
			`wsa:Action "` + schedulingAction + `"`},
		{"wrong Action with mustUnderstand", bp20, withHeaders(`<wsa:Action ` + mu + `>urn:riv:crm:scheduling:GetBookingDetailsResponder:1:GetBookingDetails</wsa:Action>`),
			RuleWSAAction, Fail, `wsa:Action "urn:riv:crm:scheduling:GetBookingDetailsResponder:1:GetBookingDetails", the WSDL gives "` + schedulingAction +
				`" for GetSubjectOfCareSchedule (a producer that reads WS-Addressing answers ActionNotSupported)`},
		{"Action twice", bp20, withHeaders(`<wsa:Action>`+schedulingAction+`</wsa:Action>`, `<wsa:Action>`+schedulingAction+`</wsa:Action>`),
			RuleWSAAction, Fail, "wsa:Action sent 2 times; WS-Addressing allows one"},
		{"Action of an unknown contract", Checker{}, withHeaders(`<wsa:Action>` + schedulingAction + `</wsa:Action>`), RuleWSAAction, Skip,
			`contract "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1" is not in the suite's contracts`},

		{"MessageID urn:uuid", bp20, withHeaders(`<wsa:MessageID>urn:uuid:6b29fc40-ca47-1067-b31d-00dd010662da</wsa:MessageID>`), RuleWSAMessageID, Pass,
			`wsa:MessageID "urn:uuid:6b29fc40-ca47-1067-b31d-00dd010662da"`},
		{"MessageID trimmed", bp20, withHeaders("<wsa:MessageID>\n  uuid:6b29fc40\n</wsa:MessageID>"), RuleWSAMessageID, Pass, `wsa:MessageID "uuid:6b29fc40"`},
		{"MessageID no URI", bp20, withHeaders(`<wsa:MessageID>12345</wsa:MessageID>`), RuleWSAMessageID, Fail,
			`wsa:MessageID "12345" has no scheme, so it is not an absolute URI; WS-Addressing requires an absolute IRI, such as urn:uuid:...`},
		{"MessageID with a space", bp20, withHeaders(`<wsa:MessageID>urn:uuid:6b29 fc40</wsa:MessageID>`), RuleWSAMessageID, Fail,
			`wsa:MessageID "urn:uuid:6b29 fc40" contains a space or a character URIs exclude; WS-Addressing requires an absolute IRI, such as urn:uuid:...`},
		{"MessageID bad escape", bp20, withHeaders(`<wsa:MessageID>http://example.org/%zz</wsa:MessageID>`), RuleWSAMessageID, Fail,
			`wsa:MessageID "http://example.org/%zz" is not a URI: invalid URL escape "%zz"; WS-Addressing requires an absolute IRI, such as urn:uuid:...`},
		{"MessageID empty", bp20, withHeaders(`<wsa:MessageID/>`), RuleWSAMessageID, Fail,
			`wsa:MessageID "" is empty; WS-Addressing requires an absolute IRI, such as urn:uuid:...`},
		{"MessageID twice", bp20, withHeaders(`<wsa:MessageID>urn:uuid:1</wsa:MessageID>`, `<wsa:MessageID>urn:uuid:2</wsa:MessageID>`), RuleWSAMessageID, Fail,
			"wsa:MessageID sent 2 times; WS-Addressing allows one"},

		{"WS-Addressing understood on RIVTABP20", bp20,
			withHeaders(`<wsa:Action `+mu+`>`+schedulingAction+`</wsa:Action>`, `<wsa:MessageID soapenv:mustUnderstand="true">urn:uuid:1</wsa:MessageID>`),
			RuleMustUnderstand, Pass,
			"2 header(s) marked mustUnderstand, each defined by RIVTABP20 and the WSDL of GetSubjectOfCareSchedule: {http://www.w3.org/2005/08/addressing}Action, {http://www.w3.org/2005/08/addressing}MessageID"},
		{"unknown header with mustUnderstand", bp20, withHeaders(`<x:Trace xmlns:x="urn:example:trace" ` + mu + `>on</x:Trace>`), RuleMustUnderstand, Fail,
			`mustUnderstand="1" on {urn:example:trace}Trace, which RIVTABP20 and the WSDL of GetSubjectOfCareSchedule do not define: a SOAP node must answer it with a MustUnderstand fault`},
		{"unknown header for another actor", bp20, withHeaders(`<x:Trace xmlns:x="urn:example:trace" ` + mu + ` soapenv:actor="urn:example:monitor">on</x:Trace>`),
			RuleMustUnderstand, NotApplicable, "no header element meant for the receiver is marked mustUnderstand"},
		{"unknown header for the next node", bp20, withHeaders(`<x:Trace xmlns:x="urn:example:trace" ` + mu + ` soapenv:actor="http://schemas.xmlsoap.org/soap/actor/next">on</x:Trace>`),
			RuleMustUnderstand, Fail,
			`mustUnderstand="1" on {urn:example:trace}Trace, which RIVTABP20 and the WSDL of GetSubjectOfCareSchedule do not define: a SOAP node must answer it with a MustUnderstand fault`},
		{"mustUnderstand 0", bp20, withHeaders(`<x:Trace xmlns:x="urn:example:trace" soapenv:mustUnderstand="0">on</x:Trace>`), RuleMustUnderstand, NotApplicable,
			"no header element meant for the receiver is marked mustUnderstand"},
		{"mustUnderstand not in the SOAP namespace", bp20, withHeaders(`<x:Trace xmlns:x="urn:example:trace" mustUnderstand="1">on</x:Trace>`), RuleMustUnderstand, NotApplicable,
			"no header element meant for the receiver is marked mustUnderstand"},
		{"mustUnderstand yes", bp20, withHeaders(`<wsa:Action soapenv:mustUnderstand="yes">` + schedulingAction + `</wsa:Action>`), RuleMustUnderstand, Fail,
			`mustUnderstand="yes" on {http://www.w3.org/2005/08/addressing}Action is neither 1 nor 0`},
		{"WS-Addressing not understood on RIVTABP21", bp21,
			strings.Replace(getVisitsString(t), "</itr:LogicalAddress>", `</itr:LogicalAddress><wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing" soapenv:mustUnderstand="1">urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits</wsa:Action>`, 1),
			RuleMustUnderstand, Fail,
			`mustUnderstand="1" on {http://www.w3.org/2005/08/addressing}Action, which RIVTABP21 and the WSDL of GetVisits do not define: a SOAP node must answer it with a MustUnderstand fault`},
		{"VP sample: Actor header without mustUnderstand", bp20, vpSample, RuleMustUnderstand, NotApplicable, "no header element is marked mustUnderstand"},
		{"VP sample: Actor header the BP20 WSDL does not bind, marked", bp20, strings.Replace(vpSample, "<urn:Actor>", `<urn:Actor soapenv:mustUnderstand="1">`, 1),
			RuleMustUnderstand, Fail,
			`mustUnderstand="1" on {urn:riv:interoperability:headers:1}Actor, which RIVTABP20 and the WSDL of GetSubjectOfCareSchedule do not define: a SOAP node must answer it with a MustUnderstand fault`},
		{"VP sample: namespaces on Header", bp20, vpNSInHeader, RuleReceiverConflict, Pass, "one receiver header, To"},

		{"To and LogicalAddress disagree", bp20, withHeaders(`<itr:LogicalAddress xmlns:itr="urn:riv:itintegration:registry:1">SE2321000016-OTHER</itr:LogicalAddress>`),
			RuleReceiverConflict, Fail,
			`receiver headers disagree: {http://www.w3.org/2005/08/addressing}To "SE2321000016-BOOK", {urn:riv:itintegration:registry:1}LogicalAddress "SE2321000016-OTHER"; the platform routes on the last one ("SE2321000016-OTHER"), a producer may read another`},
		{"To and LogicalAddress agree", bp20, withHeaders(`<itr:LogicalAddress xmlns:itr="urn:riv:itintegration:registry:1">SE2321000016-BOOK</itr:LogicalAddress>`),
			RuleReceiverConflict, Pass, `2 receiver headers, all "SE2321000016-BOOK"`},
		{"To twice, apart by whitespace", bp20, withHeaders("<wsa:To> SE2321000016-BOOK</wsa:To>"), RuleReceiverConflict, Fail,
			`receiver headers disagree: {http://www.w3.org/2005/08/addressing}To "SE2321000016-BOOK", {http://www.w3.org/2005/08/addressing}To " SE2321000016-BOOK"; the platform routes on the last one (" SE2321000016-BOOK"), a producer may read another`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{Header: http.Header{"Content-Type": {"text/xml; charset=UTF-8"}}, Body: []byte(tc.body)}
			got := tc.checker.Check(m, tc.rule)
			want := Finding{Rule: tc.rule, Outcome: tc.outcome, Message: tc.text}
			if len(got) == 1 {
				got[0].At = nil // where: TestLocate
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func getVisitsString(t testing.TB) string {
	t.Helper()
	return string(getVisits(t))
}

// TestMessageID reads the id an answer's wsa:RelatesTo names.
func TestMessageID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		{"none", string(getVisits(t)), ""},
		{"trimmed", strings.Replace(string(getVisits(t)), "</itr:LogicalAddress>",
			"</itr:LogicalAddress><MessageID xmlns=\"http://www.w3.org/2005/08/addressing\">\n urn:uuid:1 </MessageID>", 1), "urn:uuid:1"},
		{"another namespace", strings.Replace(string(getVisits(t)), "</itr:LogicalAddress>",
			"</itr:LogicalAddress><MessageID xmlns=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">urn:uuid:1</MessageID>", 1), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, err := (&Message{Body: []byte(tc.body)}).Envelope()
			if err != nil {
				t.Fatal(err)
			}
			if got := MessageID(info); got != tc.want {
				t.Fatalf("MessageID = %q, want %q", got, tc.want)
			}
		})
	}
	if got := MessageID(nil); got != "" {
		t.Fatalf("MessageID(nil) = %q", got)
	}
}
