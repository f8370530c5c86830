package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
)

// qname is a namespace-qualified XML name.
type qname struct{ Space, Local string }

func (q qname) String() string { return "{" + q.Space + "}" + q.Local }

// node is one element of a WSDL or XSD file with its in-scope namespace
// bindings, which attribute values such as type="core:HsaIdType" need.
// encoding/xml resolves element names but not QName-valued attributes.
type node struct {
	file     string
	line     int
	name     qname
	attrs    map[string]string // unqualified attributes only (WSDL/XSD use no others that matter)
	scope    map[string]string // prefix -> namespace; "" is the default namespace
	children []*node
}

func (n *node) attr(name string) string { return n.attrs[name] }

func (n *node) where() string { return fmt.Sprintf("%s:%d", n.file, n.line) }

// resolve turns a prefixed attribute value into a qname. An unprefixed
// value is in the default namespace, as XSD specifies for QName values.
func (n *node) resolve(v string) (qname, error) {
	v = strings.TrimSpace(v)
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		prefix, local = "", v
	}
	ns, bound := n.scope[prefix]
	if !bound && prefix != "" {
		return qname{}, fmt.Errorf("%s: <%s>: prefix %q of %q is not declared", n.where(), n.name.Local, prefix, v)
	}
	return qname{ns, local}, nil
}

// kids returns the child elements with the given namespace and local name.
func (n *node) kids(space, local string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name.Space == space && c.name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) kid(space, local string) *node {
	if k := n.kids(space, local); len(k) > 0 {
		return k[0]
	}
	return nil
}

// readTree parses an XML file into a node tree. It tolerates a UTF-8 BOM.
func readTree(path string) (*node, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		line, _ := d.InputPos()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			scope := map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}
			if len(stack) > 0 {
				for k, v := range stack[len(stack)-1].scope {
					scope[k] = v
				}
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					scope[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					scope[""] = a.Value
				}
			}
			n := &node{file: path, line: line, scope: scope, attrs: map[string]string{}}
			ns, ok := scope[t.Name.Space]
			if !ok && t.Name.Space != "" {
				return nil, fmt.Errorf("%s:%d: element prefix %q is not declared", path, line, t.Name.Space)
			}
			n.name = qname{ns, t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local != "xmlns" {
					n.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("parse %s: no root element", path)
	}
	return root, nil
}
