package xsdmodel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// Type is an element's or attribute's type: a named or anonymous
// complexType or simpleType, or a built-in type (N nil).
type Type struct {
	Name Name          // zero for an anonymous type
	N    *xmltext.Node // the complexType or simpleType; nil for a built-in
	S    *Schema
}

// Simple reports whether t is a simple type (built-in or simpleType).
func (t Type) Simple() bool {
	return t.N == nil && t.Name != (Name{Space: XSDNS, Local: "anyType"}) || t.N != nil && t.N.Name.Local == "simpleType"
}

var anyType = Type{Name: Name{Space: XSDNS, Local: "anyType"}}

// TypeNamed returns the named type q (a built-in when q is in the XML
// Schema namespace).
func (m *Model) TypeNamed(q Name) (Type, bool) {
	if q.Space == XSDNS {
		return Type{Name: q}, true
	}
	d, ok := m.Types[q]
	if !ok {
		return Type{}, false
	}
	return Type{Name: q, N: d.N, S: d.S}, true
}

// TypeOf returns the type of an element or attribute declaration: its
// type attribute, else its anonymous type, else anyType (anySimpleType for
// an attribute).
func (m *Model) TypeOf(d Decl) (Type, bool) {
	if v := d.N.Attr("type"); v != "" {
		q, err := d.N.ResolveQName(v)
		if err != nil {
			return Type{}, false
		}
		return m.TypeNamed(q)
	}
	for _, local := range []string{"complexType", "simpleType"} {
		if n := XS1(d.N, local); n != nil {
			return Type{N: n, S: d.S}, true
		}
	}
	if d.N.Name.Local == "attribute" {
		return Type{Name: Name{Space: XSDNS, Local: "anySimpleType"}}, true
	}
	return anyType, true
}

// ValueFacets returns the built-in base type of t's value (a simple type,
// or a complex type with simple content) and its facets.
func (m *Model) ValueFacets(t Type) (string, *Facets, error) {
	f := NewFacets()
	switch {
	case t.N == nil:
		return t.Name.Local, f, nil
	case t.N.Name.Local == "simpleType":
		base, err := m.Simple(t.Name, inlineOrNil(t), f)
		return base, f, err
	default:
		base, err := m.SimpleContentBase(t.N, f)
		return base, f, err
	}
}

// inlineOrNil is the node Simple needs: nil for a named type (looked up by
// name), the node itself for an anonymous one.
func inlineOrNil(t Type) *xmltext.Node {
	if t.Name != (Name{}) {
		return nil
	}
	return t.N
}

// Kind is the kind of a content-model particle.
type Kind int

// Particle kinds.
const (
	KindElement Kind = iota
	KindAny
	KindSequence
	KindChoice
	KindAll
)

// Particle is a node of a complex type's content model.
type Particle struct {
	Kind     Kind
	Min, Max int // Max < 0: unbounded
	// Element: its name, its declaration (the global one for a ref) and
	// the names it accepts (itself unless abstract, and its substitution
	// group members).
	Name    Name
	Decl    Decl
	Accepts []Name
	// Any: the namespace constraint as written and the target namespace
	// of the schema it is in.
	Namespace, TNS string
	Kids           []*Particle
}

// maxGroupDepth bounds nested group references and derivations.
const maxGroupDepth = 50

// Content returns the element content model of type t: nil for a simple
// type, simple content or empty content.
func (m *Model) Content(t Type) (*Particle, error) {
	if t.N == nil || t.N.Name.Local != "complexType" {
		return nil, nil
	}
	return m.complexContent(t.N, t.S, 0)
}

