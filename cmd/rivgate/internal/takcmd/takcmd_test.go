package takcmd_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/takcmd"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/testutil"
)

// run executes `rivgate tak <args>` in process and returns stdout, stderr and
// the exit code main would return.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := takcmd.New()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	if msg := ""; err != nil {
		msg = cliutil.Message(err)
		errb.WriteString(msg)
	}
	return out.String(), errb.String(), cliutil.Code(err)
}

const (
	getCertificate = "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1"
	getActivities  = "urn:riv:clinicalprocess:activity:actions:GetActivitiesResponder:1"
	processNotif   = "urn:riv:itintegration:engagementindex:ProcessNotificationResponder:1"
	defaultAddr    = "http://localhost:1900/default/GetActivitiesResponder"
)

// TestLookupVPData runs `rivgate tak lookup` on VP's own integration-test
// data (tak-vagval-test.xml, tak-behorigheter-test.xml, hsacache.xml,
// hsacachecomplementary.xml) and expects the answers and traces VP's tests
// expect for the same calls. Rows name the VP test they come from; rows
// marked "derived" follow from the data and VP's rules where VP has no test.
func TestLookupVPData(t *testing.T) {
	t.Parallel()
	base := []string{"lookup", "--json", "--at", "2025-06-01T12:00:00+02:00",
		"--tak", taktest.VPRoutes(t), "--tak", taktest.VPPermissions(t)}
	for _, h := range taktest.VPHSA(t) {
		base = append(base, "--hsa", h)
	}
	tests := []struct {
		name                 string
		contract, recv, send string
		exit                 int
		address, profile     string
		fault, detail        string // fault code; detail substring
		rtrace, atrace       string
		note                 string
	}{
		{name: "FullServiceStandardVagvalIT default permission and default route", contract: getActivities, recv: "AnyReceiver", send: "SenderWithDefaultBehorighet",
			address: defaultAddr, profile: "RIVTABP21", rtrace: "AnyReceiver,(parent),SE,(default),*", atrace: "AnyReceiver,(default),*"},
		{name: "FullServiceStandardVagvalIT default permission, explicit route", contract: getActivities, recv: "HttpProducer", send: "SenderWithDefaultBehorighet",
			address: "http://localhost:1900/explicit/GetActivitiesResponder", profile: "RIVTABP21", rtrace: "HttpProducer", atrace: "HttpProducer,(default),*"},
		{name: "FullServiceStandardVagvalIT default route without default permission is VP007", contract: getActivities, recv: "AnyReceiver", send: "AnySender", exit: 1,
			fault: "VP007", detail: "Authorization missing for serviceNamespace: " + getActivities + ", receiverId: AnyReceiver, senderId: AnySender",
			rtrace: "AnyReceiver,(parent),SE,(default),*", atrace: "AnyReceiver,(default),*,(parent),SE"},
		{name: "FullServiceStandardVagvalIT explicit permission, default route", contract: getActivities, recv: "GetActivitiesReceiverWithNoExplicitVagval", send: "tp",
			address: defaultAddr, rtrace: "GetActivitiesReceiverWithNoExplicitVagval,(parent),SE,(default),*", atrace: "GetActivitiesReceiverWithNoExplicitVagval"},
		{name: "FullServiceStandardVagvalIT HSA tree walk before the default route", contract: getActivities, recv: "SE0000000001-1234", send: "SenderWithDefaultBehorighet",
			address: "http://localhost:1900/treeclimbing/GetActivitiesResponder", rtrace: "SE0000000001-1234,(parent),SE0000000002-1234,SE0000000003-1234", atrace: "SE0000000001-1234,(default),*"},
		{name: "FullServiceDefaultVagvalIT VG#VE rightmost token", contract: getActivities, recv: "FirstReceiverRiv21#SecondReceiverRiv21", send: "SenderWithDefaultBehorighet",
			address: defaultAddr, rtrace: "(leaf),SecondReceiverRiv21", atrace: "(leaf),SecondReceiverRiv21"},
		{name: "FullServiceDefaultVagvalIT VG#VE reversed", contract: getActivities, recv: "SecondReceiverRiv21#FirstReceiverRiv21", send: "SenderWithDefaultBehorighet",
			address: defaultAddr, rtrace: "(leaf),FirstReceiverRiv21", atrace: "(leaf),FirstReceiverRiv21"},
		{name: "FullServiceDefaultVagvalIT VG#VE only one token valid", contract: getActivities, recv: "SecondReceiverRiv21#NotValidReceiver", send: "SenderWithDefaultBehorighet",
			address: defaultAddr, rtrace: "(leaf),NotValidReceiver,SecondReceiverRiv21", atrace: "(leaf),NotValidReceiver,SecondReceiverRiv21"},
		{name: "FullServiceDefaultVagvalIT VG#VE three tokens is VP007", contract: getActivities, recv: "TooManyReceivers#SecondReceiverRiv21#NotValidReceiver", send: "SenderWithDefaultBehorighet", exit: 1,
			fault: "VP007", rtrace: "(leaf),NotValidReceiver,SecondReceiverRiv21", atrace: "(leaf),Invalid parameters"},
		{name: "FullServiceErrorHandlingIT VP004 unknown receiver", contract: getCertificate, recv: "NoVagvalReceiver", send: "tp", exit: 1,
			fault: "VP004", detail: "No receiverId (logical address) found for serviceNamespace: " + getCertificate + ", receiverId: NoVagvalReceiver", rtrace: "NoVagvalReceiver,(parent),SE,(default),*"},
		{name: "FullServiceErrorHandlingIT VP004 trailing whitespace", contract: getCertificate, recv: "HttpsProducer ", send: "tp", exit: 1,
			fault: "VP004", detail: "receiverId: HttpsProducer . Whitespace detected in incoming request!"},
		{name: "FullServiceErrorHandlingIT VP004 leading whitespace", contract: getCertificate, recv: " HttpsProducer", send: "tp", exit: 1,
			fault: "VP004", detail: "Whitespace detected in incoming request!"},
		{name: "FullServiceErrorHandlingIT VP006 multiple routes", contract: getCertificate, recv: "ReceiverMultipleVagval", send: "tp", exit: 1,
			fault: "VP006", detail: "More than one receiverId (logical address) with matching Riv-version found for serviceNamespace: " + getCertificate + ", receiverId: ReceiverMultipleVagval", rtrace: "ReceiverMultipleVagval"},
		{name: "FullServiceErrorHandlingIT VP007 receiver not authorised", contract: getCertificate, recv: "NotAuthorizedReceiver", send: "tp", exit: 1,
			fault: "VP007", detail: "Authorization missing for serviceNamespace: " + getCertificate + ", receiverId: NotAuthorizedReceiver, senderId: tp",
			rtrace: "NotAuthorizedReceiver", atrace: "NotAuthorizedReceiver,(default),*,(parent),SE"},
		{name: "FullServiceErrorHandlingIT VP010 empty address", contract: getCertificate, recv: "ReceiverNoPhysicalAddress", send: "tp", exit: 1,
			fault: "VP010", detail: "Physical Address field is empty in Service Producer for serviceNamespace: " + getCertificate + ", receiverId: ReceiverNoPhysicalAddress"},
		{name: "FullServiceErrorHandlingIT VP005 comes later: routed to an unknown profile", contract: getCertificate, recv: "ReceiverUnknownRivVersion", send: "tp",
			address: "https://localhost:1974/Im/not/available", profile: "RIVTABP22", note: "VP005"},
		{name: "FullServiceErrorHandlingIT VP003 empty receiver", contract: getCertificate, recv: "", send: "tp", exit: 1, fault: "VP003"},
		{name: "FullServiceTestIT HTTPS producer", contract: getCertificate, recv: "HttpsProducer", send: "tp",
			address: "https://localhost:19001/vardgivare-b/tjanst2", profile: "RIVTABP20", rtrace: "HttpsProducer", atrace: "HttpsProducer"},
		{name: "FullServiceTestIT address with a ?wsdl query", contract: getCertificate, recv: "HttpsProducerWsdl", send: "tp",
			address: "https://localhost:19001/vardgivare-b/tjanst2/?wsdl"},
		{name: "SoapUI Producent med HSAId i gemener: case-insensitive TAK keys", contract: getCertificate, recv: "httpsproducer", send: "TP",
			address: "https://localhost:19001/vardgivare-b/tjanst2", rtrace: "httpsproducer", atrace: "httpsproducer"},
		{name: "ProcessNotification to the EI", contract: processNotif, recv: "5565594230", send: "tp", address: "http://localhost:19000/vardgivare-b/tjanst2"},
		{name: "derived: default permission for GetCertificate", contract: getCertificate, recv: "HttpProducer", send: "SenderWithDefaultBehorighet",
			address: "http://localhost:19000/vardgivare-b/tjanst2", rtrace: "HttpProducer", atrace: "HttpProducer,(default),*"},
		{name: "derived: walk through the tree's own SE unit checks SE twice, as VP", contract: getActivities, recv: "SE0000000004-1234", send: "SenderWithDefaultBehorighet",
			address: defaultAddr, rtrace: "SE0000000004-1234,(parent),SE,SE,(default),*", atrace: "SE0000000004-1234,(default),*"},
		{name: "derived: HSA tree is case-sensitive as in VP", contract: getActivities, recv: "se0000000001-1234", send: "SenderWithDefaultBehorighet",
			address: defaultAddr, rtrace: "se0000000001-1234,(parent),SE,(default),*"},
		{name: "derived: tp lacks permission for the tree-routed receiver", contract: getActivities, recv: "SE0000000001-1234", send: "tp", exit: 1,
			fault: "VP007", rtrace: "SE0000000001-1234,(parent),SE0000000002-1234,SE0000000003-1234",
			atrace: "SE0000000001-1234,(default),*,(parent),SE0000000002-1234,SE0000000003-1234,SE0000000004-1234,SE,SE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{}, base...), "--contract", tc.contract, "--receiver", tc.recv, "--sender", tc.send)
			out, stderr, code := run(t, args...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.exit, out, stderr)
			}
			var res takcmd.LookupResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if tc.fault == "" {
				if res.Fault != nil || res.Route == nil || res.Route.Address != tc.address {
					t.Fatalf("answer %+v %+v, want route to %s", res.Route, res.Fault, tc.address)
				}
				if tc.profile != "" && res.Route.Profile != tc.profile {
					t.Fatalf("profile %s, want %s", res.Route.Profile, tc.profile)
				}
			} else {
				if res.Fault == nil || res.Fault.Code != tc.fault || !strings.Contains(res.Fault.Detail, tc.detail) {
					t.Fatalf("fault %+v, want %s with detail containing %q", res.Fault, tc.fault, tc.detail)
				}
				if !strings.HasPrefix(res.Fault.FaultString, tc.fault+" ") {
					t.Fatalf("faultstring %q", res.Fault.FaultString)
				}
			}
			if tc.rtrace != "" && res.RoutingTrace != tc.rtrace {
				t.Fatalf("routing trace %q, want %q", res.RoutingTrace, tc.rtrace)
			}
			if tc.atrace != "" && res.AuthTrace != tc.atrace {
				t.Fatalf("authorisation trace %q, want %q", res.AuthTrace, tc.atrace)
			}
			if tc.note != "" && !strings.Contains(strings.Join(res.Notes, " "), tc.note) {
				t.Fatalf("notes %q, want one mentioning %s", res.Notes, tc.note)
			}
		})
	}
}

