// Package match evaluates a step's matchers (XPath 1.0 with an expected
// value, regular expressions, present/absent) on a SOAP message and its HTTP
// headers, and fills response templates' {{XPath}} placeholders from a
// request the same way. XPath runs on an etree document through an antchfx/xpath
// navigator, so namespaces resolve by URI (suite prefixes), not by the
// prefixes the consumer happened to write.
package match

import (
	"github.com/antchfx/xpath"
	"github.com/beevik/etree"
)

// navigator walks an etree document for antchfx/xpath. Attributes are
// visited through attr >= 0 on an element; namespace declarations are hidden
// as XPath 1.0 requires.
type navigator struct {
	root *etree.Document
	cur  etree.Token
	attr int // index into attrs(cur) when on an attribute, else -1
}

func newNavigator(doc *etree.Document, start *etree.Element) *navigator {
	return &navigator{root: doc, cur: start, attr: -1}
}

// attrs are the element's attributes without xmlns declarations.
func attrs(e *etree.Element) []etree.Attr {
	out := make([]etree.Attr, 0, len(e.Attr))
	for _, a := range e.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		out = append(out, a)
	}
	return out
}

func (n *navigator) NodeType() xpath.NodeType {
	if n.attr >= 0 {
		return xpath.AttributeNode
	}
	if n.cur == &n.root.Element {
		return xpath.RootNode
	}
	switch n.cur.(type) {
	case *etree.Element:
		return xpath.ElementNode
	case *etree.CharData:
		return xpath.TextNode
	case *etree.Comment:
		return xpath.CommentNode
	}
	return xpath.CommentNode // processing instructions and directives: never matched by name
}

func (n *navigator) LocalName() string {
	e, ok := n.cur.(*etree.Element)
	if !ok || e == &n.root.Element {
		return ""
	}
	if n.attr >= 0 {
		return attrs(e)[n.attr].Key
	}
	return e.Tag
}

func (n *navigator) Prefix() string {
	e, ok := n.cur.(*etree.Element)
	if !ok {
		return ""
	}
	if n.attr >= 0 {
		return attrs(e)[n.attr].Space
	}
	return e.Space
}

// NamespaceURL lets antchfx/xpath match prefixed names by namespace URI.
func (n *navigator) NamespaceURL() string {
	e, ok := n.cur.(*etree.Element)
	if !ok {
		return ""
	}
	if n.attr >= 0 {
		a := attrs(e)[n.attr]
		if a.Space == "" {
			return "" // unprefixed attributes have no namespace
		}
		return a.NamespaceURI()
	}
	return e.NamespaceURI()
}

func (n *navigator) Value() string {
	switch t := n.cur.(type) {
	case *etree.Element:
		if n.attr >= 0 {
			return attrs(t)[n.attr].Value
		}
		return textOf(t)
	case *etree.CharData:
		return t.Data
	case *etree.Comment:
		return t.Data
	}
	return ""
}

// textOf is the XPath string value: all descendant text, in order.
func textOf(e *etree.Element) string {
	var b []byte
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		for _, c := range e.Child {
			switch t := c.(type) {
			case *etree.CharData:
				b = append(b, t.Data...)
			case *etree.Element:
				walk(t)
			}
		}
	}
	walk(e)
	return string(b)
}

func (n *navigator) Copy() xpath.NodeNavigator {
	c := *n
	return &c
}

func (n *navigator) MoveToRoot() {
	n.cur, n.attr = &n.root.Element, -1
}

func (n *navigator) MoveToParent() bool {
	if n.attr >= 0 {
		n.attr = -1
		return true
	}
	p := parentOf(n.cur)
	if p == nil {
		return false
	}
	n.cur = p
	return true
}

func parentOf(t etree.Token) *etree.Element {
	switch v := t.(type) {
	case *etree.Element:
		return v.Parent()
	case *etree.CharData:
		return v.Parent()
	case *etree.Comment:
		return v.Parent()
	case *etree.ProcInst:
		return v.Parent()
	case *etree.Directive:
		return v.Parent()
	}
	return nil
}

func (n *navigator) MoveToNextAttribute() bool {
	e, ok := n.cur.(*etree.Element)
	if !ok {
		return false
	}
	if n.attr+1 >= len(attrs(e)) {
		return false
	}
	n.attr++
	return true
}

// children of the current node as navigation sees them.
func childrenOf(t etree.Token) []etree.Token {
	if e, ok := t.(*etree.Element); ok {
		return e.Child
	}
	return nil
}

func (n *navigator) MoveToChild() bool {
	if n.attr >= 0 {
		return false
	}
	for _, c := range childrenOf(n.cur) {
		if visible(c) {
			n.cur = c
			return true
		}
	}
	return false
}

// visible: XPath sees elements, text and comments; processing instructions
// and directives are skipped.
func visible(t etree.Token) bool {
	switch t.(type) {
	case *etree.ProcInst, *etree.Directive:
		return false
	}
	return true
}

func (n *navigator) siblings() ([]etree.Token, int) {
	p := parentOf(n.cur)
	if p == nil {
		return nil, -1
	}
	list := p.Child
	for i, c := range list {
		if c == n.cur {
			return list, i
		}
	}
	return list, -1
}

func (n *navigator) MoveToFirst() bool {
	if n.attr >= 0 {
		return false
	}
	list, _ := n.siblings()
	for _, c := range list {
		if visible(c) {
			n.cur = c
			return true
		}
	}
	return false
}

func (n *navigator) MoveToNext() bool {
	if n.attr >= 0 {
		return false
	}
	list, i := n.siblings()
	if i < 0 {
		return false
	}
	for _, c := range list[i+1:] {
		if visible(c) {
			n.cur = c
			return true
		}
	}
	return false
}

func (n *navigator) MoveToPrevious() bool {
	if n.attr >= 0 {
		return false
	}
	list, i := n.siblings()
	for j := i - 1; j >= 0; j-- {
		if visible(list[j]) {
			n.cur = list[j]
			return true
		}
	}
	return false
}

func (n *navigator) MoveTo(other xpath.NodeNavigator) bool {
	o, ok := other.(*navigator)
	if !ok || o.root != n.root {
		return false
	}
	n.cur, n.attr = o.cur, o.attr
	return true
}

var _ xpath.NodeNavigator = (*navigator)(nil)
