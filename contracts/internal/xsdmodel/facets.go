package xsdmodel

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// Facets are the constraining facets collected along a simple type's
// derivation chain (the most derived value of each wins; patterns from every
// step must all hold). Patterns are as the model reads them (RegexAnchors).
type Facets struct {
	Enums                       []string
	Patterns                    []string
	Length, MinLen, MaxLen      int // -1 = unset
	MinInc, MaxInc              string
	MinExc, MaxExc              string
	TotalDigits, FractionDigits int // -1 = unset
	Fixed                       string
	// Type is the most derived named simple type on the chain (zero when
	// every step is anonymous).
	Type Name
}

// NewFacets returns facets with nothing set.
func NewFacets() *Facets {
	return &Facets{Length: -1, MinLen: -1, MaxLen: -1, TotalDigits: -1, FractionDigits: -1}
}

// maxDerivation bounds how deep a simple type derivation is followed.
const maxDerivation = 30

// Simple resolves a simple type (named t, or inline when t is zero) to its
// built-in base type's local name, collecting facets into f. Lists produce
// one item; unions use their first member.
func (m *Model) Simple(t Name, inline *xmltext.Node, f *Facets) (string, error) {
	return m.simple(t, inline, f, 0)
}

func (m *Model) simple(t Name, inline *xmltext.Node, f *Facets, depth int) (string, error) {
	if depth > maxDerivation {
		return "", fmt.Errorf("simple type derivation too deep at %s", t)
	}
	n := inline
	if n == nil {
		if t.Space == XSDNS {
			return t.Local, nil
		}
		d, ok := m.Types[t]
		if !ok {
			return "", fmt.Errorf("type %s is not declared", t)
		}
		n = d.N
		if n.Name.Local == "complexType" {
			// Complex type with simple content: its base's value.
			return m.simpleContentBase(n, f, depth+1)
		}
		if f.Type == (Name{}) {
			f.Type = t
		}
	}
	if r := XS1(n, "restriction"); r != nil {
		m.collect(r, f)
		if base := r.Attr("base"); base != "" {
			q, err := r.ResolveQName(base)
			if err != nil {
				return "", err
			}
			return m.simple(q, nil, f, depth+1)
		}
		return m.simple(Name{}, XS1(r, "simpleType"), f, depth+1)
	}
	if l := XS1(n, "list"); l != nil {
		if it := l.Attr("itemType"); it != "" {
			q, err := l.ResolveQName(it)
			if err != nil {
				return "", err
			}
			return m.simple(q, nil, NewFacets(), depth+1)
		}
		return m.simple(Name{}, XS1(l, "simpleType"), NewFacets(), depth+1)
	}
	if u := XS1(n, "union"); u != nil {
		if mt := strings.Fields(u.Attr("memberTypes")); len(mt) > 0 {
			q, err := u.ResolveQName(mt[0])
			if err != nil {
				return "", err
			}
			return m.simple(q, nil, f, depth+1)
		}
		return m.simple(Name{}, XS1(u, "simpleType"), f, depth+1)
	}
	return "anySimpleType", nil
}

// SimpleContentBase follows a complex type with simple content to the
// built-in type of its value, collecting facets into f.
func (m *Model) SimpleContentBase(ct *xmltext.Node, f *Facets) (string, error) {
	return m.simpleContentBase(ct, f, 0)
}

func (m *Model) simpleContentBase(ct *xmltext.Node, f *Facets, depth int) (string, error) {
	sc := XS1(ct, "simpleContent")
	if sc == nil {
		return "anySimpleType", nil
	}
	for _, der := range sc.Children {
		if der.Name.Space != XSDNS || (der.Name.Local != "extension" && der.Name.Local != "restriction") {
			continue
		}
		if der.Name.Local == "restriction" {
			m.collect(der, f)
		}
		q, err := der.ResolveQName(der.Attr("base"))
		if err != nil {
			return "", err
		}
		return m.simple(q, nil, f, depth+1)
	}
	return "anySimpleType", nil
}

// Pattern returns a pattern facet's value as the model reads it.
func (m *Model) Pattern(v string) string {
	if m.strict {
		return v
	}
	if inner, ok := RegexAnchors(v); ok {
		return inner
	}
	return v
}

// Strict reports whether the model reads patterns literally.
func (m *Model) Strict() bool { return m.strict }

func (m *Model) collect(r *xmltext.Node, f *Facets) {
	setInt := func(p *int, v string) {
		if *p < 0 {
			if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				*p = i
			}
		}
	}
	setStr := func(p *string, v string) {
		if *p == "" {
			*p = strings.TrimSpace(v)
		}
	}
	var enums []string
	for _, c := range r.Children {
		if c.Name.Space != XSDNS {
			continue
		}
		v := c.Attr("value")
		switch c.Name.Local {
		case "enumeration":
			enums = append(enums, v)
		case "pattern":
			f.Patterns = append(f.Patterns, m.Pattern(v))
		case "length":
			setInt(&f.Length, v)
		case "minLength":
			setInt(&f.MinLen, v)
		case "maxLength":
			setInt(&f.MaxLen, v)
		case "minInclusive":
			setStr(&f.MinInc, v)
		case "maxInclusive":
			setStr(&f.MaxInc, v)
		case "minExclusive":
			setStr(&f.MinExc, v)
		case "maxExclusive":
			setStr(&f.MaxExc, v)
		case "totalDigits":
			setInt(&f.TotalDigits, v)
		case "fractionDigits":
			setInt(&f.FractionDigits, v)
		}
	}
	// The most derived enumeration restricts the value space.
	if len(f.Enums) == 0 {
		f.Enums = enums
	}
}

// Matches checks s against the length and pattern facets.
func (f *Facets) Matches(s string) (bool, error) {
	n := utf8.RuneCountInString(s)
	if (f.Length >= 0 && n != f.Length) || (f.MinLen >= 0 && n < f.MinLen) || (f.MaxLen >= 0 && n > f.MaxLen) {
		return false, nil
	}
	for _, p := range f.Patterns {
		re, err := CompileRegexp(p)
		if err != nil {
			return false, err
		}
		if !re.MatchString(s) {
			return false, nil
		}
	}
	return true, nil
}