func TestLookupTextAndBadInput(t *testing.T) {
	t.Parallel()
	vp := []string{"--tak", taktest.VPRoutes(t), "--tak", taktest.VPPermissions(t)}
	out, _, code := run(t, append([]string{"lookup", "--contract", getCertificate, "--receiver", "HttpsProducer", "--sender", "tp", "--instance", "NTjP Remote"}, vp...)...)
	if code != 0 || !strings.Contains(out, "route:   https://localhost:19001/vardgivare-b/tjanst2 (RIVTABP20)") || !strings.Contains(out, "routing trace:       HttpsProducer") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, _, code = run(t, append([]string{"lookup", "--contract", getCertificate, "--receiver", "Nobody", "--instance", "NTjP Remote"}, vp...)...)
	if code != 1 || !strings.Contains(out, "fault:   VP004 [NTjP Remote] Det finns inget vägval") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no --tak", []string{"lookup", "--contract", "x", "--receiver", "y"}, "--tak FILE is required"},
		{"no --receiver", append([]string{"lookup", "--contract", "x"}, vp...), "--receiver is required"},
		{"bad --at", append([]string{"lookup", "--contract", "x", "--receiver", "y", "--at", "tomorrow"}, vp...), "--at \"tomorrow\""},
		{"missing file", []string{"lookup", "--tak", "/nonexistent/tak.xml", "--contract", "x", "--receiver", "y"}, "/nonexistent/tak.xml"},
		{"bad zone", append([]string{"lookup", "--contract", "x", "--receiver", "y", "--zone", "Mars/Olympus"}, vp...), "Mars/Olympus"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := run(t, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	out, _, code := run(t, "lint", "--at", "2025-06-01T00:00:00Z", taktest.VPRoutes(t), taktest.VPPermissions(t))
	if code != 1 || !strings.Contains(out, `error overlap: two routes for receiver "ReceiverMultipleVagval"`) ||
		!strings.Contains(out, "tak-vagval-test.xml:78: route") || !strings.Contains(out, "22 routes, 21 permissions: 2 errors, 1 warnings") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	example := filepath.Join(testutil.RepoRoot(t), "fixtures", "tak", "example.yaml")
	out, _, code = run(t, "lint", "--at", "2025-06-01T00:00:00Z", example)
	if code != 0 || !strings.Contains(out, "0 errors, 0 warnings") {
		t.Fatalf("README example: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "lint", "--json", "--at", "2025-06-01T00:00:00Z", taktest.VPRoutes(t))
	var res struct {
		Errors   int `json:"errors"`
		Findings []struct {
			Rule    string   `json:"rule"`
			Entries []string `json:"entries"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.Errors != 2 || len(res.Findings[0].Entries) == 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("routes:\n  - receiver: A\n    adress: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, "lint", broken); code != 2 || !strings.Contains(stderr, "broken.yaml:3:5") {
		t.Fatalf("broken file: exit %d, %s", code, stderr)
	}
}

// TestLintAddressesAndPlatform: producer addresses that are not http(s)
// with a host, or carry credentials, are errors naming file and line (the
// password masked); a permission for the gateway's own PingForConfiguration
// is no no-route error.
func TestLintAddressesAndPlatform(t *testing.T) {
	t.Parallel()
	const ping = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"
	f := filepath.Join(t.TempDir(), "tak.yaml")
	y := "routes:\n" +
		"  - {receiver: A, contract: \"urn:riv:a:1\", profile: RIVTABP21, address: \"ftp://producer.example/a\"}\n" +
		"  - {receiver: B, contract: \"urn:riv:a:1\", profile: RIVTABP21, address: \"https://svc:s3cret@producer.example/b\"}\n" +
		"permissions:\n" +
		"  - {sender: MON, receiver: rivgate, contract: \"" + ping + "\"}\n"
	if err := os.WriteFile(f, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "lint", f)
	for _, want := range []string{
		`error address: producer address "ftp://producer.example/a": not http:// or https://: calls get VP009`, "tak.yaml:2:",
		`error address: producer address "https://xxxxx@producer.example/b": carries credentials`, "tak.yaml:3:",
		"warning platform-service", "2 errors, 1 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	if code != 1 || strings.Contains(out, "s3cret") || strings.Contains(out, "no-route") {
		t.Fatalf("exit %d (want 1), password or no-route shown:\n%s", code, out)
	}
	out, _, _ = run(t, "lint", "--platform-address", "rivgate", f)
	if !strings.Contains(out, "2 errors, 0 warnings") {
		t.Fatalf("with --platform-address the gateway's own service needs no route:\n%s", out)
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml := filepath.Join(dir, "vp.yaml")
	if _, stderr, code := run(t, "convert", "--to", "yaml", taktest.VPRoutes(t), yml); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cache := filepath.Join(dir, "vp.xml")
	if _, stderr, code := run(t, "convert", "--to", "cache", yml, cache); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// VP's file -> YAML -> VP's file gives what VP's own writer gives.
	direct, _, code := run(t, "convert", "--to", "cache", taktest.VPRoutes(t), "-")
	if code != 0 {
		t.Fatal(code)
	}
	back, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	if direct != string(back) {
		t.Fatalf("cache -> yaml -> cache differs from cache -> cache:\n%.300s\n%.300s", direct, back)
	}
	if _, stderr, code := run(t, "convert", "--to", "toml", yml, "-"); code != 2 || !strings.Contains(stderr, "want yaml, cache or json") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, stderr, code := run(t, "convert", yml, "-"); code != 2 || !strings.Contains(stderr, "to") {
		t.Fatalf("missing --to: exit %d: %s", code, stderr)
	}
}

func TestImportFiles(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "all.json")
	args := []string{"import", taktest.VPRoutes(t), taktest.VPPermissions(t), "--out", out}
	for _, h := range taktest.VPHSA(t) {
		args = append(args, "--hsa", h)
	}
	stdout, stderr, code := run(t, args...)
	if code != 0 || !strings.Contains(stdout, "state:       OK") || !strings.Contains(stdout, "routes:      22\npermissions: 21\nHSA units:   7") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = run(t, "lookup", "--tak", out, "--json", "--contract", getCertificate, "--receiver", "HttpsProducer", "--sender", "tp3")
	if code != 0 || !strings.Contains(stdout, "https://localhost:19001/vardgivare-b/tjanst2") {
		t.Fatalf("lookup on the imported JSON: exit %d\n%s", code, stdout)
	}
	stdout, _, code = run(t, "import", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != 1 || !strings.Contains(stdout, "state:       FAILED") {
		t.Fatalf("missing file: exit %d\n%s", code, stdout)
	}
}

// TestImportLive runs `rivgate tak import --url` against a TAK stand-in over
// HTTP, then with TAK gone, restoring the cache file the first run wrote.
func TestImportLive(t *testing.T) {
	t.Parallel()
	stand := taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t))
	cache := filepath.Join(t.TempDir(), "takcache.xml")
	out, stderr, code := run(t, "import", "--url", stand.URL, "--cache-file", cache, "--json")
	var rep struct {
		State  string   `json:"state"`
		Routes int      `json:"routes"`
		Perms  int      `json:"permissions"`
		Log    []string `json:"log"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.State != "OK" || rep.Routes != 22 || rep.Perms != 21 {
		t.Fatalf("exit %d, %v\n%s%s", code, err, out, stderr)
	}
	if !strings.Contains(strings.Join(rep.Log, "\n"), "saved virtualizations and permissions to local TAK copy: "+cache) {
		t.Fatalf("log does not report the cache write:\n%s", strings.Join(rep.Log, "\n"))
	}
	out, _, code = run(t, "import", "--url", taktest.DeadURL(t), "--cache-file", cache, "--fast-decode")
	if code != 1 || !strings.Contains(out, "state:       RESTORED") || !strings.Contains(out, "routes:      22") {
		t.Fatalf("TAK gone: exit %d\n%s", code, out)
	}
}

// TestImportCredentials: --username with --password-file sends HTTP Basic
// authentication and shows the password nowhere; credentials in --url are
// refused with the URL masked.
func TestImportCredentials(t *testing.T) {
	t.Parallel()
	stand := taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t))
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "import", "--url", stand.URL, "--username", "svc", "--password-file", pw)
	if code != 0 || strings.Contains(out+stderr, "s3cret") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	if len(stand.Received()) == 0 {
		t.Fatal("the TAK stand-in received no request")
	}
	for _, r := range stand.Received() {
		if u, p, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || u != "svc" || p != "s3cret" {
			t.Fatalf("TAK got Authorization %q", r.Header.Get("Authorization"))
		}
	}
	userinfo := strings.Replace(stand.URL, "http://", "http://svc:s3cret@", 1)
	out, stderr, code = run(t, "import", "--url", userinfo)
	if code != 2 || strings.Contains(out+stderr, "s3cret") || !strings.Contains(stderr, "http://xxxxx@127.0.0.1") {
		t.Fatalf("credentials in --url: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := run(t, "import", "--url", stand.URL, "--username", "svc"); code != 2 || !strings.Contains(stderr, "go together") {
		t.Fatalf("--username alone: exit %d\n%s", code, stderr)
	}
}
