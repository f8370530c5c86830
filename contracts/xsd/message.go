package xsd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// SOAP envelope namespaces.
const (
	soap11EnvNS = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12EnvNS = "http://www.w3.org/2003/05/soap-envelope"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// declarations splits a start tag's attributes into its namespace
// declarations (prefix "" for the default namespace; nil when none) and
// the others.
func declarations(attrs []xml.Attr) (map[string]string, []xml.Attr) {
	var decls map[string]string
	var other []xml.Attr
	for _, a := range attrs {
		prefix, isDecl := a.Name.Local, a.Name.Space == "xmlns"
		if a.Name.Space == "" && a.Name.Local == "xmlns" {
			prefix, isDecl = "", true
		}
		if !isDecl {
			other = append(other, a)
			continue
		}
		if decls == nil {
			decls = map[string]string{}
		}
		decls[prefix] = a.Value
	}
	return decls, other
}

// scopes are the namespace declarations of the open elements, outermost
// first.
type scopes []map[string]string

// lookup resolves a prefix in the innermost scope that declares it; an
// undeclared default namespace is no namespace.
func (s scopes) lookup(prefix string) (string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if uri, ok := s[i][prefix]; ok {
			return uri, true
		}
	}
	return "", prefix == ""
}

// ValidateMessage validates msg with v. msg is a SOAP 1.1 or 1.2 envelope,
// whose first Body child is validated, or a bare document, whose root is.
// The body child is validated as a document of its own that carries every
// namespace declaration in scope where it stood, so QName values keep their
// meaning. ns is the namespace of the validated element. Problems are at
// their line and column in msg. A message too broken to find the element
// gives problems and ns "" (or the namespace when it was already known).
func ValidateMessage(v Validator, msg []byte) (ns string, problems []Problem, err error) {
	text, err := xmltext.ToUTF8(msg)
	if err != nil {
		return "", []Problem{{Line: 1, Column: 1, Message: err.Error()}}, nil
	}
	part, _, prob := extract(text.Data, false)
	if prob != nil {
		prob.Column = text.Column(prob.Line, prob.Column)
		return part.ns, []Problem{*prob}, nil
	}
	problems, err = v.Validate(part.ns, part.doc)
	if err != nil {
		return part.ns, nil, err
	}
	for i := range problems {
		line, col := part.position(problems[i].Line, problems[i].Column)
		problems[i].Line, problems[i].Column = line, text.Column(line, col)
	}
	return part.ns, problems, nil
}

// element is the part of a message to validate, with what is needed to map
// its positions back.
type element struct {
	ns    string
	local string // set for header elements
	doc   []byte
	// Where doc starts in the message (1-based), and the column inside doc's
	// first line where declarations were inserted, and how many bytes.
	line, col      int
	insertAt, adds int
	start          int64 // byte offset of doc in the message
}

// position maps a position in e.doc to one in the message.
func (e element) position(line, col int) (int, int) {
	if line > 1 {
		return e.line + line - 1, col
	}
	if line < 1 {
		return e.line, e.col
	}
	if col < 1 { // column unknown (libxml2 reports lines only)
		return e.line + line - 1, 0
	}
	if col > e.insertAt {
		col = max(col-e.adds, e.insertAt)
	}
	return e.line, e.col + col - 1
}

