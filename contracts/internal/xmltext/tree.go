package xmltext

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Name is a namespace-qualified XML name.
type Name struct {
	Space, Local string
}

// String renders the name as {space}local, the form parsers use in messages.
func (n Name) String() string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// Attr is an attribute with its namespace resolved. Namespace declarations
// are not attributes here; they live in the element's scope.
type Attr struct {
	Name  Name
	Value string
}

// Node is an element of a parsed document. The tree keeps namespace
// declarations so that QName-valued attributes (element="tns:Foo",
// message="tns:Req") can be resolved where they appear.
type Node struct {
	Name     Name
	Attrs    []Attr
	Children []*Node
	Parent   *Node
	Line     int    // line of the start tag
	Text     string // character data directly inside the element

	decl map[string]string // prefix -> URI declared on this element ("" = default)
	raw  xml.Name          // name as written, to match the end tag
}

// Attr returns the value of the unqualified attribute local.
func (n *Node) Attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// HasAttr reports whether the unqualified attribute local is present.
func (n *Node) HasAttr(local string) bool {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return true
		}
	}
	return false
}

// Lookup returns the namespace bound to prefix at n ("" = default namespace).
func (n *Node) Lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return "http://www.w3.org/XML/1998/namespace", true
	case "xmlns":
		return "http://www.w3.org/2000/xmlns/", true
	}
	for e := n; e != nil; e = e.Parent {
		if uri, ok := e.decl[prefix]; ok {
			return uri, true
		}
	}
	return "", prefix == ""
}

// InScope returns every namespace binding in scope at n, innermost first
// winning (prefix "" is the default namespace).
func (n *Node) InScope() map[string]string {
	out := map[string]string{}
	for e := n; e != nil; e = e.Parent {
		for p, uri := range e.decl {
			if _, ok := out[p]; !ok {
				out[p] = uri
			}
		}
	}
	return out
}

// ResolveQName resolves a QName-valued attribute value ("tns:Foo") at n.
// An unprefixed value takes the default namespace, as WSDL and XSD specify.
func (n *Node) ResolveQName(v string) (Name, error) {
	v = strings.TrimSpace(v)
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		prefix, local = "", v
	}
	if local == "" {
		return Name{}, fmt.Errorf("line %d: empty QName %q", n.Line, v)
	}
	uri, found := n.Lookup(prefix)
	if !found {
		return Name{}, fmt.Errorf("line %d: QName %q: prefix %q is not declared", n.Line, v, prefix)
	}
	return Name{Space: uri, Local: local}, nil
}

// Elements returns the child elements named {space}local.
func (n *Node) Elements(space, local string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Name.Local == local && c.Name.Space == space {
			out = append(out, c)
		}
	}
	return out
}

// First returns the first child element named {space}local, or nil.
func (n *Node) First(space, local string) *Node {
	for _, c := range n.Children {
		if c.Name.Local == local && c.Name.Space == space {
			return c
		}
	}
	return nil
}

// Parse reads a whole document into a tree. It accepts a BOM, CRLF line
// ends, a missing XML declaration and any encoding ToUTF8 understands.
// Errors carry the line.
func Parse(data []byte) (*Node, error) {
	t, err := ToUTF8(data)
	if err != nil {
		return nil, err
	}
	b := bytes.TrimPrefix(t.Data, utf8BOM)
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var root, cur *Node
	for {
		line, _ := d.InputPos()
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &Node{Parent: cur, Line: line, raw: tok.Name}
			for _, a := range tok.Attr {
				switch {
				case a.Name.Space == "xmlns":
					n.declare(a.Name.Local, a.Value)
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.declare("", a.Value)
				}
			}
			space, ok := n.Lookup(tok.Name.Space)
			if !ok {
				return nil, fmt.Errorf("line %d: element <%s:%s>: prefix %q is not declared", line, tok.Name.Space, tok.Name.Local, tok.Name.Space)
			}
			n.Name = Name{Space: space, Local: tok.Name.Local}
			for _, a := range tok.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				an := Name{Local: a.Name.Local}
				if a.Name.Space != "" {
					uri, ok := n.Lookup(a.Name.Space)
					if !ok {
						return nil, fmt.Errorf("line %d: attribute %s:%s: prefix %q is not declared", line, a.Name.Space, a.Name.Local, a.Name.Space)
					}
					an.Space = uri
				}
				n.Attrs = append(n.Attrs, Attr{Name: an, Value: a.Value})
			}
			if cur == nil {
				if root != nil {
					return nil, fmt.Errorf("line %d: more than one root element", line)
				}
				root = n
			} else {
				cur.Children = append(cur.Children, n)
			}
			cur = n
		case xml.EndElement:
			if cur == nil {
				return nil, fmt.Errorf("line %d: unexpected end tag </%s>", line, tok.Name.Local)
			}
			if tok.Name != cur.raw {
				return nil, fmt.Errorf("line %d: end tag </%s> does not match <%s> of line %d", line, rawName(tok.Name), rawName(cur.raw), cur.Line)
			}
			cur = cur.Parent
		case xml.CharData:
			if cur != nil {
				cur.Text += string(tok)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	if cur != nil {
		return nil, fmt.Errorf("unexpected end of document inside <%s>", cur.Name.Local)
	}
	return root, nil
}

func (n *Node) declare(prefix, uri string) {
	if n.decl == nil {
		n.decl = map[string]string{}
	}
	n.decl[prefix] = uri
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
