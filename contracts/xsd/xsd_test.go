package xsd_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

const (
	thingsNS = "urn:riv:test:things:GetThingsResponder:1"
	coreNS   = "urn:riv:test:things:1"
	soapNS   = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12NS = "http://www.w3.org/2003/05/soap-envelope"
)

func testSet(t testing.TB) *contracts.Set {
	t.Helper()
	set, err := contracts.LoadDir(filepath.Join("testdata", "contract"))
	require.NoError(t, err)
	return set
}

// at returns up to n bytes of doc starting at a 1-based line and byte column.
func at(t *testing.T, doc []byte, line, col, n int) string {
	t.Helper()
	lines := bytes.SplitAfter(doc, []byte("\n"))
	require.LessOrEqual(t, line, len(lines), "line %d of %d", line, len(lines))
	l := lines[line-1]
	require.LessOrEqual(t, col-1, len(l), "column %d of line %d (%q)", col, line, l)
	return string(l[col-1 : min(len(l), col-1+n)])
}

const validThings = `<GetThings xmlns="urn:riv:test:things:GetThingsResponder:1" xmlns:c="urn:riv:test:things:1">
  <thing><c:id>191212121212</c:id><c:name>Tolvan</c:name><c:count>1</c:count></thing>
</GetThings>`

func TestValidateBareDocuments(t *testing.T) {
	t.Parallel()
	v := xsd.New(testSet(t))
	tests := []struct {
		name     string
		doc      string
		problems []string // snippet found at each problem's position
	}{
		{name: "valid", doc: validThings},
		{name: "pattern and type", doc: `<GetThings xmlns="urn:riv:test:things:GetThingsResponder:1" xmlns:c="urn:riv:test:things:1">
  <thing><c:id>1912-1212</c:id><c:name>x</c:name><c:count>many</c:count></thing>
</GetThings>`, problems: []string{"</c:id>", "</c:count>"}},
		{name: "wrong namespace of nested core element", doc: `<GetThings xmlns="urn:riv:test:things:GetThingsResponder:1">
  <thing><id>191212121212</id><name>x</name></thing>
</GetThings>`, problems: []string{"<id>"}}, // the first wrong child only, as xmllint reports it
		{name: "not well-formed", doc: `<GetThings xmlns="urn:riv:test:things:GetThingsResponder:1">
  <thing></GetThings>`, problems: []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			probs, err := v.Validate(thingsNS, []byte(tc.doc))
			require.NoError(t, err)
			require.Len(t, probs, len(tc.problems), "%v", probs)
			for i, p := range probs {
				assert.NotEmpty(t, p.Message)
				if tc.problems[i] != "" {
					assert.Equal(t, tc.problems[i], at(t, []byte(tc.doc), p.Line, p.Column, len(tc.problems[i])), "problem %v", p)
				}
			}
		})
	}
}

func TestValidateUnknownNamespace(t *testing.T) {
	t.Parallel()
	v := xsd.New(testSet(t))
	_, err := v.Validate("urn:nope", []byte(`<a xmlns="urn:nope"/>`))
	require.ErrorIs(t, err, xsd.ErrUnknownNamespace)
	ns, _, err := xsd.ValidateMessage(v, []byte(`<a xmlns="urn:nope"/>`))
	require.ErrorIs(t, err, xsd.ErrUnknownNamespace)
	assert.Equal(t, "urn:nope", ns)
	// Case-insensitive fallback finds the contract.
	probs, err := v.Validate(strings.ToUpper(thingsNS[:3])+thingsNS[3:], []byte(validThings))
	require.NoError(t, err)
	assert.Empty(t, probs)
}