// extract finds the element to validate. For a bare document that is the
// whole text, unchanged. With headers, it reads a SOAP envelope only up to
// the Body and returns every child of its Header instead, each standing
// alone as the body element does.
func extract(data []byte, headers bool) (element, []element, *Problem) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack scopes     // namespace declarations per open element
	var names []xml.Name // open elements as written, to match end tags
	syntax := func(err error) *Problem {
		line, col := d.InputPos()
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return &Problem{Line: se.Line, Column: col, Message: "not well-formed: " + se.Msg}
		}
		if errors.Is(err, io.EOF) {
			return &Problem{Line: line, Column: col, Message: "not well-formed: unexpected end of document"}
		}
		return &Problem{Line: line, Column: col, Message: "not well-formed: " + err.Error()}
	}
	var (
		envelope bool
		inBody   bool
		inHeader bool
		found    element
		target   = -1 // depth of the element being validated
		heads    []element
	)
	for {
		line, col := d.InputPos()
		start := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) && len(stack) == 0 {
				if found.doc == nil && !envelope {
					return found, nil, &Problem{Line: line, Column: col, Message: "no root element"}
				}
				return found, nil, &Problem{Line: line, Column: col, Message: "SOAP envelope has no Body element, or the Body is empty"}
			}
			return found, nil, syntax(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			decl, _ := declarations(t.Attr)
			stack = append(stack, decl)
			names = append(names, t.Name)
			uri, ok := stack.lookup(t.Name.Space)
			if !ok {
				return found, nil, &Problem{Line: line, Column: col, Message: fmt.Sprintf("not well-formed: prefix %q of <%s:%s> is not declared", t.Name.Space, t.Name.Space, t.Name.Local)}
			}
			depth := len(stack)
			switch {
			case depth == 1 && t.Name.Local == "Envelope" && (uri == soap11EnvNS || uri == soap12EnvNS):
				envelope = true
			case depth == 1 && headers:
				return found, nil, &Problem{Line: line, Column: col, Message: fmt.Sprintf("not a SOAP envelope: the root element is {%s}%s", uri, t.Name.Local)}
			case depth == 1:
				// A bare document: validate it whole, positions unchanged.
				return element{ns: uri, doc: data, line: 1, col: 1}, nil, nil
			case envelope && depth == 2 && t.Name.Local == "Body" && (uri == soap11EnvNS || uri == soap12EnvNS):
				if headers {
					return found, heads, nil
				}
				inBody = true
			case envelope && depth == 2 && t.Name.Local == "Header" && (uri == soap11EnvNS || uri == soap12EnvNS):
				inHeader = headers
			case inHeader && depth == 3:
				target = depth
				found = element{ns: uri, local: t.Name.Local, line: line, col: col, start: start}
				found.doc, found.insertAt, found.adds = withScope(data[start:], t, stack[:len(stack)-1])
			case inBody && depth == 3 && target < 0:
				target = depth
				found = element{ns: uri, line: line, col: col, start: start}
				found.doc, found.insertAt, found.adds = withScope(data[start:], t, stack[:len(stack)-1])
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return found, nil, syntax(fmt.Errorf("unexpected end tag </%s>", t.Name.Local))
			}
			if open := names[len(names)-1]; open != t.Name {
				line, col := d.InputPos()
				return found, nil, &Problem{Line: line, Column: col, Message: fmt.Sprintf("not well-formed: element <%s> closed by </%s>", rawName(open), rawName(t.Name))}
			}
			names = names[:len(names)-1]
			if target == len(stack) {
				end := d.InputOffset()
				found.doc = found.doc[:int(end-found.start)+found.adds]
				if !inHeader {
					return found, nil, nil
				}
				heads = append(heads, found)
				found, target = element{}, -1
			}
			if len(stack) == 2 {
				inBody, inHeader = false, false
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// withScope returns rest (which starts with the start tag of t) with the
// namespace declarations of the enclosing elements that t does not redeclare
// written into t's start tag right after its name, so the element reads the
// same standing alone. It also returns where they went (1-based column in
// the first line) and how many bytes were added.
func withScope(rest []byte, t xml.StartElement, outer []map[string]string) ([]byte, int, int) {
	own := map[string]bool{}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			own[a.Name.Local] = true
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			own[""] = true
		}
	}
	inScope := map[string]string{}
	for _, decl := range outer {
		for p, uri := range decl {
			inScope[p] = uri
		}
	}
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(inScope)) {
		if own[p] || (p == "" && inScope[p] == "") {
			continue
		}
		if p == "" {
			fmt.Fprintf(&b, ` xmlns="%s"`, escapeAttr(inScope[p]))
		} else {
			fmt.Fprintf(&b, ` xmlns:%s="%s"`, p, escapeAttr(inScope[p]))
		}
	}
	name := t.Name.Local
	if t.Name.Space != "" {
		name = t.Name.Space + ":" + name
	}
	at := 1 + len(name) // after "<name"
	out := make([]byte, 0, len(rest)+b.Len())
	out = append(out, rest[:at]...)
	out = append(out, b.String()...)
	out = append(out, rest[at:]...)
	return out, at + 1, b.Len()
}

func escapeAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
