package contracts

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
	"github.com/rivgate/rivgate/contracts/internal/xsdmodel"
)

// AnchoredPattern is a pattern facet written ^...$: in XSD ^ and $ are
// ordinary characters, so read literally it requires them in the value.
type AnchoredPattern struct {
	File    string // the XSD file
	Line    int    // of the xs:pattern element
	Owner   string // what it restricts: a type name, or "element x" / "attribute x" when anonymous
	Pattern string // as written
}

// PatternAnchors lists, for one contract namespace, the pattern facets its
// schemas write ^...$ and says how the set reads them.
type PatternAnchors struct {
	Contract string
	Patterns []AnchoredPattern
	Strict   bool   // read literally (LoadOptions.StrictXSD)
	dir      string // the set's directory, to shorten file names
}

// Rel is file relative to the contract set's directory (slash-separated),
// as the warning names it.
func (a PatternAnchors) Rel(file string) string {
	if rel, err := filepath.Rel(a.dir, file); a.dir != "" && err == nil && !strings.HasPrefix(rel, "..") {
		file = rel
	}
	return filepath.ToSlash(file)
}

// String is the load warning for the contract.
func (a PatternAnchors) String() string {
	where := make([]string, 0, len(a.Patterns))
	for _, p := range a.Patterns {
		where = append(where, fmt.Sprintf("%q of %s (%s:%d)", p.Pattern, p.Owner, a.Rel(p.File), p.Line))
	}
	what, is := "pattern", "is"
	if len(where) > 1 {
		what, is = "patterns", "are"
	}
	if a.Strict {
		return fmt.Sprintf("contract %s: %s %s %s read as XSD defines it: ^ and $ are literal characters a valid value must contain",
			a.Contract, what, strings.Join(where, ", "), is)
	}
	return fmt.Sprintf("contract %s: %s %s %s read with ^ and $ as anchors; XSD reads them as literal characters (--strict-xsd or the suite key strict_xsd does)",
		a.Contract, what, strings.Join(where, ", "), is)
}

// PatternAnchors returns, per contract namespace (sorted), the pattern
// facets written ^...$ in the schemas its WSDLs import.
func (s *Set) PatternAnchors() []PatternAnchors { return slices.Clone(s.anchors) }

func (s *Set) patternAnchors() []PatternAnchors {
	var out []PatternAnchors
	for _, ns := range s.Namespaces() {
		var roots []string
		for _, op := range s.OperationsFor(ns) {
			roots = append(roots, op.Schemas...)
		}
		var found []AnchoredPattern
		for _, f := range s.Closure(roots...) {
			if d := s.xsds[f]; d != nil {
				found = append(found, d.anchored...)
			}
		}
		if len(found) > 0 {
			out = append(out, PatternAnchors{Contract: ns, Patterns: found, Strict: s.strict, dir: s.dir})
		}
	}
	return out
}

// anchoredPatterns finds the pattern facets of a schema written ^...$.
func anchoredPatterns(path string, root *xmltext.Node) []AnchoredPattern {
	var out []AnchoredPattern
	var walk func(n *xmltext.Node)
	walk = func(n *xmltext.Node) {
		for _, c := range n.Children {
			if c.Name.Space == xsdNS && c.Name.Local == "pattern" {
				if v := c.Attr("value"); isAnchored(v) {
					out = append(out, AnchoredPattern{File: path, Line: c.Line, Owner: patternOwner(c), Pattern: v})
				}
			}
			walk(c)
		}
	}
	walk(root)
	return out
}

func isAnchored(v string) bool {
	_, ok := xsdmodel.RegexAnchors(v)
	return ok
}

// patternOwner names the nearest named schema component around a facet.
func patternOwner(n *xmltext.Node) string {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Name.Space != xsdNS || p.Attr("name") == "" {
			continue
		}
		switch p.Name.Local {
		case "simpleType", "complexType":
			return p.Attr("name")
		case "element", "attribute":
			return p.Name.Local + " " + p.Attr("name")
		}
	}
	return "an anonymous type"
}