func (m *Model) complexContent(ct *xmltext.Node, s *Schema, depth int) (*Particle, error) {
	if depth > maxGroupDepth {
		return nil, fmt.Errorf("type derivation deeper than %d", maxGroupDepth)
	}
	for _, c := range ct.Children {
		if c.Name.Space != XSDNS {
			continue
		}
		switch c.Name.Local {
		case "sequence", "choice", "all", "group":
			return m.particle(c, s, depth)
		case "complexContent":
			for _, der := range c.Children {
				if der.Name.Space != XSDNS || (der.Name.Local != "extension" && der.Name.Local != "restriction") {
					continue
				}
				own, err := m.complexContent(der, s, depth+1)
				if err != nil || der.Name.Local == "restriction" {
					return own, err
				}
				base, err := der.ResolveQName(der.Attr("base"))
				if err != nil {
					return nil, err
				}
				bt, ok := m.TypeNamed(base)
				if !ok {
					return nil, fmt.Errorf("base type %s is not declared", base)
				}
				var inherited *Particle
				if bt.N != nil && bt.N.Name.Local == "complexType" {
					if inherited, err = m.complexContent(bt.N, bt.S, depth+1); err != nil {
						return nil, err
					}
				}
				switch {
				case inherited == nil:
					return own, nil
				case own == nil:
					return inherited, nil
				}
				return &Particle{Kind: KindSequence, Min: 1, Max: 1, Kids: []*Particle{inherited, own}}, nil
			}
		}
	}
	return nil, nil
}

func occursOf(n *xmltext.Node) (int, int) {
	lo, hi := 1, 1
	if v := strings.TrimSpace(n.Attr("minOccurs")); v != "" {
		if i, err := strconv.Atoi(v); err == nil {
			lo = i
		}
	}
	if v := strings.TrimSpace(n.Attr("maxOccurs")); v == "unbounded" {
		hi = -1
	} else if i, err := strconv.Atoi(v); err == nil {
		hi = i
	}
	return lo, hi
}

func (m *Model) particle(n *xmltext.Node, s *Schema, depth int) (*Particle, error) {
	if depth > maxGroupDepth {
		return nil, fmt.Errorf("model groups nest deeper than %d", maxGroupDepth)
	}
	lo, hi := occursOf(n)
	p := &Particle{Min: lo, Max: hi}
	switch n.Name.Local {
	case "element":
		p.Kind = KindElement
		if ref := n.Attr("ref"); ref != "" {
			q, err := n.ResolveQName(ref)
			if err != nil {
				return nil, err
			}
			d, ok := m.Elements[q]
			if !ok {
				return nil, fmt.Errorf("element ref %s is not declared", q)
			}
			p.Name, p.Decl = q, d
			p.Accepts = m.accepts(q, d)
			return p, nil
		}
		p.Name = Name{Local: n.Attr("name")}
		if n.Attr("form") == "qualified" || (n.Attr("form") == "" && s.ElemQualified) {
			p.Name.Space = s.TNS
		}
		p.Decl = Decl{N: n, S: s}
		p.Accepts = []Name{p.Name}
	case "any":
		p.Kind = KindAny
		p.Namespace, p.TNS = n.Attr("namespace"), s.TNS
		if p.Namespace == "" {
			p.Namespace = "##any"
		}
	case "group":
		q, err := n.ResolveQName(n.Attr("ref"))
		if err != nil {
			return nil, err
		}
		g, ok := m.Groups[q]
		if !ok {
			return nil, fmt.Errorf("group %s is not declared", q)
		}
		p.Kind = KindSequence
		for _, c := range g.N.Children {
			if c.Name.Space == XSDNS && (c.Name.Local == "sequence" || c.Name.Local == "choice" || c.Name.Local == "all") {
				kid, err := m.particle(c, g.S, depth+1)
				if err != nil {
					return nil, err
				}
				p.Kids = append(p.Kids, kid)
			}
		}
	case "sequence", "choice", "all":
		p.Kind = map[string]Kind{"sequence": KindSequence, "choice": KindChoice, "all": KindAll}[n.Name.Local]
		for _, c := range n.Children {
			if c.Name.Space != XSDNS {
				continue
			}
			switch c.Name.Local {
			case "element", "any", "group", "sequence", "choice":
				kid, err := m.particle(c, s, depth+1)
				if err != nil {
					return nil, err
				}
				p.Kids = append(p.Kids, kid)
			}
		}
	default:
		return nil, fmt.Errorf("%s is not a particle", n.Name.Local)
	}
	return p, nil
}

// accepts is a global element's name unless abstract, and its
// substitution group members, transitively.
func (m *Model) accepts(q Name, d Decl) []Name {
	var out []Name
	seen := map[Name]bool{}
	var walk func(q Name, d Decl)
	walk = func(q Name, d Decl) {
		if seen[q] {
			return
		}
		seen[q] = true
		if d.N.Attr("abstract") != "true" {
			out = append(out, q)
		}
		for _, sub := range m.Substitutes[q] {
			if sd, ok := m.Elements[sub]; ok {
				walk(sub, sd)
			}
		}
	}
	walk(q, d)
	return out
}

