package xsd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/rivgate/rivgate/contracts/internal/xsdmodel"
)

// readAnchors returns the schema document data (UTF-8) with every pattern
// facet written ^...$ shortened to what lies between, so that the compiled
// schema reads the two characters as anchors (xsdmodel.RegexAnchors; XSD
// patterns match the whole value anyway). Only the two characters are cut
// from the attribute as written, so every other byte, and every line,
// stays where it was. A document that cannot be read is returned unchanged
// for the schema compiler to report.
func readAnchors(data []byte) []byte {
	bom := 0 // the decoder does not skip a byte order mark; offsets do
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		bom = 3
	}
	d := xml.NewDecoder(bytes.NewReader(data[bom:]))
	d.Strict = true
	var open scopes
	var out []byte // nil until the first rewrite
	copied := 0    // bytes of data already in out
	for {
		start := bom + int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return data
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			decl, _ := declarations(t.Attr)
			open = append(open, decl)
			if ns, _ := open.lookup(t.Name.Space); t.Name.Local != "pattern" || ns != xsdmodel.XSDNS {
				continue
			}
			for _, a := range t.Attr {
				if a.Name.Space != "" || a.Name.Local != "value" {
					continue
				}
				if _, ok := xsdmodel.RegexAnchors(a.Value); !ok {
					break
				}
				from, to, ok := rawAttrValue(data[start:bom+int(d.InputOffset())], "value")
				from, to = start+from, start+to
				if !ok || to-from < 2 || data[from] != '^' || data[to-1] != '$' {
					break // written with character references: left as is
				}
				out = append(out, data[copied:from]...)
				out = append(out, data[from+1:to-1]...)
				copied = to
			}
		case xml.EndElement:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if out == nil {
		return data
	}
	return append(out, data[copied:]...)
}

// rawAttrValue finds the unprefixed attribute name in a start tag as
// written and returns the byte range of its value between the quotes.
func rawAttrValue(tag []byte, name string) (from, to int, ok bool) {
	i := 1 // after '<'
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '>' && tag[i] != '/' {
		i++ // the element name
	}
	for i < len(tag) {
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		nameStart := i
		for i < len(tag) && tag[i] != '=' && !isSpace(tag[i]) && tag[i] != '>' && tag[i] != '/' {
			i++
		}
		attr := string(tag[nameStart:i])
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if attr == "" || i >= len(tag) || tag[i] != '=' {
			return 0, 0, false
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			return 0, 0, false
		}
		q := tag[i]
		i++
		valStart := i
		for i < len(tag) && tag[i] != q {
			i++
		}
		if i >= len(tag) {
			return 0, 0, false
		}
		if attr == name {
			return valStart, i, true
		}
		i++
	}
	return 0, 0, false
}
