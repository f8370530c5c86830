package xsd

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jacoelho/xsd/xsderrors"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
	"github.com/rivgate/rivgate/contracts/internal/xsdmodel"
)

// issue is one problem the pure-Go validator reported, before it is
// rendered as a Problem's message.
type issue struct {
	line, col int
	code      xsderrors.Code
	path, msg string
}

func (i issue) problem() Problem {
	msg := i.msg
	if i.path != "" {
		msg = i.path + ": " + msg
	}
	return Problem{Line: i.line, Column: i.col, Message: msg + " [" + string(i.code) + "]"}
}

// The validator's messages this file makes more precise.
const (
	msgUnexpected    = "unexpected child element "
	msgMissing       = "missing required child element"
	msgSimpleContent = "invalid simple content: "
	msgRootUnknown   = "root element is not declared: "
)

var (
	facetFailed      = regexp.MustCompile(`^(\w+) facet failed$`)
	invalidAttribute = regexp.MustCompile(`^invalid attribute (\S+): (.*)$`)
)

// describer names, in the validator's messages, what xmllint names: the
// offending value, the facet it breaks, the elements the content model
// expected. It reads the document (doc) and the schema model (m); what it
// cannot find leaves the message as the validator wrote it.
type describer struct {
	m   *xsdmodel.Model
	doc *docElem
	at  map[docPos]*docElem // elements by the position of their start and end tags

	// What was looked up for one problem serves the next.
	types    map[*docElem]typeOf
	contents map[*xmltext.Node]content

	// failed are the elements whose content model already failed at a
	// child (followsUp).
	failed map[*docElem]bool
}

type typeOf struct {
	t  xsdmodel.Type
	ok bool
}

type content struct {
	p   *xsdmodel.Particle
	err error
}

// newDescriber reads doc as far as the last of the issues needs.
func newDescriber(m *xsdmodel.Model, doc []byte, issues []issue) *describer {
	last := docPos{}
	for _, i := range issues {
		if p := (docPos{i.line, i.col}); p.after(last) {
			last = p
		}
	}
	root, at := readDoc(doc, last)
	return &describer{m: m, doc: root, at: at, types: map[*docElem]typeOf{}, contents: map[*xmltext.Node]content{}, failed: map[*docElem]bool{}}
}

// followsUp reports whether issue i (in document order) only follows from
// an earlier one: once a parent's content model fails at a child, the
// validator also calls every later sibling unexpected and the parent's end
// "missing required child element", where xmllint reports the first child
// alone, with what was expected there ("Expected is ( X )"). One missing
// element is one problem.
func (d *describer) followsUp(i issue) bool {
	el := d.at[docPos{i.line, i.col}]
	switch {
	case el == nil:
		return false
	case i.code == xsderrors.CodeValidationElement && strings.HasPrefix(i.msg, msgUnexpected) && el.parent != nil:
		if d.failed[el.parent] {
			return true
		}
		d.failed[el.parent] = true
	case i.code == xsderrors.CodeValidationContent && i.msg == msgMissing:
		return d.failed[el]
	}
	return false
}

// content is m.Content, once per type.
func (d *describer) content(t xsdmodel.Type) (*xsdmodel.Particle, error) {
	if t.N == nil {
		return nil, nil
	}
	c, ok := d.contents[t.N]
	if !ok {
		c.p, c.err = d.m.Content(t)
		d.contents[t.N] = c
	}
	return c.p, c.err
}

