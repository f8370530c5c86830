package inject

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// wsaReply is the default (and only RIV-TA) relationship of wsa:RelatesTo.
const wsaReply = rivta.WSAddressingNS + "/reply"

// relateAnswer gives the producer's answer to a RIVTABP20 contract the
// wsa:RelatesTo WS-Addressing requires of a reply: the request's
// wsa:MessageID. Answers to other contracts, to requests without a
// MessageID, and bodies that are not SOAP 1.1 envelopes (a deliberately
// broken or non-SOAP answer) are returned as they are.
func relateAnswer(body []byte, req Request) []byte {
	if req.ContractProfile != rivta.RIVTABP20 || req.Message == nil {
		return body
	}
	info, err := req.Message.Head()
	if err != nil {
		return body
	}
	id := msgcheck.MessageID(info)
	if id == "" {
		return body
	}
	if out, ok := withRelatesTo(body, id); ok {
		return out
	}
	return body
}

// withRelatesTo puts <wsa:RelatesTo>id</wsa:RelatesTo> in the envelope's
// Header: a recorded reply RelatesTo gets id as its text, else one is added
// as the Header's first child, and an envelope without a Header gets one.
// Every other byte stays as it was. ok is false when body is not a SOAP 1.1
// envelope whose head encoding/xml reads (then nothing is changed).
func withRelatesTo(body []byte, id string) (out []byte, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.HasPrefix(strings.ToLower(label), "utf-16") {
			return nil, fmt.Errorf("%s: not edited in place", label)
		}
		return in, nil // single-byte encodings: the head is ASCII markup
	}
	relates := `<wsa:RelatesTo xmlns:wsa="` + rivta.WSAddressingNS + `">` + escapeASCII(id) + `</wsa:RelatesTo>`
	splice := func(at, end int64, s string) []byte {
		return append(append(append([]byte{}, body[:at]...), s...), body[end:]...)
	}
	depth := 0
	var headerTagEnd int64 = -1 // just after the Header start tag
	for range 100_000 {
		before := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			after := d.InputOffset()
			switch {
			case depth == 1:
				if t.Name.Space != envelope.SOAP11NS || t.Name.Local != "Envelope" || selfClosing(body, after) {
					return nil, false
				}
			case depth == 2 && t.Name.Space == envelope.SOAP11NS && t.Name.Local == "Header":
				if selfClosing(body, after) {
					// <soap:Header/> becomes <soap:Header>RelatesTo</soap:Header>.
					name := tagName(body[before:after])
					return splice(after-2, after, ">"+relates+"</"+name+">"), true
				}
				headerTagEnd = after
			case depth == 2:
				// The Body (or anything else) comes first: add a Header.
				return splice(before, before, `<soapenv:Header xmlns:soapenv="`+envelope.SOAP11NS+`">`+relates+`</soapenv:Header>`), true
			case depth == 3 && headerTagEnd >= 0 && t.Name.Space == rivta.WSAddressingNS && t.Name.Local == "RelatesTo" && isReply(t):
				if selfClosing(body, after) {
					name := tagName(body[before:after])
					return splice(after-2, after, ">"+escapeASCII(id)+"</"+name+">"), true
				}
				end, err := endOf(d)
				if err != nil {
					return nil, false
				}
				return splice(after, end, escapeASCII(id)), true
			}
		case xml.EndElement:
			if depth == 2 && headerTagEnd >= 0 {
				// End of a Header without a reply RelatesTo.
				return splice(headerTagEnd, headerTagEnd, relates), true
			}
			depth--
			if depth == 0 {
				return nil, false
			}
		}
	}
	return nil, false
}

// endOf reads to the end of the element just started and returns the
// offset where its end tag begins.
func endOf(d *xml.Decoder) (int64, error) {
	for depth := 1; ; {
		before := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return 0, err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
			if depth == 0 {
				return before, nil
			}
		}
	}
}

// isReply: a RelatesTo without RelationshipType, or with the reply one.
func isReply(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Name.Local == "RelationshipType" && a.Name.Space == "" {
			return strings.TrimSpace(a.Value) == wsaReply
		}
	}
	return true
}

// selfClosing: the start tag ending at end is written <x/>.
func selfClosing(body []byte, end int64) bool {
	return end >= 2 && string(body[end-2:end]) == "/>"
}

// tagName is the qualified name of the start tag tag ("<soap:Header/>").
func tagName(tag []byte) string {
	name := bytes.TrimPrefix(tag, []byte("<"))
	if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
		name = name[:i]
	}
	return string(name)
}

// escapeASCII writes s as XML text in ASCII (other characters as
// character references), so it fits a document in any ASCII-compatible
// encoding.
func escapeASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r >= utf8.RuneSelf || r < ' ':
			fmt.Fprintf(&b, "&#x%X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
