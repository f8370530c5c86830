package takformat_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

func opts(t *testing.T) takformat.Options {
	t.Helper()
	loc, err := takdata.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	return takformat.Options{Location: loc}
}

// normaliseVPSample turns VP's hand-edited sample into what JAXB writes for
// the same content; each step is a difference JAXB's writer has by design:
//  1. comments and the XML declaration's line break are dropped (JAXB writes
//     no comments and one line);
//  2. whitespace between elements is dropped (no JAXB_FORMATTED_OUTPUT);
//  3. the xmlns:ns2 declarations repeated on each <virtualiseringsInfo> are
//     dropped (JAXB declares the prefix once, on the root);
//  4. tjansteKontrakt text is whitespace-collapsed (xs:NCName: JAXB reads it
//     through a CollapsedStringAdapter; the behorigheter sample has a line
//     break inside the value).
func normaliseVPSample(b []byte) []byte {
	b = regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAll(b, nil)
	b = regexp.MustCompile(`>\s+<`).ReplaceAll(b, []byte("><"))
	b = bytes.ReplaceAll(b, []byte(`<virtualiseringsInfo xmlns:ns2="urn:skl:tp:vagvalsinfo:v2">`), []byte(`<virtualiseringsInfo>`))
	b = regexp.MustCompile(`<ns2:tjansteKontrakt>\s*(\S+)\s*</ns2:tjansteKontrakt>`).ReplaceAll(b, []byte(`<ns2:tjansteKontrakt>$1</ns2:tjansteKontrakt>`))
	return bytes.TrimSpace(b)
}

// TestCacheRoundTripVPSamples reads VP's real cache files and writes them
// back: the output equals the sample byte for byte after the normalisation
// above, and reading and writing the output again changes nothing.
func TestCacheRoundTripVPSamples(t *testing.T) {
	t.Parallel()
	for _, path := range []string{taktest.VPRoutes(t), taktest.VPPermissions(t)} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			d, err := takformat.Read(path, orig, opts(t))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := takformat.WriteCache(&out, d, opts(t)); err != nil {
				t.Fatal(err)
			}
			want := normaliseVPSample(orig)
			if !bytes.Equal(out.Bytes(), want) {
				i := 0
				for i < len(want) && i < out.Len() && want[i] == out.Bytes()[i] {
					i++
				}
				t.Fatalf("written file differs from the normalised sample at byte %d:\n got: %.120s\nwant: %.120s", i, out.Bytes()[i:], want[i:])
			}
			d2, err := takformat.Read("again", out.Bytes(), opts(t))
			if err != nil {
				t.Fatal(err)
			}
			var out2 bytes.Buffer
			if err := takformat.WriteCache(&out2, d2, opts(t)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), out2.Bytes()) {
				t.Fatal("second write differs from the first")
			}
			if xmllint, err := exec.LookPath("xmllint"); err == nil {
				f := filepath.Join(t.TempDir(), "cache.xml")
				if err := os.WriteFile(f, out.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
				if msg, err := exec.Command(xmllint, "--noout", f).CombinedOutput(); err != nil {
					t.Fatalf("xmllint rejects the written cache file: %v\n%s", err, msg)
				}
			} else {
				t.Log("xmllint missing (apt-get install -y libxml2-utils): well-formedness not cross-checked")
			}
		})
	}
}

// TestCacheValues checks the values JAXB would see in VP's samples.
func TestCacheValues(t *testing.T) {
	t.Parallel()
	d, err := takformat.ReadFile(taktest.VPPermissions(t), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Permissions[0]
	if p.Contract != "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1" {
		t.Fatalf("tjansteKontrakt %q: want the line break collapsed away", p.Contract)
	}
	if p.Sender != "tp" || p.Receiver != "HttpProducer" || p.ID != "2" {
		t.Fatalf("first permission = %+v", p)
	}
	if want := time.Date(2013, 8, 9, 11, 25, 24, 293e6, time.UTC); !p.From.Equal(want) {
		t.Fatalf("from = %s, want %s", p.From, want)
	}
	if !strings.HasSuffix(p.Origin, "tak-behorigheter-test.xml:6") {
		t.Fatalf("origin %q, want the entry's line", p.Origin)
	}
	r, err := takformat.ReadFile(taktest.VPRoutes(t), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	var empty, bp22 bool
	for _, x := range r.Routes {
		empty = empty || (x.Receiver == "ReceiverNoPhysicalAddress" && x.Address == "")
		bp22 = bp22 || (x.Receiver == "ReceiverUnknownRivVersion" && x.Profile == "RIVTABP22")
	}
	if len(r.Routes) != 22 || !empty || !bp22 {
		t.Fatalf("routes = %d, empty address kept %v, RIVTABP22 kept %v", len(r.Routes), empty, bp22)
	}
}

func TestCacheErrors(t *testing.T) {
	t.Parallel()
	head := `<?xml version="1.0"?>` + "\n" + `<persistentCache xmlns:ns2="urn:skl:tp:vagvalsinfo:v2">` + "\n"
	entry := func(body string) string {
		return head + "<virtualiseringsInfo>" + body + "</virtualiseringsInfo>\n</persistentCache>"
	}
	full := `<ns2:receiverId>A</ns2:receiverId><ns2:rivProfil>RIVTABP21</ns2:rivProfil><ns2:tjansteKontrakt>urn:x:1</ns2:tjansteKontrakt>`
	tests := []struct{ name, doc, want string }{
		{"not XML at all", "<persistentCache><oops", "c.xml:1"},
		{"mismatched end tag", head + "<virtualiseringsInfo></anropsBehorighetsInfo>", "c.xml:3: unexpected end tag </anropsBehorighetsInfo>"},
		{"truncated file", head + "<virtualiseringsInfo>", "unexpected end of file inside <virtualiseringsInfo>"},
		{"missing field", entry(`<ns2:receiverId>A</ns2:receiverId>`), "c.xml:3: virtualiseringsInfo: missing <rivProfil>"},
		{"bad date names the field", entry(full + `<ns2:fromTidpunkt>2013-13-09</ns2:fromTidpunkt><ns2:tomTidpunkt>2123-08-09T00:00:00</ns2:tomTidpunkt>`), "virtualiseringsInfo: fromTidpunkt: date-time \"2013-13-09\""},
		{"element inside a value", entry(`<ns2:receiverId>A<b/></ns2:receiverId>`), "<b> inside <receiverId>"},
		{"no entries", head + "</persistentCache>", "no virtualiseringsInfo or anropsBehorighetsInfo elements"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := takformat.Read("c.xml", []byte(tc.doc), opts(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want takformat.Format
	}{
		{"xml declaration", `<?xml version="1.0"?><persistentCache/>`, takformat.Cache},
		{"xml after BOM and blank lines", "\xEF\xBB\xBF\n\n  <persistentCache/>", takformat.Cache},
		{"json", "  {\"data\":{}}", takformat.JSON},
		{"zip", "PK\x03\x04rest", takformat.Zip},
		{"yaml", "# comment\nroutes: []\n", takformat.YAML},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := takformat.Detect([]byte(tc.in)); got != tc.want {
				t.Fatalf("Detect = %s, want %s", got, tc.want)
			}
		})
	}
}
