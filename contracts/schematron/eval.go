package schematron

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/antchfx/xmlquery"
	"github.com/antchfx/xpath"
)

// Finding is a failed assert or a fired report.
type Finding struct {
	Pattern string `json:"pattern"`
	Rule    string `json:"rule"`
	Context string `json:"context"`
	Assert  string `json:"assert"`
	Test    string `json:"test"`
	Report  bool   `json:"report,omitempty"`
	Role    string `json:"role,omitempty"`
	// Message is the assertion's text with name and value-of filled in.
	Message string `json:"message"`
	// Path locates the context node, with the document's prefixes and
	// positions among same-named siblings: /soapenv:Envelope/.../urn1:code[2].
	Path string `json:"path"`
}

func (f Finding) String() string {
	kind := "assert"
	if f.Report {
		kind = "report"
	}
	return fmt.Sprintf("%s (at %s; pattern %s, rule %s, %s %s)", f.Message, f.Path, f.Pattern, f.Rule, kind, f.Test)
}

// Report is the outcome of one validation.
type Report struct {
	// Fired counts the rule firings (context nodes a rule applied to);
	// Checked counts the assertions evaluated.
	Fired    int
	Checked  int
	Findings []Finding
	// NotEvaluated are the parts that could not be evaluated: the
	// schema's Problems and any that failed on this document.
	NotEvaluated []Problem
}

// MaxFindings bounds the findings one validation collects.
const MaxFindings = 1000

// Validate evaluates every pattern on an XML document.
func (s *Schema) Validate(data []byte) (*Report, error) {
	doc, err := xmlquery.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("schematron: parse the document: %w", err)
	}
	rep := &Report{NotEvaluated: append([]Problem(nil), s.Problems...)}
	root := xmlquery.CreateXPathNavigator(doc)
	global, err := s.bindLets(nil, s.Lets, root)
	if err != nil {
		rep.NotEvaluated = append(rep.NotEvaluated, Problem{Reason: err.Error() + ": nothing evaluated"})
		return rep, nil
	}
	for _, p := range s.Patterns {
		s.validatePattern(p, root, global, rep)
	}
	return rep, nil
}

func (s *Schema) validatePattern(p *Pattern, root *xmlquery.NodeNavigator, global map[string]string, rep *Report) {
	vars, err := s.bindLets(global, p.Lets, root)
	if err != nil {
		rep.NotEvaluated = append(rep.NotEvaluated, Problem{Pattern: p.ID, Reason: err.Error() + ": the pattern is not evaluated"})
		return
	}
	// A node fires at most one rule per pattern: the first whose context
	// matches it (ISO Schematron 6.5, XSLT template order).
	fired := map[string]bool{}
	for i, r := range p.Rules {
		if r.err != nil {
			continue
		}
		expr, err := s.rewriteCompile(r.selectXPath, lookup(vars))
		if err != nil {
			rep.NotEvaluated = append(rep.NotEvaluated, Problem{Pattern: p.ID, Rule: r.Label(i), Reason: err.Error()})
			continue
		}
		nodes, err := selectAll(expr, root)
		if err != nil {
			rep.NotEvaluated = append(rep.NotEvaluated, Problem{Pattern: p.ID, Rule: r.Label(i), Reason: err.Error()})
			continue
		}
		for _, n := range nodes {
			key := nodeKey(n)
			if fired[key] {
				continue
			}
			fired[key] = true
			rep.Fired++
			s.fire(p, r, i, n, vars, rep)
		}
	}
}

// fire evaluates a rule's assertions on one context node.
func (s *Schema) fire(p *Pattern, r *Rule, ri int, n *xmlquery.NodeNavigator, vars map[string]string, rep *Report) {
	rv, err := s.bindLets(vars, r.Lets, n)
	if err != nil {
		rep.NotEvaluated = append(rep.NotEvaluated, Problem{Pattern: p.ID, Rule: r.Label(ri), Reason: fmt.Sprintf("at %s: %v", nodePath(n), err)})
		return
	}
	for ai, a := range r.Asserts {
		if a.err != nil {
			continue
		}
		v, err := s.eval(a.Test, n, rv)
		if err != nil {
			rep.NotEvaluated = append(rep.NotEvaluated, Problem{Pattern: p.ID, Rule: r.Label(ri), Assert: a.Label(ai), Reason: fmt.Sprintf("at %s: %v", nodePath(n), err)})
			continue
		}
		rep.Checked++
		ok := truth(v)
		if ok != a.Report || len(rep.Findings) >= MaxFindings {
			continue
		}
		rep.Findings = append(rep.Findings, Finding{Pattern: p.ID, Rule: r.Label(ri), Context: r.Context, Assert: a.Label(ai),
			Test: a.Test, Report: a.Report, Role: a.Role, Message: s.text(a, n, rv), Path: nodePath(n)})
	}
}

