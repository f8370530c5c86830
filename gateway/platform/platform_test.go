package platform

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/generated/gentest"
	la "github.com/rivgate/rivgate/contracts/generated/logicaladdressees"
	ping "github.com/rivgate/rivgate/contracts/generated/pingforconfiguration"
	sc "github.com/rivgate/rivgate/contracts/generated/supportedcontracts"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak"
)

// The contracts of VP's TAK test data.
const (
	nsCertificate = "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1"
	nsActivities  = "urn:riv:clinicalprocess:activity:actions:GetActivitiesResponder:1"
	nsProcessNote = "urn:riv:itintegration:engagementindex:ProcessNotificationResponder:1"
	nsCheckBlocks = "urn:riv:ehr:blocking:accesscontrol:CheckBlocksResponder:3"
	nsGSSC2       = "urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2"

	platformAddress = "SE165565594230-1000"
)

// at is inside the validity of every entry of VP's test data (2013-2123).
var at = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// loadStore loads TAK files (any format) and HSA files through the real TAK
// store, as the gateway does.
func loadStore(t testing.TB, files, hsaFiles []string) *tak.Store {
	t.Helper()
	st, err := tak.NewStore(tak.Config{Files: files, HSAFiles: hsaFiles}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if rep := st.Reload(context.Background()); rep.State != tak.StateOK {
		t.Fatalf("load TAK %v: %s %v", files, rep.State, rep.Err)
	}
	return st
}

// vpTestData is VP's own TAK test data with its HSA files.
func vpTestData(t testing.TB) *tak.Store {
	t.Helper()
	d := filepath.Join(gentest.RivtaDir(t), "samples", "skltp-vp")
	return loadStore(t,
		[]string{filepath.Join(d, "takdata", "tak-vagval-test.xml"), filepath.Join(d, "takdata", "tak-behorigheter-test.xml")},
		[]string{filepath.Join(d, "hsacache.xml"), filepath.Join(d, "hsacachecomplementary.xml")})
}

func newService(st *tak.Store) *Service {
	s := New(Config{LogicalAddress: platformAddress, InstanceName: "rivgate-test", Version: "9.9.9", Started: at.Add(-time.Hour)}, st.Catalogue, st.Status)
	s.now = func() time.Time { return at }
	return s
}

// serve sniffs msg with the gateway's sniffer and lets s answer it.
func serve(t *testing.T, s *Service, msg []byte) (int, []byte) {
	t.Helper()
	info, err := envelope.SniffBytes(msg)
	if err != nil {
		t.Fatalf("sniff request: %v\n%s", err, msg)
	}
	if !s.Handles(info.Body.Space, info.Receiver) {
		t.Fatalf("Handles(%s, %q) = false", info.Body.Space, info.Receiver)
	}
	return s.Serve(context.Background(), info, msg)
}

// answerOK checks a 200 answer and validates it with xmllint and contracts/xsd.
func answerOK(t *testing.T, status int, body []byte) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200:\n%s", status, body)
	}
	if err := gentest.Validate(t, body, gentest.PlatformSchemas(t)); err != nil {
		t.Fatalf("answer does not validate: %v\n%s", err, body)
	}
}

type record struct {
	receiver string
	filters  string // "domain:cat1,cat2;domain2:" for comparison
}

func glabsc(t *testing.T, s *Service, consumer, contract string) []record {
	t.Helper()
	msg, err := la.RequestEnvelope(platformAddress, &la.GetLogicalAddresseesByServiceContract{
		ServiceConsumerHsaId:     la.HsaIdType(consumer),
		ServiceContractNameSpace: la.ServiceContractNamespaceType{ServiceContractNamespace: la.AnyURI(contract)},
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body := serve(t, s, msg)
	answerOK(t, status, body)
	resp, err := la.ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for _, r := range resp.LogicalAddressRecord {
		var fs []string
		for _, f := range r.Filter {
			fs = append(fs, string(f.ServiceDomain)+":"+strings.Join(f.Categorization, ","))
		}
		out = append(out, record{string(r.LogicalAddress), strings.Join(fs, ";")})
	}
	return out
}

func receivers(rs []record) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.receiver)
	}
	return out
}

