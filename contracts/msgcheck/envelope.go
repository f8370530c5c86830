package msgcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/contracts/envelope"
)

// checkEnvelope: a well-formed SOAP 1.1 envelope whose Body holds exactly
// one element (RIV-TA document/literal).
func checkEnvelope(s *subject) (Outcome, string) {
	if s.m.Unread != nil {
		return Fail, s.m.Unread.Error()
	}
	if s.infoErr != nil {
		if mt, _, err := mime.ParseMediaType(s.m.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "multipart/") {
			return Fail, fmt.Sprintf("a %s message (MTOM/XOP or SOAP with attachments); RIV-TA requires a plain SOAP 1.1 envelope", mt)
		}
		if errors.Is(s.infoErr, envelope.ErrHeadTooLarge) {
			return Fail, fmt.Sprintf("%v (the platform refuses a head, everything before the first Body element, over %d bytes with VP015)", s.infoErr, MaxHead)
		}
		var se *envelope.SyntaxError
		if errors.As(s.infoErr, &se) {
			return Fail, fmt.Sprintf("not a well-formed SOAP envelope: line %d, column %d: %s", se.Line, se.Column, se.Msg)
		}
		return Fail, "not a SOAP envelope: " + s.infoErr.Error()
	}
	if s.info.Version != envelope.SOAP11 {
		return Fail, fmt.Sprintf("%s envelope (%s); RIV-TA requires SOAP 1.1", s.info.Version, s.info.Version.Namespace())
	}
	doc, err := s.m.Document()
	if errors.Is(err, etree.ErrMaxDepth) {
		return Fail, "not checked after the Body start: " + err.Error()
	}
	if err != nil {
		return Fail, "not well-formed XML after the Body start: " + wellFormedError(s.m.Body, err)
	}
	body := EnvelopeChild(doc, "Body")
	if body == nil {
		return Fail, "no SOAP 1.1 Body"
	}
	if n := countChildren(doc.Root(), envelope.SOAP11NS, "Body"); n > 1 {
		// A router reads the first, a producer may process another.
		return Fail, fmt.Sprintf("Envelope holds %d Body elements; SOAP 1.1 allows one", n)
	}
	if n := len(body.ChildElements()); n != 1 {
		return Fail, fmt.Sprintf("Body holds %d elements; RIV-TA document/literal requires exactly one", n)
	}
	return Pass, fmt.Sprintf("SOAP 1.1 envelope, body element {%s}%s", s.info.Body.Space, s.info.Body.Local)
}

// checkContentType: SOAP 1.1 travels as text/xml; a declared charset must
// be the one the document is in.
func checkContentType(s *subject) (Outcome, string) {
	ct := s.m.Header.Get("Content-Type")
	if ct == "" {
		return Fail, "no Content-Type header; SOAP 1.1 requires text/xml"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return Fail, fmt.Sprintf("Content-Type %q cannot be parsed: %v", ct, err)
	}
	if mt != "text/xml" {
		hint := ""
		if mt == "application/soap+xml" {
			hint = " (that is SOAP 1.2's type)"
		}
		return Fail, fmt.Sprintf("Content-Type %q, want text/xml for SOAP 1.1%s", mt, hint)
	}
	cs, ok := params["charset"]
	if !ok {
		return Pass, fmt.Sprintf("Content-Type %q (no charset: the XML declaration decides)", ct)
	}
	if s.info != nil && s.info.Charset != "" && !strings.EqualFold(cs, s.info.Charset) {
		return Fail, fmt.Sprintf("Content-Type charset %q, but the document is %s", cs, s.info.Charset)
	}
	return Pass, fmt.Sprintf("Content-Type %q", ct)
}

// wellFormedError places a parse failure: etree's own error has no line, so
// the document is read again with encoding/xml, whose errors do.
func wellFormedError(body []byte, fallback error) string {
	if se := syntaxError(body); se != nil {
		return fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	return fallback.Error()
}

// syntaxError is encoding/xml's first syntax error in body (bounded), nil
// when it finds none.
func syntaxError(body []byte) *xml.SyntaxError {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	for range 10_000_000 {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return se
		}
		if err != nil {
			return nil
		}
	}
	return nil
}

// countChildren counts el's child elements in namespace ns with local name.
func countChildren(el *etree.Element, ns, local string) int {
	n := 0
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == ns {
			n++
		}
	}
	return n
}
