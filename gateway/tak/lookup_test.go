package tak_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/testutil"
)

// Names from skltp/takdatahandler's TestTakDataDefines.
const (
	ns1         = "namnrymd-1"
	ns2         = "namnrymd-2"
	r1          = "receiver-1"
	r2          = "receiver-2"
	r3          = "receiver-3"
	r4          = "receiver-4"
	s1          = "sender-1"
	s2          = "sender-2"
	a1          = "address-1"
	a2          = "address-2"
	a3          = "address-3"
	inHSA       = "SE0000000003-1234" // AUTHORIZED_RECEIVER_IN_HSA_TREE
	childInHSA  = "SE0000000001-1234" // CHILD_OF_AUTHORIZED_RECEIVER_IN_HSA_TREE
	parentInHSA = "SE0000000004-1234" // PARENT_OF_AUTHORIZED_RECEIVER_IN_HSA_TREE
)

var (
	riv20 = rivta.RIVTABP20
	riv21 = rivta.RIVTABP21
	at    = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func vpTree(t *testing.T) *hsa.Tree {
	t.Helper()
	tree, err := hsa.Load(taktest.VPHSA(t)...)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// anyOf gives permissions for receiver to both senders for both contracts:
// the Java tests stub isAuthorized(anyString(), anyString(), eq(receiver)).
func anyOf(receiver string) []takdata.Permission {
	var ps []takdata.Permission
	for _, s := range []string{s1, s2} {
		for _, c := range []string{ns1, ns2} {
			ps = append(ps, taktest.P(s, receiver, c))
		}
	}
	return ps
}

func faultCode(f *vpfault.Fault) string {
	if f == nil {
		return ""
	}
	return f.Code.String()
}

// TestRouting ports skltp/takdatahandler VagvalHandlerTest, DefaultRoutingTest,
// HsaTreeClimbRoutingTest and OldStyleDefaultRoutingTest, plus takcache's
// VagvalHandlerTest (multiple matches, validity) and VP's VagvalProcessor
// outcomes (VP004 with whitespace hint, VP006, VP010).
func TestRouting(t *testing.T) {
	t.Parallel()
	tree := vpTree(t)
	hourAgo, twoHoursAgo, inOneHour := at.Add(-time.Hour), at.Add(-2*time.Hour), at.Add(time.Hour)
	tests := []struct {
		name      string
		routes    []takdata.Route
		opt       tak.BuildOptions
		contract  string
		receiver  string
		wantAddr  string
		wantFault string
		wantTrace string
	}{
		{name: "VagvalHandlerTest one route found", routes: []takdata.Route{taktest.R(r1, ns1, riv20, a1)},
			receiver: r1, wantAddr: a1, wantTrace: r1},
		{name: "VagvalHandlerTest two routes found is VP006", routes: []takdata.Route{taktest.R(r1, ns1, riv20, a1), taktest.R(r1, ns1, riv21, a2)},
			receiver: r1, wantFault: "VP006", wantTrace: r1},
		{name: "VagvalHandlerTest no route: tree to SE then default", receiver: r1,
			wantFault: "VP004", wantTrace: "receiver-1,(parent),SE,(default),*"},
		{name: "DefaultRoutingTest found by default receiver", routes: []takdata.Route{taktest.R("*", ns1, riv20, a2)},
			receiver: r2, wantAddr: a2, wantTrace: "receiver-2,(parent),SE,(default),*"},
		{name: "DefaultRoutingTest explicit receiver before default", routes: []takdata.Route{taktest.R("*", ns1, riv20, a2), taktest.R(r1, ns1, riv20, a1)},
			receiver: r1, wantAddr: a1, wantTrace: r1},
		{name: "DefaultRoutingTest HSA climbing before default", routes: []takdata.Route{taktest.R(inHSA, ns1, riv21, a2), taktest.R("*", ns1, riv21, a3)},
			receiver: childInHSA, wantAddr: a2, wantTrace: "SE0000000001-1234,(parent),SE0000000002-1234,SE0000000003-1234"},
		{name: "HsaTreeClimbRoutingTest route found on child", routes: []takdata.Route{taktest.R(inHSA, ns1, riv21, a2)},
			receiver: childInHSA, wantAddr: a2, wantTrace: "SE0000000001-1234,(parent),SE0000000002-1234,SE0000000003-1234"},
		{name: "HsaTreeClimbRoutingTest not found on parent", routes: []takdata.Route{taktest.R(inHSA, ns1, riv21, a2)},
			receiver: parentInHSA, wantFault: "VP004", wantTrace: "SE0000000004-1234,(parent),SE,SE,(default),*"},
		{name: "tree walk off for the contract (excepted namespace prefix)", routes: []takdata.Route{taktest.R(inHSA, ns1, riv21, a2)},
			opt:      tak.BuildOptions{HSALookup: tak.HSALookup{Routing: tak.HSARule{Excepted: []string{"namnrymd"}}}},
			receiver: childInHSA, wantFault: "VP004", wantTrace: "SE0000000001-1234,(default),*"},
		{name: "tree walk off by default, on for an excepted prefix", routes: []takdata.Route{taktest.R(inHSA, ns1, riv21, a2)},
			opt:      tak.BuildOptions{HSALookup: tak.HSALookup{Routing: tak.HSARule{Disabled: true, Excepted: []string{ns1}}}},
			receiver: childInHSA, wantAddr: a2, wantTrace: "SE0000000001-1234,(parent),SE0000000002-1234,SE0000000003-1234"},
		{name: "OldStyleDefaultRoutingTest VG#VE takes the rightmost token", routes: []takdata.Route{taktest.R(r2, ns1, riv21, a2)},
			receiver: "receiver-1#receiver-2", wantAddr: a2, wantTrace: "(leaf),receiver-2"},
		{name: "OldStyleDefaultRoutingTest falls back to the left token", routes: []takdata.Route{taktest.R(r2, ns1, riv21, a2)},
			receiver: "receiver-2#receiver-3", wantAddr: a2, wantTrace: "(leaf),receiver-3,receiver-2"},
		{name: "OldStyleDefaultRoutingTest no token routed: no tree, no default", routes: []takdata.Route{taktest.R(r2, ns1, riv21, a2), taktest.R("*", ns1, riv21, a3)},
			receiver: "receiver-3#receiver-4", wantFault: "VP004", wantTrace: "(leaf),receiver-4,receiver-3"},
		{name: "OldStyleDefaultRoutingTest disabled: the receiver is looked up as is", routes: []takdata.Route{taktest.R(r2, ns1, riv21, a2)},
			opt:      tak.BuildOptions{DefaultRouting: tak.DefaultRouting{Disabled: true}},
			receiver: "receiver-1#receiver-2", wantFault: "VP004", wantTrace: "receiver-1#receiver-2,(parent),SE,(default),*"},
		{name: "VG#VE duplicates dropped", routes: []takdata.Route{taktest.R(r1, ns1, riv21, a1)},
			receiver: "receiver-1#receiver-1", wantAddr: a1, wantTrace: "(leaf),receiver-1"},
		{name: "VG#VE with another delimiter", routes: []takdata.Route{taktest.R(r1, ns1, riv21, a1)},
			opt:      tak.BuildOptions{DefaultRouting: tak.DefaultRouting{Delimiter: "!"}},
			receiver: "receiver-1!receiver-4", wantFault: "", wantAddr: a1, wantTrace: "(leaf),receiver-4,receiver-1"},
		{name: "takcache case-insensitive receiver and contract", routes: []takdata.Route{taktest.R("HttpProducer", "urn:riv:A:B:GetXResponder:1", riv21, a1)},
			contract: "URN:riv:a:b:getxresponder:1", receiver: "httpPRODUCER", wantAddr: a1, wantTrace: "httpPRODUCER"},
		{name: "takcache only valid routes count: expired and future give VP004", routes: []takdata.Route{
			taktest.Between(taktest.R(r1, ns1, riv21, a1), twoHoursAgo, hourAgo),
			taktest.Between(taktest.R(r1, ns1, riv21, a2), inOneHour, at.AddDate(10, 0, 0))},
			receiver: r1, wantFault: "VP004", wantTrace: "receiver-1,(parent),SE,(default),*"},
		{name: "an invalid exact route does not stop the walk to a valid default", routes: []takdata.Route{
			taktest.Between(taktest.R(r1, ns1, riv21, a1), twoHoursAgo, hourAgo), taktest.R("*", ns1, riv21, a3)},
			receiver: r1, wantAddr: a3, wantTrace: "receiver-1,(parent),SE,(default),*"},
		{name: "VP006 regardless of profile", routes: []takdata.Route{taktest.R(r1, ns1, riv20, a1), taktest.R(r1, ns1, riv21, a1)},
			receiver: r1, wantFault: "VP006", wantTrace: r1},
		{name: "VP010 for an empty address", routes: []takdata.Route{taktest.R(r1, ns1, riv21, "")},
			receiver: r1, wantFault: "VP010", wantTrace: r1},
		{name: "VP010 for a blank address", routes: []takdata.Route{taktest.R(r1, ns1, riv21, "  ")},
			receiver: r1, wantFault: "VP010", wantTrace: r1},
		{name: "receiver with a trailing space is not trimmed", routes: []takdata.Route{taktest.R(r1, ns1, riv21, a1)},
			receiver: r1 + " ", wantFault: "VP004", wantTrace: "receiver-1 ,(parent),SE,(default),*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tak.Build(&takdata.Data{Routes: tc.routes}, tree, tc.opt)
			contract := tc.contract
			if contract == "" {
				contract = ns1
			}
			d := c.Decide(tak.Query{Contract: contract, Receiver: tc.receiver, At: at})
			if got := faultCode(d.Fault); got != tc.wantFault {
				t.Fatalf("fault = %q (%v), want %q", got, d.Fault, tc.wantFault)
			}
			if tc.wantFault == "" && (d.Route == nil || d.Route.Address != tc.wantAddr) {
				t.Fatalf("route = %+v, want address %q", d.Route, tc.wantAddr)
			}
			if d.RoutingTrace != tc.wantTrace {
				t.Fatalf("routing trace = %q, want %q", d.RoutingTrace, tc.wantTrace)
			}
		})
	}
}

// TestAuthorization ports skltp/takdatahandler BehorighetHandlerTest (each
// test method's assertions as rows, named after the method) and
// BehorighetDefaultRouteTest.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	tree := vpTree(t)
	restricted := tak.BuildOptions{DefaultRouting: tak.DefaultRouting{AllowedContracts: []string{ns1}, AllowedSenders: []string{s1}}}
	simple := []takdata.Permission{taktest.P(s1, r1, ns1)}
	tests := []struct {
		name      string
		perms     []takdata.Permission
		opt       tak.BuildOptions
		sender    string
		contract  string
		receiver  string
		wantOK    bool
		wantTrace string // checked when not empty
	}{
		{name: "testSimpleAuthorizon allowed", perms: simple, sender: s1, contract: ns1, receiver: r1, wantOK: true},
		{name: "testSimpleAuthorizon other sender refused", perms: simple, sender: s2, contract: ns1, receiver: r1},
		{name: "testSimpleAuthorizonNoHsaCache allowed", perms: simple, opt: tak.BuildOptions{HSALookup: tak.HSALookup{Authorization: tak.HSARule{Disabled: true}}}, sender: s1, contract: ns1, receiver: r1, wantOK: true},
		{name: "testSimpleAuthorizonNoHsaCache refused without a walk", perms: simple, opt: tak.BuildOptions{HSALookup: tak.HSALookup{Authorization: tak.HSARule{Disabled: true}}}, sender: s2, contract: ns1, receiver: r1, wantTrace: "receiver-1,(default),*"},
		{name: "testTraceLogForSimpleAuthorizon", perms: simple, sender: s1, contract: ns1, receiver: r1, wantOK: true, wantTrace: r1},
		{name: "testTraceLogNotAuthorized", perms: simple, sender: s2, contract: ns1, receiver: r1, wantTrace: "receiver-1,(default),*,(parent),SE"},
		{name: "testIsAuthorizedByHsaTreeClimbing the unit itself", perms: anyOf(inHSA), sender: s1, contract: ns1, receiver: inHSA, wantOK: true},
		{name: "testIsAuthorizedByHsaTreeClimbing a child", perms: anyOf(inHSA), sender: s1, contract: ns1, receiver: childInHSA, wantOK: true},
		{name: "testIsAuthorizedByHsaTreeClimbing not the parent", perms: anyOf(inHSA), sender: s1, contract: ns1, receiver: parentInHSA, wantTrace: "SE0000000004-1234,(default),*,(parent),SE,SE"},
		{name: "testTraceLogWhenAuthorizedByHsaTreeClimbing", perms: anyOf(inHSA), sender: s1, contract: ns1, receiver: childInHSA, wantOK: true,
			wantTrace: "SE0000000001-1234,(default),*,(parent),SE0000000002-1234,SE0000000003-1234"},
		{name: "testHsaLookupDisabledForServiceContract the unit itself", perms: anyOf(inHSA), opt: tak.BuildOptions{HSALookup: tak.HSALookup{Authorization: tak.HSARule{Excepted: []string{ns1}}}},
			sender: s1, contract: ns1, receiver: inHSA, wantOK: true},
		{name: "testHsaLookupDisabledForServiceContract not a child", perms: anyOf(inHSA), opt: tak.BuildOptions{HSALookup: tak.HSALookup{Authorization: tak.HSARule{Excepted: []string{ns1}}}},
			sender: s1, contract: ns1, receiver: childInHSA, wantTrace: "SE0000000001-1234,(default),*"},
		{name: "testHsaLookupDisabledForServiceContract not the parent", perms: anyOf(inHSA), opt: tak.BuildOptions{HSALookup: tak.HSALookup{Authorization: tak.HSARule{Excepted: []string{ns1}}}},
			sender: s1, contract: ns1, receiver: parentInHSA},
		{name: "testIsAuthorizedByOldStyleDefaultRouting VG#VE right token", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-1#receiver-2", wantOK: true},
		{name: "testIsAuthorizedByOldStyleDefaultRouting left token", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-2#receiver-3", wantOK: true},
		{name: "testIsAuthorizedByOldStyleDefaultRouting neither", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-3#receiver-4"},
		{name: "testIsAuthorizedByOldStyleDefaultRoutingWhenVEEqualsVG", perms: anyOf(r1), sender: s1, contract: ns1, receiver: "receiver-1#receiver-1", wantOK: true, wantTrace: "(leaf),receiver-1"},
		{name: "testIsAuthorizedByOldStyleDefaultRoutingAndForSenderAndContract right", perms: anyOf(r2), opt: restricted, sender: s1, contract: ns1, receiver: "receiver-1#receiver-2", wantOK: true},
		{name: "testIsAuthorizedByOldStyleDefaultRoutingAndForSenderAndContract left", perms: anyOf(r2), opt: restricted, sender: s1, contract: ns1, receiver: "receiver-2#receiver-3", wantOK: true},
		{name: "testIsAuthorizedByOldStyleDefaultRoutingAndForSenderAndContract neither", perms: anyOf(r2), opt: restricted, sender: s1, contract: ns1, receiver: "receiver-3#receiver-4"},
		{name: "testOldStyleDefaultRoutingNotAllowedContract right", perms: anyOf(r2), opt: restricted, sender: s1, contract: ns2, receiver: "receiver-1#receiver-2", wantTrace: "(leaf),Invalid parameters"},
		{name: "testOldStyleDefaultRoutingNotAllowedContract left", perms: anyOf(r2), opt: restricted, sender: s1, contract: ns2, receiver: "receiver-2#receiver-3", wantTrace: "(leaf),Invalid parameters"},
		{name: "testOldStyleDefaultRoutingNotAllowedSenders right", perms: anyOf(r2), opt: restricted, sender: s2, contract: ns1, receiver: "receiver-1#receiver-2", wantTrace: "(leaf),Invalid parameters"},
		{name: "testOldStyleDefaultRoutingNotAllowedSenders left", perms: anyOf(r2), opt: restricted, sender: s2, contract: ns1, receiver: "receiver-2#receiver-3"},
		{name: "testOldStyleDefaulRoutingtMultipleSeperatorsNotAllowed", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-2#receiver-3#receiver-4", wantTrace: "(leaf),Invalid parameters"},
		{name: "testOldStyleDefaulRoutingtMultipleSeperatorsNotAllowed reversed", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-4#receiver-3#receiver-2"},
		{name: "testTraceLogWhenAuthorizedByOldStyleDefaultRouting 1", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-1#receiver-2", wantOK: true, wantTrace: "(leaf),receiver-2"},
		{name: "testTraceLogWhenAuthorizedByOldStyleDefaultRouting 2", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-2#receiver-3", wantOK: true, wantTrace: "(leaf),receiver-3,receiver-2"},
		{name: "testTraceLogWhenAuthorizedByOldStyleDefaultRouting 3", perms: anyOf(r2), sender: s1, contract: ns1, receiver: "receiver-3#receiver-4", wantTrace: "(leaf),receiver-4,receiver-3"},
		{name: "testIsNotAuthorizedByOldStyleDefaultRoutingWhenItsDisabled", perms: anyOf(r2), opt: tak.BuildOptions{DefaultRouting: tak.DefaultRouting{Disabled: true}},
			sender: s1, contract: ns1, receiver: "receiver-1#receiver-2", wantTrace: "receiver-1#receiver-2,(default),*,(parent),SE"},
		{name: "BehorighetDefaultRouteTest authorised by the default permission", perms: []takdata.Permission{taktest.P(s1, "*", ns1)}, sender: s1, contract: ns1, receiver: r1, wantOK: true},
		{name: "BehorighetDefaultRouteTest default only for its sender and contract", perms: []takdata.Permission{taktest.P(s1, "*", ns1)}, sender: s2, contract: ns2, receiver: r1},
		{name: "BehorighetDefaultRouteTest trace", perms: []takdata.Permission{taktest.P(s1, "*", ns1)}, sender: s1, contract: ns1, receiver: r2, wantOK: true, wantTrace: "receiver-2,(default),*"},
		{name: "PermissionMap case-insensitive on all three keys", perms: []takdata.Permission{taktest.P("Sender-1", "Receiver-1", "Namnrymd-1")}, sender: "SENDER-1", contract: "NAMNRYMD-1", receiver: "rEcEiVeR-1", wantOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tak.Build(&takdata.Data{Permissions: tc.perms}, tree, tc.opt)
			trace, fault := c.Authorize(tak.Query{Sender: tc.sender, Contract: tc.contract, Receiver: tc.receiver, At: at})
			if ok := fault == nil; ok != tc.wantOK {
				t.Fatalf("authorised = %v (trace %q), want %v", ok, trace, tc.wantOK)
			}
			if fault != nil {
				if fault.Code != vpfault.VP007 {
					t.Fatalf("fault %v, want VP007", fault)
				}
				want := "Authorization missing for serviceNamespace: " + tc.contract + ", receiverId: " + tc.receiver + ", senderId: " + tc.sender
				if fault.Detail != want {
					t.Fatalf("detail = %q, want %q", fault.Detail, want)
				}
			}
			if tc.wantTrace != "" && trace != tc.wantTrace {
				t.Fatalf("trace = %q, want %q", trace, tc.wantTrace)
			}
		})
	}
}

func TestFaultDetails(t *testing.T) {
	t.Parallel()
	const ns = "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1"
	c := tak.Build(&takdata.Data{Routes: []takdata.Route{
		taktest.R("HttpsProducer", ns, riv20, "https://localhost:19001/vardgivare-b/tjanst2"),
		taktest.R("Multi", ns, riv20, a1), taktest.R("Multi", ns, riv21, a2),
		taktest.R("NoAddress", ns, riv21, ""),
	}}, nil, tak.BuildOptions{})
	tests := []struct {
		name, receiver, want string
	}{
		{"VP004", "NoVagvalReceiver", "No receiverId (logical address) found for serviceNamespace: " + ns + ", receiverId: NoVagvalReceiver"},
		{"VP004 trailing whitespace hint", "HttpsProducer ", "No receiverId (logical address) found for serviceNamespace: " + ns + ", receiverId: HttpsProducer . Whitespace detected in incoming request!"},
		{"VP004 leading whitespace hint", " HttpsProducer", "No receiverId (logical address) found for serviceNamespace: " + ns + ", receiverId:  HttpsProducer. Whitespace detected in incoming request!"},
		{"VP006", "Multi", "More than one receiverId (logical address) with matching Riv-version found for serviceNamespace: " + ns + ", receiverId: Multi"},
		{"VP010", "NoAddress", "Physical Address field is empty in Service Producer for serviceNamespace: " + ns + ", receiverId: NoAddress"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := c.Decide(tak.Query{Contract: ns, Receiver: tc.receiver, Sender: "tp", At: at})
			if d.Fault == nil || !strings.HasPrefix(tc.name, d.Fault.Code.String()) || d.Fault.Detail != tc.want {
				t.Fatalf("fault = %+v, want %s %q", d.Fault, tc.name, tc.want)
			}
		})
	}
	var none *tak.Catalogue
	if d := none.Decide(tak.Query{Contract: ns, Receiver: "x", Sender: "tp"}); d.Fault == nil || d.Fault.Code != vpfault.VP008 {
		t.Fatalf("nil catalogue: %+v, want VP008", d)
	}
	if _, f := none.Authorize(tak.Query{Contract: ns, Receiver: "x", Sender: "tp"}); f == nil || f.Code != vpfault.VP008 {
		t.Fatalf("nil catalogue Authorize: %v, want VP008", f)
	}
}

// TestPlatformQueries answers GetLogicalAddresseesByServiceContract and
// GetSupportedServiceContracts from tak-core's export.json, as KAT does.
func TestPlatformQueries(t *testing.T) {
	t.Parallel()
	d, err := takformat.ReadFile(testutil.Shared(t, "samples", "skltp-tak", "tak-core", "src", "test", "resources", "export.json"), takformat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := tak.Build(d, nil, tak.BuildOptions{})
	const schedule = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
	const findContent = "urn:riv:itintegration:engagementindex:FindContentResponder:1"
	receivers := func(as []tak.Addressee) string {
		var s []string
		for _, a := range as {
			s = append(s, a.Receiver)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"addressees for a contract", receivers(c.LogicalAddressees("tp", schedule, at)), "HSA-VKK123,HSA-VKM345,HSA-VKY567"},
		{"consumer matched case-insensitively", receivers(c.LogicalAddressees("TP", strings.ToUpper(schedule), at)), "HSA-VKK123,HSA-VKM345,HSA-VKY567"},
		{"another consumer has none", receivers(c.LogicalAddressees("Schedulr", schedule, at)), ""},
		{"before the permissions start", receivers(c.LogicalAddressees("tp", schedule, time.Date(2009, 3, 9, 12, 0, 0, 0, time.UTC))), ""},
		{"filters come along", fmt.Sprint(c.LogicalAddressees("tp", findContent, at)[0].Filters),
			"[{urn:riv:itintegration:registry:GetItems [Category c2]} {urn:riv:itintegration:registry:GetMoreItems []}]"},
		{"supported contracts for consumer and address", strings.Join(c.SupportedContracts("tp", "5565594230", at), ","),
			"urn:riv:itinfra:tp:PingResponder:1,urn:riv:itintegration:engagementindex:FindContentResponder:1,urn:riv:itintegration:registry:GetLogicalAddresseesByServiceContractResponder:1,urn:riv:itintegration:registry:GetSupportedServiceContractsResponder:1"},
		{"supported contracts for any consumer", fmt.Sprint(len(c.SupportedContracts("", "5565594230", at))), "4"},
		{"supported contracts for another consumer", fmt.Sprint(len(c.SupportedContracts("EI-HSAID", "5565594230", at))), "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
