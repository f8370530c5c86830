package msgcheck

import (
	"bytes"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

const (
	consumer = "SE2321000016-DEMOCONS"
	platform = "SE2321000016-PLATFORM"
	action   = `"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`
)

// demoContracts is the demo clinic contract the fixtures are written for.
func demoContracts(t testing.TB) *contracts.Set {
	t.Helper()
	set, err := contracts.LoadDir(testutil.Fixture(t, "contracts", "demo_clinic_1.0"))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// getVisits is a correct GetVisits request.
func getVisits(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testutil.Fixture(t, "suites", "demo-clinic", "requests", "get-visits.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func clientCert(t *testing.T, ca *pki.CA, serial string) *x509.Certificate {
	t.Helper()
	c, err := ca.IssueClient(serial, pki.Options{CommonName: "msgcheck test"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Cert
}

// TestChecker covers what the checker's settings change and the findings
// every rule gives a correct request (the conformance package's golden
// files cover the rules' failures message by message).
func TestChecker(t *testing.T) {
	t.Parallel()
	set := demoContracts(t)
	good := getVisits(t)
	ca, err := pki.NewCA("msgcheck test CA")
	if err != nil {
		t.Fatal(err)
	}
	consumerCert, platformCert := clientCert(t, ca, consumer), clientCert(t, ca, platform)
	full := Checker{Contracts: set, Validator: xsd.New(set), Consumer: consumer}
	// bp20 is good as the platform forwards it to a RIVTABP20 producer.
	bp20 := bytes.Replace(good, []byte(`<itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress>`),
		[]byte(`<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">SE2321000016-CLIN</wsa:To>`), 1)
	header := func(kv ...string) http.Header {
		h := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {action}}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name    string
		checker Checker
		msg     *Message
		rule    string
		outcome Outcome
		text    string
	}{
		{"client cert", full, &Message{Header: header(), Body: good, PeerCert: consumerCert}, RuleClientCert, Pass, `SERIALNUMBER "SE2321000016-DEMOCONS"`},
		{"content type", full, &Message{Header: header(), Body: good}, RuleContentType, Pass, `Content-Type "text/xml; charset=UTF-8"`},
		{"envelope", full, &Message{Header: header(), Body: good}, RuleSOAPEnvelope, Pass, "SOAP 1.1 envelope, body element {urn:riv:demo:clinic:GetVisitsResponder:1}GetVisits"},
		{"receiver", full, &Message{Header: header(), Body: good}, RuleReceiverPresent, Pass, `receiver "SE2321000016-CLIN"`},
		{"receiver space", full, &Message{Header: header(), Body: good}, RuleReceiverSpace, Pass, "no surrounding whitespace"},
		{"receiver HSA-id", full, &Message{Header: header(), Body: good}, RuleReceiverHSAID, Pass, `receiver "SE2321000016-CLIN" has HSA-id syntax`},
		{"profile", full, &Message{Header: header(), Body: good}, RuleProfile, Pass, "RIVTABP21 with {urn:riv:itintegration:registry:1}LogicalAddress as the contract's WSDL says"},
		{"SOAPAction", full, &Message{Header: header(), Body: good}, RuleSOAPAction, Pass, `SOAPAction "urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`},
		{"schema", full, &Message{Header: header(), Body: good}, RuleSchema, Pass, "valid against the schema of urn:riv:demo:clinic:GetVisitsResponder:1"},

		{"no contracts: profile skips", Checker{}, &Message{Header: header(), Body: good}, RuleProfile, Skip,
			`contract "urn:riv:demo:clinic:GetVisitsResponder:1" is not in the suite's contracts`},
		{"no validator: schema skips", Checker{Contracts: set}, &Message{Header: header(), Body: good}, RuleSchema, Skip, "no XSD validator configured"},
		{"original consumer required", Checker{RequireOriginalConsumer: true}, &Message{Header: header(), Body: good}, RuleOriginalConsumer, Fail,
			"x-rivta-original-serviceconsumer-hsaid is required by the suite and was not sent"},
		{"original consumer sent", Checker{}, &Message{Header: header("X-Rivta-Original-Serviceconsumer-Hsaid", consumer), Body: good}, RuleOriginalConsumer, Pass,
			`x-rivta-original-serviceconsumer-hsaid "SE2321000016-DEMOCONS"`},
		{"via platform", Checker{Consumer: consumer, ViaPlatform: platform},
			&Message{Header: header("X-Rivta-Original-Serviceconsumer-Hsaid", consumer), Body: good, PeerCert: platformCert}, RuleClientCert, Pass,
			`forwarded by platform "SE2321000016-PLATFORM" for consumer "SE2321000016-DEMOCONS"`},
		{"via platform for another consumer", Checker{Consumer: consumer, ViaPlatform: platform},
			&Message{Header: header("X-Rivta-Original-Serviceconsumer-Hsaid", "SE2321000016-OTHER"), Body: good, PeerCert: platformCert}, RuleClientCert, Fail,
			`forwarded by platform "SE2321000016-PLATFORM" for consumer "SE2321000016-OTHER", want the consumer's HSA-id "SE2321000016-DEMOCONS"`},
		{"via platform: a call that bypasses it", Checker{Consumer: consumer, ViaPlatform: platform},
			&Message{Header: header("X-Rivta-Original-Serviceconsumer-Hsaid", consumer), Body: good, PeerCert: consumerCert}, RuleClientCert, Fail,
			`client certificate SERIALNUMBER "SE2321000016-DEMOCONS": the run is behind platform "SE2321000016-PLATFORM" and only its certificate is accepted (a call that bypasses the platform)`},
		{"via platform: rewritten profile n/a", Checker{Contracts: set, Consumer: consumer, ViaPlatform: platform},
			&Message{Header: header("X-Rivta-Original-Serviceconsumer-Hsaid", consumer), Body: bp20, PeerCert: platformCert}, RuleProfile, NotApplicable,
			`profile RIVTABP20 (header To) from platform "SE2321000016-PLATFORM": the platform rewrote the consumer's request to the profile its TAK gives this producer, so the consumer's own profile (the contract's RIVTABP21) cannot be judged behind it`},
		{"other profile straight from the consumer fails", Checker{Contracts: set, Consumer: consumer, ViaPlatform: platform},
			&Message{Header: header(), Body: bp20, PeerCert: consumerCert}, RuleProfile, Fail,
			`profile RIVTABP20 (header To), but the contract's WSDL is RIVTABP21 and requires {urn:riv:itintegration:registry:1}LogicalAddress`},
		{"platform not trusted", Checker{Consumer: consumer}, &Message{Header: header(), Body: good, PeerCert: platformCert}, RuleClientCert, Fail,
			`client certificate SERIALNUMBER "SE2321000016-PLATFORM", want the consumer's HSA-id "SE2321000016-DEMOCONS"`},

		{"unread: envelope fails with why", full, &Message{Header: header(), Body: good[:100], Unread: errors.New("body over the limit")}, RuleSOAPEnvelope, Fail,
			"body over the limit"},
		{"unread: no receiver", full, &Message{Header: header(), Body: good, Unread: errors.New("body over the limit")}, RuleReceiverPresent, Fail,
			"no envelope to read the receiver from"},
		{"unread: schema n/a", full, &Message{Header: header(), Body: good, Unread: errors.New("body over the limit")}, RuleSchema, NotApplicable,
			"no envelope to validate"},
		{"unknown rule", full, &Message{Header: header(), Body: good}, "RIV-NONE-01", Skip,
			`no rule "RIV-NONE-01" (known: ` + strings.Join(Rules(), ", ") + ")"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.checker.Check(tc.msg, tc.rule)
			want := []Finding{{Rule: tc.rule, Outcome: tc.outcome, Message: tc.text}}
			if len(got) == 1 {
				got[0].At = nil // where: TestLocate
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], want[0]) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestCheckOrder: findings come in the order the rules are asked for.
func TestCheckOrder(t *testing.T) {
	t.Parallel()
	m := &Message{Header: http.Header{}, Body: getVisits(t)}
	rules := []string{RuleSchema, RuleClientCert, RuleSchema}
	got := (&Checker{}).Check(m, rules...)
	if len(got) != len(rules) {
		t.Fatalf("%d findings for %d rules", len(got), len(rules))
	}
	for i, f := range got {
		if f.Rule != rules[i] {
			t.Errorf("finding %d is for %s, want %s", i, f.Rule, rules[i])
		}
	}
}

// TestMessageParsesOnce: every reader of a message shares one sniff and one
// tree, also when they ask at the same time.
func TestMessageParsesOnce(t *testing.T) {
	t.Parallel()
	m := &Message{Body: getVisits(t)}
	const readers = 8
	infos := make([]any, readers)
	docs := make([]any, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() {
			info, err := m.Envelope()
			if err != nil {
				t.Error(err)
			}
			doc, err := m.Document()
			if err != nil {
				t.Error(err)
			}
			infos[i], docs[i] = info, doc
		})
	}
	wg.Wait()
	for i := 1; i < readers; i++ {
		if infos[i] != infos[0] || docs[i] != docs[0] {
			t.Fatalf("reader %d got another parse than reader 0", i)
		}
	}
}

// TestMessageUnread: an unread message is not judged (no envelope, no
// tree), but its head still names it.
func TestMessageUnread(t *testing.T) {
	t.Parallel()
	why := errors.New("larger than the limit")
	m := &Message{Body: getVisits(t), Unread: why}
	if info, err := m.Envelope(); info != nil || !errors.Is(err, why) {
		t.Errorf("Envelope() = %v, %v; want nil, %v", info, err, why)
	}
	if doc, err := m.Document(); doc != nil || !errors.Is(err, why) {
		t.Errorf("Document() = %v, %v; want nil, %v", doc, err, why)
	}
	info, err := m.Head()
	if err != nil || info.Body.Local != "GetVisits" {
		t.Errorf("Head() = %v, %v; want the GetVisits head", info, err)
	}
}

// TestMessageRefusedIsNotParsed: what the sniffer refuses (here a DTD) is
// never handed to the tree parser.
func TestMessageRefusedIsNotParsed(t *testing.T) {
	t.Parallel()
	m := &Message{Body: []byte(`<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>`)}
	doc, err := m.Document()
	if doc != nil || err == nil || !strings.HasPrefix(err.Error(), "not parsed: ") {
		t.Fatalf("Document() = %v, %v; want nil and a not parsed error", doc, err)
	}
}

// TestImportsNeitherHalf: a gateway runs these rules as well as the
// conformance harness, so the package imports neither.
func TestImportsNeitherHalf(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: install Go to check the import graph")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, half := range []string{"/conformance", "/gateway", "/cmd"} {
			if strings.HasPrefix(p, "github.com/rivgate/rivgate"+half) {
				t.Errorf("msgcheck depends on %s", p)
			}
		}
	}
}
