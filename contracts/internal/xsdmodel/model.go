// Package xsdmodel reads the top-level components of a contract's XML
// Schema documents into a small model: what the sample generator builds
// messages from and what the validator's messages consult to name a
// type's facets or the elements a content model expects. It is not a
// validator (contracts/xsd is); it reads what the schemas say.
//
// Pattern facets written ^...$ are read as regular-expression anchors
// unless Options.StrictXSD (see RegexAnchors): the one place that decides
// how rivgate reads such a pattern.
package xsdmodel

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// XML Schema and XML Schema instance namespaces.
const (
	XSDNS = "http://www.w3.org/2001/XMLSchema"
	XSINS = "http://www.w3.org/2001/XMLSchema-instance"
)

// Name is a namespace-qualified name.
type Name = xmltext.Name

// Schema is one schema document in the context it was reached in: a
// schema without targetNamespace that is included takes the includer's.
type Schema struct {
	Path          string
	Root          *xmltext.Node
	TNS           string
	ElemQualified bool
	AttrQualified bool
}

// Decl is a top-level schema component with the document that declares it.
type Decl struct {
	N *xmltext.Node
	S *Schema
}

// Options shape how schemas are read.
type Options struct {
	// StrictXSD reads pattern facets exactly as XML Schema defines them
	// (^ and $ are ordinary characters); by default a pattern written ^...$
	// is read as anchored (RegexAnchors).
	StrictXSD bool
}

// Model holds the top-level components of a set of schema documents.
type Model struct {
	Elements   map[Name]Decl
	Types      map[Name]Decl // complexType and simpleType
	Groups     map[Name]Decl
	AttrGroups map[Name]Decl
	Attributes map[Name]Decl
	// Derived lists, per base type, the named complex types that extend or
	// restrict it (to replace an abstract type with xsi:type).
	Derived map[Name][]Name
	// Substitutes lists, per head element, its substitution group members.
	Substitutes map[Name][]Name

	strict bool
	// regexps caches compiled patterns (Regexp); the model is shared.
	regexps sync.Map
}

// Load reads roots and everything they import or include.
func Load(roots []string, opt Options) (*Model, error) {
	m := &Model{
		Elements: map[Name]Decl{}, Types: map[Name]Decl{}, Groups: map[Name]Decl{},
		AttrGroups: map[Name]Decl{}, Attributes: map[Name]Decl{},
		Derived: map[Name][]Name{}, Substitutes: map[Name][]Name{},
		strict: opt.StrictXSD,
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
		s := &Schema{
			Path: path, Root: root, TNS: tns,
			ElemQualified: root.Attr("elementFormDefault") == "qualified",
			AttrQualified: root.Attr("attributeFormDefault") == "qualified",
		}
		m.add(s)
		for _, c := range root.Children {
			if c.Name.Space != XSDNS {
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

func (m *Model) add(s *Schema) {
	for _, c := range s.Root.Children {
		if c.Name.Space != XSDNS {
			continue
		}
		name := Name{Space: s.TNS, Local: c.Attr("name")}
		d := Decl{N: c, S: s}
		switch c.Name.Local {
		case "element":
			m.Elements[name] = d
			if sg := c.Attr("substitutionGroup"); sg != "" {
				if head, err := c.ResolveQName(sg); err == nil {
					m.Substitutes[head] = append(m.Substitutes[head], name)
				}
			}
		case "complexType":
			m.Types[name] = d
			for _, cc := range c.Children {
				if cc.Name.Space != XSDNS || (cc.Name.Local != "complexContent" && cc.Name.Local != "simpleContent") {
					continue
				}
				for _, der := range cc.Children {
					if der.Name.Space == XSDNS && (der.Name.Local == "extension" || der.Name.Local == "restriction") {
						if base, err := der.ResolveQName(der.Attr("base")); err == nil {
							m.Derived[base] = append(m.Derived[base], name)
						}
					}
				}
			}
		case "simpleType":
			m.Types[name] = d
		case "group":
			m.Groups[name] = d
		case "attributeGroup":
			m.AttrGroups[name] = d
		case "attribute":
			m.Attributes[name] = d
		}
	}
}

// Regexp compiles an XML Schema pattern (CompileRegexp) once per model.
func (m *Model) Regexp(p string) (*regexp.Regexp, error) {
	type compiled struct {
		re  *regexp.Regexp
		err error
	}
	if c, ok := m.regexps.Load(p); ok {
		return c.(compiled).re, c.(compiled).err
	}
	re, err := CompileRegexp(p)
	m.regexps.Store(p, compiled{re, err})
	return re, err
}

// XS1 returns the first XML Schema child element of n named local, or nil.
func XS1(n *xmltext.Node, local string) *xmltext.Node { return n.First(XSDNS, local) }