// text builds an assertion's message for one node.
func (s *Schema) text(a *Assert, n *xmlquery.NodeNavigator, vars map[string]string) string {
	var b strings.Builder
	for _, m := range a.Message {
		switch {
		case m.Name && m.Path == "":
			b.WriteString(qname(n))
		case m.Name:
			v, err := s.eval(m.Path, n, vars)
			if it, ok := v.(*xpath.NodeIterator); err == nil && ok && it.MoveNext() {
				b.WriteString(qname(it.Current().(*xmlquery.NodeNavigator)))
			}
		case m.Select != "":
			v, err := s.eval(m.Select, n, vars)
			if err != nil {
				b.WriteString("[" + err.Error() + "]")
				continue
			}
			b.WriteString(stringValue(v, true))
		default:
			b.WriteString(m.Text)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// eval rewrites, compiles and evaluates expr with n as the context node.
func (s *Schema) eval(expr string, n *xmlquery.NodeNavigator, vars map[string]string) (v any, err error) {
	e, err := s.rewriteCompile(expr, lookup(vars))
	if err != nil {
		return nil, err
	}
	defer func() {
		// antchfx/xpath panics on some type errors; report, not crash.
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("evaluating %q: %v", expr, p)
		}
	}()
	return e.Evaluate(n.Copy().(*xmlquery.NodeNavigator)), nil
}

func lookup(vars map[string]string) func(string) (string, bool) {
	return func(n string) (string, bool) {
		v, ok := vars[n]
		return v, ok
	}
}

// bindLets evaluates lets in order in the context n; each value becomes
// an XPath literal (see literal) that later expressions use in its place.
func (s *Schema) bindLets(outer map[string]string, lets []Let, n *xmlquery.NodeNavigator) (map[string]string, error) {
	vars := make(map[string]string, len(outer)+len(lets))
	for k, v := range outer {
		vars[k] = v
	}
	for _, l := range lets {
		v, err := s.eval(l.Value, n, vars)
		if err != nil {
			return nil, fmt.Errorf("let $%s: %w", l.Name, err)
		}
		if _, nodes := v.(*xpath.NodeIterator); nodes && strings.HasPrefix(strings.TrimSpace(l.Value), "/") {
			// An absolute node-set means the same everywhere: use the
			// expression itself. (Positional paths would do too, but
			// antchfx/xpath v1.3.9 compares count(a[1] | a[2]) = count(b)
			// wrongly, so they are kept for relative node-sets.)
			x, err := rewrite(l.Value, lookup(vars))
			if err != nil {
				return nil, fmt.Errorf("let $%s: %w", l.Name, err)
			}
			vars[l.Name] = "(" + x + ")"
			continue
		}
		lit, err := literal(v)
		if err != nil {
			return nil, fmt.Errorf("let $%s: %w", l.Name, err)
		}
		vars[l.Name] = lit
	}
	return vars, nil
}

// literal writes an XPath value as an expression that evaluates to it
// anywhere: numbers, strings and booleans as literals, a node-set as the
// union of the nodes' absolute positional paths (or an empty set).
func literal(v any) (string, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return "true()", nil
		}
		return "false()", nil
	case float64:
		switch {
		case math.IsNaN(x):
			return "number('NaN')", nil
		case math.IsInf(x, 1):
			return "(1 div 0)", nil
		case math.IsInf(x, -1):
			return "(-1 div 0)", nil
		}
		return "(" + strconv.FormatFloat(x, 'f', -1, 64) + ")", nil
	case string:
		return QuoteString(x), nil
	case *xpath.NodeIterator:
		var parts []string
		for i := 0; x.MoveNext(); i++ {
			if i >= 10000 {
				return "", fmt.Errorf("node-set of more than 10000 nodes")
			}
			parts = append(parts, positionalPath(x.Current().(*xmlquery.NodeNavigator)))
		}
		if len(parts) == 0 {
			return placeholder, nil
		}
		return "(" + strings.Join(parts, " | ") + ")", nil
	}
	return "", fmt.Errorf("unexpected XPath value %T", v)
}

