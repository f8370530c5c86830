package takclient_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takclient"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/testutil"
)

// stripOrigin drops what differs by source: where an entry was read.
func stripOrigin(d *takdata.Data) *takdata.Data {
	out := &takdata.Data{}
	for _, r := range d.Routes {
		r.Origin = ""
		out.Routes = append(out.Routes, r)
	}
	for _, p := range d.Permissions {
		p.Origin = ""
		if len(p.Filters) == 0 {
			p.Filters = nil
		}
		out.Permissions = append(out.Permissions, p)
	}
	return out
}

// TestFetchVPData fetches VP's test data from a TAK stand-in over HTTP and
// gets exactly what reading the same files gives.
func TestFetchVPData(t *testing.T) {
	t.Parallel()
	tak := taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t))
	c, err := takclient.New(tak.URL, takclient.Options{UserAgent: "rivgate-test"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &takdata.Data{}
	for _, f := range []string{taktest.VPRoutes(t), taktest.VPPermissions(t)} {
		d, err := takformat.ReadFile(f, takformat.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want.Append(d)
	}
	if len(got.Routes) != 22 || len(got.Permissions) != 21 {
		t.Fatalf("fetched %d routes, %d permissions; want 22, 21", len(got.Routes), len(got.Permissions))
	}
	if g, w := stripOrigin(got), stripOrigin(want); !reflect.DeepEqual(g, w) {
		for i := range w.Routes {
			if !reflect.DeepEqual(g.Routes[i], w.Routes[i]) {
				t.Fatalf("route %d:\n got %+v\nwant %+v", i, g.Routes[i], w.Routes[i])
			}
		}
		for i := range w.Permissions {
			if !reflect.DeepEqual(g.Permissions[i], w.Permissions[i]) {
				t.Fatalf("permission %d:\n got %+v\nwant %+v", i, g.Permissions[i], w.Permissions[i])
			}
		}
		t.Fatal("fetched data differs from the files")
	}
	if tak.Requests.Load() != 2 {
		t.Fatalf("%d requests, want 2 (routes, then permissions)", tak.Requests.Load())
	}
}

// TestFastDecodeAgrees: decoding the answers with the cache scanner gives
// the same entries as the generated types, for VP's data and for data with
// filters, CRLF and escaped characters.
func TestFastDecodeAgrees(t *testing.T) {
	t.Parallel()
	odd := `<ns2:anropsBehorighetsInfo><ns2:anropsBehorighetsInfoId>1</ns2:anropsBehorighetsInfoId><ns2:receiverId>A&amp;B</ns2:receiverId><ns2:senderId> S </ns2:senderId><ns2:tjansteKontrakt>
 urn:riv:x:XResponder:1 </ns2:tjansteKontrakt><ns2:fromTidpunkt>2020-01-01T00:00:00</ns2:fromTidpunkt><ns2:tomTidpunkt>2120-01-01T00:00:00+01:00</ns2:tomTidpunkt><ns2:filterInfo><ns2:serviceDomain>urn:d</ns2:serviceDomain><ns2:categorization>c&#233;1</ns2:categorization></ns2:filterInfo></ns2:anropsBehorighetsInfo>`
	stands := map[string]*taktest.StandIn{
		"VP data":          taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t)),
		"escapes, filters": taktest.NewStandInBytes(t, nil, []byte(odd)),
	}
	for name, st := range stands {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			slow, _ := takclient.New(st.URL, takclient.Options{})
			fast, _ := takclient.New(st.URL, takclient.Options{FastDecode: true})
			a, err := slow.Fetch(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b, err := fast.Fetch(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stripOrigin(a), stripOrigin(b)) {
				t.Fatalf("decoders disagree:\ngenerated %+v\nscanner   %+v", stripOrigin(a), stripOrigin(b))
			}
		})
	}
}