// Positions in other encodings are reported in the original bytes.
func TestValidateNonUTF8(t *testing.T) {
	t.Parallel()
	v := xsd.New(testSet(t))
	doc := `<?xml version="1.0" encoding="%s"?>
<GetThings xmlns="urn:riv:test:things:GetThingsResponder:1" xmlns:c="urn:riv:test:things:1">
  <thing><c:id>191212121212</c:id><c:name>Åsa Öberg</c:name><c:count>två</c:count></thing>
</GetThings>`
	latin1, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(fmt.Sprintf(doc, "ISO-8859-1")))
	require.NoError(t, err)
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(fmt.Sprintf(doc, "UTF-16")))
	require.NoError(t, err)
	// The problem is reported at the end tag after "två" on line 3.
	before := []rune("  <thing><c:id>191212121212</c:id><c:name>Åsa Öberg</c:name><c:count>två")
	tests := []struct {
		name    string
		data    []byte
		wantCol int // byte column in the original encoding
	}{
		{name: "ISO-8859-1", data: latin1, wantCol: len(before) + 1},
		{name: "UTF-16LE", data: utf16, wantCol: 2*len(before) + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, viaMessage := range []bool{false, true} {
				var probs []xsd.Problem
				var err error // per subtest: they run in parallel
				if viaMessage {
					_, probs, err = xsd.ValidateMessage(v, tc.data)
				} else {
					probs, err = v.Validate(thingsNS, tc.data)
				}
				require.NoError(t, err)
				require.Len(t, probs, 1, "%v", probs)
				assert.Equal(t, 3, probs[0].Line)
				assert.Equal(t, tc.wantCol, probs[0].Column, "byte column in the original encoding")
			}
		})
	}
}

// envelope wraps a bare document into a SOAP envelope: the namespace
// declarations of its root move to the Envelope, and the root starts on the
// same line as <soap:Body>, so both line and column mapping are exercised.
func envelope(t *testing.T, doc []byte, envNS string) []byte {
	t.Helper()
	doc = regexp.MustCompile(`^(\xef\xbb\xbf)?(<\?xml[^>]*\?>)?\s*`).ReplaceAll(doc, nil)
	doc = regexp.MustCompile(`(?s)^(<!--.*?-->\s*)*`).ReplaceAll(doc, nil)
	end := bytes.IndexByte(doc, '>')
	require.Positive(t, end)
	startTag := doc[:end]
	decl := regexp.MustCompile(`\s+xmlns(:[\w.-]+)?\s*=\s*("[^"]*"|'[^']*')`)
	decls := decl.FindAll(startTag, -1)
	startTag = decl.ReplaceAll(startTag, nil)
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"%s\"", envNS)
	for _, d := range decls {
		b.WriteString("\n    " + strings.TrimSpace(string(d)))
	}
	b.WriteString(">\n  <soap:Header><itr:LogicalAddress xmlns:itr=\"urn:riv:itintegration:registry:1\">SE123</itr:LogicalAddress></soap:Header>\n  <soap:Body>  ")
	b.Write(startTag)
	b.Write(doc[end:])
	b.WriteString("\n  </soap:Body>\n</soap:Envelope>\n")
	return b.Bytes()
}

// Every real sample gives the same problems, at the same text, whether it
// is validated bare or inside an envelope whose declarations it inherits.
func TestValidateMessageEnvelopeMatchesBare(t *testing.T) {
	t.Parallel()
	samples := rivtatest.Samples(t)
	sets := map[string]xsd.Validator{}
	for _, s := range samples {
		if sets[s.Folder] == nil {
			set, err := contracts.LoadDir(s.Folder)
			require.NoError(t, err)
			sets[s.Folder] = xsd.New(set)
		}
	}
	for _, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			v := sets[s.Folder]
			bare, err := os.ReadFile(s.XML)
			require.NoError(t, err)
			nsBare, pb, err := xsd.ValidateMessage(v, bare)
			require.NoError(t, err)
			for _, envNS := range []string{soapNS, soap12NS} {
				env := envelope(t, bare, envNS)
				nsEnv, pe, err := xsd.ValidateMessage(v, env)
				require.NoError(t, err)
				assert.Equal(t, nsBare, nsEnv)
				if len(pb) > 0 && strings.Contains(pb[0].Message, "validation.xml") {
					// Not well-formed: both must say so; positions differ
					// because the two parsers stop at different places.
					require.NotEmpty(t, pe)
					continue
				}
				require.Len(t, pe, len(pb), "bare %v\nenvelope %v", pb, pe)
				for i := range pb {
					assert.Equal(t, at(t, bare, pb[i].Line, pb[i].Column, 12), at(t, env, pe[i].Line, pe[i].Column, 12),
						"problem %d: bare %v, envelope %v", i, pb[i], pe[i])
				}
			}
		})
	}
}

