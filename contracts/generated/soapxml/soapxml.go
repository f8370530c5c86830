// Package soapxml holds what the generated contract packages under
// contracts/generated share: SOAP 1.1 envelope wrapping and unwrapping of a
// body element, the RIV-TA receiver header, a holder for xs:any extension
// elements and the lexical xs:dateTime type.
//
// encoding/xml cannot write namespace prefixes for elements, so an envelope is
// written as literal soapenv-prefixed markup around the marshalled header and
// body elements; each of those carries its own xmlns declaration.
package soapxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// EnvelopeNS is the SOAP 1.1 envelope namespace.
const EnvelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"

// envelope12NS is SOAP 1.2, recognised only to reject it clearly.
const envelope12NS = "http://www.w3.org/2003/05/soap-envelope"

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// Receiver is a RIV-TA receiver header element: wsa:To for RIVTABP20,
// LogicalAddress for RIVTABP21. Build it with ReceiverHeader.
type Receiver struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// ReceiverHeader returns the header element that names the receiver
// (logical address) in profile p.
func ReceiverHeader(p rivta.Profile, logicalAddress string) Receiver {
	ns, local := p.ReceiverElement()
	return Receiver{XMLName: xml.Name{Space: ns, Local: local}, Value: logicalAddress}
}

// Marshal returns a SOAP 1.1 envelope (with XML declaration) whose Body holds
// body and whose Header holds headers; the Header is left out when there are
// none. body and headers are marshalled with encoding/xml, so they must carry
// their element name (an XMLName field with a namespace, like the generated
// request and response types).
func Marshal(body any, headers ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xmlDecl)
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + EnvelopeNS + `">`)
	if len(headers) > 0 {
		b.WriteString("<soapenv:Header>")
		for i, h := range headers {
			if err := xml.NewEncoder(&b).Encode(h); err != nil {
				return nil, fmt.Errorf("marshal SOAP header %d (%T): %w", i, h, err)
			}
		}
		b.WriteString("</soapenv:Header>")
	}
	b.WriteString("<soapenv:Body>")
	if err := xml.NewEncoder(&b).Encode(body); err != nil {
		return nil, fmt.Errorf("marshal SOAP body (%T): %w", body, err)
	}
	b.WriteString("</soapenv:Body></soapenv:Envelope>")
	return b.Bytes(), nil
}

// Fault is a SOAP 1.1 fault found where a body element was expected.
type Fault struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
	Code    string   `xml:"faultcode"`
	String  string   `xml:"faultstring"`
	Actor   string   `xml:"faultactor,omitempty"`
	Detail  *Detail  `xml:"detail,omitempty"`
}

// Detail is the raw content of a fault's detail element.
type Detail struct {
	Content []byte `xml:",innerxml"`
}

func (f *Fault) Error() string {
	return fmt.Sprintf("SOAP fault %s: %s", strings.TrimSpace(f.Code), strings.TrimSpace(f.String))
}

// Errors returned by Unmarshal for messages that are not what it expects.
var (
	ErrNotEnvelope = errors.New("not a SOAP 1.1 envelope")
	ErrNoBody      = errors.New("SOAP envelope has no Body element")
	ErrEmptyBody   = errors.New("SOAP Body has no child element")
)

// Unmarshal decodes the first child element of the envelope's Body into v.
// When that child is a SOAP 1.1 Fault it returns a *Fault error instead.
// The element name is checked by encoding/xml only where v's type has an
// XMLName with a namespace (the generated top-level types do).
func Unmarshal(msg []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(msg))
	depth := 0
	inBody := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return ErrNoBody
		}
		if err != nil {
			return fmt.Errorf("read SOAP envelope: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "Envelope" {
					return fmt.Errorf("%w: root element is {%s}%s", ErrNotEnvelope, t.Name.Space, t.Name.Local)
				}
				if t.Name.Space == envelope12NS {
					return fmt.Errorf("%w: SOAP 1.2 envelope", ErrNotEnvelope)
				}
				if t.Name.Space != EnvelopeNS {
					return fmt.Errorf("%w: envelope namespace %q", ErrNotEnvelope, t.Name.Space)
				}
			case depth == 2 && t.Name.Space == EnvelopeNS && t.Name.Local == "Body":
				inBody = true
			case depth == 2:
				if err := d.Skip(); err != nil {
					return fmt.Errorf("skip SOAP %s: %w", t.Name.Local, err)
				}
				depth--
			case depth == 3 && inBody:
				if t.Name.Space == EnvelopeNS && t.Name.Local == "Fault" {
					f := new(Fault)
					if err := d.DecodeElement(f, &t); err != nil {
						return fmt.Errorf("decode SOAP fault: %w", err)
					}
					return f
				}
				if err := d.DecodeElement(v, &t); err != nil {
					return fmt.Errorf("decode SOAP body element {%s}%s: %w", t.Name.Space, t.Name.Local, err)
				}
				return nil
			}
		case xml.EndElement:
			if inBody && depth == 2 {
				return ErrEmptyBody
			}
			depth--
		}
	}
}
