package contracts_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

// countPortTypeOperations counts wsdl:operation children of wsdl:portType in
// every WSDL below dir with a plain token scan, independent of the loader.
func countPortTypeOperations(t *testing.T, dir string) int {
	t.Helper()
	const wsdlNS = "http://schemas.xmlsoap.org/wsdl/"
	n := 0
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(strings.ToLower(p), ".wsdl") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
		var path []xml.Name
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				path = append(path, tok.Name)
				if len(path) == 3 && tok.Name == (xml.Name{Space: wsdlNS, Local: "operation"}) &&
					path[1] == (xml.Name{Space: wsdlNS, Local: "portType"}) {
					n++
				}
			case xml.EndElement:
				path = path[:len(path)-1]
			}
		}
	})
	require.NoError(t, err)
	return n
}

func TestLoadDirSharedContracts(t *testing.T) {
	t.Parallel()
	for _, folder := range rivtatest.Folders(t) {
		t.Run(filepath.Base(folder), func(t *testing.T) {
			t.Parallel()
			set, err := contracts.LoadDir(folder)
			require.NoError(t, err)
			ops := set.Operations()
			assert.Equal(t, countPortTypeOperations(t, folder), len(ops), "operations = wsdl:operation elements in portTypes")
			for _, op := range ops {
				assert.NotEmpty(t, op.Request.Local, "%s %s: request element", op.WSDL, op.Name)
				assert.Equal(t, op.Request.Space, op.Namespace, "contract namespace is the request element's")
				assert.NotEmpty(t, op.Interaction)
				if c, err := rivta.ParseContract(op.Namespace); err == nil {
					// RIV-TA contracts: the profile is known and the
					// receiver header is among the header parts (matched by
					// local name, as VP does: the 2.0 RC8 registry WSDLs put
					// LogicalAddress in another namespace).
					assert.Equal(t, c.Major, op.Major, "%s: major version from file name vs namespace", op.WSDL)
					require.NotEmpty(t, op.Profile, "%s: profile", op.WSDL)
					_, local := op.Profile.ReceiverElement()
					assert.True(t, slices.ContainsFunc(op.Headers, func(h contracts.QName) bool { return h.Local == local }),
						"%s: receiver header %s in %v", op.WSDL, local, op.Headers)
					if op.NamedProfile != "" {
						assert.Equal(t, op.NamedProfile, op.Profile, "%s: profile in name vs header", op.WSDL)
					}
					assert.NotEmpty(t, op.SOAPAction, "%s: SOAPAction", op.WSDL)
				}
				sc, ok := set.Schema(op.Namespace)
				require.True(t, ok, "schema for %s", op.Namespace)
				require.NotEmpty(t, sc.Roots)
				for _, f := range sc.Files {
					assert.FileExists(t, f)
				}
			}
		})
	}
}

func TestLoadDirWholeTree(t *testing.T) {
	t.Parallel()
	dir := rivtatest.Contracts(t)
	set, err := contracts.LoadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, countPortTypeOperations(t, dir), len(set.Operations()))

	// Both PingForConfiguration WSDLs share one namespace: 2.1 is preferred,
	// and each keeps its own profile.
	ping := set.OperationsFor("urn:riv:itintegration:monitoring:PingForConfigurationResponder:1")
	require.Len(t, ping, 2)
	assert.Equal(t, rivta.RIVTABP21, ping[0].Profile)
	assert.Equal(t, rivta.RIVTABP20, ping[1].Profile)
	assert.Equal(t, []contracts.QName{{Space: rivta.WSAddressingNS, Local: "To"}}, ping[1].Headers)

	// Case-insensitive fallback.
	op, ok := set.ByNamespace("URN:RIV:crm:scheduling:MakeBookingResponder:1")
	require.True(t, ok)
	assert.Equal(t, "MakeBooking", op.Name)
	assert.Equal(t, "urn:riv:crm:scheduling:MakeBookingResponder:1:MakeBooking", op.SOAPAction)
	assert.Equal(t, rivta.RIVTABP20, op.Profile)

	// ../../../ imports (ehr_blocking has interactions one level deeper).
	op, ok = set.ByNamespace("urn:riv:ehr:blocking:querying:GetBlocksResponder:2")
	require.True(t, ok)
	sc, ok := set.Schema(op.Namespace)
	require.True(t, ok)
	assert.Contains(t, strings.Join(sc.Files, "\n"), filepath.Join("ehr_blocking_3.2.1", "schemas", "core_components"))

	_, ok = set.ByNamespace("urn:riv:no:such:ThingResponder:1")
	assert.False(t, ok)
}

