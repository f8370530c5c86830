package soapxml

import (
	"encoding/xml"
	"fmt"
)

// Any is one element matched by an xs:any wildcard (RIV-TA puts
// `<xs:any namespace="##other" .../>` at the end of almost every sequence so
// contracts can be extended). It keeps the element as a token stream so that
// it marshals back with the same names, attributes, text and structure.
//
// Namespace declarations are re-created by encoding/xml (each element gets
// its own xmlns); what is lost are prefixes used inside text or attribute
// values (QName content), which no RIV-TA extension in the samples uses.
type Any struct {
	XMLName xml.Name
	Attr    []xml.Attr
	// Tokens between the start and end tag, copied.
	Tokens []xml.Token
}

// UnmarshalXML records the element.
func (a *Any) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	a.XMLName = start.Name
	a.Attr = withoutNSDecls(start.Attr)
	a.Tokens = nil
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("read xs:any element %s: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			t.Attr = withoutNSDecls(t.Attr)
			tok = t
		case xml.EndElement:
			if depth == 0 {
				return nil
			}
			depth--
		case xml.ProcInst, xml.Directive:
			continue // not allowed inside content that must round-trip as elements
		}
		a.Tokens = append(a.Tokens, xml.CopyToken(tok))
	}
}

// MarshalXML writes the recorded element back.
func (a Any) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: a.XMLName, Attr: a.Attr}
	if err := e.EncodeToken(start); err != nil {
		return fmt.Errorf("write xs:any element %s: %w", a.XMLName.Local, err)
	}
	for _, tok := range a.Tokens {
		if err := e.EncodeToken(tok); err != nil {
			return fmt.Errorf("write xs:any element %s: %w", a.XMLName.Local, err)
		}
	}
	if err := e.EncodeToken(start.End()); err != nil {
		return fmt.Errorf("write xs:any element %s: %w", a.XMLName.Local, err)
	}
	return nil
}

// withoutNSDecls drops xmlns and xmlns:p attributes: encoding/xml reports
// them as ordinary attributes but writes its own declarations, and writing
// them back as attributes would bind a bogus "xmlns" namespace.
func withoutNSDecls(attrs []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, at := range attrs {
		if at.Name.Space == "xmlns" || (at.Name.Space == "" && at.Name.Local == "xmlns") {
			continue
		}
		out = append(out, at)
	}
	return out
}