// QuoteString writes s as an XPath 1.0 string literal.
func QuoteString(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	parts := strings.Split(s, "'")
	for i, p := range parts {
		parts[i] = "'" + p + "'"
	}
	return "concat(" + strings.Join(parts, `, "'", `) + ")"
}

func truth(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	case *xpath.NodeIterator:
		return x.MoveNext()
	}
	return false
}

// stringValue is the string of an XPath value; for node-sets, with
// all (XSLT 2.0 value-of: space-separated) or the first node's value.
func stringValue(v any, all bool) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	case *xpath.NodeIterator:
		var vals []string
		for x.MoveNext() {
			vals = append(vals, x.Current().Value())
			if !all {
				break
			}
		}
		return strings.Join(vals, " ")
	}
	return ""
}

func selectAll(e *xpath.Expr, root *xmlquery.NodeNavigator) (out []*xmlquery.NodeNavigator, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("selecting %s: %v", e, p)
		}
	}()
	it := e.Select(root.Copy().(*xmlquery.NodeNavigator))
	for it.MoveNext() {
		out = append(out, it.Current().Copy().(*xmlquery.NodeNavigator))
	}
	return out, nil
}

// nodeKey identifies a node (an element, or an attribute of one).
func nodeKey(n *xmlquery.NodeNavigator) string {
	if n.NodeType() == xpath.AttributeNode {
		return fmt.Sprintf("%p@{%s}%s", n.Current(), n.NamespaceURL(), n.LocalName())
	}
	return fmt.Sprintf("%p", n.Current())
}

func qname(n *xmlquery.NodeNavigator) string {
	if p := n.Prefix(); p != "" {
		return p + ":" + n.LocalName()
	}
	return n.LocalName()
}

// nodePath is a readable path to n: prefixed names, with a position
// where siblings share the name.
func nodePath(n *xmlquery.NodeNavigator) string {
	var attr string
	if n.NodeType() == xpath.AttributeNode {
		attr = "/@" + qname(n)
	}
	var steps []string
	for e := n.Current(); e != nil && e.Type != xmlquery.DocumentNode; e = e.Parent {
		switch e.Type {
		case xmlquery.ElementNode:
			name := e.Data
			if e.Prefix != "" {
				name = e.Prefix + ":" + e.Data
			}
			pos, same := 0, 0
			for c := e.Parent.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == xmlquery.ElementNode && c.Data == e.Data && c.NamespaceURI == e.NamespaceURI {
					same++
					if c == e {
						pos = same
					}
				}
			}
			if same > 1 {
				name = fmt.Sprintf("%s[%d]", name, pos)
			}
			steps = append(steps, name)
		case xmlquery.TextNode, xmlquery.CharDataNode:
			steps = append(steps, "text()")
		case xmlquery.CommentNode:
			steps = append(steps, "comment()")
		}
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		b.WriteString("/" + steps[i])
	}
	if b.Len() == 0 && attr == "" {
		return "/"
	}
	return b.String() + attr
}

// positionalPath is an absolute XPath selecting exactly n, independent of
// namespaces: /*[1]/*[3]/text()[1], /*[1]/@*[local-name()='a' and namespace-uri()=”].
func positionalPath(n *xmlquery.NodeNavigator) string {
	var attr string
	if n.NodeType() == xpath.AttributeNode {
		attr = fmt.Sprintf("/@*[local-name()=%s and namespace-uri()=%s]", QuoteString(n.LocalName()), QuoteString(n.NamespaceURL()))
	}
	var steps []string
	for e := n.Current(); e != nil && e.Type != xmlquery.DocumentNode && e.Parent != nil; e = e.Parent {
		test, kind := "*", e.Type
		switch kind {
		case xmlquery.TextNode, xmlquery.CharDataNode:
			test = "text()"
		case xmlquery.CommentNode:
			test = "comment()"
		}
		pos := 0
		for c := e.Parent.FirstChild; c != nil; c = c.NextSibling {
			if sameKind(c.Type, kind) {
				pos++
			}
			if c == e {
				break
			}
		}
		steps = append(steps, fmt.Sprintf("%s[%d]", test, pos))
	}
	if len(steps) == 0 && attr == "" {
		return "/"
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		b.WriteString("/" + steps[i])
	}
	return b.String() + attr
}

func sameKind(a, b xmlquery.NodeType) bool {
	text := func(t xmlquery.NodeType) bool { return t == xmlquery.TextNode || t == xmlquery.CharDataNode }
	return a == b || (text(a) && text(b))
}
