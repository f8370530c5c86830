package envelope

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/rivta"
)

const (
	soap11   = `xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"`
	certNS   = "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1"
	actNS    = "urn:riv:clinicalprocess:activity:actions:GetActivitiesResponder:1"
	xmlDecl8 = `<?xml version="1.0" encoding="UTF-8"?>`
)

// getCertificate is VP's unit-test request with every namespace declared
// on the Envelope (TestSoapRequests.createGetCertificateRequest).
func getCertificate(receiver string) string {
	return `<soapenv:Envelope ` + soap11 + ` xmlns:add="http://www.w3.org/2005/08/addressing" xmlns:urn="` + certNS + `">
   <soapenv:Header>
      <add:To>` + receiver + `</add:To>
   </soapenv:Header>
   <soapenv:Body>
      <urn:GetCertificateRequest>
         <urn:certificateId>?</urn:certificateId>
         <!--You may enter ANY elements at this point-->
      </urn:GetCertificateRequest>
   </soapenv:Body>
</soapenv:Envelope>`
}

// getActivities21 declares the header namespace on Header and the contract
// namespace on Body (createGetActivitiesRiv21Request).
func getActivities21(receiver string) string {
	return xmlDecl8 + `<soapenv:Envelope ` + soap11 + `  >
   <soapenv:Header xmlns:urn="urn:riv:itintegration:registry:1">
      <urn:LogicalAddress>` + receiver + `</urn:LogicalAddress>
   </soapenv:Header>
   <soapenv:Body xmlns:urn1="` + actNS + `" xmlns:urn2="urn:riv:clinicalprocess:activity:actions:1">
      <urn1:GetActivities>
         <urn1:patientId><urn2:root>x</urn2:root></urn1:patientId>
      </urn1:GetActivities>
   </soapenv:Body>
</soapenv:Envelope>`
}

// getActivities20 declares the contract namespace as the default namespace
// of the body element itself (createGetActivitiesRiv20Request).
func getActivities20(receiver string) string {
	return xmlDecl8 + `<soapenv:Envelope ` + soap11 + ` xmlns:add="http://www.w3.org/2005/08/addressing" >
   <soapenv:Header>
      <add:To>` + receiver + `</add:To>
   </soapenv:Header>
   <soapenv:Body>
      <GetActivities  xmlns="` + actNS + `" xmlns:urn2="urn:riv:clinicalprocess:activity:actions:1">
         <patientId><urn2:root>x</urn2:root></patientId>
      </GetActivities>
   </soapenv:Body>
</soapenv:Envelope>`
}

// env wraps header children and a body child in a SOAP 1.1 envelope.
func env(header, body string) string {
	return `<soapenv:Envelope ` + soap11 + `><soapenv:Header>` + header + `</soapenv:Header><soapenv:Body>` + body + `</soapenv:Body></soapenv:Envelope>`
}

const pingBody = `<p:PingForConfiguration xmlns:p="urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"><p:x/></p:PingForConfiguration>`

var pingQName = QName{"urn:riv:itintegration:monitoring:PingForConfigurationResponder:1", "PingForConfiguration"}

// toUTF16 encodes s as UTF-16, optionally with a byte order mark.
func toUTF16(s string, big, bom bool) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

