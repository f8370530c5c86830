package platform_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/contracts/generated/gentest"
	la "github.com/rivgate/rivgate/contracts/generated/logicaladdressees"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

const (
	platformAddress = "SE165565594230-1000"
	caller          = "SE-PLATFORM-CALLER"
	nsCertificate   = "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1"
	nsCheckBlocks   = "urn:riv:ehr:blocking:accesscontrol:CheckBlocksResponder:3"
	nsGSSC2         = "urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2"
)

// platformPermissions lets caller use the three platform services at the
// platform's logical address: who may call them is TAK data like any other.
const platformPermissions = `permissions:
  - {sender: ` + caller + `, receiver: ` + platformAddress + `, contract: "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"}
  - {sender: ` + caller + `, receiver: ` + platformAddress + `, contract: "urn:riv:infrastructure:itintegration:registry:GetLogicalAddresseesByServiceContractResponder:2"}
  - {sender: ` + caller + `, receiver: ` + platformAddress + `, contract: "urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2"}
`

type testBed struct {
	gw     *gateway.Gateway
	dir    string
	ca     *pki.CA
	caPath string
	certs  map[string][2]string // HSA-id -> cert, key files
	rivta  string
}

// startGateway runs a real gateway on 127.0.0.1:0 with mutual TLS, VP's TAK
// test data, the platform permissions above and its default wiring of the
// platform services.
func startGateway(t *testing.T) *testBed {
	t.Helper()
	rivta := gentest.RivtaDir(t)
	dir := t.TempDir()
	ca, err := pki.NewCA("platform e2e CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.IssueServer(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := srv.WriteFiles(dir, "server")
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caPath, ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	permPath := filepath.Join(dir, "platform.yaml")
	if err := os.WriteFile(permPath, []byte(platformPermissions), 0o644); err != nil {
		t.Fatal(err)
	}
	vp := filepath.Join(rivta, "samples", "skltp-vp")
	files := []string{filepath.Join(vp, "takdata", "tak-vagval-test.xml"), filepath.Join(vp, "takdata", "tak-behorigheter-test.xml"), permPath}
	hsa := []string{filepath.Join(vp, "hsacache.xml"), filepath.Join(vp, "hsacachecomplementary.xml")}

	cfg := config.Default()
	cfg.Instance = config.Instance{Name: "rivgate e2e", ID: "rivgate-e2e"}
	cfg.Listen = config.Listen{HTTPS: "127.0.0.1:0", PathPrefix: "/vp"}
	cfg.TLS.Cert, cfg.TLS.Key, cfg.TLS.ClientCA = certPath, keyPath, caPath
	cfg.TAK.Files, cfg.TAK.HSAFiles = files, hsa
	cfg.Platform.LogicalAddress = platformAddress

	// No Deps.Platform: the gateway builds gateway/platform over its own
	// TAK store, as in production.
	gw, err := gateway.New(cfg, gateway.Deps{Logger: zerolog.Nop(), Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	b := &testBed{gw: gw, dir: dir, ca: ca, caPath: caPath, certs: map[string][2]string{}, rivta: rivta}
	for _, id := range []string{caller, "SE-NOT-PERMITTED"} {
		c, err := ca.IssueClient(id, pki.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cp, kp, err := c.WriteFiles(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		b.certs[id] = [2]string{cp, kp}
	}
	return b
}

// zeepScript calls each platform service with python3-zeep, which loads the
// published WSDLs from ../shared/rivta and sends to the gateway. It prints
// one JSON line per answer.
const zeepScript = `
import sys, json, requests, zeep
from zeep.transports import Transport
contracts, ca, cert, key, url, platform = sys.argv[1:7]
s = requests.Session()
s.trust_env = False
s.verify = ca
s.cert = (cert, key)
t = Transport(session=s, timeout=30)
def client(path, binding):
    c = zeep.Client(contracts + "/" + path, transport=t)
    return c.create_service(binding, url)
mon = "itintegration_monitoring_1.0/schemas/interactions/PingForConfigurationInteraction/"
reg = "infrastructure_itintegration_registry_2.0/schemas/interactions/"
for profile in ("rivtabp21", "rivtabp20"):
    svc = client(mon + "PingForConfigurationInteraction_1.0_%s.wsdl" % profile.upper(),
        "{urn:riv:itintegration:monitoring:PingForConfiguration:1:%s}PingForConfigurationResponderBinding" % profile)
    r = svc.PingForConfiguration(serviceContractNamespace="urn:riv:itintegration:monitoring:PingForConfigurationResponder:1",
        logicalAddress=platform, _soapheaders={"LogicalAddress": platform})
    print(json.dumps({"op": "ping-" + profile, "version": r.version, "pingDateTime": r.pingDateTime,
        "configuration": {c.name: c.value for c in r.configuration}}))
svc = client(reg + "GetLogicalAddresseesByServiceContractInteraction/GetLogicalAddresseesByServiceContractInteraction_2.0_RIVTABP21.wsdl",
    "{urn:riv:infrastructure:itintegration:registry:GetLogicalAddresseesByServiceContract:2:rivtabp21}GetLogicalAddresseesByServiceContractResponderBinding")
r = svc.GetLogicalAddresseesByServiceContract(serviceConsumerHsaId="SenderWithDefaultBehorighet",
    serviceContractNameSpace={"ServiceContractNamespace": "urn:riv:clinicalprocess:activity:actions:GetActivitiesResponder:1"},
    _soapheaders={"LogicalAddress": platform})
print(json.dumps({"op": "glabsc", "addresses": [x.logicalAddress for x in r.logicalAddressRecord]}))
svc = client(reg + "GetSupportedServiceContractsInteraction/GetSupportedServiceContractsInteraction_2.0_RIVTABP21.wsdl",
    "{urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContracts:2:rivtabp21}GetSupportedServiceContractsResponderBinding")
r = svc.GetSupportedServiceContracts(serviceConsumerHsaId="tp", logicalAdress="HttpProducer", _soapheaders={"LogicalAddress": platform})
print(json.dumps({"op": "gssc", "contracts": [x.ServiceContractNamespace for x in r.serviceContractNamespace]}))
`

// TestZeepCallsPlatformServicesThroughGateway is issue 6's end-to-end check:
// an independent SOAP client (python3-zeep) loads each published WSDL and
// calls the service through the gateway over mutual TLS; the answers are
// what VP's TAK test data implies (the same hand-derived values as the table
// tests).
func TestZeepCallsPlatformServicesThroughGateway(t *testing.T) {
	py := testutil.Zeep(t)
	b := startGateway(t)
	script := filepath.Join(b.dir, "call.py")
	if err := os.WriteFile(script, []byte(zeepScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cert := b.certs[caller]
	cmd := exec.CommandContext(ctx, py, script, filepath.Join(b.rivta, "contracts"), b.caPath, cert[0], cert[1],
		"https://"+b.gw.Addr()+"/vp/platform", platformAddress)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("zeep: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	got := map[string]map[string]any{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("zeep output %q: %v", sc.Text(), err)
		}
		got[m["op"].(string)] = m
	}
	for _, p := range []string{"rivtabp21", "rivtabp20"} {
		m := got["ping-"+p]
		if m == nil {
			t.Fatalf("no ping answer for %s: %s", p, stdout.String())
		}
		conf, _ := m["configuration"].(map[string]any)
		if m["version"] != "e2e" || conf["TakStatus"] != "OK" || conf["RivTaProfile"] != strings.ToUpper(p) || conf["LogicalAddress"] != platformAddress {
			t.Errorf("ping %s answer: %v", p, m)
		}
	}
	wantAddrs := []string{"SE0000000003-1234", "FirstReceiverRiv21", "SecondReceiverRiv21", "*", "HttpProducer", "ReceiverRiv20", "ReceiverRiv21"}
	if got := strs(got["glabsc"]["addresses"]); !slices.Equal(got, wantAddrs) {
		t.Errorf("GetLogicalAddresseesByServiceContract through zeep: %q, want %q", got, wantAddrs)
	}
	wantContracts := []string{nsCheckBlocks, nsGSSC2, nsCertificate}
	if got := strs(got["gssc"]["contracts"]); !slices.Equal(got, wantContracts) {
		t.Errorf("GetSupportedServiceContracts through zeep: %q, want %q", got, wantContracts)
	}
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestCallerWithoutPermissionGetsVP007: the gateway authorises platform
// calls against the catalogue like any other call.
func TestCallerWithoutPermissionGetsVP007(t *testing.T) {
	b := startGateway(t)
	msg, err := la.RequestEnvelope(platformAddress, &la.GetLogicalAddresseesByServiceContract{
		ServiceConsumerHsaId:     "tp",
		ServiceContractNameSpace: la.ServiceContractNamespaceType{ServiceContractNamespace: nsCertificate},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		sender string
		status int
		vp     vpfault.Code
	}{
		{"permitted caller", caller, http.StatusOK, 0},
		{"caller without permission", "SE-NOT-PERMITTED", http.StatusInternalServerError, vpfault.VP007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := b.certs[tt.sender]
			pair, err := tls.LoadX509KeyPair(cert[0], cert[1])
			if err != nil {
				t.Fatal(err)
			}
			c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: b.ca.Pool(), Certificates: []tls.Certificate{pair}}}}
			defer c.CloseIdleConnections()
			resp, err := c.Post("https://"+b.gw.Addr()+"/vp/platform", "text/xml; charset=UTF-8", bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			if tt.vp == 0 {
				if err := gentest.Validate(t, body, gentest.PlatformSchemas(t)); err != nil {
					t.Errorf("answer through the gateway does not validate: %v", err)
				}
				return
			}
			f, err := vpfault.Parse(body)
			if err != nil || f.Code != tt.vp {
				t.Errorf("want %s, got %+v %v\n%s", tt.vp, f, err, body)
			}
		})
	}
}