func TestValidateMessageCases(t *testing.T) {
	t.Parallel()
	v := xsd.New(testSet(t))
	body := `<t:GetThings xmlns:t="urn:riv:test:things:GetThingsResponder:1"><t:thing><c:id>191212121212</c:id><c:name>x</c:name><c:kind>c:Widget</c:kind></t:thing></t:GetThings>`
	tests := []struct {
		name    string
		msg     string
		wantNS  string
		want    string // substring of the only problem; "" = valid
		wantErr error
	}{
		{name: "SOAP 1.1, core prefix declared on Envelope", wantNS: thingsNS,
			msg: `<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `"><s:Header/><s:Body>` + body + `</s:Body></s:Envelope>`},
		{name: "SOAP 1.2, core prefix declared on Body", wantNS: thingsNS,
			msg: `<s:Envelope xmlns:s="` + soap12NS + `"><s:Body xmlns:c="` + coreNS + `">` + body + `</s:Body></s:Envelope>`},
		{name: "default namespace from Envelope", wantNS: thingsNS,
			msg: `<s:Envelope xmlns:s="` + soapNS + `" xmlns="` + thingsNS + `" xmlns:c="` + coreNS + `"><s:Body><GetThings><thing><c:id>191212121212</c:id><c:name>x</c:name></thing></GetThings></s:Body></s:Envelope>`},
		{name: "no Header, comments and PI", wantNS: thingsNS,
			msg: "<?xml version=\"1.0\"?>\r\n<!-- c --><?pi x?><s:Envelope xmlns:s=\"" + soapNS + "\" xmlns:c=\"" + coreNS + "\">\r\n<s:Body><!-- first -->\r\n" + body + "</s:Body></s:Envelope>"},
		{name: "only the first Body child counts", wantNS: thingsNS,
			msg: `<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `"><s:Body>` + body + `<junk/></s:Body></s:Envelope>`},
		{name: "rest of envelope broken after the body child", wantNS: thingsNS,
			msg: `<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `"><s:Body>` + body + `</s:Bogus>`},
		{name: "undeclared QName prefix in content is caught", wantNS: thingsNS, want: "kind",
			msg: `<s:Envelope xmlns:s="` + soapNS + `"><s:Body xmlns:c="` + coreNS + `">` + strings.Replace(body, "c:Widget", "zz:Widget", 1) + `</s:Body></s:Envelope>`},
		{name: "empty Body", want: "Body is empty",
			msg: `<s:Envelope xmlns:s="` + soapNS + `"><s:Body></s:Body></s:Envelope>`},
		{name: "malformed before the body child", want: "not well-formed",
			msg: `<s:Envelope xmlns:s="` + soapNS + `"><s:Header><a></b></s:Header><s:Body/></s:Envelope>`},
		{name: "malformed inside the body child", wantNS: thingsNS, want: "not well-formed",
			msg: `<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `"><s:Body>` + strings.Replace(body, "</t:thing>", "", 1) + `</s:Body></s:Envelope>`},
		{name: "undeclared prefix", want: "not declared",
			msg: `<s:Envelope xmlns:s="` + soapNS + `"><s:Body><x:GetThings/></s:Body></s:Envelope>`},
		{name: "empty input", want: "no root element", msg: ``},
		{name: "SOAP fault has no contract", wantNS: soapNS, wantErr: xsd.ErrUnknownNamespace,
			msg: `<s:Envelope xmlns:s="` + soapNS + `"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ns, probs, err := xsd.ValidateMessage(v, []byte(tc.msg))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Equal(t, tc.wantNS, ns)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantNS, ns)
			if tc.want == "" {
				assert.Empty(t, probs)
				return
			}
			require.Len(t, probs, 1, "%v", probs)
			assert.Contains(t, probs[0].Message, tc.want)
			assert.Positive(t, probs[0].Line)
		})
	}
}

func TestConcurrentValidationCompilesOnce(t *testing.T) {
	t.Parallel()
	v := xsd.New(testSet(t))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			doc := validThings
			if i%2 == 1 {
				doc = strings.Replace(validThings, "191212121212", "x", 1)
			}
			probs, err := v.Validate(thingsNS, []byte(doc))
			if err == nil && (len(probs) == 0) != (i%2 == 0) {
				err = fmt.Errorf("goroutine %d: problems %v", i, probs)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, v.Compiles())
	require.NoError(t, v.Compile(context.Background(), thingsNS))
	assert.EqualValues(t, 1, v.Compiles(), "cached")
}

// corpus is the published samples with a validator per contract folder,
// compiled before timing.
func corpus(b *testing.B) ([]rivtatest.Sample, [][]byte, map[string]*xsd.Pure) {
	samples := rivtatest.Samples(b)
	docs := make([][]byte, len(samples))
	vs := map[string]*xsd.Pure{}
	for i, s := range samples {
		data, err := os.ReadFile(s.XML)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = data
		if vs[s.Folder] == nil {
			set, err := contracts.LoadDir(s.Folder)
			if err != nil {
				b.Fatal(err)
			}
			vs[s.Folder] = xsd.New(set)
		}
		if _, _, err := xsd.ValidateMessage(vs[s.Folder], data); err != nil {
			b.Fatal(err)
		}
	}
	return samples, docs, vs
}

// BenchmarkValidateSample: one op = one published sample validated with the
// pure-Go backend (schemas compiled beforehand), cycling over all samples.
func BenchmarkValidateSample(b *testing.B) {
	samples, docs, vs := corpus(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := samples[i%len(samples)]
		if _, _, err := xsd.ValidateMessage(vs[s.Folder], docs[i%len(samples)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkValidateEnvelope: a valid request in a SOAP envelope.
func BenchmarkValidateEnvelope(b *testing.B) {
	v := xsd.New(testSet(b))
	msg := []byte(`<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `"><s:Header><itr:LogicalAddress xmlns:itr="urn:riv:itintegration:registry:1">SE1</itr:LogicalAddress></s:Header><s:Body>` +
		strings.Replace(validThings, ` xmlns:c="urn:riv:test:things:1"`, "", 1) + `</s:Body></s:Envelope>`)
	b.ReportAllocs()
	for b.Loop() {
		if _, p, err := xsd.ValidateMessage(v, msg); err != nil || len(p) > 0 {
			b.Fatal(err, p)
		}
	}
}

// BenchmarkXmllintSample: the same documents, one xmllint --schema process
// per document, as a reference for BenchmarkValidateSample.
func BenchmarkXmllintSample(b *testing.B) {
	xmllint := rivtatest.Xmllint(b)
	samples := rivtatest.Samples(b)
	i := 0
	for b.Loop() {
		s := samples[i%len(samples)]
		// Exit status 1/3 for the invalid samples is expected.
		_ = exec.Command(xmllint, "--noout", "--schema", s.XSD, s.XML).Run()
		i++
	}
}

// A problem on the same line as the body child's start tag, after the
// declarations carried into it, is still reported at its original column.
func TestValidateMessagePositionOnBodyLine(t *testing.T) {
	t.Parallel()
	v := xsd.New(testSet(t))
	msg := []byte(`<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `" xmlns:x="urn:unused"><s:Body><t:GetThings xmlns:t="` + thingsNS + `"><t:thing><c:id>12</c:id><c:name>x</c:name><c:count>no</c:count></t:thing></t:GetThings></s:Body></s:Envelope>`)
	_, probs, err := xsd.ValidateMessage(v, msg)
	require.NoError(t, err)
	require.Len(t, probs, 2, "%v", probs)
	assert.Equal(t, 1, probs[0].Line)
	assert.Equal(t, "</c:id>", at(t, msg, probs[0].Line, probs[0].Column, 7))
	assert.Equal(t, "</c:count>", at(t, msg, probs[1].Line, probs[1].Column, 10))
}

// FuzzValidateMessage: any bytes give problems or an error, never a panic,
// and problem positions stay inside the message.
func FuzzValidateMessage(f *testing.F) {
	v := xsd.New(testSet(f))
	f.Add([]byte(`<s:Envelope xmlns:s="` + soapNS + `" xmlns:c="` + coreNS + `"><s:Body>` + validThings + `</s:Body></s:Envelope>`))
	f.Add([]byte(validThings))
	f.Add([]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"))
	f.Add([]byte("\xff\xfe<\x00a\x00/\x00>\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		_, probs, _ := xsd.ValidateMessage(v, msg)
		lines := bytes.Count(msg, []byte("\n")) + 1
		for _, p := range probs {
			if p.Line < 0 || p.Line > lines+1 {
				t.Fatalf("problem %v outside a %d-line message", p, lines)
			}
		}
	})
}
