package xmltext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func TestToUTF8(t *testing.T) {
	t.Parallel()
	enc := func(e interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
		b, err := e.Bytes([]byte(s))
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name        string
		in          []byte
		charset     string
		transcoded  bool
		wantText    string // Data with a BOM stripped
		col, wantCo int    // line-2 column in Data -> in the original
	}{
		{name: "plain", in: []byte("<a/>"), charset: "UTF-8", wantText: "<a/>"},
		{name: "UTF-8 BOM kept", in: []byte("\xef\xbb\xbf<a/>"), charset: "UTF-8", wantText: "\xef\xbb\xbf<a/>"},
		{name: "declared utf-8", in: []byte(`<?xml version="1.0" encoding="utf-8"?><a/>`), charset: "UTF-8", wantText: `<?xml version="1.0" encoding="utf-8"?><a/>`},
		{name: "ISO-8859-1", in: enc(charmap.ISO8859_1.NewEncoder(), "<?xml version='1.0' encoding='ISO-8859-1'?>\n<a>åäö</a>"),
			charset: "ISO-8859-1", transcoded: true, wantText: blanked("<?xml version='1.0' encoding='ISO-8859-1'?>\n<a>åäö</a>", "encoding='ISO-8859-1'"), col: 10, wantCo: 7},
		{name: "UTF-16LE BOM", in: enc(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<a>å</a>"),
			charset: "UTF-16LE", transcoded: true, wantText: blanked("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<a>å</a>", `encoding="UTF-16"`), col: 6, wantCo: 9},
		{name: "UTF-16 declared, bytes are UTF-8", in: []byte("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<a>å</a>"),
			charset: "UTF-8", transcoded: true, wantText: blanked("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<a>å</a>", `encoding="UTF-16"`), col: 6, wantCo: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ToUTF8(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.charset, got.Charset)
			assert.Equal(t, tc.transcoded, got.Transcoded)
			assert.Equal(t, tc.wantText, string(got.Data))
			if tc.col > 0 {
				assert.Equal(t, tc.wantCo, got.Column(2, tc.col))
			}
			_, err = Parse(tc.in)
			require.NoError(t, err)
		})
	}
	_, err := ToUTF8([]byte(`<?xml version="1.0" encoding="x-no-such"?><a/>`))
	require.ErrorContains(t, err, "unsupported character encoding")
}

// blanked is s with attr replaced by as many spaces.
func blanked(s, attr string) string {
	return strings.Replace(s, attr, strings.Repeat(" ", len(attr)), 1)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "mismatched end tag", in: "<a>\n<b></c></a>", want: "line 2: end tag </c> does not match <b>"},
		{name: "undeclared prefix", in: "<x:a/>", want: `prefix "x" is not declared`},
		{name: "empty", in: "", want: "no root element"},
		{name: "unclosed", in: "<a><b/>", want: "unexpected end of document inside <a>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.in))
			require.ErrorContains(t, err, tc.want)
		})
	}
}