// allows reports whether an xs:any particle accepts namespace ns.
func (p *Particle) allows(ns string) bool { return WildcardAllows(p.Namespace, p.TNS, ns) }

// WildcardAllows reports whether a wildcard's namespace constraint (its
// namespace attribute, "##any" when absent), in a schema whose target
// namespace is tns, accepts namespace ns.
func WildcardAllows(constraint, tns, ns string) bool {
	if constraint == "" {
		constraint = "##any"
	}
	for _, tok := range strings.Fields(constraint) {
		switch tok {
		case "##any":
			return true
		case "##other":
			if ns != tns && ns != "" {
				return true
			}
		case "##targetNamespace":
			if ns == tns {
				return true
			}
		case "##local":
			if ns == "" {
				return true
			}
		default:
			if ns == tok {
				return true
			}
		}
	}
	return false
}

// Child returns the declaration of child element q in content model p:
// the element particle that accepts it, or the global declaration a
// wildcard admits.
func (m *Model) Child(p *Particle, q Name) (Decl, bool) {
	if p == nil {
		return Decl{}, false
	}
	switch p.Kind {
	case KindElement:
		if !slices.Contains(p.Accepts, q) {
			return Decl{}, false
		}
		if q == p.Name {
			return p.Decl, true
		}
		d, ok := m.Elements[q]
		return d, ok
	case KindAny:
		if d, ok := m.Elements[q]; ok && p.allows(q.Space) {
			return d, true
		}
		return Decl{}, false
	}
	for _, k := range p.Kids {
		if d, ok := m.Child(k, q); ok {
			return d, true
		}
	}
	return Decl{}, false
}

// Describe renders what a leaf particle accepts, as xmllint names it:
// {namespace}local, or a wildcard's namespace constraint.
func (p *Particle) Describe() string {
	if p.Kind == KindAny {
		return "any element (" + p.Namespace + ")"
	}
	names := make([]string, 0, len(p.Accepts))
	for _, q := range p.Accepts {
		names = append(names, q.String())
	}
	if len(names) == 0 {
		return p.Name.String()
	}
	return strings.Join(names, " | ")
}

// maxMatchSteps bounds the work of Expected on one element's children.
const maxMatchSteps = 200_000

// Expected returns the leaf particles (elements and wildcards) that could
// stand at child position at, given the children's names, in content
// model order; and the positions after which the content could end (the
// children complete the model when len(kids) is one). ok is false when the
// model is too large to follow.
func Expected(p *Particle, kids []Name, at int) (expected []*Particle, ends []int, ok bool) {
	mt := &matcher{kids: kids, tried: map[int][]*Particle{}, memo: map[memoKey][]int{}}
	ends = []int{0}
	if p != nil {
		ends = mt.match(p, 0)
	}
	if mt.steps > maxMatchSteps {
		return nil, nil, false
	}
	return mt.tried[at], ends, true
}

type memoKey struct {
	p *Particle
	i int
}

// matcher follows a content model over a sequence of child names,
// recording at each position the leaf particles tried there.
type matcher struct {
	kids  []Name
	tried map[int][]*Particle
	memo  map[memoKey][]int
	steps int
}

// match returns the sorted positions p can end at when it starts at i,
// with its occurrence bounds.
func (mt *matcher) match(p *Particle, i int) []int {
	k := memoKey{p, i}
	if r, ok := mt.memo[k]; ok {
		return r
	}
	mt.memo[k] = nil // a loop through an empty match ends here
	var out []int
	if p.Min == 0 {
		out = append(out, i)
	}
	frontier := []int{i}
	expanded := map[int]bool{}
	limit := len(mt.kids) + 1 + p.Min
	for n := 1; len(frontier) > 0 && (p.Max < 0 || n <= p.Max) && n <= limit && mt.steps <= maxMatchSteps; n++ {
		var next []int
		for _, j := range frontier {
			if n > p.Min {
				if expanded[j] {
					continue
				}
				expanded[j] = true
			}
			next = union(next, mt.once(p, j))
		}
		if n >= p.Min {
			out = union(out, next)
		}
		frontier = next
	}
	mt.memo[k] = out
	return out
}