// fixture writes a small RIV-TA-style contract folder into dir, with the
// interaction two levels below core_components (../../../ imports).
type fixture struct {
	wsdl      string // WSDL text; {{NS}} is replaced
	responder string
	core      string
}

const (
	fixNS     = "urn:riv:test:things:GetThingsResponder:1"
	fixCoreNS = "urn:riv:test:things:1"
)

func defaultFixture() fixture {
	return fixture{
		core: `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:riv:test:things:1" elementFormDefault="qualified">
  <xs:complexType name="ThingType"><xs:sequence><xs:element name="id" type="xs:string"/></xs:sequence></xs:complexType>
</xs:schema>`,
		responder: `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:core="urn:riv:test:things:1"
  targetNamespace="urn:riv:test:things:GetThingsResponder:1" elementFormDefault="qualified">
  <xs:import namespace="urn:riv:test:things:1" schemaLocation="../../../core_components/things_1.0.xsd"/>
  <xs:element name="GetThings"><xs:complexType><xs:sequence><xs:element name="thing" type="core:ThingType"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="GetThingsResponse"><xs:complexType><xs:sequence><xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>`,
		wsdl: `<wsdl:definitions name="GetThingsInteraction" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tjsr="{{NS}}" xmlns:tns="urn:riv:test:things:GetThings:1:rivtabp21"
  xmlns:itr="urn:riv:itintegration:registry:1" xmlns:act="urn:riv:interoperability:headers:1"
  targetNamespace="urn:riv:test:things:GetThings:1:rivtabp21">
  <wsdl:types>
    <xs:schema>
      <xs:import schemaLocation="GetThingsResponder_1.0.xsd" namespace="{{NS}}"/>
      <xs:import schemaLocation="../../../core_components/itintegration_registry_1.0.xsd" namespace="urn:riv:itintegration:registry:1"/>
      <xs:import schemaLocation="../../../core_components/interoperability_headers_1.0.xsd" namespace="urn:riv:interoperability:headers:1"/>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="GetThingsRequest">
    <wsdl:part name="LogicalAddress" element="itr:LogicalAddress"/>
    <wsdl:part name="ActorPart" element="act:Actor"/>
    <wsdl:part name="parameters" element="tjsr:GetThings"/>
  </wsdl:message>
  <wsdl:message name="GetThingsResponse"><wsdl:part name="parameters" element="tjsr:GetThingsResponse"/></wsdl:message>
  <wsdl:portType name="GetThingsResponderInterface">
    <wsdl:operation name="GetThings">
      <wsdl:input message="tns:GetThingsRequest"/>
      <wsdl:output message="tns:GetThingsResponse"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="GetThingsResponderBinding" type="tns:GetThingsResponderInterface">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="GetThings">
      <soap:operation soapAction="{{NS}}:GetThings" style="document"/>
      <wsdl:input>
        <soap:header use="literal" message="tns:GetThingsRequest" part="LogicalAddress"/>
        <soap:header use="literal" message="tns:GetThingsRequest" part="ActorPart"/>
        <soap:body use="literal" parts="parameters"/>
      </wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>`,
	}
}

const registryXSD = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:riv:itintegration:registry:1" elementFormDefault="qualified">
  <xs:element name="LogicalAddress" type="xs:string"/>
</xs:schema>`

const actorXSD = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:riv:interoperability:headers:1" elementFormDefault="qualified">
  <xs:element name="Actor"><xs:complexType><xs:sequence><xs:element name="actorId" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>`

