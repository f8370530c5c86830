package match

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/antchfx/xpath"
	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
)

// Message is what matchers look at.
type Message struct {
	Doc    *etree.Document // nil when the body is not XML (msgcheck.ParseDocument reads it)
	Header http.Header
}

// Result is the outcome of one matcher.
type Result struct {
	OK      bool
	Message string // what was expected and what was found
}

// Describe says in words what m checks.
func Describe(m scenario.Matcher) string {
	if m.Description != "" {
		return m.Description
	}
	var sel string
	if m.HTTPHeader != "" {
		sel = "HTTP header " + m.HTTPHeader
	} else {
		sel = "XPath " + m.XPath
		if m.In != "" && m.In != "envelope" {
			sel += " (in " + m.In + ")"
		}
	}
	switch {
	case m.Equals != nil:
		return fmt.Sprintf("%s equals %q", sel, *m.Equals)
	case m.Regex != "":
		return fmt.Sprintf("%s matches /%s/", sel, m.Regex)
	case m.Present:
		return sel + " is present"
	case m.Absent:
		return sel + " is absent"
	}
	return sel
}

// Eval evaluates m on msg. ns maps XPath prefixes to namespace URIs.
func Eval(m scenario.Matcher, msg Message, ns map[string]string) Result {
	found, value, err := selectValue(m, msg, ns)
	if err != nil {
		return Result{Message: fmt.Sprintf("%s: %v", Describe(m), err)}
	}
	switch {
	case m.Present:
		if found {
			return Result{OK: true, Message: Describe(m)}
		}
		return Result{Message: Describe(m) + ": not found"}
	case m.Absent:
		if !found {
			return Result{OK: true, Message: Describe(m)}
		}
		return Result{Message: fmt.Sprintf("%s: found %q", Describe(m), clip(value))}
	case !found:
		return Result{Message: Describe(m) + ": not found"}
	case m.Equals != nil:
		if value == *m.Equals {
			return Result{OK: true, Message: Describe(m)}
		}
		return Result{Message: fmt.Sprintf("%s: got %q", Describe(m), clip(value))}
	case m.Regex != "":
		re, err := regexp.Compile(m.Regex)
		if err != nil {
			return Result{Message: fmt.Sprintf("%s: %v", Describe(m), err)}
		}
		if re.MatchString(value) {
			return Result{OK: true, Message: Describe(m)}
		}
		return Result{Message: fmt.Sprintf("%s: got %q", Describe(m), clip(value))}
	}
	return Result{Message: Describe(m) + ": no condition"}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// selectValue finds the matcher's selection: whether it exists, and its
// string value (the first node's, for node sets).
func selectValue(m scenario.Matcher, msg Message, ns map[string]string) (bool, string, error) {
	if m.HTTPHeader != "" {
		vals, ok := msg.Header[http.CanonicalHeaderKey(m.HTTPHeader)]
		if !ok || len(vals) == 0 {
			return false, "", nil
		}
		return true, vals[0], nil
	}
	if msg.Doc == nil {
		return false, "", errors.New("the message is not XML")
	}
	ctx, err := contextNode(msg.Doc, m.In)
	if err != nil {
		return false, "", err
	}
	if ctx == nil {
		return false, "", nil
	}
	expr, err := xpath.CompileWithNS(m.XPath, ns)
	if err != nil {
		return false, "", fmt.Errorf("bad XPath: %w", err)
	}
	return evaluate(expr, newNavigator(msg.Doc, ctx))
}

func evaluate(expr *xpath.Expr, nav *navigator) (bool, string, error) {
	switch v := expr.Evaluate(nav).(type) {
	case *xpath.NodeIterator:
		if v.MoveNext() {
			return true, v.Current().Value(), nil
		}
		return false, "", nil
	case string:
		return v != "", v, nil
	case bool:
		return v, strconv.FormatBool(v), nil
	case float64:
		if math.IsNaN(v) {
			return false, "NaN", nil
		}
		return true, strconv.FormatFloat(v, 'f', -1, 64), nil
	default:
		return false, "", fmt.Errorf("unexpected XPath result %T", v)
	}
}

// contextNode returns the element an "in" scope starts from; nil when the
// scope does not exist in the message (no Header).
func contextNode(doc *etree.Document, in string) (*etree.Element, error) {
	switch in {
	case "", "envelope":
		return &doc.Element, nil
	case "header":
		return msgcheck.EnvelopeChild(doc, "Header"), nil
	case "body":
		if b := msgcheck.EnvelopeChild(doc, "Body"); b != nil {
			if els := b.ChildElements(); len(els) > 0 {
				return els[0], nil
			}
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown scope %q", in)
}

// Select returns the elements and attribute owners an XPath selects, for
// blanking volatile fields.
func selectNodes(doc *etree.Document, expr *xpath.Expr) []*navigator {
	var out []*navigator
	it := expr.Select(newNavigator(doc, &doc.Element))
	for i := 0; it.MoveNext() && i < 10000; i++ {
		if n, ok := it.Current().(*navigator); ok {
			out = append(out, n.Copy().(*navigator))
		}
	}
	return out
}

// VolatileMark replaces the values of volatile fields.
const VolatileMark = "*volatile*"

// Blank replaces the text of every element (and the value of every
// attribute) the XPaths select with VolatileMark, so a diff ignores them.
func Blank(doc *etree.Document, xpaths []string, ns map[string]string) error {
	for _, xp := range xpaths {
		expr, err := xpath.CompileWithNS(xp, ns)
		if err != nil {
			return fmt.Errorf("volatile XPath %q: %w", xp, err)
		}
		for _, n := range selectNodes(doc, expr) {
			e, ok := n.cur.(*etree.Element)
			switch {
			case ok && n.attr >= 0:
				key := attrs(e)[n.attr]
				e.CreateAttr(attrName(key), VolatileMark)
			case ok:
				for _, c := range e.ChildElements() {
					e.RemoveChild(c)
				}
				e.SetText(VolatileMark)
			case n.NodeType() == xpath.TextNode:
				if cd, ok := n.cur.(*etree.CharData); ok {
					cd.Data = VolatileMark
				}
			}
		}
	}
	return nil
}

func attrName(a etree.Attr) string {
	if a.Space == "" {
		return a.Key
	}
	return a.Space + ":" + a.Key
}

// Diff compares two documents by namespace URI, local name, attributes and
// trimmed text, ignoring prefixes, namespace declarations and whitespace
// between elements. It returns up to max differences, each with a path.
func Diff(want, got *etree.Document, max int) []string {
	var out []string
	diffElem(want.Root(), got.Root(), "", 0, &out, max)
	return out
}

func diffElem(a, b *etree.Element, p string, idx int, out *[]string, max int) {
	if len(*out) >= max {
		return
	}
	switch {
	case a == nil && b == nil:
		return
	case a == nil:
		*out = append(*out, fmt.Sprintf("%s/%s: unexpected element", p, b.Tag))
		return
	case b == nil:
		*out = append(*out, fmt.Sprintf("%s/%s: missing element", p, a.Tag))
		return
	}
	here := p + "/" + a.Tag
	if idx > 0 {
		here = fmt.Sprintf("%s[%d]", here, idx)
	}
	if a.Tag != b.Tag || a.NamespaceURI() != b.NamespaceURI() {
		*out = append(*out, fmt.Sprintf("%s: element {%s}%s, want {%s}%s", here, b.NamespaceURI(), b.Tag, a.NamespaceURI(), a.Tag))
		return
	}
	aa, ba := attrMap(a), attrMap(b)
	for k, v := range aa {
		if bv, ok := ba[k]; !ok {
			*out = append(*out, fmt.Sprintf("%s/@%s: missing attribute", here, k))
		} else if bv != v && v != VolatileMark && bv != VolatileMark {
			*out = append(*out, fmt.Sprintf("%s/@%s: %q, want %q", here, k, bv, v))
		}
	}
	for k := range ba {
		if _, ok := aa[k]; !ok {
			*out = append(*out, fmt.Sprintf("%s/@%s: unexpected attribute", here, k))
		}
	}
	at, bt := strings.TrimSpace(directText(a)), strings.TrimSpace(directText(b))
	if at != bt && at != VolatileMark && bt != VolatileMark {
		*out = append(*out, fmt.Sprintf("%s: text %q, want %q", here, clip(bt), clip(at)))
	}
	ac, bc := a.ChildElements(), b.ChildElements()
	if at == VolatileMark || bt == VolatileMark {
		return
	}
	for i := 0; i < len(ac) || i < len(bc); i++ {
		var x, y *etree.Element
		if i < len(ac) {
			x = ac[i]
		}
		if i < len(bc) {
			y = bc[i]
		}
		diffElem(x, y, here, i+1, out, max)
		if len(*out) >= max {
			return
		}
	}
}

func attrMap(e *etree.Element) map[string]string {
	m := map[string]string{}
	for _, a := range attrs(e) {
		ns := ""
		if a.Space != "" {
			ns = "{" + a.NamespaceURI() + "}"
		}
		m[ns+a.Key] = a.Value
	}
	return m
}

func directText(e *etree.Element) string {
	var b strings.Builder
	for _, c := range e.Child {
		if cd, ok := c.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return b.String()
}

// Value evaluates an XPath on doc: whether it selects anything, and its
// string value (the first node's, for node sets).
func Value(doc *etree.Document, path string, ns map[string]string) (bool, string, error) {
	return selectValue(scenario.Matcher{XPath: path}, Message{Doc: doc}, ns)
}