// once matches one occurrence of p at i.
func (mt *matcher) once(p *Particle, i int) []int {
	mt.steps++
	switch p.Kind {
	case KindElement, KindAny:
		if !slices.Contains(mt.tried[i], p) {
			mt.tried[i] = append(mt.tried[i], p)
		}
		if i < len(mt.kids) && (p.Kind == KindElement && slices.Contains(p.Accepts, mt.kids[i]) || p.Kind == KindAny && p.allows(mt.kids[i].Space)) {
			return []int{i + 1}
		}
		return nil
	case KindSequence:
		at := []int{i}
		for _, k := range p.Kids {
			var next []int
			for _, j := range at {
				next = union(next, mt.match(k, j))
			}
			if at = next; len(at) == 0 {
				return nil
			}
		}
		return at
	case KindChoice:
		var out []int
		for _, k := range p.Kids {
			out = union(out, mt.match(k, i))
		}
		return out
	case KindAll:
		return mt.all(p, i)
	}
	return nil
}

// all matches an xs:all group: each member at most once, in any order,
// every required one present.
func (mt *matcher) all(p *Particle, i int) []int {
	if len(p.Kids) > 30 {
		mt.steps = maxMatchSteps + 1
		return nil
	}
	required := uint32(0)
	for k, kid := range p.Kids {
		if kid.Min > 0 {
			required |= 1 << k
		}
	}
	type state struct {
		pos  int
		used uint32
	}
	seen := map[state]bool{}
	var out []int
	var walk func(s state)
	walk = func(s state) {
		if seen[s] || mt.steps > maxMatchSteps {
			return
		}
		seen[s] = true
		if s.used&required == required {
			out = union(out, []int{s.pos})
		}
		for k, kid := range p.Kids {
			if s.used&(1<<k) != 0 {
				continue
			}
			for _, end := range mt.once(kid, s.pos) {
				walk(state{end, s.used | 1<<k})
			}
		}
	}
	walk(state{pos: i})
	return out
}

// union merges two sorted position lists.
func union(a, b []int) []int {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Attribute finds the declaration of attribute q on complex type t: in the
// type itself, its attribute groups, or the types it derives from.
func (m *Model) Attribute(t Type, q Name) (Decl, bool) {
	if t.N == nil || t.N.Name.Local != "complexType" {
		return Decl{}, false
	}
	return m.attributeIn(t.N, t.S, q, 0)
}

func (m *Model) attributeIn(n *xmltext.Node, s *Schema, q Name, depth int) (Decl, bool) {
	if depth > maxGroupDepth {
		return Decl{}, false
	}
	for _, c := range n.Children {
		if c.Name.Space != XSDNS {
			continue
		}
		switch c.Name.Local {
		case "attribute":
			if ref := c.Attr("ref"); ref != "" {
				if r, err := c.ResolveQName(ref); err == nil && r == q {
					d, ok := m.Attributes[r]
					return d, ok
				}
				continue
			}
			name := Name{Local: c.Attr("name")}
			if c.Attr("form") == "qualified" || (c.Attr("form") == "" && s.AttrQualified) {
				name.Space = s.TNS
			}
			if name == q {
				return Decl{N: c, S: s}, true
			}
		case "attributeGroup":
			r, err := c.ResolveQName(c.Attr("ref"))
			if err != nil {
				continue
			}
			if g, ok := m.AttrGroups[r]; ok {
				if d, ok := m.attributeIn(g.N, g.S, q, depth+1); ok {
					return d, true
				}
			}
		case "simpleContent", "complexContent":
			for _, der := range c.Children {
				if der.Name.Space != XSDNS || (der.Name.Local != "extension" && der.Name.Local != "restriction") {
					continue
				}
				if d, ok := m.attributeIn(der, s, q, depth+1); ok {
					return d, true
				}
				base, err := der.ResolveQName(der.Attr("base"))
				if err != nil {
					continue
				}
				if bt, ok := m.TypeNamed(base); ok && bt.N != nil && bt.N.Name.Local == "complexType" {
					if d, ok := m.attributeIn(bt.N, bt.S, q, depth+1); ok {
						return d, true
					}
				}
			}
		}
	}
	return Decl{}, false
}
