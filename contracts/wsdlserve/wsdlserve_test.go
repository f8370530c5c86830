package wsdlserve

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURLPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tns, want string
		ok              bool
	}{
		{"bp21", "urn:riv:crm:scheduling:GetSubjectOfCareSchedule:1:rivtabp21", "vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21", true},
		{"bp20 deep domain", "urn:riv:infrastructure:directory:authorizationmanagement:GetCredentialsForPerson:1:rivtabp20", "vp/infrastructure/directory/authorizationmanagement/GetCredentialsForPerson/1/rivtabp20", true},
		{"upper profile", "urn:riv:a:B:2:RIVTABP21", "vp/a/B/2/rivtabp21", true},
		{"not riv", "urn:skl:tp:vagvalsinfo:v2", "", false},
		{"no profile", "urn:riv:a:b:B:1:other", "", false},
		{"no major", "urn:riv:a:b:B:x:rivtabp21", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := URLPath(tt.tns)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestBOMWSDL: VP's testRmBom contract (UTF-8 BOM in WSDL and XSDs, VP's
// WsdlProcessorImplTest) is found, served without the BOM, and its
// endpoint rewritten.
func TestBOMWSDL(t *testing.T) {
	t.Parallel()
	dir := testutil.Shared(t, "samples", "skltp-vp", "testfiles", "wsdl", "testRmBom")
	s, err := New(dir)
	require.NoError(t, err)
	const p = "vp/infrastructure/directory/authorizationmanagement/GetCredentialsForPerson/1/rivtabp21"
	assert.Equal(t, []string{p}, s.Paths())
	w := httptest.NewRecorder()
	base := "https://gw.example:443/" + p
	code := s.Serve(w, httptest.NewRequest(http.MethodGet, "/"+p+"?wsdl", nil), base)
	require.Equal(t, http.StatusOK, code)
	assert.False(t, bytes.HasPrefix(w.Body.Bytes(), utf8BOM))
	assert.Contains(t, w.Body.String(), `location="`+base+`"`)

	w = httptest.NewRecorder()
	code = s.Serve(w, httptest.NewRequest(http.MethodGet, "/"+p+"?xsd=GetCredentialsForPersonResponder_1.0.xsd", nil), base)
	require.Equal(t, http.StatusOK, code)
	assert.False(t, bytes.HasPrefix(w.Body.Bytes(), utf8BOM))

	w = httptest.NewRecorder()
	code = s.Serve(w, httptest.NewRequest(http.MethodGet, "/"+p+"?xsd=/etc/passwd", nil), base)
	assert.Equal(t, http.StatusNotFound, code)
}

// TestServesOnlyTheContractSet: ?xsd= answers only the WSDL's own schemas
// (imports and includes, transitively); another file under the directory,
// a schema no WSDL uses, and a referenced schema that is a symbolic link
// leading outside the directory are all 404.
func TestServesOnlyTheContractSet(t *testing.T) {
	t.Parallel()
	dir, outside := t.TempDir(), t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	const tns = "urn:riv:test:Thing:1:rivtabp21"
	write("schemas/interactions/Thing/Thing_1.0_RIVTABP21.wsdl", `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" targetNamespace="`+tns+`">
<wsdl:types><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
<xs:import schemaLocation="ThingResponder_1.0.xsd"/><xs:import schemaLocation="linked.xsd"/></xs:schema></wsdl:types>
<wsdl:service name="S"><wsdl:port name="P" binding="b"><soap:address location="http://tempuri.org"/></wsdl:port></wsdl:service></wsdl:definitions>`)
	write("schemas/interactions/Thing/ThingResponder_1.0.xsd", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="../../core_components/common_1.0.xsd"/></xs:schema>`)
	write("schemas/core_components/common_1.0.xsd", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>`)
	write("schemas/core_components/unused_1.0.xsd", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>`)
	write("schemas/interactions/Thing/notes.txt", "operator notes")
	secret := filepath.Join(outside, "secret.xsd")
	require.NoError(t, os.WriteFile(secret, []byte("<secret/>"), 0o644))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "schemas", "interactions", "Thing", "linked.xsd")))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "schemas", "interactions", "Thing", "unlinked.xsd")))

	s, err := New(dir)
	require.NoError(t, err)
	const p = "vp/test/Thing/1/rivtabp21"
	require.Equal(t, []string{p}, s.Paths())
	base := "https://gw.example/" + p
	tests := []struct {
		query string
		code  int
	}{
		{"wsdl", http.StatusOK},
		{"xsd=ThingResponder_1.0.xsd", http.StatusOK},
		{"xsd=..%2F..%2Fcore_components%2Fcommon_1.0.xsd", http.StatusOK},
		{"xsd=..%2F..%2Fcore_components%2Funused_1.0.xsd", http.StatusNotFound},
		{"xsd=notes.txt", http.StatusNotFound},
		{"xsd=linked.xsd", http.StatusNotFound},
		{"xsd=unlinked.xsd", http.StatusNotFound},
		{"xsd=Thing_1.0_RIVTABP21.wsdl", http.StatusOK},
		{"xsd=" + url.QueryEscape(secret), http.StatusNotFound},
		{"xsd=..%2F..%2F..%2F" + url.QueryEscape(filepath.Base(outside)) + "%2Fsecret.xsd", http.StatusNotFound},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		code := s.Serve(w, httptest.NewRequest(http.MethodGet, "/"+p+"?"+tt.query, nil), base)
		assert.Equal(t, tt.code, code, tt.query)
		assert.NotContains(t, w.Body.String(), "<secret/>", tt.query)
		assert.NotContains(t, w.Body.String(), "operator notes", tt.query)
	}
}
