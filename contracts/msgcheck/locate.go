package msgcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// Location points at the part of a message a failed rule is about, so a
// reader can be shown it: an element of the body (by path, and by line when
// the rule had one), a line of a body that is not well-formed, or an HTTP
// header.
type Location struct {
	// Element is the element's path from the root by local names, each
	// step with [n] (1-based) when it is not the first sibling of that
	// name: /Envelope/Header/To[2]. See ElementPath.
	Element string
	// Line is the line in the body the rule reported (a schema problem, a
	// syntax error), 0 when it named none.
	Line int
	// Header is an HTTP header's name.
	Header string
}

// ElementPath is el's path from its document's root by local names, each
// step with [n] when el is the n-th (n > 1) sibling of that local name:
// namespaces and prefixes do not take part, so the path reads like the
// message and any tree of the same document gives the same one.
func ElementPath(el *etree.Element) string {
	var steps []string
	for e := el; e != nil && e.Parent() != nil; e = e.Parent() {
		n := 1
		if p := e.Parent(); p != nil {
			for _, c := range p.ChildElements() {
				if c == e {
					break
				}
				if c.Tag == e.Tag {
					n++
				}
			}
		}
		steps = append(steps, pathStep(e.Tag, n))
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		b.WriteString("/" + steps[i])
	}
	return b.String()
}

func pathStep(local string, n int) string {
	if n > 1 {
		return fmt.Sprintf("%s[%d]", local, n)
	}
	return local
}

// locate says where in s's message the failed rule id found its problem;
// nothing when the rule is about no part of it (the client certificate)
// or the part cannot be found.
func (c *Checker) locate(id string, s *subject) []Location {
	switch id {
	case RuleContentType:
		return []Location{{Header: "Content-Type"}}
	case RuleSOAPAction:
		return []Location{{Header: "SOAPAction"}}
	case RuleOriginalConsumer:
		return []Location{{Header: rivta.HeaderOriginalConsumer}}
	case RuleSOAPEnvelope:
		var se *envelope.SyntaxError
		if errors.As(s.infoErr, &se) && se.Line > 0 {
			// The line alone: a body the sniffer refused is not read again
			// (it may be hostile: a million attributes, a deep nest).
			return []Location{{Line: se.Line}}
		}
		if _, err := s.m.Document(); s.info != nil && err != nil {
			if xe := syntaxError(s.m.Body); xe != nil {
				return lineLocations(s.m.Body, position{line: xe.Line})
			}
		}
		return headerLocations(s, func(*etree.Element) bool { return false }, "Body")
	case RuleReceiverPresent, RuleReceiverSpace, RuleReceiverHSAID, RuleProfile, RuleReceiverConflict:
		return headerLocations(s, func(el *etree.Element) bool {
			_, ok := rivta.ProfileForReceiverElement(el.Tag)
			return ok
		}, "Header")
	case RuleWSAAction, RuleWSAMessageID:
		local := "Action"
		if id == RuleWSAMessageID {
			local = "MessageID"
		}
		return headerLocations(s, func(el *etree.Element) bool {
			return el.Tag == local && el.NamespaceURI() == rivta.WSAddressingNS
		}, "Header")
	case RuleMustUnderstand:
		return headerLocations(s, func(el *etree.Element) bool {
			_, ok := soapAttr(el, attrMustUnderstand)
			return ok
		}, "Header")
	case RuleSchema, RuleHeaderElements:
		if len(s.problems) == 0 && id == RuleHeaderElements {
			return headerLocations(s, func(*etree.Element) bool { return false }, "Header")
		}
		return lineLocations(s.m.Body, s.problems...)
	}
	return nil
}

// headerLocations are the SOAP Header's children that want says are the
// rule's; when none is, the Envelope's child fallback (Header or Body)
// itself, so a missing element points where it belongs.
func headerLocations(s *subject, want func(*etree.Element) bool, fallback string) []Location {
	if s.info == nil {
		return nil
	}
	doc, err := s.m.Document()
	if err != nil {
		return nil
	}
	var out []Location
	if h := EnvelopeChild(doc, "Header"); h != nil {
		for _, el := range h.ChildElements() {
			if want(el) {
				out = append(out, Location{Element: ElementPath(el)})
			}
		}
	}
	if len(out) == 0 {
		if el := EnvelopeChild(doc, fallback); el != nil {
			out = append(out, Location{Element: ElementPath(el)})
		}
	}
	return out
}

// position is a place in a body: its line and column (1-based; column 0
// for "somewhere on the line").
type position struct{ line, col int }

func (p position) before(q position) bool {
	return p.line < q.line || p.line == q.line && p.col < q.col
}

// lineLocations are the body's positions, each with the innermost element
// open there (none outside every element, or in a body too broken to read
// up to it). A line is listed once, and only the first few (as many as a
// finding's message lists), as each reads the body again.
func lineLocations(body []byte, at ...position) []Location {
	var out []Location
	seen := map[int]bool{}
	for _, p := range at {
		if p.line <= 0 || seen[p.line] {
			continue
		}
		if len(out) == maxProblems {
			break
		}
		seen[p.line] = true
		out = append(out, Location{Line: p.line, Element: elementAt(body, p)})
	}
	return out
}

// elementAt is the path (as ElementPath) of the innermost element open at
// p: the one whose start tag began last at or before it and had not ended
// before it. The body is read with encoding/xml, bounded like
// wellFormedError; "" when no element is open there.
func elementAt(body []byte, p position) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // positions, not text, matter here
	// A place without a column stands for its whole line: elements that
	// start anywhere on it count, those that end on it are still open.
	startBy, endBy := p, p
	if p.col == 0 {
		startBy.col = math.MaxInt
	}
	stack := []openElement{{children: map[string]int{}}}
	for range 10_000_000 {
		line, col := d.InputPos()
		if startBy.before(position{line, col}) {
			break
		}
		// Raw: no namespace bookkeeping (a hostile body declares a million)
		// and no end-tag matching; local names and positions are all
		// a path needs.
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := stack[len(stack)-1]
			parent.children[t.Name.Local]++
			stack = append(stack, openElement{step: pathStep(t.Name.Local, parent.children[t.Name.Local]), children: map[string]int{}})
			if len(stack) > MaxDepth+1 {
				return ""
			}
		case xml.EndElement:
			if len(stack) == 1 {
				return "" // an end tag with no start: the body is broken here
			}
			if line, col := d.InputPos(); !endBy.before(position{line, col}) {
				stack = stack[:len(stack)-1] // ended before p
			} else {
				return pathOf(stack)
			}
		}
	}
	return pathOf(stack)
}

// openElement is an element being read by elementAt: its path step and
// how many children of each local name it has had so far.
type openElement struct {
	step     string
	children map[string]int
}

// pathOf is the path of the innermost element of stack, whose first entry
// stands for the document.
func pathOf(stack []openElement) string {
	var b strings.Builder
	for _, o := range stack[1:] {
		b.WriteString("/" + o.step)
	}
	return b.String()
}
