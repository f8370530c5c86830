// Package schematron evaluates ISO Schematron (ISO/IEC 19757-3) business
// rules, such as the constraints.xml files of Inera's RIV-TA test suites,
// on an XML message: a contract's rules beyond its XSD.
//
// Supported: ns, pattern (abstract patterns with is-a and param), rule
// (context, abstract rules with extends), let at schema, pattern and rule
// level, assert and report with messages built from text, name (and
// name/@path) and value-of. All patterns are active (phases are not
// selected); include, diagnostics and properties are not resolved.
// queryBinding may be xslt, xslt2, xpath or xpath2: expressions run on
// github.com/antchfx/xpath (XPath 1.0 plus some 2.0 functions) after the
// rewrites listed in Supported (see xpath2.go). A rule or assertion that
// cannot be evaluated (an unsupported construct, an unknown variable) is
// kept and reported in Schema.Problems, and again in every Report: it is
// never dropped or counted as passed.
package schematron

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/antchfx/xpath"
	"github.com/beevik/etree"
)

// NS is the ISO Schematron namespace.
const NS = "http://purl.oclc.org/dsdl/schematron"

// Schema is a parsed Schematron schema.
type Schema struct {
	Title        string
	QueryBinding string
	Namespaces   map[string]string
	Lets         []Let
	Patterns     []*Pattern
	// Problems are the parts that cannot be evaluated, found when the
	// schema was read (each names its pattern, rule and assertion).
	Problems []Problem
	// Source names the schema in findings (a file name).
	Source string
}

// Pattern is one (concrete or instantiated) pattern.
type Pattern struct {
	ID    string
	Title string
	// IsA is the abstract pattern it instantiates, if any.
	IsA   string
	Lets  []Let
	Rules []*Rule
}

// Rule fires on the nodes its context matches.
type Rule struct {
	ID      string
	Context string
	Lets    []Let
	Asserts []*Assert
	// selectXPath selects what Context matches; err says why the rule
	// cannot be evaluated.
	selectXPath string
	err         error
}

// Assert is an assert (fails when Test is false) or a report (fires when
// Test is true).
type Assert struct {
	ID     string
	Test   string
	Report bool
	Role   string
	Flag   string
	// Message is the assertion's text with name and value-of kept as
	// parts, evaluated per node.
	Message []MessagePart
	err     error
}

// MessagePart is literal text, a <name/> (Name true, Path optional) or a
// <value-of select=""/> (Select).
type MessagePart struct {
	Text   string
	Name   bool
	Path   string
	Select string
}

// Let is a variable: its value is evaluated in its scope's context.
type Let struct {
	Name  string
	Value string
}