// write lays the fixture out below dir and returns the WSDL path. encode
// turns text into file bytes (BOM, CRLF, other encodings).
func (f fixture) write(t *testing.T, dir string, encode func(string) []byte) string {
	t.Helper()
	if encode == nil {
		encode = func(s string) []byte { return []byte(s) }
	}
	files := map[string]string{
		"schemas/core_components/things_1.0.xsd":                                                   f.core,
		"schemas/core_components/itintegration_registry_1.0.xsd":                                   registryXSD,
		"schemas/core_components/interoperability_headers_1.0.xsd":                                 actorXSD,
		"schemas/interactions/things/GetThingsInteraction/GetThingsResponder_1.0.xsd":              f.responder,
		"schemas/interactions/things/GetThingsInteraction/GetThingsInteraction_1.0_RIVTABP21.wsdl": strings.ReplaceAll(f.wsdl, "{{NS}}", fixNS),
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, encode(text), 0o644))
	}
	return filepath.Join(dir, "schemas/interactions/things/GetThingsInteraction/GetThingsInteraction_1.0_RIVTABP21.wsdl")
}

func TestLoadDirTolerance(t *testing.T) {
	t.Parallel()
	latin1 := func(s string) []byte {
		s = strings.Replace(s, `<wsdl:definitions`, `<?xml version="1.0" encoding="ISO-8859-1"?><!-- åäö --><wsdl:definitions`, 1)
		b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
		require.NoError(t, err)
		return b
	}
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(`<?xml version="1.0" encoding="UTF-16"?>` + s))
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name   string
		encode func(string) []byte
	}{
		{name: "plain, no XML declaration", encode: nil},
		{name: "UTF-8 BOM", encode: func(s string) []byte { return append([]byte("\xef\xbb\xbf"), s...) }},
		{name: "CRLF", encode: func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }},
		{name: "BOM and CRLF and declaration", encode: func(s string) []byte {
			return []byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n" + strings.ReplaceAll(s, "\n", "\r\n"))
		}},
		{name: "ISO-8859-1", encode: latin1},
		{name: "UTF-16 with BOM", encode: utf16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			wsdl := defaultFixture().write(t, dir, tc.encode)
			set, err := contracts.LoadDir(dir)
			require.NoError(t, err)
			ops := set.Operations()
			require.Len(t, ops, 1)
			op := ops[0]
			assert.Equal(t, contracts.Operation{
				WSDL: wsdl, Interaction: "GetThingsInteraction", Name: "GetThings", Major: 1, Minor: 0,
				Namespace: fixNS,
				Request:   contracts.QName{Space: fixNS, Local: "GetThings"},
				Response:  contracts.QName{Space: fixNS, Local: "GetThingsResponse"},
				Profile:   rivta.RIVTABP21, SOAPAction: fixNS + ":GetThings",
				Headers: []contracts.QName{
					{Space: rivta.LogicalAddressNS, Local: "LogicalAddress"},
					{Space: "urn:riv:interoperability:headers:1", Local: "Actor"},
				},
				NamedProfile: rivta.RIVTABP21,
				Schemas:      op.Schemas,
			}, op)
			sc, ok := set.Schema(fixNS)
			require.True(t, ok)
			assert.Equal(t, []string{filepath.Join(filepath.Dir(wsdl), "GetThingsResponder_1.0.xsd")}, sc.Roots)
			assert.Len(t, sc.Files, 2, "responder + core")
		})
	}
}

func TestLoadDirErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(f *fixture)
		wantErr []string // substrings of the error
	}{
		{
			name:    "missing core schema",
			mutate:  func(f *fixture) { f.responder = strings.Replace(f.responder, "things_1.0.xsd", "missing_1.0.xsd", 1) },
			wantErr: []string{"GetThingsInteraction_1.0_RIVTABP21.wsdl", "GetThingsResponder_1.0.xsd:3", "missing_1.0.xsd", "no such file"},
		},
		{
			name:    "malformed WSDL",
			mutate:  func(f *fixture) { f.wsdl = strings.Replace(f.wsdl, "</wsdl:portType>", "</wsdl:porttype>", 1) },
			wantErr: []string{"GetThingsInteraction_1.0_RIVTABP21.wsdl", "not well-formed", "line"},
		},
		{
			name: "undeclared request element",
			mutate: func(f *fixture) {
				f.wsdl = strings.Replace(f.wsdl, `element="tjsr:GetThings"`, `element="tjsr:GetThingz"`, 1)
			},
			wantErr: []string{"GetThingz", "not declared"},
		},
		{
			name: "undefined message",
			mutate: func(f *fixture) {
				f.wsdl = strings.Replace(f.wsdl, `<wsdl:input message="tns:GetThingsRequest"/>`, `<wsdl:input message="tns:Nope"/>`, 1)
			},
			wantErr: []string{"operation GetThings", "message {urn:riv:test:things:GetThings:1:rivtabp21}Nope is not defined"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			broken := defaultFixture()
			tc.mutate(&broken)
			broken.write(t, filepath.Join(dir, "broken"), nil)
			defaultFixture().write(t, filepath.Join(dir, "good"), nil)

			set, err := contracts.LoadDir(dir)
			require.Error(t, err)
			var le *contracts.LoadError
			require.ErrorAs(t, err, &le)
			assert.Contains(t, le.File, filepath.Join(dir, "broken"))
			for _, s := range tc.wantErr {
				assert.Contains(t, err.Error(), s)
			}
			require.NotNil(t, set, "the good WSDL still loads")
			require.Len(t, set.Operations(), 1)
			assert.Contains(t, set.Operations()[0].WSDL, filepath.Join(dir, "good"))
		})
	}
}

func TestLoadDirNoWSDL(t *testing.T) {
	t.Parallel()
	_, err := contracts.LoadDir(t.TempDir())
	require.ErrorContains(t, err, "no *.wsdl files")
	_, err = contracts.LoadDir(filepath.Join(t.TempDir(), "absent"))
	require.ErrorContains(t, err, "read contract directory")
}

func BenchmarkLoadDirAll(b *testing.B) {
	dir := rivtatest.Contracts(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := contracts.LoadDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// A binding in a WSDL that imports the WSDL with the portType (abstract and
// concrete parts split), and an element declared in an inline schema.
func TestLoadDirSplitWSDLAndInlineSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := defaultFixture()
	wsdl := f.write(t, dir, nil)
	full := strings.ReplaceAll(f.wsdl, "{{NS}}", fixNS)
	i, j := strings.Index(full, "<wsdl:binding"), strings.Index(full, "</wsdl:binding>")+len("</wsdl:binding>")
	abstract := full[:i] + full[j:]
	concrete := `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:tns="urn:riv:test:things:GetThings:1:rivtabp21" targetNamespace="urn:riv:test:things:GetThings:1:rivtabp21">
  <wsdl:import namespace="urn:riv:test:things:GetThings:1:rivtabp21" location="GetThingsInteraction_1.0_RIVTABP21.wsdl"/>
  ` + full[i:j] + `
  <wsdl:service name="S"><wsdl:port name="P" binding="tns:GetThingsResponderBinding"><soap:address location="http://localhost/"/></wsdl:port></wsdl:service>
</wsdl:definitions>`
	require.NoError(t, os.WriteFile(wsdl, []byte(abstract), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(wsdl), "GetThingsService.wsdl"), []byte(concrete), 0o644))

	inlineDir := filepath.Join(dir, "inline")
	require.NoError(t, os.MkdirAll(inlineDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(inlineDir, "Ping.wsdl"), []byte(`<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:p="urn:ping" targetNamespace="urn:ping">
  <types><xs:schema targetNamespace="urn:ping"><xs:element name="Ping" type="xs:string"/></xs:schema></types>
  <message name="In"><part name="parameters" element="p:Ping"/></message>
  <portType name="PingPort"><operation name="Ping"><input message="p:In"/></operation></portType>
</definitions>`), 0o644))

	set, err := contracts.LoadDir(dir)
	require.NoError(t, err)
	ops := set.Operations()
	require.Len(t, ops, 2)
	var things, ping contracts.Operation
	for _, op := range ops {
		if op.Name == "GetThings" {
			things = op
		} else {
			ping = op
		}
	}
	assert.Equal(t, wsdl, things.WSDL, "reported with the WSDL that has the portType")
	assert.Equal(t, fixNS+":GetThings", things.SOAPAction, "from the binding in the importing WSDL")
	assert.Len(t, things.Headers, 2)
	assert.Equal(t, rivta.RIVTABP21, things.Profile)

	assert.Equal(t, "urn:ping", ping.Namespace)
	assert.Empty(t, ping.Response.Local, "one-way operation")
	_, ok := set.Schema("urn:ping")
	assert.False(t, ok, "no XSD file to validate against")
	assert.Contains(t, strings.Join(set.Warnings(), "\n"), "inline schema")
}