func TestSniffCases(t *testing.T) {
	la := func(text string) string {
		return `<la:LogicalAddress xmlns:la="urn:riv:itintegration:registry:1">` + text + `</la:LogicalAddress>`
	}
	to := func(text string) string {
		return `<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">` + text + `</wsa:To>`
	}
	bigText := strings.Repeat("x", 300_000)
	tests := []struct {
		name     string
		msg      []byte
		opt      Options
		version  SOAPVersion
		receiver string
		has      bool
		profile  rivta.Profile
		body     QName
		charset  string
		declared string
		headers  []HeaderElement // checked when not nil
	}{
		// RequestReaderProcessorTest, one row per VP test.
		{name: "VP ns in envelope", msg: []byte(getCertificate("UnitTest")),
			receiver: "UnitTest", has: true, profile: rivta.RIVTABP20, body: QName{certNS, "GetCertificateRequest"}},
		{name: "VP ns in body", msg: []byte(getActivities21("UnitTest")), declared: "UTF-8",
			receiver: "UnitTest", has: true, profile: rivta.RIVTABP21, body: QName{actNS, "GetActivities"}},
		{name: "VP ns in contract", msg: []byte(getActivities20("UnitTest")), declared: "UTF-8",
			receiver: "UnitTest", has: true, profile: rivta.RIVTABP20, body: QName{actNS, "GetActivities"}},
		{name: "VP receiver empty", msg: []byte(getActivities20("")), declared: "UTF-8",
			receiver: "", has: false, profile: rivta.RIVTABP20, body: QName{actNS, "GetActivities"}},
		{name: "VP receiver just spaces", msg: []byte(getActivities20("   ")), declared: "UTF-8",
			receiver: "", has: false, profile: rivta.RIVTABP20, body: QName{actNS, "GetActivities"}},
		{name: "VP receiver starts with space", msg: []byte(getActivities20(" UnitTest")), declared: "UTF-8",
			receiver: " UnitTest", has: true, profile: rivta.RIVTABP20, body: QName{actNS, "GetActivities"}},
		{name: "VP receiver ends with space", msg: []byte(getActivities20("UnitTest ")), declared: "UTF-8",
			receiver: "UnitTest ", has: true, profile: rivta.RIVTABP20, body: QName{actNS, "GetActivities"}},

		// Where prefixes and default namespaces are declared.
		{name: "prefix on the element itself", msg: []byte(env(la("SE1"), pingBody)),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName,
			headers: []HeaderElement{{QName{registry, "LogicalAddress"}, "SE1"}}},
		{name: "prefix on Header", msg: []byte(`<soapenv:Envelope ` + soap11 + `><soapenv:Header xmlns:w="` + wsa + `"><w:To>SE1</w:To></soapenv:Header><soapenv:Body>` + pingBody + `</soapenv:Body></soapenv:Envelope>`),
			receiver: "SE1", has: true, profile: rivta.RIVTABP20, body: pingQName},
		{name: "default namespace on the header element", msg: []byte(env(`<To xmlns="`+wsa+`">SE1</To>`, pingBody)),
			receiver: "SE1", has: true, profile: rivta.RIVTABP20, body: pingQName,
			headers: []HeaderElement{{QName{wsa, "To"}, "SE1"}}},
		{name: "SOAP namespace as default namespace", msg: []byte(`<Envelope xmlns="` + SOAP11NS + `"><Header><LogicalAddress xmlns="` + registry + `">SE1</LogicalAddress></Header><Body><Ping xmlns="urn:p:1"/></Body></Envelope>`),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: QName{"urn:p:1", "Ping"}},
		{name: "body child inherits default namespace from Body", msg: []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Body xmlns="urn:c:1"><Req/></s:Body></s:Envelope>`),
			body: QName{"urn:c:1", "Req"}},
		{name: "body child undeclares the default namespace", msg: []byte(`<Envelope xmlns="` + SOAP11NS + `"><Body><Req xmlns=""/></Body></Envelope>`),
			body: QName{"", "Req"}},
		{name: "body child without namespace", msg: []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Body><Req/></s:Body></s:Envelope>`),
			body: QName{"", "Req"}},
		{name: "prefix redeclared in a nested scope", msg: []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `" xmlns:x="urn:outer"><s:Header><x:A xmlns:x="urn:inner">a</x:A><x:B>b</x:B></s:Header><s:Body><x:Req/></s:Body></s:Envelope>`),
			body:    QName{"urn:outer", "Req"},
			headers: []HeaderElement{{QName{"urn:inner", "A"}, "a"}, {QName{"urn:outer", "B"}, "b"}}},
		{name: "receiver matched by local name in any namespace", msg: []byte(env(`<LogicalAddress xmlns="urn:not:registry">SE1</LogicalAddress>`, pingBody)),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName},

		// Comments, PIs, CDATA, references.
		{name: "comments and PIs everywhere", msg: []byte(xmlDecl8 + `<!-- c --><?pi x?>` + "\n" + `<soapenv:Envelope ` + soap11 + `><!--c--><soapenv:Header><?pi?><!-- c -->` + to("SE<!--inside-->1<?pi in?>") + `<!--c--></soapenv:Header><!--c--><soapenv:Body><!-- c --><?pi?>` + pingBody + `</soapenv:Body></soapenv:Envelope>`),
			declared: "UTF-8", receiver: "SE1", has: true, profile: rivta.RIVTABP20, body: pingQName},
		{name: "CDATA receiver keeps leading space", msg: []byte(env(to("<![CDATA[ SE1]]>"), pingBody)),
			receiver: " SE1", has: true, profile: rivta.RIVTABP20, body: pingQName},
		{name: "entity and character references in receiver", msg: []byte(env(la("&#x20;SE&amp;1&#65;&lt;&gt;&quot;&apos;"), pingBody)),
			receiver: ` SE&1A<>"'`, has: true, profile: rivta.RIVTABP21, body: pingQName},
		{name: "tab-only receiver is no receiver", msg: []byte(env(la("\t\r\n"), pingBody)),
			receiver: "", has: false, profile: rivta.RIVTABP21, body: pingQName,
			headers: []HeaderElement{{QName{registry, "LogicalAddress"}, "\t\n"}}},
		{name: "self-closing receiver", msg: []byte(env(`<wsa:To xmlns:wsa="`+wsa+`"/>`, pingBody)),
			receiver: "", has: false, profile: rivta.RIVTABP20, body: pingQName},

		// Last receiver wins, wherever it is in Header.
		{name: "To then LogicalAddress", msg: []byte(env(to("A")+la("B"), pingBody)),
			receiver: "B", has: true, profile: rivta.RIVTABP21, body: pingQName},
		{name: "LogicalAddress then To", msg: []byte(env(la("B")+to("A"), pingBody)),
			receiver: "A", has: true, profile: rivta.RIVTABP20, body: pingQName},
		{name: "last receiver empty wins", msg: []byte(env(la("B")+la(""), pingBody)),
			receiver: "", has: false, profile: rivta.RIVTABP21, body: pingQName},
		{name: "receiver nested in another header", msg: []byte(env(`<h:Routing xmlns:h="urn:h">`+la("SE2")+`</h:Routing>`, pingBody)),
			receiver: "SE2", has: true, profile: rivta.RIVTABP21, body: pingQName,
			headers: []HeaderElement{{QName{"urn:h", "Routing"}, "SE2"}}},

		// Envelope shapes.
		{name: "SOAP 1.2", msg: []byte(`<e:Envelope xmlns:e="` + SOAP12NS + `"><e:Header>` + la("SE1") + `</e:Header><e:Body>` + pingBody + `</e:Body></e:Envelope>`),
			version: SOAP12, receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName},
		{name: "no Header", msg: []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Body>` + pingBody + `</s:Body></s:Envelope>`),
			body: pingQName, headers: []HeaderElement{}},
		{name: "empty Header", msg: []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Header/><s:Body>` + pingBody + `</s:Body></s:Envelope>`),
			body: pingQName, headers: []HeaderElement{}},
		{name: "self-closing body child", msg: []byte(env(la("SE1"), `<p:Ping xmlns:p="urn:p:1"/>`)),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: QName{"urn:p:1", "Ping"}},
		{name: "odd but legal tag syntax", msg: []byte("<soapenv:Envelope\n\t" + soap11 + " a = 'x' xml:lang='sv' ><soapenv:Header\n>" + `<la:LogicalAddress xmlns:la = '` + registry + `' >SE1</la:LogicalAddress  ></soapenv:Header ><soapenv:Body ><p:Ping  xmlns:p="urn:p:1"  p:a="1"  a="2" /></soapenv:Body></soapenv:Envelope>`),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: QName{"urn:p:1", "Ping"}},
		{name: "non-ASCII names and text", msg: []byte(env(`<h:Vårdgivare xmlns:h="urn:h">Åre 𝄞</h:Vårdgivare>`+la("SE-Åre"), `<p:Hämta xmlns:p="urn:p:1"/>`)),
			receiver: "SE-Åre", has: true, profile: rivta.RIVTABP21, body: QName{"urn:p:1", "Hämta"},
			headers: []HeaderElement{{QName{"urn:h", "Vårdgivare"}, "Åre 𝄞"}, {QName{registry, "LogicalAddress"}, "SE-Åre"}}},

		// Encodings and line ends.
		{name: "UTF-8 BOM", msg: append([]byte("\xEF\xBB\xBF"), getCertificate("UnitTest")...),
			receiver: "UnitTest", has: true, profile: rivta.RIVTABP20, body: QName{certNS, "GetCertificateRequest"}},
		{name: "UTF-16 declared but UTF-8 bytes (VP retries as UTF-8)", msg: []byte(`<?xml version="1.0" encoding="UTF-16"?>` + getCertificate("UnitTest-Å")),
			declared: "UTF-16", receiver: "UnitTest-Å", has: true, profile: rivta.RIVTABP20, body: QName{certNS, "GetCertificateRequest"}},
		{name: "CRLF line ends are normalised in text", msg: []byte(strings.ReplaceAll(env("\r\n"+`<h:A xmlns:h="urn:h">`+"a\r\nb\rc"+`</h:A>`+"\r\n"+la("SE1"), pingBody), "><", ">\r\n<")),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName,
			headers: []HeaderElement{{QName{"urn:h", "A"}, "a\nb\nc"}, {QName{registry, "LogicalAddress"}, "SE1"}}},
		{name: "ISO-8859-1", msg: []byte("<?xml version='1.0' encoding='ISO-8859-1'?>" + env(la("V\xE5rd"), pingBody)),
			charset: "ISO-8859-1", declared: "ISO-8859-1", receiver: "Vård", has: true, profile: rivta.RIVTABP21, body: pingQName},
		{name: "windows-1252", msg: []byte(`<?xml version="1.0" encoding="windows-1252"?>` + env(la("\x80uro"), pingBody)),
			charset: "windows-1252", declared: "windows-1252", receiver: "€uro", has: true, profile: rivta.RIVTABP21, body: pingQName},
		{name: "US-ASCII declared", msg: []byte(`<?xml version="1.0" encoding="US-ASCII" standalone="yes"?>` + env(la("SE1"), pingBody)),
			declared: "US-ASCII", receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName},

		// Sizes.
		{name: "300 KB header", msg: []byte(env(`<h:Big xmlns:h="urn:h">`+bigText+`</h:Big>`+la("SE1"), pingBody)),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName},

		// MTOM/XOP: the envelope is the root part of a multipart message.
		{name: "MTOM root part", opt: Options{MIMEBoundary: "uuid:1234"},
			msg: []byte("--uuid:1234\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n" +
				env(la("SE1"), pingBody) + "\r\n--uuid:1234\r\nContent-Type: application/octet-stream\r\n\r\nBINARY\r\n--uuid:1234--\r\n"),
			receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName},
		// VP's FullServiceMtomIT sends these (RequestReaderProcessorXMLEventReaderTest's
		// MTOM_TEXT_1 and _2) with a Content-Type whose boundary,
		// "uuid:1b56605a-...+id=393", is in neither body: VP routes both.
		{name: "MTOM whose boundary differs from the declared one (VP's MTOM_TEXT_1, payload shortened)", opt: Options{MIME: true, MIMEBoundary: "uuid:1b56605a-1344-46cd-98b9-4687e64cfe7a+id=393"},
			msg: []byte("\n--uuid:2b0d9d3d-f8bf-4a78-b9ad-62e0996d1872+id=1\nContent-ID: <http://tempuri.org/0>\nContent-Transfer-Encoding: 8bit\nContent-Type: application/xop+xml;charset=utf-8;type=\"text/xml\"\n\n" +
				`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:LogicalAddress xmlns:h="urn:riv:itintegration:registry:1" xmlns="urn:riv:itintegration:registry:1">HttpProducer</h:LogicalAddress></s:Header><s:Body><CheckBlocksRequest xmlns="urn:riv:ehr:blocking:accesscontrol:CheckBlocksResponder:3"><PatientId>191212121212</PatientId></CheckBlocksRequest></s:Body></s:Envelope>` +
				"\n--uuid:2b0d9d3d-f8bf-4a78-b9ad-62e0996d1872+id=1--"),
			receiver: "HttpProducer", has: true, profile: rivta.RIVTABP21, body: QName{"urn:riv:ehr:blocking:accesscontrol:CheckBlocksResponder:3", "CheckBlocksRequest"}},
		{name: "MTOM with no declared boundary and a lower-case envelope (VP's MTOM_TEXT_2)", opt: Options{MIME: true},
			msg: []byte("\n------=_Part_11_8757200.1571821395690\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\nContent-Transfer-Encoding: 8bit\nContent-ID: <rootpart@soapui.org>\n\n" +
				`<soapenv:envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:riv:infrastructure:itintegration:registry:2" xmlns:urn1="urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2">` + "\n" +
				"   <soapenv:Header>\n      <urn:LogicalAddress>HttpProducer</urn:LogicalAddress>\n   </soapenv:Header>\n   <soapenv:Body>\n      <urn1:GetSupportedServiceContracts>\n" +
				"         <urn1:serviceConsumerHsaId>5565594230</urn1:serviceConsumerHsaId>\n      </urn1:GetSupportedServiceContracts>\n   </soapenv:Body>\n</soapenv:envelope>\n------=_Part_11_8757200.1571821395690--\n"),
			receiver: "HttpProducer", has: true, profile: rivta.RIVTABP21, body: QName{"urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2", "GetSupportedServiceContracts"}},
		{name: "MTOM Content-Type over a bare envelope (VP finds the envelope anyway)", opt: Options{MIME: true, MIMEBoundary: "uuid:1234"},
			msg: []byte("\r\n" + env(la("SE1"), pingBody)), receiver: "SE1", has: true, profile: rivta.RIVTABP21, body: pingQName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := SniffBytesOptions(tt.msg, tt.opt)
			require.NoError(t, err, "%s", clip(tt.msg))
			want := tt.version
			if want == 0 {
				want = SOAP11
			}
			assert.Equal(t, want, info.Version)
			assert.Equal(t, tt.receiver, info.Receiver)
			assert.Equal(t, tt.has, info.HasReceiver)
			assert.Equal(t, tt.profile, info.Profile)
			assert.Equal(t, tt.body, info.Body)
			charset := tt.charset
			if charset == "" {
				charset = "UTF-8"
			}
			assert.Equal(t, charset, info.Charset)
			assert.Equal(t, tt.declared, info.DeclaredCharset)
			if tt.headers != nil {
				assert.Equal(t, tt.headers, append([]HeaderElement{}, info.Headers...))
			}
			assertBodyStart(t, tt.msg, info)

			// The same through a reader, fed one byte at a time.
			sInfo, head, err := Sniff(&oneByte{b: tt.msg}, tt.opt)
			require.NoError(t, err)
			assert.Equal(t, info, sInfo)
			assert.True(t, bytes.HasPrefix(tt.msg, head))
		})
	}
}