// Problem is a part of the schema that cannot be evaluated.
type Problem struct {
	Pattern string `json:"pattern,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Assert  string `json:"assert,omitempty"`
	Reason  string `json:"reason"`
}

func (p Problem) String() string {
	var where []string
	if p.Pattern != "" {
		where = append(where, "pattern "+p.Pattern)
	}
	if p.Rule != "" {
		where = append(where, "rule "+p.Rule)
	}
	if p.Assert != "" {
		where = append(where, "assert "+p.Assert)
	}
	return strings.Join(where, ", ") + ": " + p.Reason
}

// ParseFile reads a Schematron schema from a file.
func ParseFile(path string) (*Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("schematron: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("schematron %s: %w", path, err)
	}
	s.Source = path
	return s, nil
}

// Parse reads a Schematron schema. It fails only when the document is not
// a Schematron schema at all or uses a query binding other than XPath or
// XSLT; parts that cannot be evaluated are listed in Problems.
func Parse(data []byte) (*Schema, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = 64
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "schema" || root.NamespaceURI() != NS {
		return nil, errors.New("not an ISO Schematron schema (want a schema element in " + NS + ")")
	}
	s := &Schema{Namespaces: map[string]string{}, QueryBinding: root.SelectAttrValue("queryBinding", "xslt")}
	switch strings.ToLower(s.QueryBinding) {
	case "xslt", "xslt2", "xpath", "xpath2":
	default:
		return nil, fmt.Errorf("queryBinding %q is not supported (xslt, xslt2, xpath, xpath2)", s.QueryBinding)
	}
	abstract := map[string]*etree.Element{}
	abstractRules := map[string]*etree.Element{}
	for _, c := range sch(root) {
		switch c.Tag {
		case "title":
			s.Title = strings.TrimSpace(c.Text())
		case "ns":
			s.Namespaces[c.SelectAttrValue("prefix", "")] = c.SelectAttrValue("uri", "")
		case "let":
			s.Lets = append(s.Lets, parseLet(c))
		case "pattern":
			if c.SelectAttrValue("abstract", "") == "true" {
				abstract[c.SelectAttrValue("id", "")] = c
			}
			for _, r := range sch(c) {
				if r.Tag == "rule" && r.SelectAttrValue("abstract", "") == "true" {
					abstractRules[r.SelectAttrValue("id", "")] = r
				}
			}
		case "include":
			s.Problems = append(s.Problems, Problem{Reason: fmt.Sprintf("include of %q is not resolved: its rules are not evaluated", c.SelectAttrValue("href", ""))})
		}
	}
	for _, c := range sch(root) {
		if c.Tag != "pattern" || c.SelectAttrValue("abstract", "") == "true" {
			continue
		}
		p := s.parsePattern(c, abstract, abstractRules)
		s.Patterns = append(s.Patterns, p)
	}
	s.compile()
	return s, nil
}

// sch returns the Schematron-namespace children of e.
func sch(e *etree.Element) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if c.NamespaceURI() == NS {
			out = append(out, c)
		}
	}
	return out
}

func parseLet(e *etree.Element) Let {
	return Let{Name: e.SelectAttrValue("name", ""), Value: e.SelectAttrValue("value", "")}
}

func (s *Schema) parsePattern(c *etree.Element, abstract, abstractRules map[string]*etree.Element) *Pattern {
	p := &Pattern{ID: c.SelectAttrValue("id", ""), IsA: c.SelectAttrValue("is-a", "")}
	body := c
	params := map[string]string{}
	if p.IsA != "" {
		a, ok := abstract[p.IsA]
		if !ok {
			s.Problems = append(s.Problems, Problem{Pattern: p.ID, Reason: fmt.Sprintf("is-a %q: no abstract pattern of that id: its rules are not evaluated", p.IsA)})
			return p
		}
		for _, pr := range sch(c) {
			if pr.Tag == "param" {
				params[pr.SelectAttrValue("name", "")] = pr.SelectAttrValue("value", "")
			}
		}
		body = a
	}
	if p.ID == "" {
		p.ID = fmt.Sprintf("pattern-%d", len(s.Patterns)+1)
	}
	for _, e := range sch(body) {
		switch e.Tag {
		case "title":
			p.Title = strings.TrimSpace(e.Text())
		case "let":
			l := parseLet(e)
			l.Value = s.param(p, "", l.Value, params)
			p.Lets = append(p.Lets, l)
		case "rule":
			if e.SelectAttrValue("abstract", "") == "true" {
				continue
			}
			p.Rules = append(p.Rules, s.parseRule(p, e, params, abstractRules))
		}
	}
	return p
}

// param substitutes abstract-pattern parameters in an expression.
func (s *Schema) param(p *Pattern, rule, expr string, params map[string]string) string {
	out, err := substituteParams(expr, params)
	if err != nil {
		s.Problems = append(s.Problems, Problem{Pattern: p.ID, Rule: rule, Reason: err.Error()})
		return expr
	}
	return out
}

func (s *Schema) parseRule(p *Pattern, e *etree.Element, params map[string]string, abstractRules map[string]*etree.Element) *Rule {
	r := &Rule{ID: e.SelectAttrValue("id", "")}
	r.Context = s.param(p, r.ID, e.SelectAttrValue("context", ""), params)
	var add func(body *etree.Element, depth int)
	add = func(body *etree.Element, depth int) {
		for _, c := range sch(body) {
			switch c.Tag {
			case "let":
				l := parseLet(c)
				l.Value = s.param(p, r.ID, l.Value, params)
				r.Lets = append(r.Lets, l)
			case "assert", "report":
				a := &Assert{ID: c.SelectAttrValue("id", ""), Report: c.Tag == "report", Role: c.SelectAttrValue("role", ""), Flag: c.SelectAttrValue("flag", "")}
				a.Test = s.param(p, r.ID, c.SelectAttrValue("test", ""), params)
				a.Message = s.message(p, r.ID, c, params)
				r.Asserts = append(r.Asserts, a)
			case "extends":
				ar, ok := abstractRules[c.SelectAttrValue("rule", "")]
				switch {
				case !ok:
					r.err = fmt.Errorf("extends rule %q: no abstract rule of that id", c.SelectAttrValue("rule", ""))
				case depth > 16:
					r.err = errors.New("extends nested too deep")
				default:
					add(ar, depth+1)
				}
			}
		}
	}
	add(e, 0)
	if r.Context == "" {
		r.err = errors.New("rule without context")
	}
	return r
}

// message keeps an assertion's mixed content: text, name and value-of.
func (s *Schema) message(p *Pattern, rule string, e *etree.Element, params map[string]string) []MessagePart {
	var out []MessagePart
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		for _, t := range e.Child {
			switch v := t.(type) {
			case *etree.CharData:
				out = append(out, MessagePart{Text: substituteParamsText(v.Data, params)})
			case *etree.Element:
				switch {
				case v.NamespaceURI() == NS && v.Tag == "name":
					out = append(out, MessagePart{Name: true, Path: s.param(p, rule, v.SelectAttrValue("path", ""), params)})
				case v.NamespaceURI() == NS && v.Tag == "value-of":
					out = append(out, MessagePart{Select: s.param(p, rule, v.SelectAttrValue("select", ""), params)})
				default: // emph, dir, span, foreign: their text
					walk(v)
				}
			}
		}
	}
	walk(e)
	return out
}

// placeholder stands in for a variable when an expression is compiled
// ahead of evaluation: an empty node-set, valid wherever a variable is.
const placeholder = "(/..)"

// compile checks every expression once, with variables as placeholders,
// and records what cannot be evaluated.
func (s *Schema) compile() {
	known := map[string]bool{}
	for _, l := range s.Lets {
		known[l.Name] = true
		s.check(&s.Problems, Problem{Reason: "let $" + l.Name}, l.Value, known)
	}
	for _, p := range s.Patterns {
		pk := copyKnown(known)
		for _, l := range p.Lets {
			pk[l.Name] = true
			s.check(&s.Problems, Problem{Pattern: p.ID, Reason: "let $" + l.Name}, l.Value, pk)
		}
		for i, r := range p.Rules {
			name := r.Label(i)
			if r.err != nil {
				s.Problems = append(s.Problems, Problem{Pattern: p.ID, Rule: name, Reason: r.err.Error() + ": the rule is not evaluated"})
				continue
			}
			sel, err := contextSelect(r.Context)
			if err == nil {
				_, err = s.rewriteCompile(sel, func(n string) (string, bool) { return placeholder, pk[n] })
			}
			if err != nil {
				r.err = fmt.Errorf("context %q: %w", r.Context, err)
				s.Problems = append(s.Problems, Problem{Pattern: p.ID, Rule: name, Reason: r.err.Error() + ": the rule is not evaluated"})
				continue
			}
			r.selectXPath = sel
			rk := copyKnown(pk)
			for _, l := range r.Lets {
				if _, err := s.rewriteCompile(l.Value, func(n string) (string, bool) { return placeholder, rk[n] }); err != nil {
					r.err = fmt.Errorf("let $%s: %w", l.Name, err)
				}
				rk[l.Name] = true
			}
			if r.err != nil {
				s.Problems = append(s.Problems, Problem{Pattern: p.ID, Rule: name, Reason: r.err.Error() + ": the rule is not evaluated"})
				continue
			}
			for j, a := range r.Asserts {
				vars := func(n string) (string, bool) { return placeholder, rk[n] }
				if _, err := s.rewriteCompile(a.Test, vars); err != nil {
					a.err = fmt.Errorf("test %q: %w", a.Test, err)
				}
				for _, m := range a.Message {
					for _, x := range []string{m.Path, m.Select} {
						if x == "" || a.err != nil {
							continue
						}
						if _, err := s.rewriteCompile(x, vars); err != nil {
							a.err = fmt.Errorf("message expression %q: %w", x, err)
						}
					}
				}
				if a.err != nil {
					s.Problems = append(s.Problems, Problem{Pattern: p.ID, Rule: name, Assert: a.Label(j), Reason: a.err.Error() + ": the assertion is not evaluated"})
				}
			}
		}
	}
}

func (s *Schema) check(problems *[]Problem, p Problem, expr string, known map[string]bool) {
	if _, err := s.rewriteCompile(expr, func(n string) (string, bool) { return placeholder, known[n] }); err != nil {
		p.Reason += ": " + err.Error()
		*problems = append(*problems, p)
	}
}

func copyKnown(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// rewriteCompile rewrites an XPath 2.0 expression (see xpath2.go) and
// compiles it with the schema's namespaces.
func (s *Schema) rewriteCompile(expr string, vars func(string) (string, bool)) (*xpath.Expr, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, errors.New("empty expression")
	}
	x, err := rewrite(expr, vars)
	if err != nil {
		return nil, err
	}
	e, err := xpath.CompileWithNS(x, s.Namespaces)
	if err != nil {
		if x != expr {
			return nil, fmt.Errorf("%w (rewritten as %q)", err, x)
		}
		return nil, err
	}
	return e, nil
}

// Label names a rule in findings: its id, else its context.
func (r *Rule) Label(i int) string {
	if r.ID != "" {
		return r.ID
	}
	if r.Context != "" {
		return r.Context
	}
	return fmt.Sprintf("rule %d", i+1)
}

// Label names an assertion: its id, else its test.
func (a *Assert) Label(i int) string {
	if a.ID != "" {
		return a.ID
	}
	if a.Test != "" {
		return a.Test
	}
	return fmt.Sprintf("assert %d", i+1)
}

// Counts are how many assertions the schema holds and how many of them
// can be evaluated.
type Counts struct {
	Rules        int `json:"rules"`
	Asserts      int `json:"asserts"`
	Evaluable    int `json:"evaluable"`
	NotEvaluable int `json:"not_evaluable"`
}

// Count counts rules and assertions (reports included), evaluable or not.
func (s *Schema) Count() Counts {
	var c Counts
	for _, p := range s.Patterns {
		for _, r := range p.Rules {
			c.Rules++
			for _, a := range r.Asserts {
				c.Asserts++
				if r.err == nil && a.err == nil {
					c.Evaluable++
				} else {
					c.NotEvaluable++
				}
			}
		}
	}
	return c
}
