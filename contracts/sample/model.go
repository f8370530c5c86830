package sample

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

const (
	xsdNS = "http://www.w3.org/2001/XMLSchema"
	xsiNS = "http://www.w3.org/2001/XMLSchema-instance"
)

// qname is a namespace-qualified name.
type qname = xmltext.Name

// schemaDoc is one schema document in the context it was reached in: a
// schema without targetNamespace that is included takes the includer's.
type schemaDoc struct {
	path          string
	root          *xmltext.Node
	tns           string
	elemQualified bool
	attrQualified bool
}

// decl is a top-level schema component with the document that declares it.
type decl struct {
	n *xmltext.Node
	s *schemaDoc
}

// model holds the top-level components of a set of schema documents.
type model struct {
	elements   map[qname]decl
	types      map[qname]decl // complexType and simpleType
	groups     map[qname]decl
	attrGroups map[qname]decl
	attributes map[qname]decl
	// derived lists, per base type, the named complex types that extend or
	// restrict it (to replace an abstract type with xsi:type).
	derived map[qname][]qname
	// substitutes lists, per head element, its substitution group members.
	substitutes map[qname][]qname
}

// loadModel reads roots and everything they import or include.
func loadModel(roots []string) (*model, error) {
	m := &model{
		elements: map[qname]decl{}, types: map[qname]decl{}, groups: map[qname]decl{},
		attrGroups: map[qname]decl{}, attributes: map[qname]decl{},
		derived: map[qname][]qname{}, substitutes: map[qname][]qname{},
	}
	parsed := map[string]*xmltext.Node{}
	type key struct{ path, tns string }
	seen := map[key]bool{}
	var visit func(path, tns string, chameleon bool) error
	visit = func(path, tns string, chameleon bool) error {
		root, ok := parsed[path]
		if !ok {
			data, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("read schema: %w", err)
			}
			if root, err = xmltext.Parse(data); err != nil {
				return fmt.Errorf("schema %s: %w", path, err)
			}
			parsed[path] = root
		}
		declared := root.Attr("targetNamespace")
		if !chameleon || declared != "" {
			tns = declared
		}
		if seen[key{path, tns}] {
			return nil
		}
		seen[key{path, tns}] = true
		s := &schemaDoc{
			path: path, root: root, tns: tns,
			elemQualified: root.Attr("elementFormDefault") == "qualified",
			attrQualified: root.Attr("attributeFormDefault") == "qualified",
		}
		m.add(s)
		for _, c := range root.Children {
			if c.Name.Space != xsdNS {
				continue
			}
			switch c.Name.Local {
			case "import", "include", "redefine":
				loc := c.Attr("schemaLocation")
				if loc == "" {
					continue
				}
				p := filepath.Join(filepath.Dir(path), filepath.FromSlash(loc))
				if err := visit(p, tns, c.Name.Local != "import"); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := visit(r, "", false); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *model) add(s *schemaDoc) {
	for _, c := range s.root.Children {
		if c.Name.Space != xsdNS {
			continue
		}
		name := qname{Space: s.tns, Local: c.Attr("name")}
		d := decl{n: c, s: s}
		switch c.Name.Local {
		case "element":
			m.elements[name] = d
			if sg := c.Attr("substitutionGroup"); sg != "" {
				if head, err := c.ResolveQName(sg); err == nil {
					m.substitutes[head] = append(m.substitutes[head], name)
				}
			}
		case "complexType":
			m.types[name] = d
			for _, cc := range c.Children {
				if cc.Name.Space != xsdNS || (cc.Name.Local != "complexContent" && cc.Name.Local != "simpleContent") {
					continue
				}
				for _, der := range cc.Children {
					if der.Name.Space == xsdNS && (der.Name.Local == "extension" || der.Name.Local == "restriction") {
						if base, err := der.ResolveQName(der.Attr("base")); err == nil {
							m.derived[base] = append(m.derived[base], name)
						}
					}
				}
			}
		case "simpleType":
			m.types[name] = d
		case "group":
			m.groups[name] = d
		case "attributeGroup":
			m.attrGroups[name] = d
		case "attribute":
			m.attributes[name] = d
		}
	}
}

// xs1 returns the first XSD child element of n named local, or nil.
func xs1(n *xmltext.Node, local string) *xmltext.Node { return n.First(xsdNS, local) }
