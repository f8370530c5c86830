package wsdlserve

import (
	"bytes"
	"net/http"
	"net/http/httptest"
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
