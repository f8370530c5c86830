// Package xmltext prepares XML bytes for the contract tools: it finds the
// document's character encoding (BOM, XML declaration), transcodes anything
// that is not UTF-8 so that UTF-8-only parsers can read it, maps positions in
// the transcoded text back to the original bytes, and parses small documents
// (WSDL, XSD) into a namespace-aware tree.
package xmltext

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// Text is an XML document as UTF-8, with what is needed to map positions back
// to the original bytes.
type Text struct {
	// Data is the document as UTF-8. When the original was UTF-8 it is the
	// original slice itself (BOM included), so positions are unchanged.
	Data []byte
	// Charset is the encoding the document was read as ("UTF-8", "UTF-16LE",
	// "ISO-8859-1", ...).
	Charset string
	// Transcoded is true when Data is not the original bytes.
	Transcoded bool

	enc    encoding.Encoding // original encoding when Transcoded
	bomLen int               // BOM bytes dropped from the original
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// encodingDecl finds the encoding pseudo-attribute of an XML declaration.
var encodingDecl = regexp.MustCompile(`^<\?xml\s[^>]*?(encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["'])`)

// ToUTF8 reads data as an XML document and returns it as UTF-8. It honours a
// byte order mark, UTF-16 without a BOM, and the encoding named in the XML
// declaration. A document that declares UTF-16 but holds single-byte text
// (a common mislabel) is read as UTF-8. After transcoding, the encoding
// declaration is blanked with spaces so the text still says what it is and
// columns stay where they were.
func ToUTF8(data []byte) (*Text, error) {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		return &Text{Data: data, Charset: "UTF-8"}, nil
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return transcode(data[2:], 2, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "UTF-16BE")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return transcode(data[2:], 2, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "UTF-16LE")
	case bytes.HasPrefix(data, []byte{0x00, '<', 0x00, '?'}):
		return transcode(data, 0, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "UTF-16BE")
	case bytes.HasPrefix(data, []byte{'<', 0x00, '?', 0x00}):
		return transcode(data, 0, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "UTF-16LE")
	}
	m := encodingDecl.FindSubmatchIndex(data[:min(len(data), 512)])
	if m == nil {
		return &Text{Data: data, Charset: "UTF-8"}, nil
	}
	name := string(data[m[4]:m[5]])
	switch strings.ToUpper(name) {
	case "UTF-8", "UTF8", "US-ASCII", "ASCII":
		return &Text{Data: data, Charset: "UTF-8"}, nil
	case "UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32":
		// The bytes were readable as ASCII up to the declaration, so the
		// label is wrong: read as UTF-8, as parsers that sniff bytes do.
		out := blank(data, m[2], m[3])
		return &Text{Data: out, Charset: "UTF-8", Transcoded: true, enc: encoding.Nop}, nil
	}
	enc, err := lookup(name)
	if err != nil {
		return nil, err
	}
	t, err := transcode(data, 0, enc, name)
	if err != nil {
		return nil, err
	}
	if m := encodingDecl.FindSubmatchIndex(t.Data[:min(len(t.Data), 512)]); m != nil {
		t.Data = blank(t.Data, m[2], m[3])
	}
	return t, nil
}

func lookup(name string) (encoding.Encoding, error) {
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		return e, nil
	}
	if e, err := htmlindex.Get(name); err == nil {
		return e, nil
	}
	return nil, fmt.Errorf("unsupported character encoding %q in XML declaration", name)
}

func transcode(data []byte, bomLen int, enc encoding.Encoding, name string) (*Text, error) {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	if !utf8.Valid(out) {
		return nil, fmt.Errorf("decode %s: result is not valid UTF-8", name)
	}
	t := &Text{Data: out, Charset: name, Transcoded: true, enc: enc, bomLen: bomLen}
	if m := encodingDecl.FindSubmatchIndex(out[:min(len(out), 512)]); m != nil {
		t.Data = blank(out, m[2], m[3])
	}
	return t, nil
}

// blank returns a copy of b with b[from:to] replaced by spaces.
func blank(b []byte, from, to int) []byte {
	out := bytes.Clone(b)
	for i := from; i < to; i++ {
		out[i] = ' '
	}
	return out
}

// Column maps a 1-based byte column on a 1-based line of t.Data to the byte
// column in the original document. Lines are the same in both (transcoding
// keeps every newline), so only columns move.
func (t *Text) Column(line, col int) int {
	if !t.Transcoded || t.enc == nil || line < 1 || col < 1 {
		return col
	}
	start := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(t.Data[start:], '\n')
		if i < 0 {
			return col
		}
		start += i + 1
	}
	end := min(start+col-1, len(t.Data))
	prefix, err := t.enc.NewEncoder().Bytes(t.Data[start:end])
	if err != nil {
		return col
	}
	c := len(prefix) + 1
	if line == 1 {
		c += t.bomLen
	}
	return c
}
