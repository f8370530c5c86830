package xsd

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadAnchors(t *testing.T) {
	t.Parallel()
	const xs = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">`
	tests := []struct {
		name, in, want string
	}{
		{name: "anchored", in: xs + `<xs:pattern value="^[0-9]{3}$"/></xs:schema>`, want: xs + `<xs:pattern value="[0-9]{3}"/></xs:schema>`},
		{name: "single quotes after another attribute", in: xs + "<xs:pattern id='p'\n  value = '^a|b$'/></xs:schema>", want: xs + "<xs:pattern id='p'\n  value = 'a|b'/></xs:schema>"},
		{name: "entity kept", in: xs + `<xs:pattern value="^a&amp;b$"/></xs:schema>`, want: xs + `<xs:pattern value="a&amp;b"/></xs:schema>`},
		{name: "two patterns, one anchored", in: xs + `<xs:pattern value="^x$"/><xs:pattern value="[^y]$"/></xs:schema>`, want: xs + `<xs:pattern value="x"/><xs:pattern value="[^y]$"/></xs:schema>`},
		{name: "escaped dollar is a literal", in: xs + `<xs:pattern value="^a\$"/></xs:schema>`},
		{name: "escaped backslash then anchor", in: xs + `<xs:pattern value="^a\\$"/></xs:schema>`, want: xs + `<xs:pattern value="a\\"/></xs:schema>`},
		{name: "only a caret", in: xs + `<xs:pattern value="^abc"/></xs:schema>`},
		{name: "default namespace", in: `<schema xmlns="http://www.w3.org/2001/XMLSchema"><pattern value="^a$"/></schema>`, want: `<schema xmlns="http://www.w3.org/2001/XMLSchema"><pattern value="a"/></schema>`},
		{name: "pattern in another namespace", in: `<x:pattern xmlns:x="urn:other" value="^a$"/>`},
		{name: "value attribute of another namespace", in: xs + `<xs:pattern xmlns:o="urn:o" o:value="^a$" value="b"/></xs:schema>`},
		{name: "character reference", in: xs + `<xs:pattern value="&#94;a$"/></xs:schema>`},
		{name: "byte order mark", in: "\xef\xbb\xbf" + xs + "\n<xs:pattern value=\"^a$\"/></xs:schema>", want: "\xef\xbb\xbf" + xs + "\n<xs:pattern value=\"a\"/></xs:schema>"},
		{name: "not well-formed", in: xs + `<xs:pattern value="^a$"/><</xs:schema>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.want
			if want == "" {
				want = tc.in
			}
			got := readAnchors([]byte(tc.in))
			assert.Equal(t, want, string(got))
			assert.Equal(t, bytes.Count([]byte(tc.in), []byte("\n")), bytes.Count(got, []byte("\n")), "lines stay")
		})
	}
}