// The fixture contract's binding declares a second header part, Actor: it
// is a header element of the operation, and the set knows its schema. The
// receiver is not among them; a contract without another header has none.
func TestHeaderElements(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "fixtures", "contracts")
	set, err := contracts.LoadDir(filepath.Join(root, "demo_notes_1.0"))
	require.NoError(t, err)
	op, ok := set.ByNamespace("urn:riv:demo:notes:GetNotesResponder:1")
	require.True(t, ok)
	actor := contracts.QName{Space: "urn:riv:interoperability:headers:1", Local: "Actor"}
	assert.Equal(t, []contracts.QName{{Space: "urn:riv:itintegration:registry:1", Local: "LogicalAddress"}, actor}, op.Headers)
	assert.Equal(t, []contracts.QName{actor}, op.HeaderElements())
	sc, ok := set.Schema(actor.Space)
	require.True(t, ok, "the header's namespace has a schema")
	require.Len(t, sc.Roots, 1)
	assert.Equal(t, "interoperability_headers_1.0.xsd", filepath.Base(sc.Roots[0]))
	assert.Equal(t, []string{"urn:riv:demo:notes:GetNotesResponder:1"}, set.Namespaces(), "a header namespace is not a contract")

	clinic, err := contracts.LoadDir(filepath.Join(root, "demo_clinic_1.0"))
	require.NoError(t, err)
	for _, op := range clinic.Operations() {
		assert.Empty(t, op.HeaderElements(), op.Name)
	}
}

// Patterns written ^...$ are found at load, once per contract, with the
// type they restrict; the operations carry how the set reads them.
func TestPatternAnchors(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(rivtatest.Contracts(t), "itintegration_engagementindex_1.0")
	for _, strict := range []bool{false, true} {
		set, err := contracts.LoadDirWith(dir, contracts.LoadOptions{StrictXSD: strict})
		require.NoError(t, err)
		assert.Equal(t, strict, set.StrictXSD())
		for _, op := range set.Operations() {
			assert.Equal(t, strict, op.StrictXSD, op.Name)
		}
		anchors := set.PatternAnchors()
		require.Len(t, anchors, len(set.Namespaces()))
		for i, a := range anchors {
			assert.Equal(t, set.Namespaces()[i], a.Contract)
			require.Len(t, a.Patterns, 1)
			p := a.Patterns[0]
			assert.Equal(t, "RegisteredResidentIdentificationType", p.Owner)
			assert.Equal(t, "^[0-9]{8}[0-9pPtTfF][0-9]{3}$", p.Pattern)
			assert.Equal(t, 62, p.Line)
			assert.Equal(t, strict, a.Strict)
			assert.Contains(t, set.Warnings(), a.String())
			assert.Contains(t, a.String(), "schemas/core_components/itintegration_engagementindex_1.0.xsd:62")
		}
	}
	// The patched release writes the pattern without anchors: no warning.
	patched, err := contracts.LoadDir(filepath.Join(rivtatest.Contracts(t), "itintegration_engagementindex_1.0_skltp-ei-patched"))
	require.NoError(t, err)
	assert.Empty(t, patched.PatternAnchors())
}