// assertBodyStart checks that BodyStart is the '<' of the body element's
// start tag, by finding that tag in the message independently.
func assertBodyStart(t *testing.T, msg []byte, info *Info) {
	t.Helper()
	require.Less(t, info.BodyStart, int64(len(msg)))
	require.Equal(t, byte('<'), msg[info.BodyStart])
	rest := string(msg[info.BodyStart+1:])
	name, _, _ := strings.Cut(strings.FieldsFunc(rest, func(r rune) bool { return r == ' ' || r == '>' || r == '/' || r == '\t' || r == '\n' })[0], "\x00")
	_, local, ok := strings.Cut(name, ":")
	if !ok {
		local = name
	}
	assert.Equal(t, info.Body.Local, local, "element at BodyStart")
	bodyTag := strings.Index(string(msg), "Body")
	assert.Less(t, int64(bodyTag), info.BodyStart, "body child after the Body tag")
}

// oneByte is a reader that returns one byte per call, then io.EOF with the
// last byte, the way some network readers do.
type oneByte struct {
	b []byte
	n int
}

func (r *oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.n >= len(r.b) {
		return 0, io.EOF
	}
	p[0] = r.b[r.n]
	r.n++
	if r.n == len(r.b) {
		return 1, io.EOF
	}
	return 1, nil
}

