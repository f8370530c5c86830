package takformat

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

func sharedSample(t testing.TB, rel ...string) []byte {
	t.Helper()
	p := testutil.Shared(t, rel...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var scanCases = []struct {
	name string
	doc  string
	fast bool // the scanner must take it (else it may hand over)
}{
	{"minimal", `<persistentCache xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"><virtualiseringsInfo><ns2:receiverId>A</ns2:receiverId><ns2:rivProfil>RIVTABP21</ns2:rivProfil><ns2:tjansteKontrakt>urn:x:1</ns2:tjansteKontrakt><ns2:fromTidpunkt>2020-01-01T00:00:00</ns2:fromTidpunkt><ns2:tomTidpunkt>2120-01-01T00:00:00</ns2:tomTidpunkt><ns2:adress>http://a?b=1&amp;c=&lt;2&gt;&#x41;&#66;</ns2:adress></virtualiseringsInfo></persistentCache>`, true},
	{"CRLF, CDATA, comments, self-closing", "<?xml version='1.0' encoding='utf-8'?>\r\n<!-- c -->\r\n<persistentCache>\r\n<x/><virtualiseringsInfo>\r\n<receiverId>A\r\nB\rC</receiverId><rivProfil>RIVTABP21</rivProfil><tjansteKontrakt><![CDATA[urn:x:1]]></tjansteKontrakt><fromTidpunkt> 2020-01-01 </fromTidpunkt><tomTidpunkt>2120-01-01</tomTidpunkt><adress/></virtualiseringsInfo></persistentCache>\r\n", true},
	{"permission with filters", `<r><anropsBehorighetsInfo><receiverId>A</receiverId><senderId>S</senderId><tjansteKontrakt>urn:x:1</tjansteKontrakt><fromTidpunkt>2020-01-01</fromTidpunkt><tomTidpunkt>2120-01-01</tomTidpunkt><filterInfo><serviceDomain> urn:d </serviceDomain><categorization>c1</categorization><categorization>c2</categorization></filterInfo><filterInfo><serviceDomain>urn:e</serviceDomain></filterInfo></anropsBehorighetsInfo></r>`, true},
	{"SOAP answer", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:hamtaAllaVirtualiseringarResponse xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"><ns2:virtualiseringsInfo><ns2:virtualiseringsInfoId>9</ns2:virtualiseringsInfoId><ns2:receiverId>A</ns2:receiverId><ns2:rivProfil>RIVTABP21</ns2:rivProfil><ns2:tjansteKontrakt>urn:x:1</ns2:tjansteKontrakt><ns2:fromTidpunkt>2020-01-01T00:00:00</ns2:fromTidpunkt><ns2:tomTidpunkt>2120-01-01T00:00:00</ns2:tomTidpunkt><ns2:adress>http://a</ns2:adress></ns2:virtualiseringsInfo></ns2:hamtaAllaVirtualiseringarResponse></soap:Body></soap:Envelope>`, true},
	{"DOCTYPE goes to encoding/xml", `<!DOCTYPE r><r><virtualiseringsInfo/></r>`, false},
	{"mismatched tags", `<r><a></b></r>`, false},
	{"unknown entity", `<r><virtualiseringsInfo><receiverId>&nbsp;</receiverId></virtualiseringsInfo></r>`, false},
	{"attribute without quotes", `<r a=b/>`, false},
	{"control character", "<r>\x01</r>", false},
	{"invalid UTF-8", "<r>\xff</r>", false},
	{"two roots", `<r/><r/>`, false},
	{"text outside the root", `x<r/>`, false},
	{"double dash in a comment", `<r><!-- a -- b --></r>`, false},
	{"Latin-1 declaration", `<?xml version="1.0" encoding="ISO-8859-1"?><r/>`, false},
	{"truncated", `<r><virtualiseringsInfo>`, false},
	{"missing field", `<r><virtualiseringsInfo><receiverId>A</receiverId></virtualiseringsInfo></r>`, false},
}

// TestScannerAgreesWithEncodingXML: on every case and on VP's samples, when
// the fast scanner accepts a file, encoding/xml reads exactly the same data.
func TestScannerAgreesWithEncodingXML(t *testing.T) {
	t.Parallel()
	docs := map[string]string{}
	for _, c := range scanCases {
		docs[c.name] = c.doc
	}
	docs["vp vagval"] = string(sharedSample(t, "samples", "skltp-vp", "takdata", "tak-vagval-test.xml"))
	docs["vp behorigheter"] = string(sharedSample(t, "samples", "skltp-vp", "takdata", "tak-behorigheter-test.xml"))
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fast, ok := scanCache("x.xml", []byte(doc), Options{})
			slow, err := readCacheXML("x.xml", []byte(doc), Options{})
			if strings.HasPrefix(name, "vp ") && !ok {
				t.Fatal("the scanner handed VP's own sample over to encoding/xml")
			}
			for _, c := range scanCases {
				if c.name == name && c.fast && !ok {
					t.Fatalf("scanner refused it (encoding/xml: %v)", err)
				}
				if c.name == name && !c.fast && ok {
					t.Fatal("scanner accepted it")
				}
			}
			if !ok {
				return
			}
			if err != nil {
				t.Fatalf("scanner accepted what encoding/xml rejects: %v", err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("readers disagree:\nscanner      %+v\nencoding/xml %+v", fast, slow)
			}
		})
	}
}

// FuzzCacheScanner checks the same property on generated input:
// go test -fuzz FuzzCacheScanner ./gateway/tak/takformat
func FuzzCacheScanner(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c.doc))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := scanCache("f.xml", b, Options{})
		if !ok {
			return
		}
		slow, err := readCacheXML("f.xml", b, Options{})
		if err != nil {
			t.Fatalf("scanner accepted what encoding/xml rejects: %v", err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("readers disagree:\nscanner      %+v\nencoding/xml %+v", fast, slow)
		}
	})
}