// TestLogicalAddresseesOnVPTestData: the expected addresses are read by hand
// from skltp-vp/takdata (routes and permissions, all valid 2013-2123) and
// hsacache.xml (SE0000000003-1234 is the parent of SE0000000002-1234, whose
// children are SE0000000000-1234 and SE0000000001-1234).
func TestLogicalAddresseesOnVPTestData(t *testing.T) {
	s := newService(vpTestData(t))
	allCertificateRoutes := []string{"HttpProducer", "HttpsProducer", "HttpsProducerWsdl", "HttpsProducerStrict",
		"HttpsProducerLegacy", "NotAuthorizedReceiver", "ReceiverNoProducerAvailable", "ReceiverUnknownRivVersion",
		"ReceiverMultipleVagval", "ReceiverNoPhysicalAddress", "HttpProducerResetByPeer"}
	tests := []struct {
		name     string
		consumer string
		contract string
		want     []string
	}{
		{
			// Eight explicit permissions; the other routed receivers
			// (NotAuthorizedReceiver, ReceiverMultipleVagval,
			// ReceiverNoPhysicalAddress) are not permitted to tp.
			name: "tp GetCertificate: its explicit permissions", consumer: "tp", contract: nsCertificate,
			want: []string{"HttpProducer", "HttpsProducer", "HttpsProducerWsdl", "HttpsProducerStrict", "HttpsProducerLegacy",
				"ReceiverNoProducerAvailable", "ReceiverUnknownRivVersion", "HttpProducerResetByPeer"},
		},
		{
			name: "consumer case does not matter", consumer: "TP", contract: nsCertificate,
			want: []string{"HttpProducer", "HttpsProducer", "HttpsProducerWsdl", "HttpsProducerStrict", "HttpsProducerLegacy",
				"ReceiverNoProducerAvailable", "ReceiverUnknownRivVersion", "HttpProducerResetByPeer"},
		},
		{
			// Only a default permission: "*" as TAK lists it, then every
			// routed receiver of the contract, which "*" lets it call.
			name: "default permission lists * and every routed address", consumer: "SenderWithDefaultBehorighet", contract: nsCertificate,
			want: append([]string{"*"}, allCertificateRoutes...),
		},
		{
			// Four permissions (SE0000000003-1234, FirstReceiverRiv21,
			// SecondReceiverRiv21, *), then the routed receivers "*" adds.
			name: "explicit and default permissions", consumer: "SenderWithDefaultBehorighet", contract: nsActivities,
			want: []string{"SE0000000003-1234", "FirstReceiverRiv21", "SecondReceiverRiv21", "*", "HttpProducer", "ReceiverRiv20", "ReceiverRiv21"},
		},
		{
			// A permission without a route is still TAK's answer; routed
			// receivers tp has no permission for are not.
			name: "tp GetActivities", consumer: "tp", contract: nsActivities,
			want: []string{"GetActivitiesReceiverWithNoExplicitVagval", "ReceiverRiv20", "ReceiverRiv21"},
		},
		{name: "tp ProcessNotification", consumer: "tp", contract: nsProcessNote, want: []string{"5565594230"}},
		{name: "tp CheckBlocks", consumer: "tp", contract: nsCheckBlocks, want: []string{"HttpProducer"}},
		{name: "unknown consumer", consumer: "nobody", contract: nsCertificate, want: []string{}},
		{name: "unknown contract", consumer: "tp", contract: "urn:riv:unknown:NothingResponder:1", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := receivers(glabsc(t, s, tt.consumer, tt.contract))
			if !slices.Equal(got, tt.want) {
				t.Errorf("addresses\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func gssc(t *testing.T, s *Service, consumer, receiver string) []string {
	t.Helper()
	req := &sc.GetSupportedServiceContracts{LogicalAdress: sc.LogicalAddressType(receiver)}
	if consumer != "" {
		c := sc.HsaIdType(consumer)
		req.ServiceConsumerHsaId = &c
	}
	msg, err := sc.RequestEnvelope(platformAddress, req)
	if err != nil {
		t.Fatal(err)
	}
	status, body := serve(t, s, msg)
	answerOK(t, status, body)
	resp, err := sc.ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, c := range resp.ServiceContractNamespace {
		out = append(out, string(c.ServiceContractNamespace))
	}
	return out
}

// TestSupportedContractsOnVPTestData: expected contracts read by hand from
// the same data.
func TestSupportedContractsOnVPTestData(t *testing.T) {
	s := newService(vpTestData(t))
	tests := []struct {
		name     string
		consumer string
		receiver string
		want     []string
	}{
		{
			// tp holds permissions at HttpProducer for three contracts;
			// GetActivities is routed there but tp may not call it.
			name: "tp at HttpProducer", consumer: "tp", receiver: "HttpProducer",
			want: []string{nsCheckBlocks, nsGSSC2, nsCertificate},
		},
		{
			// Anyone: the permitted contracts plus GetActivities, which has
			// a route to HttpProducer.
			name: "anyone at HttpProducer", receiver: "HttpProducer",
			want: []string{nsActivities, nsCheckBlocks, nsGSSC2, nsCertificate},
		},
		{
			// No permission at this child unit, but GetActivities routes to
			// its ancestor SE0000000003-1234 and the default permission
			// lets the consumer call it.
			name: "default permission at an HSA child unit", consumer: "SenderWithDefaultBehorighet", receiver: "SE0000000000-1234",
			want: []string{nsActivities},
		},
		{name: "tp at the same child unit", consumer: "tp", receiver: "SE0000000000-1234", want: []string{}},
		{
			// Routed only by the default route "*" of GetActivities.
			name: "anyone at an unknown address", receiver: "SomeUnknownReceiver", want: []string{nsActivities},
		},
		{name: "tp at an unknown address", consumer: "tp", receiver: "SomeUnknownReceiver", want: []string{}},
		{name: "tp at 5565594230", consumer: "tp", receiver: "5565594230", want: []string{nsProcessNote}},
		{name: "address case does not matter", consumer: "tp", receiver: "httpproducer", want: []string{nsCheckBlocks, nsGSSC2, nsCertificate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := gssc(t, s, tt.consumer, tt.receiver); !slices.Equal(got, tt.want) {
				t.Errorf("contracts\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestFiltersOnNationalTestDump: the NTjP test environment's TAK dump (2016)
// has one filter: servicedomain "Test", category "Test", on the permission of
// SE5565594230-BCQ to call 5565594230 with ProcessNotification.
func TestFiltersOnNationalTestDump(t *testing.T) {
	zip := filepath.Join(gentest.RivtaDir(t), "samples", "skltp-tak", "tak-integration", "export", "test", "takdump_ntjp_test.json.zip")
	s := newService(loadStore(t, []string{zip}, nil))
	got := glabsc(t, s, "SE5565594230-BCQ", nsProcessNote)
	want := []record{{"5565594230", "Test:Test"}}
	if !slices.Equal(got, want) {
		t.Errorf("records\n got %+v\nwant %+v", got, want)
	}
}

// constructedTAK is a small catalogue for the rules VP's test data does not
// exercise: validity in both directions, filters carried to addresses reached
// through "*" or the HSA tree, and the tree walk for authorisation.
const constructedTAK = `routes:
  - {receiver: SE0000000000-1234, contract: urn:riv:demo:ThingsResponder:1, profile: RIVTABP21, address: "https://p1.example/things"}
  - {receiver: SE0000000005-1234, contract: urn:riv:demo:ThingsResponder:1, profile: RIVTABP21, address: "https://p2.example/things"}
  - {receiver: Other-1, contract: urn:riv:demo:ThingsResponder:1, profile: RIVTABP21, address: "https://p3.example/things"}
  - {receiver: Old-1, contract: urn:riv:demo:ThingsResponder:1, profile: RIVTABP21, address: "https://p4.example/things", from: "2015-01-01", to: "2016-01-01"}
permissions:
  - sender: Tree-Consumer
    receiver: SE0000000002-1234
    contract: urn:riv:demo:ThingsResponder:1
    filters: [{serviceDomain: "riv:clinicalprocess:logistics:logistics", categorizations: [vko, vo]}]
  - sender: Star-Consumer
    receiver: "*"
    contract: urn:riv:demo:ThingsResponder:1
    filters: [{serviceDomain: "riv:demo:things"}]
  - {sender: Star-Consumer, receiver: Other-1, contract: urn:riv:demo:ThingsResponder:1}
  - {sender: Expired-Consumer, receiver: Other-1, contract: urn:riv:demo:ThingsResponder:1, from: "2015-01-01", to: "2016-01-01"}
  - {sender: Future-Consumer, receiver: Other-1, contract: urn:riv:demo:ThingsResponder:1, from: "2100-01-01"}
`

func TestRegistryRulesOnConstructedData(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tak.yaml")
	if err := os.WriteFile(file, []byte(constructedTAK), 0o644); err != nil {
		t.Fatal(err)
	}
	hsa := filepath.Join(gentest.RivtaDir(t), "samples", "skltp-vp", "hsacache.xml")
	s := newService(loadStore(t, []string{file}, []string{hsa}))
	const things = "urn:riv:demo:ThingsResponder:1"
	tests := []struct {
		name     string
		consumer string
		want     []record
	}{
		{
			// SE0000000000-1234 is a child of SE0000000002-1234: reached
			// through the tree with the parent permission's filter.
			// SE0000000005-1234 hangs under SE0000000003-1234, not under
			// SE0000000002-1234, so it is not reachable.
			name: "tree walk", consumer: "Tree-Consumer",
			want: []record{{"SE0000000002-1234", "riv:clinicalprocess:logistics:logistics:vko,vo"}, {"SE0000000000-1234", "riv:clinicalprocess:logistics:logistics:vko,vo"}},
		},
		{
			// "*" first, its explicit permission (no filter) next, then the
			// routed addresses with the "*" permission's filter; Old-1's
			// route has expired.
			name: "default permission", consumer: "Star-Consumer",
			want: []record{{"*", "riv:demo:things:"}, {"Other-1", ""}, {"SE0000000000-1234", "riv:demo:things:"}, {"SE0000000005-1234", "riv:demo:things:"}},
		},
		{name: "expired permission", consumer: "Expired-Consumer", want: nil},
		{name: "future permission", consumer: "Future-Consumer", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := glabsc(t, s, tt.consumer, things); !slices.Equal(got, tt.want) {
				t.Errorf("records\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("supported contracts through the tree", func(t *testing.T) {
		if got := gssc(t, s, "Tree-Consumer", "SE0000000000-1234"); !slices.Equal(got, []string{things}) {
			t.Errorf("got %q", got)
		}
		if got := gssc(t, s, "Tree-Consumer", "SE0000000005-1234"); len(got) != 0 {
			t.Errorf("SE0000000005-1234 is outside the permitted subtree, got %q", got)
		}
		if got := gssc(t, s, "Expired-Consumer", "Other-1"); len(got) != 0 {
			t.Errorf("expired permission still counted: %q", got)
		}
	})
}

func TestPing(t *testing.T) {
	st := vpTestData(t)
	s := newService(st)
	tests := []struct {
		name      string
		msg       func(t *testing.T) []byte
		profile   rivta.Profile
		relatesTo string
	}{
		{
			name: "RIVTABP21",
			msg: func(t *testing.T) []byte {
				b, err := ping.RequestEnvelope(rivta.RIVTABP21, platformAddress, &ping.PingForConfiguration{ServiceContractNamespace: ping.Namespace, LogicalAddress: platformAddress})
				if err != nil {
					t.Fatal(err)
				}
				return b
			},
			profile: rivta.RIVTABP21,
		},
		{
			name: "RIVTABP20 with MessageID",
			msg: func(t *testing.T) []byte {
				return []byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:urn="` + ping.Namespace + `">
<soapenv:Header><wsa:To>` + platformAddress + `</wsa:To><wsa:MessageID>urn:uuid:6a1c0c2e-4b0e-4f53-9a53-3d0c8e9d1f00</wsa:MessageID></soapenv:Header>
<soapenv:Body><urn:PingForConfiguration><urn:serviceContractNamespace>` + ping.Namespace + `</urn:serviceContractNamespace><urn:logicalAddress>` + platformAddress + `</urn:logicalAddress></urn:PingForConfiguration></soapenv:Body></soapenv:Envelope>`)
			},
			profile:   rivta.RIVTABP20,
			relatesTo: "urn:uuid:6a1c0c2e-4b0e-4f53-9a53-3d0c8e9d1f00",
		},
		{
			// VP's own test request: an empty PingForConfiguration element.
			name: "VP test request, empty body element, RIVTABP20",
			msg: func(t *testing.T) []byte {
				b, err := os.ReadFile(filepath.Join(gentest.RivtaDir(t), "samples", "skltp-vp", "testfiles", "PingForConfiguration-request-input.xml"))
				if err != nil {
					t.Fatal(err)
				}
				return []byte(strings.ReplaceAll(string(b), "local-ping-producer", platformAddress))
			},
			profile: rivta.RIVTABP20,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := serve(t, s, tt.msg(t))
			answerOK(t, status, body)
			resp, err := ping.ParseResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Version != "9.9.9" || resp.PingDateTime != ping.FormatTS(at) {
				t.Errorf("version %q, pingDateTime %q", resp.Version, resp.PingDateTime)
			}
			items := map[string]string{}
			for _, c := range resp.Configuration {
				items[c.Name] = c.Value
			}
			want := map[string]string{
				ItemApplication: "rivgate-test", ItemVersion: "9.9.9", ItemStartTime: at.Add(-time.Hour).Format(time.RFC3339),
				ItemLogicalAddress: platformAddress, ItemProfile: string(tt.profile), ItemTAKStatus: "OK",
				ItemTAKRoutes: "22", ItemTAKPermissions: "21",
			}
			for k, v := range want {
				if items[k] != v {
					t.Errorf("configuration %s = %q, want %q", k, items[k], v)
				}
			}
			if items[ItemTAKSource] == "" || items[ItemTAKLoaded] == "" {
				t.Errorf("catalogue source or load time missing: %v", items)
			}
			hasRelates := strings.Contains(string(body), "<RelatesTo xmlns=\"http://www.w3.org/2005/08/addressing\">"+tt.relatesTo+"</RelatesTo>")
			if (tt.relatesTo != "") != hasRelates {
				t.Errorf("wsa:RelatesTo %q expected=%v in\n%s", tt.relatesTo, tt.relatesTo != "", body)
			}
		})
	}
}

func TestHandles(t *testing.T) {
	s := NewWith(Config{LogicalAddress: platformAddress}, func() Catalogue { return nil }, func() Status { return Status{} })
	off := NewWith(Config{}, func() Catalogue { return nil }, func() Status { return Status{} })
	tests := []struct {
		name     string
		svc      *Service
		contract string
		receiver string
		want     bool
	}{
		{"ping to the platform", s, ping.Namespace, platformAddress, true},
		{"GLABSC to the platform", s, la.Namespace, platformAddress, true},
		{"GSSC, receiver case differs", s, sc.Namespace, strings.ToLower(platformAddress), true},
		{"ping to a producer is forwarded", s, ping.Namespace, "SE2321000016-7P35", false},
		{"other contract to the platform", s, nsCertificate, platformAddress, false},
		{"receiver with whitespace", s, ping.Namespace, " " + platformAddress, false},
		{"no logical address configured", off, ping.Namespace, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.svc.Handles(tt.contract, tt.receiver); got != tt.want {
				t.Errorf("Handles = %v", got)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	loaded := newService(vpTestData(t))
	empty := NewWith(Config{LogicalAddress: platformAddress, InstanceName: "rivgate-test"}, func() Catalogue { return nil }, func() Status { return Status{State: "FAILED"} })
	glabscMsg := func(consumer, contract string) string {
		return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">` + platformAddress + `</LogicalAddress></s:Header><s:Body>` +
			`<GetLogicalAddresseesByServiceContract xmlns="` + la.Namespace + `"><serviceConsumerHsaId>` + consumer + `</serviceConsumerHsaId>` +
			`<serviceContractNameSpace><ServiceContractNamespace xmlns="urn:riv:infrastructure:itintegration:registry:2">` + contract + `</ServiceContractNamespace></serviceContractNameSpace></GetLogicalAddresseesByServiceContract></s:Body></s:Envelope>`
	}
	tests := []struct {
		name      string
		svc       *Service
		msg       string
		faultcode string
		contains  string
	}{
		{"nothing loaded: VP008", empty, glabscMsg("tp", nsCertificate), string(vpfault.Server), "VP008 [rivgate-test]"},
		{"consumer missing", loaded, glabscMsg("  ", nsCertificate), string(vpfault.Client), "serviceConsumerHsaId must not be empty"},
		{"contract missing", loaded, glabscMsg("tp", ""), string(vpfault.Client), "ServiceContractNamespace must not be empty"},
		{"wrong element in the contract namespace", loaded,
			`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">` + platformAddress + `</LogicalAddress></s:Header><s:Body><Nonsense xmlns="` + la.Namespace + `"/></s:Body></s:Envelope>`,
			string(vpfault.Client), "Nonsense"},
		{"GSSC without logicalAdress", loaded,
			`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">` + platformAddress + `</LogicalAddress></s:Header><s:Body><GetSupportedServiceContracts xmlns="` + sc.Namespace + `"/></s:Body></s:Envelope>`,
			string(vpfault.Client), "logicalAdress must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := serve(t, tt.svc, []byte(tt.msg))
			if status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500\n%s", status, body)
			}
			f, err := vpfault.Parse(body)
			if err != nil {
				t.Fatalf("not a SOAP fault: %v\n%s", err, body)
			}
			if f.FaultCode != tt.faultcode || !strings.Contains(f.FaultString+" "+f.DetailString, tt.contains) {
				t.Errorf("fault %q %q %q, want %s containing %q", f.FaultCode, f.FaultString, f.DetailString, tt.faultcode, tt.contains)
			}
		})
	}
}

// TestLatin1Request: the sniffer accepts ISO-8859-1 as VP does; the service
// decodes it before parsing.
func TestLatin1Request(t *testing.T) {
	s := newService(vpTestData(t))
	msg := `<?xml version="1.0" encoding="ISO-8859-1"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">` + platformAddress + `</LogicalAddress></s:Header><s:Body>` +
		`<GetSupportedServiceContracts xmlns="` + sc.Namespace + `"><serviceConsumerHsaId>tp</serviceConsumerHsaId><logicalAdress>HttpProducer</logicalAdress><x:note xmlns:x="urn:x">V` + "\xe5" + `rdgivare</x:note></GetSupportedServiceContracts></s:Body></s:Envelope>`
	status, body := serve(t, s, []byte(msg))
	answerOK(t, status, body)
	if !strings.Contains(string(body), nsCertificate) {
		t.Errorf("answer lacks %s:\n%s", nsCertificate, body)
	}
}