func TestSniffUTF16(t *testing.T) {
	// A non-ASCII receiver and a character outside the BMP before the
	// body, so offsets must count surrogate pairs.
	doc := `<?xml version="1.0" encoding="UTF-16"?>` + "\n" + env(`<h:A xmlns:h="urn:h">𝄞 Åre</h:A>`+`<la:LogicalAddress xmlns:la="`+registry+`">SE-Vård</la:LogicalAddress>`, pingBody)
	tests := []struct {
		name    string
		big     bool
		bom     bool
		charset string
	}{
		{"little endian with BOM", false, true, "UTF-16LE"},
		{"big endian with BOM", true, true, "UTF-16BE"},
		{"little endian without BOM", false, false, "UTF-16LE"},
		{"big endian without BOM", true, false, "UTF-16BE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := toUTF16(doc, tt.big, tt.bom)
			info, err := SniffBytes(msg)
			require.NoError(t, err)
			assert.Equal(t, tt.charset, info.Charset)
			assert.Equal(t, "UTF-16", info.DeclaredCharset)
			assert.Equal(t, "SE-Vård", info.Receiver)
			assert.Equal(t, rivta.RIVTABP21, info.Profile)
			assert.Equal(t, pingQName, info.Body)
			assert.Equal(t, "𝄞 Åre", info.Headers[0].Text)
			// BodyStart is a byte offset into the UTF-16 bytes.
			wantStart := len(toUTF16(doc[:strings.Index(doc, "<p:Ping")], tt.big, tt.bom))
			assert.Equal(t, int64(wantStart), info.BodyStart)

			sInfo, head, err := Sniff(&oneByte{b: msg}, Options{})
			require.NoError(t, err)
			assert.Equal(t, info, sInfo)
			assert.True(t, bytes.HasPrefix(msg, head))
		})
	}
}