func (d *describer) describe(i issue) string {
	el := d.at[docPos{i.line, i.col}]
	switch {
	case i.code == xsderrors.CodeValidationElement && strings.HasPrefix(i.msg, msgUnexpected) && el != nil && el.parent != nil:
		// The validator leaves out the namespace of a name it knows; a
		// child in the wrong namespace is a common mistake, so say it.
		name := xsdmodel.Name{Space: el.name.Space, Local: el.name.Local}
		return msgUnexpected + name.String() + d.expected(el.parent, slices.Index(el.parent.kids, el))
	case i.code == xsderrors.CodeValidationContent && i.msg == msgMissing && el != nil:
		return i.msg + d.expected(el, len(el.kids))
	case i.code == xsderrors.CodeValidationText && el != nil && strings.TrimSpace(el.text) != "":
		return i.msg + ": " + abbreviate(strings.TrimSpace(el.text))
	case i.code == xsderrors.CodeValidationFacet && strings.HasPrefix(i.msg, msgSimpleContent) && el != nil:
		reason := strings.TrimPrefix(i.msg, msgSimpleContent)
		t, ok := d.typeOf(el)
		return "value " + abbreviate(el.text) + d.facet(t, ok, el.text, reason)
	case i.code == xsderrors.CodeValidationFacet && el != nil:
		m := invalidAttribute.FindStringSubmatch(i.msg)
		if m == nil {
			break
		}
		a, found := el.attr(m[1])
		if !found {
			break
		}
		t, ok := d.attributeType(el, a.Name)
		return "attribute " + m[1] + " value " + abbreviate(a.Value) + d.facet(t, ok, a.Value, m[2])
	case i.code == xsderrors.CodeValidationRoot && strings.HasPrefix(i.msg, msgRootUnknown) && d.doc != nil:
		if names := d.globals(d.doc.name.Space); len(names) > 0 {
			return i.msg + "; expected is ( " + strings.Join(names, " | ") + " )"
		}
	}
	return i.msg
}

// expected says what could stand at child position at of parent.
func (d *describer) expected(parent *docElem, at int) string {
	t, ok := d.typeOf(parent)
	if !ok {
		return ""
	}
	content, err := d.content(t)
	if err != nil {
		return ""
	}
	names := make([]xsdmodel.Name, len(parent.kids))
	for i, k := range parent.kids {
		names[i] = xsdmodel.Name{Space: k.name.Space, Local: k.name.Local}
	}
	ps, ends, ok := xsdmodel.Expected(content, names, at)
	if !ok {
		return ""
	}
	if len(ps) == 0 {
		if at < len(names) && slices.Contains(ends, at) {
			return fmt.Sprintf("; expected is the end of %s", parent.name.Local)
		}
		return ""
	}
	alts := make([]string, 0, len(ps))
	for _, p := range ps {
		alts = append(alts, p.Describe())
	}
	return "; expected is ( " + strings.Join(slices.Compact(alts), " | ") + " )"
}

// facet explains why value breaks the simple type t (ok false: unknown),
// given the validator's reason ("pattern facet failed", "invalid date/time").
func (d *describer) facet(t xsdmodel.Type, ok bool, value, reason string) string {
	if !ok {
		return ": " + reason
	}
	base, f, err := d.m.ValueFacets(t)
	if err != nil {
		return ": " + reason
	}
	of := ""
	if f.Type != (xsdmodel.Name{}) {
		of = " of " + f.Type.Local
	}
	m := facetFailed.FindStringSubmatch(reason)
	if m == nil {
		return fmt.Sprintf(" is not a valid xs:%s (%s)", base, reason)
	}
	n := utf8.RuneCountInString(value)
	switch m[1] {
	case "pattern":
		failing := f.Patterns
		for _, p := range f.Patterns {
			if re, err := d.m.Regexp(p); err == nil && !re.MatchString(value) {
				failing = []string{p}
				break
			}
		}
		if len(failing) == 0 {
			break
		}
		note := ""
		if _, anchored := xsdmodel.RegexAnchors(failing[0]); anchored && d.m.Strict() {
			note = " (strict XSD: ^ and $ are characters the value must contain)"
		}
		return fmt.Sprintf(" does not match the pattern %s%s%s", quoteAll(failing, " and "), of, note)
	case "enumeration":
		if len(f.Enums) > 0 {
			return fmt.Sprintf(" is not one of %s%s", quoteAll(f.Enums, ", "), of)
		}
	case "length":
		if f.Length >= 0 {
			return fmt.Sprintf(" has %d characters, the length%s is %d", n, of, f.Length)
		}
	case "minLength":
		if f.MinLen >= 0 {
			return fmt.Sprintf(" has %d characters, the minLength%s is %d", n, of, f.MinLen)
		}
	case "maxLength":
		if f.MaxLen >= 0 {
			return fmt.Sprintf(" has %d characters, the maxLength%s is %d", n, of, f.MaxLen)
		}
	case "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "totalDigits", "fractionDigits":
		bound := map[string]string{"minInclusive": f.MinInc, "maxInclusive": f.MaxInc, "minExclusive": f.MinExc, "maxExclusive": f.MaxExc,
			"totalDigits": digits(f.TotalDigits), "fractionDigits": digits(f.FractionDigits)}[m[1]]
		if bound != "" {
			return fmt.Sprintf(" breaks %s %s%s", m[1], bound, of)
		}
	}
	// A facet of the built-in base (positiveInteger's minInclusive 1).
	owner := "xs:" + base
	if f.Type != (xsdmodel.Name{}) {
		owner = f.Type.Local
	}
	return fmt.Sprintf(" breaks %s of %s", m[1], owner)
}