// TestRequestShape checks the request as TAK's WSDL binding wants it, with
// xmllint as an independent schema check of the body element.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	tak := taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t))
	c, err := takclient.New(tak.URL, takclient.Options{UserAgent: "rivgate-test/1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	xmllint, lintErr := exec.LookPath("xmllint")
	xsd := testutil.Shared(t, "contracts", "skltp_tak_vagval_2.0", "schemas", "interactions", "vagvalsInfo", "vagvalsinfo-sokvagvalsinfo-2.0.xsd")
	ops := map[string]bool{}
	for _, req := range tak.Received() {
		for h, want := range map[string]string{"SOAPAction": `""`, "Content-Type": "text/xml; charset=UTF-8", "User-Agent": "rivgate-test/1"} {
			if got := req.Header.Get(h); got != want {
				t.Errorf("header %s = %q, want %q", h, got, want)
			}
		}
		if req.Method != "POST" || req.Path != "/tak-services/SokVagvalsInfo/v2" {
			t.Errorf("%s %s", req.Method, req.Path)
		}
		body := regexp.MustCompile(`(?s)<soapenv:Body>(<(\w+) xmlns="urn:skl:tp:vagvalsinfo:v2">.*)</soapenv:Body>`).FindSubmatch(req.Body)
		if body == nil {
			t.Fatalf("request body:\n%s", req.Body)
		}
		ops[string(body[2])] = true
		if lintErr != nil {
			continue
		}
		f := filepath.Join(t.TempDir(), "body.xml")
		if err := os.WriteFile(f, body[1], 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, f).CombinedOutput(); err != nil {
			t.Fatalf("xmllint rejects the request body %s: %v\n%s", body[1], err, out)
		}
	}
	if !ops["hamtaAllaVirtualiseringar"] || !ops["hamtaAllaAnropsBehorigheter"] || len(ops) != 2 {
		t.Fatalf("operations called: %v", ops)
	}
	if lintErr != nil {
		t.Skip("xmllint missing: apt-get install -y libxml2-utils (scripts/test.sh installs it); request bodies not schema-checked")
	}
}

func TestFetchFailures(t *testing.T) {
	t.Parallel()
	tak := taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t))
	tak.SetMode(taktest.Fault)
	c, _ := takclient.New(tak.URL, takclient.Options{})
	_, err := c.Fetch(context.Background())
	var te *takclient.Error
	if !errors.As(err, &te) || te.Status != 500 || te.Fault != "TAK stand-in: database unavailable" || te.Operation != "hamtaAllaVirtualiseringar" {
		t.Fatalf("SOAP fault: %v", err)
	}
	dead, _ := takclient.New(taktest.DeadURL(t), takclient.Options{Timeout: 5 * time.Second})
	if _, err := dead.Fetch(context.Background()); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("no contact: %v", err)
	}
	if _, err := takclient.New("ftp://tak", takclient.Options{}); err == nil {
		t.Fatal("ftp URL accepted")
	}
}

// TestZonelessDates: tak-services sends SQL dates as zone-less midnights; a
// tom of D covers all of day D in Stockholm.
func TestZonelessDates(t *testing.T) {
	t.Parallel()
	entry := `<ns2:virtualiseringsInfo><ns2:virtualiseringsInfoId>7</ns2:virtualiseringsInfoId><ns2:receiverId>SE1</ns2:receiverId><ns2:rivProfil>RIVTABP21</ns2:rivProfil><ns2:tjansteKontrakt>urn:riv:x:XResponder:1</ns2:tjansteKontrakt><ns2:fromTidpunkt>2025-03-01T00:00:00</ns2:fromTidpunkt><ns2:tomTidpunkt>2025-03-30T00:00:00</ns2:tomTidpunkt><ns2:adress>https://p</ns2:adress></ns2:virtualiseringsInfo>`
	tak := taktest.NewStandInBytes(t, []byte(entry), nil)
	c, _ := takclient.New(tak.URL, takclient.Options{})
	d, err := c.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := takdata.LoadZone("")
	if want := time.Date(2025, 3, 31, 0, 0, 0, 0, loc).Add(-time.Nanosecond); len(d.Routes) != 1 || !d.Routes[0].To.Equal(want) {
		t.Fatalf("routes %+v, want tom %s", d.Routes, want)
	}
	if len(d.Permissions) != 0 {
		t.Fatal("permissions from nowhere")
	}
}