func TestSniffErrors(t *testing.T) {
	good := env(`<la:LogicalAddress xmlns:la="`+registry+`">SE1</la:LogicalAddress>`, pingBody)
	tests := []struct {
		name      string
		msg       []byte
		sentinel  error // errors.Is target, nil for plain syntax errors
		line, col int   // 0: not checked
		msg1      string
	}{
		// Like the VP015 example in the reference (a broken attribute).
		{"attribute without '='", []byte(`<soapenv:Envelope s xmlns:soapenv="` + SOAP11NS + `"/>`), nil, 1, 21, "unexpected character 'x' (code 120), expected '='"},
		{"end tag mismatch", []byte(env("<a:To xmlns:a=\""+wsa+"\">r</a:Too>", pingBody)), nil, 1, 147, "element <a:To> closed by </a:Too>"},
		{"undeclared prefix", []byte(env("<x:To>r</x:To>", pingBody)), nil, 1, 94, `undeclared namespace prefix "x"`},
		{"undeclared prefix on attribute", []byte(env(`<To y:a="1">r</To>`, pingBody)), nil, 1, 97, `undeclared namespace prefix "y" in attribute y:a`},
		{"truncated in header", []byte(good[:120]), nil, 1, 121, "unexpected end of input"},
		{"truncated in body start tag", []byte(good[:strings.Index(good, "<p:Ping")+24]), nil, 0, 0, "start tag <p:PingForConfiguration> is not closed"},
		{"empty input", nil, nil, 1, 1, "no root element"},
		{"not XML", []byte("hello"), nil, 1, 1, "content is not allowed in prolog"},
		{"JSON", []byte(`{"a":1}`), nil, 1, 1, "content is not allowed in prolog"},
		{"text before root on line 2", []byte("<?xml version='1.0'?>\n  x<a/>"), nil, 2, 3, "content is not allowed in prolog"},
		{"XML declaration not at start", []byte(" <?xml version='1.0'?>" + good), nil, 1, 2, "XML declaration is allowed only at the very start"},
		{"bad XML version", []byte("<?xml version='2.0'?>" + good), nil, 1, 16, `XML version "2.0" is not 1.x`},
		{"illegal character in header", []byte(env("<a:To xmlns:a=\""+wsa+"\">r\x01</a:To>", pingBody)), nil, 1, 147, "illegal character code U+0001"},
		{"invalid UTF-8 in header", []byte(env("<a:To xmlns:a=\""+wsa+"\">r\xff</a:To>", pingBody)), nil, 1, 147, "invalid UTF-8"},
		{"undefined entity", []byte(env("<a:To xmlns:a=\""+wsa+"\">&xxe;</a:To>", pingBody)), nil, 1, 146, "undefined entity &xxe;"},
		{"bad character reference", []byte(env("<a:To xmlns:a=\""+wsa+"\">&#0;</a:To>", pingBody)), nil, 1, 146, "invalid character reference &#0;"},
		{"lone ampersand", []byte(env("<a:To xmlns:a=\""+wsa+"\">a & b</a:To>", pingBody)), nil, 1, 148, "'&' must start a reference"},
		{"double hyphen in comment", []byte(env("<!-- a -- b -->", pingBody)), nil, 1, 100, `"--" is not allowed inside a comment`},
		{"duplicate attribute", []byte(env(`<a:To xmlns:a="`+wsa+`" x="1" x="2">r</a:To>`, pingBody)), nil, 1, 152, "attribute x appears twice"},
		{"duplicate expanded attribute", []byte(env(`<a:To xmlns:a="`+wsa+`" xmlns:b="`+wsa+`" a:x="1" b:x="2">r</a:To>`, pingBody)), nil, 0, 0, "attribute b:x appears twice"},
		{"'<' in attribute value", []byte(env(`<a:To xmlns:a="`+wsa+`" x="<">r</a:To>`, pingBody)), nil, 0, 0, "'<' is not allowed in an attribute value"},
		{"two colons in a name", []byte(env(`<a:b:c/>`, pingBody)), nil, 0, 0, "at most one colon"},
		{"empty prefix binding", []byte(env(`<a:To xmlns:a="">r</a:To>`, pingBody)), nil, 0, 0, `prefix "a" is bound to an empty URI`},
		{"too many namespace declarations in scope", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"` + manyDecls(300) + `><s:Body><a/></s:Body></s:Envelope>`), nil, 0, 0, "more than 256 namespace declarations in scope"},
		{"]]> in text", []byte(env(`<a:To xmlns:a="`+wsa+`">a]]>b</a:To>`, pingBody)), nil, 0, 0, `"]]>" is not allowed`},

		{"non-envelope root", []byte(`<?xml version="1.0"?>` + "\n<foo/>"), ErrNotEnvelope, 2, 1, `root element is <foo> in namespace "", not a SOAP 1.1 or 1.2 Envelope`},
		{"Envelope in another namespace", []byte(`<Envelope xmlns="urn:x"><Body><a/></Body></Envelope>`), ErrNotEnvelope, 1, 1, `in namespace "urn:x"`},
		{"Envelope without namespace", []byte(`<Envelope><Body><a/></Body></Envelope>`), ErrNotEnvelope, 1, 1, "not a SOAP 1.1 or 1.2 Envelope"},
		{"lower-case envelope in another namespace", []byte(`<envelope xmlns="urn:x"><Body><a/></Body></envelope>`), ErrNotEnvelope, 1, 1, `root element is <envelope> in namespace "urn:x"`},
		{"no Body", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Header/></s:Envelope>`), ErrNoBody, 1, 76, "Envelope has no Body"},
		{"self-closing Envelope", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"/>`), ErrNoBody, 1, 1, "Envelope has no Body"},
		{"empty Body", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Body/></s:Envelope>`), ErrNoBody, 1, 65, "Body is empty"},
		{"Body with only text", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Body> x </s:Body></s:Envelope>`), ErrNoBody, 1, 76, "Body has no element"},
		{"Body in another namespace", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><Body><a/></Body></s:Envelope>`), ErrNoBody, 1, 65, "expected Header or Body in Envelope, found <Body>"},
		{"element before Body", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><x/><s:Body><a/></s:Body></s:Envelope>`), ErrNoBody, 1, 65, "found <x>"},
		{"two Headers", []byte(`<s:Envelope xmlns:s="` + SOAP11NS + `"><s:Header/><s:Header/><s:Body><a/></s:Body></s:Envelope>`), ErrNoBody, 0, 0, "second Header"},

		{"DOCTYPE with external entity (XXE)", []byte(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + "\n" + env("<a:To xmlns:a=\""+wsa+"\">&xxe;</a:To>", pingBody)), ErrDTD, 2, 1, "DOCTYPE is not allowed"},
		{"billion laughs", []byte(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` + env("<a:To xmlns:a=\""+wsa+"\">&lol2;</a:To>", pingBody)), ErrDTD, 1, 1, "DOCTYPE is not allowed"},
		{"DOCTYPE inside the envelope", []byte(env(`<!DOCTYPE x>`, pingBody)), ErrDTD, 0, 0, "DOCTYPE is not allowed"},

		{"unsupported encoding", []byte(`<?xml version="1.0" encoding="EBCDIC-CP-US"?>` + good), ErrUnsupportedCharset, 1, 31, `encoding "EBCDIC-CP-US" is not supported`},
		{"UTF-32", append([]byte{0xFF, 0xFE, 0, 0}, "<\x00\x00\x00"...), ErrUnsupportedCharset, 1, 1, "UTF-32"},
		{"truncated UTF-16", toUTF16(good, false, true)[:101], nil, 0, 0, "truncated UTF-16"},
		{"unpaired surrogate", append(toUTF16(`<s:Envelope xmlns:s="`+SOAP11NS+`"><s:Header><a>`, true, true), 0xD8, 0x00, 0x00, 'x'), nil, 0, 0, "high surrogate without low surrogate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, via := range []string{"bytes", "reader"} {
				var err error
				if via == "bytes" {
					_, err = SniffBytes(tt.msg)
				} else {
					_, _, err = Sniff(&oneByte{b: tt.msg}, Options{})
				}
				require.Error(t, err, via)
				var se *SyntaxError
				require.True(t, errors.As(err, &se), "%s: %T %v", via, err, err)
				assert.Contains(t, se.Msg, tt.msg1, via)
				if tt.line > 0 {
					assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{se.Line, se.Column}, "%s: line, column of %v", via, err)
				}
				if tt.sentinel != nil {
					assert.ErrorIs(t, err, tt.sentinel, via)
				} else {
					assert.Nil(t, se.Err, "%s: plain syntax error", via)
				}
				assert.Contains(t, err.Error(), "line ")
			}
		})
	}
}

// manyDecls is n distinct namespace declarations.
func manyDecls(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ` xmlns:p%d="urn:p:%d"`, i, i)
	}
	return b.String()
}

func TestSniffHeadTooLarge(t *testing.T) {
	msg := []byte(env(`<h:Big xmlns:h="urn:h">`+strings.Repeat("x", 50_000)+`</h:Big>`, pingBody))
	info, head, err := Sniff(bytes.NewReader(msg), Options{MaxHead: 10_000})
	assert.Nil(t, info)
	require.ErrorIs(t, err, ErrHeadTooLarge)
	assert.Contains(t, err.Error(), "10000 bytes")
	assert.Len(t, head, 10_000, "reads exactly up to the limit, no further")

	// Just enough room succeeds.
	bodyEnd := strings.Index(string(msg), pingBody) + strings.Index(pingBody, ">") + 1
	info, head, err = Sniff(bytes.NewReader(msg), Options{MaxHead: int64(bodyEnd)})
	require.NoError(t, err)
	assert.Equal(t, pingQName, info.Body)
	assert.Len(t, head, bodyEnd)
	_, _, err = Sniff(bytes.NewReader(msg), Options{MaxHead: int64(bodyEnd - 1)})
	require.ErrorIs(t, err, ErrHeadTooLarge)
}

// The word-at-a-time checks agree with byte-by-byte checks.
func TestWordChecks(t *testing.T) {
	words := []uint64{0, ^uint64(0), 0x2020202020202020, 0x7F7F7F7F7F7F7F7F, 0x1F20202020202020, 0x202020202020201F,
		0x8020202020202020, 0x2020202020202080, 0x3E3E3E3E3E3E3E3E, 0x2626262626262626, 0x4142434445464748}
	seed := uint64(0x9E3779B97F4A7C15)
	for range 200_000 {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		w := seed
		if seed&1 == 0 {
			w &= 0x7F7F7F7F7F7F7F7F // mostly ASCII, where the fast path matters
		}
		words = append(words, w)
	}
	for _, w := range words {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], w)
		plain, amp, gt := true, false, false
		for _, c := range b {
			plain = plain && c >= 0x20 && c < 0x80
			amp = amp || c == '&'
			gt = gt || c == '>'
		}
		require.Equal(t, plain, plainWord(w), "plainWord(%#x)", w)
		require.Equal(t, amp, hasByte(w, '&'), "hasByte(%#x, '&')", w)
		require.Equal(t, gt, hasByte(w, '>'), "hasByte(%#x, '>')", w)
	}
}

// TestSniffRoot: only a SOAP Envelope root counts, however much markup
// comes before it or mentions the envelope namespace (a producer's HTML
// error page with the namespace in a comment is not a SOAP fault).
func TestSniffRoot(t *testing.T) {
	t.Parallel()
	fault := `<soap:Envelope xmlns:soap="` + SOAP11NS + `"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode>`
	tests := []struct {
		name string
		msg  string
		want SOAPVersion // 0: not an envelope
	}{
		{"SOAP 1.1 fault, cut off after the root", `<?xml version="1.0"?>` + "\n<!-- answer -->\n" + fault, SOAP11},
		{"SOAP 1.2 envelope", `<env:Envelope xmlns:env="` + SOAP12NS + `"><env:Body>`, SOAP12},
		{"HTML with the namespace in a comment", "<html><!-- " + SOAP11NS + " --><body>500 Internal Server Error</body></html>", 0},
		{"HTML with the namespace in a comment before the root", "<!-- " + SOAP11NS + " -->\n<html><body>error</body></html>", 0},
		{"plain text naming the namespace", "error: " + SOAP11NS, 0},
		{"DOCTYPE before an envelope", "<!DOCTYPE html>" + fault, 0},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := SniffRoot([]byte(tt.msg))
			if tt.want == 0 {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
		})
	}
}