func digits(n int) string {
	if n < 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// maxListed bounds how many enumeration values a message lists.
const maxListed = 10

func quoteAll(vals []string, sep string) string {
	out := make([]string, 0, min(len(vals), maxListed)+1)
	for i, v := range vals {
		if i == maxListed {
			out = append(out, fmt.Sprintf("... (%d in all)", len(vals)))
			break
		}
		out = append(out, fmt.Sprintf("%q", v))
	}
	return strings.Join(out, sep)
}

// maxValue is how much of an offending value a message shows.
const maxValue = 40

// abbreviate quotes a value, cut to maxValue characters.
func abbreviate(v string) string {
	if n := utf8.RuneCountInString(v); n > maxValue {
		r := []rune(v)
		return fmt.Sprintf("%q... (%d characters)", string(r[:maxValue-3]), n)
	}
	return fmt.Sprintf("%q", v)
}

// typeOf is the type el is validated against: its xsi:type, else its
// declaration's.
func (d *describer) typeOf(el *docElem) (xsdmodel.Type, bool) {
	if r, ok := d.types[el]; ok {
		return r.t, r.ok
	}
	t, ok := d.lookupType(el)
	d.types[el] = typeOf{t, ok}
	return t, ok
}

func (d *describer) lookupType(el *docElem) (xsdmodel.Type, bool) {
	if el.depth > maxDescribeDepth {
		return xsdmodel.Type{}, false
	}
	if v, ok := el.attrNS(xsdmodel.XSINS, "type"); ok {
		if q, ok := el.resolve(v); ok {
			return d.m.TypeNamed(q)
		}
		return xsdmodel.Type{}, false
	}
	decl, ok := d.declOf(el)
	if !ok {
		return xsdmodel.Type{}, false
	}
	return d.m.TypeOf(decl)
}

// declOf finds el's element declaration from the root down.
func (d *describer) declOf(el *docElem) (xsdmodel.Decl, bool) {
	q := xsdmodel.Name{Space: el.name.Space, Local: el.name.Local}
	if el.parent == nil {
		decl, ok := d.m.Elements[q]
		return decl, ok
	}
	pt, ok := d.typeOf(el.parent)
	if !ok {
		return xsdmodel.Decl{}, false
	}
	content, err := d.content(pt)
	if err != nil {
		return xsdmodel.Decl{}, false
	}
	return d.m.Child(content, q)
}

// maxDescribeDepth bounds how deep in a document declarations are looked
// up (each level looks up its parent's first).
const maxDescribeDepth = 200

// attributeType finds the type of attribute a of el.
func (d *describer) attributeType(el *docElem, a xml.Name) (xsdmodel.Type, bool) {
	t, ok := d.typeOf(el)
	if !ok {
		return xsdmodel.Type{}, false
	}
	decl, ok := d.m.Attribute(t, xsdmodel.Name{Space: a.Space, Local: a.Local})
	if !ok {
		return xsdmodel.Type{}, false
	}
	return d.m.TypeOf(decl)
}

// globals lists the global elements declared in namespace ns.
func (d *describer) globals(ns string) []string {
	var out []string
	for q, decl := range d.m.Elements {
		if q.Space == ns && decl.N.Attr("abstract") != "true" {
			out = append(out, q.String())
		}
	}
	slices.Sort(out)
	return out
}

// docPos is a 1-based line and byte column.
type docPos struct{ line, col int }

func (p docPos) after(q docPos) bool { return p.line > q.line || p.line == q.line && p.col > q.col }

// docElem is an element of the validated document, with what messages
// need.
type docElem struct {
	name   xml.Name // namespace resolved
	attrs  []xml.Attr
	decls  map[string]string // namespace declarations on this element
	text   string            // character data directly inside
	kids   []*docElem
	parent *docElem
	depth  int // the root is 0
}

func (e *docElem) attrNS(space, local string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// attr finds an attribute by the label the validator uses: local, or
// {namespace}local.
func (e *docElem) attr(label string) (xml.Attr, bool) {
	for _, a := range e.attrs {
		if a.Name.Local == label || "{"+a.Name.Space+"}"+a.Name.Local == label {
			return a, true
		}
	}
	return xml.Attr{}, false
}

// resolve resolves a QName value in el's scope.
func (e *docElem) resolve(v string) (xsdmodel.Name, bool) {
	prefix, local, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok {
		prefix, local = "", prefix
	}
	uri, found := e.namespace(prefix)
	return xsdmodel.Name{Space: uri, Local: local}, found
}

// namespace resolves a prefix in el's scope.
func (e *docElem) namespace(prefix string) (string, bool) {
	if prefix == "xml" {
		return "http://www.w3.org/XML/1998/namespace", true
	}
	for x := e; x != nil; x = x.parent {
		if uri, ok := x.decls[prefix]; ok {
			return uri, true
		}
	}
	return "", prefix == ""
}

// resolveName turns a name as written (prefix in Space) into one with its
// namespace (an undeclared prefix stays: the validator reported it).
func (e *docElem) resolveName(n xml.Name) xml.Name {
	if uri, ok := e.namespace(n.Space); ok {
		n.Space = uri
	}
	return n
}

// readDoc reads the validated document into a tree, indexing elements by
// the positions of their start and end tags, up to the token at position
// until: what a problem there needs (its element, the ancestors, the
// siblings before it) is read by then. A document that cannot be read
// gives what was read before the error.
func readDoc(data []byte, until docPos) (*docElem, map[docPos]*docElem) {
	at := map[docPos]*docElem{}
	bom := 0
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		bom = 3
	}
	dec := xml.NewDecoder(bytes.NewReader(data[bom:]))
	dec.Strict = true
	pos := func() docPos {
		line, col := dec.InputPos()
		if line == 1 {
			col += bom
		}
		return docPos{line, col}
	}
	var root, cur *docElem
	selfClosed := false // the next end token is a self-closed element's
	for {
		p := pos()
		if p.after(until) {
			return root, at
		}
		tok, err := dec.RawToken() // names resolved below: cheaper than Token
		if err != nil {
			return root, at // what was read serves the messages before it
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &docElem{parent: cur}
			if cur != nil {
				el.depth = cur.depth + 1
			}
			el.decls, el.attrs = declarations(t.Attr)
			el.name = el.resolveName(t.Name)
			for i, a := range el.attrs {
				if a.Name.Space != "" {
					el.attrs[i].Name = el.resolveName(a.Name)
				}
			}
			if cur == nil {
				root = el
			} else {
				cur.kids = append(cur.kids, el)
			}
			cur = el
			at[p] = el
			if off := bom + int(dec.InputOffset()); off >= 2 && string(data[off-2:off]) == "/>" {
				// The validator places a self-closed element's end at
				// its final '>'; the decoder's end token is made up.
				end := pos()
				at[docPos{end.line, end.col - 1}] = el
				selfClosed = true
			}
		case xml.EndElement:
			if cur == nil {
				return root, at
			}
			if !selfClosed {
				at[p] = cur
			}
			selfClosed = false
			cur = cur.parent
		case xml.CharData:
			if cur == nil {
				continue
			}
			cur.text += string(t)
			if _, taken := at[p]; !taken && len(bytes.TrimSpace(t)) > 0 {
				at[p] = cur // where the validator places text it does not allow
			}
		}
	}
}
