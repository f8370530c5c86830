package contracts

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// WSDL 1.1 and its SOAP binding namespaces.
const (
	wsdlNS   = "http://schemas.xmlsoap.org/wsdl/"
	soap11NS = "http://schemas.xmlsoap.org/wsdl/soap/"
	soap12NS = "http://schemas.xmlsoap.org/wsdl/soap12/"
)

// wsdlDoc is one parsed WSDL file.
type wsdlDoc struct {
	path    string
	root    *xmltext.Node
	tns     string
	name    string
	imports []*wsdlDoc
	schemas []string // XSD files imported by the types section
	inline  []QName  // global elements declared in inline schemas
}

// wsdl parses path and the WSDLs it imports (wsdl:import), once each.
func (l *loader) wsdl(path string) (*wsdlDoc, error) {
	if d, ok := l.wsdls[path]; ok {
		return d, nil
	}
	if err, ok := l.wsdlErr[path]; ok {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	root, err := xmltext.Parse(data)
	if err != nil {
		err = fmt.Errorf("not well-formed XML: %w", err)
		l.wsdlErr[path] = err
		return nil, err
	}
	if root.Name != (xmltext.Name{Space: wsdlNS, Local: "definitions"}) {
		err := fmt.Errorf("root element is %s, want {%s}definitions", root.Name, wsdlNS)
		l.wsdlErr[path] = err
		return nil, err
	}
	d := &wsdlDoc{path: path, root: root, tns: root.Attr("targetNamespace"), name: root.Attr("name")}
	l.wsdls[path] = d // before recursing: imports may be circular
	fail := func(err error) (*wsdlDoc, error) {
		delete(l.wsdls, path)
		l.wsdlErr[path] = err
		return nil, err
	}
	for _, imp := range root.Elements(wsdlNS, "import") {
		loc := imp.Attr("location")
		if loc == "" {
			continue
		}
		p, err := resolveLocation(path, loc)
		if err != nil {
			return fail(fmt.Errorf("line %d: wsdl:import %q: %w", imp.Line, loc, err))
		}
		if strings.EqualFold(filepath.Ext(p), ".xsd") {
			// WSDL 1.1 allows importing a schema this way.
			if _, err := l.xsd(p); err != nil {
				return fail(fmt.Errorf("line %d: wsdl:import %q: %w", imp.Line, loc, err))
			}
			d.schemas = append(d.schemas, p)
			continue
		}
		sub, err := l.wsdl(p)
		if err != nil {
			return fail(fmt.Errorf("line %d: wsdl:import %q: %s: %w", imp.Line, loc, p, err))
		}
		d.imports = append(d.imports, sub)
	}
	for _, types := range root.Elements(wsdlNS, "types") {
		for _, schema := range types.Elements(xsdNS, "schema") {
			for _, el := range schema.Elements(xsdNS, "element") {
				d.inline = append(d.inline, QName{Space: schema.Attr("targetNamespace"), Local: el.Attr("name")})
			}
			for _, ref := range schema.Children {
				if ref.Name.Space != xsdNS || (ref.Name.Local != "import" && ref.Name.Local != "include") {
					continue
				}
				loc := ref.Attr("schemaLocation")
				if loc == "" {
					continue
				}
				p, err := resolveLocation(path, loc)
				if err == nil {
					_, err = l.xsd(p)
				}
				if err != nil {
					return fail(fmt.Errorf("line %d: xs:%s %q: %w", ref.Line, ref.Name.Local, loc, err))
				}
				d.schemas = append(d.schemas, p)
			}
		}
	}
	return d, nil
}

// scope is the WSDL and everything it imports, in import order: where
// messages, portTypes and bindings are looked up.
func (d *wsdlDoc) scope() []*wsdlDoc {
	var out []*wsdlDoc
	seen := map[*wsdlDoc]bool{}
	var walk func(x *wsdlDoc)
	walk = func(x *wsdlDoc) {
		if seen[x] {
			return
		}
		seen[x] = true
		out = append(out, x)
		for _, i := range x.imports {
			walk(i)
		}
	}
	walk(d)
	return out
}

// find returns the top-level WSDL element kind named q in the scope.
func find(scope []*wsdlDoc, kind string, q xmltext.Name) *xmltext.Node {
	for _, d := range scope {
		if d.tns != q.Space {
			continue
		}
		for _, n := range d.root.Elements(wsdlNS, kind) {
			if n.Attr("name") == q.Local {
				return n
			}
		}
	}
	return nil
}

// part is one wsdl:part of a message.
type part struct {
	name    string
	element QName
}

func messageParts(scope []*wsdlDoc, ref *xmltext.Node, attr string) (xmltext.Name, []part, error) {
	q, err := ref.ResolveQName(ref.Attr(attr))
	if err != nil {
		return q, nil, err
	}
	msg := find(scope, "message", q)
	if msg == nil {
		return q, nil, fmt.Errorf("line %d: message %s is not defined", ref.Line, q)
	}
	var parts []part
	for _, p := range msg.Elements(wsdlNS, "part") {
		pt := part{name: p.Attr("name")}
		if el := p.Attr("element"); el != "" {
			eq, err := p.ResolveQName(el)
			if err != nil {
				return q, nil, err
			}
			pt.element = QName(eq)
		}
		parts = append(parts, pt)
	}
	return q, parts, nil
}

// Names in RIV-TA file names: GetFooInteraction_2.1_RIVTABP21.wsdl.
var (
	interactionFile = regexp.MustCompile(`^([A-Za-z0-9]+Interaction)_(\d+)\.(\d+)`)
	versionInName   = regexp.MustCompile(`(\d+)\.(\d+)(?:\.\d+)*$`)
	profileInName   = regexp.MustCompile(`(?i)rivtabp(\d\d)`)
	majorInNS       = regexp.MustCompile(`:v?(\d+)$`)
)

// operations loads file and returns the operations of the portTypes it
// declares itself (imported WSDLs report their own).
func (l *loader) operations(file string) ([]Operation, []string, error) {
	d, err := l.wsdl(file)
	if err != nil {
		return nil, nil, err
	}
	scope := d.scope()
	var schemas []string
	var inline []QName
	for _, x := range scope {
		for _, s := range x.schemas {
			if !slices.Contains(schemas, s) {
				schemas = append(schemas, s)
			}
		}
		inline = append(inline, x.inline...)
	}
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	named := namedProfile(base, d.tns, d.name)
	var ops []Operation
	var warns []string
	warn := func(format string, args ...any) {
		warns = append(warns, file+": "+fmt.Sprintf(format, args...))
	}
	for _, pt := range d.root.Elements(wsdlNS, "portType") {
		ptName := xmltext.Name{Space: d.tns, Local: pt.Attr("name")}
		binding := findBinding(scope, ptName)
		if binding == nil {
			binding = l.bindingElsewhere(d, ptName)
		}
		if binding == nil {
			warn("portType %s has no binding; header parts guessed from the message", ptName.Local)
		}
		for _, o := range pt.Elements(wsdlNS, "operation") {
			op, w, err := l.operation(scope, binding, o, schemas, inline)
			for _, s := range w {
				warn("%s", s)
			}
			if err != nil {
				return nil, warns, fmt.Errorf("operation %s (line %d): %w", o.Attr("name"), o.Line, err)
			}
			op.WSDL = file
			op.NamedProfile = named
			if op.Profile == "" {
				op.Profile = named
			} else if named != "" && named != op.Profile {
				warn("operation %s: header part says %s, the WSDL name says %s", op.Name, op.Profile, named)
			}
			op.Interaction, op.Major, op.Minor = interactionAndVersion(base, d.name, pt.Attr("name"), op.Namespace)
			ops = append(ops, op)
		}
	}
	return ops, warns, nil
}

func findBinding(scope []*wsdlDoc, pt xmltext.Name) *xmltext.Node {
	for _, d := range scope {
		for _, b := range d.root.Elements(wsdlNS, "binding") {
			q, err := b.ResolveQName(b.Attr("type"))
			if err == nil && q == pt {
				return b
			}
		}
	}
	return nil
}

// bindingElsewhere finds a binding of portType pt in another WSDL of the
// directory that imports d (a binding file importing an abstract WSDL).
func (l *loader) bindingElsewhere(d *wsdlDoc, pt xmltext.Name) *xmltext.Node {
	for _, p := range slices.Sorted(maps.Keys(l.wsdls)) {
		other := l.wsdls[p]
		if other == d || !slices.Contains(other.scope(), d) {
			continue
		}
		if b := findBinding(other.scope(), pt); b != nil {
			return b
		}
	}
	return nil
}

// soapChildren returns the SOAP 1.1 and 1.2 binding extension elements local of n.
func soapChildren(n *xmltext.Node, local string) []*xmltext.Node {
	if n == nil {
		return nil
	}
	return append(n.Elements(soap11NS, local), n.Elements(soap12NS, local)...)
}

func (l *loader) operation(scope []*wsdlDoc, binding, o *xmltext.Node, schemas []string, inline []QName) (Operation, []string, error) {
	op := Operation{Name: o.Attr("name"), Schemas: schemas}
	var warns []string
	in := o.First(wsdlNS, "input")
	if in == nil {
		return op, nil, fmt.Errorf("no wsdl:input")
	}
	inMsg, inParts, err := messageParts(scope, in, "message")
	if err != nil {
		return op, nil, fmt.Errorf("input: %w", err)
	}
	var bop *xmltext.Node
	if binding != nil {
		for _, b := range binding.Elements(wsdlNS, "operation") {
			if b.Attr("name") == op.Name {
				bop = b
				break
			}
		}
		if bop == nil {
			warns = append(warns, fmt.Sprintf("operation %s is not in binding %s", op.Name, binding.Attr("name")))
		}
	}
	for _, so := range soapChildren(bop, "operation") {
		op.SOAPAction = so.Attr("soapAction")
	}
	var bin, bout *xmltext.Node
	if bop != nil {
		bin = bop.First(wsdlNS, "input")
		bout = bop.First(wsdlNS, "output")
	}

	// Header parts: from the binding, else every part that is not the body.
	headerParts := map[string]bool{}
	for _, h := range soapChildren(bin, "header") {
		hq, parts, err := messageParts(scope, h, "message")
		if err != nil {
			return op, warns, fmt.Errorf("soap:header: %w", err)
		}
		name := h.Attr("part")
		i := slices.IndexFunc(parts, func(p part) bool { return p.name == name })
		if i < 0 || parts[i].element.Local == "" {
			warns = append(warns, fmt.Sprintf("operation %s: soap:header names part %q, which message %s lacks; ignored", op.Name, name, hq.Local))
			continue
		}
		if hq == inMsg {
			headerParts[name] = true
		}
		op.Headers = append(op.Headers, parts[i].element)
	}
	body, err := bodyPart(inParts, soapChildren(bin, "body"), headerParts, bin == nil)
	if err != nil {
		return op, warns, fmt.Errorf("input message %s: %w", inMsg.Local, err)
	}
	op.Request = body
	op.Namespace = body.Space
	if bin == nil {
		for _, p := range inParts {
			if p.element != body && p.element.Local != "" {
				op.Headers = append(op.Headers, p.element)
			}
		}
	}
	if out := o.First(wsdlNS, "output"); out != nil {
		outMsg, outParts, err := messageParts(scope, out, "message")
		if err != nil {
			return op, warns, fmt.Errorf("output: %w", err)
		}
		outHeaders := map[string]bool{}
		for _, h := range soapChildren(bout, "header") {
			outHeaders[h.Attr("part")] = true
		}
		if op.Response, err = bodyPart(outParts, soapChildren(bout, "body"), outHeaders, bout == nil); err != nil {
			return op, warns, fmt.Errorf("output message %s: %w", outMsg.Local, err)
		}
	}
	for i, q := range append([]QName{op.Request, op.Response}, op.Headers...) {
		switch {
		case q.Local == "" || l.declares(schemas, q):
		case slices.Contains(inline, q):
			warns = append(warns, fmt.Sprintf("operation %s: element %s is declared in the WSDL's inline schema; messages can only be validated against XSD files", op.Name, q))
		case i >= 2:
			// A header part's element the types do not import: the header
			// is still known by name, which is what routing needs.
			warns = append(warns, fmt.Sprintf("operation %s: header element %s is not declared by any schema the WSDL imports", op.Name, q))
		default:
			return op, warns, fmt.Errorf("%s: %w", q, errNoElement)
		}
	}
	for _, h := range op.Headers {
		if p, ok := rivta.ProfileForReceiverElement(h.Local); ok {
			op.Profile = p
		}
	}
	return op, warns, nil
}

// bodyPart picks the element of the body part: the one soap:body names,
// else the only part that is not a header, else the part called
// "parameters".
func bodyPart(parts []part, bodies []*xmltext.Node, headers map[string]bool, guess bool) (QName, error) {
	var names []string
	for _, b := range bodies {
		if b.HasAttr("parts") {
			names = strings.Fields(b.Attr("parts"))
		}
	}
	var cands []part
	for _, p := range parts {
		switch {
		case len(names) > 0:
			if slices.Contains(names, p.name) {
				cands = append(cands, p)
			}
		case !headers[p.name]:
			cands = append(cands, p)
		}
	}
	if guess && len(cands) > 1 {
		if i := slices.IndexFunc(cands, func(p part) bool { return p.name == "parameters" }); i >= 0 {
			cands = cands[i : i+1]
		}
	}
	if len(cands) == 0 {
		return QName{}, fmt.Errorf("no body part")
	}
	if cands[0].element.Local == "" {
		return QName{}, fmt.Errorf("body part %q has no element= (only document/literal is supported)", cands[0].name)
	}
	return cands[0].element, nil
}

func namedProfile(vals ...string) rivta.Profile {
	for _, v := range vals {
		if m := profileInName.FindStringSubmatch(v); m != nil {
			if p, err := rivta.ParseProfile("RIVTABP" + m[1]); err == nil {
				return p
			}
		}
	}
	return ""
}

// interactionAndVersion names the interaction and its version from the
// RIV-TA file name (GetFooInteraction_2.1_RIVTABP21), else from the WSDL name
// or portType, with the version from a trailing x.y or the namespace major.
func interactionAndVersion(base, wsdlName, portType, ns string) (string, int, int) {
	if m := interactionFile.FindStringSubmatch(base); m != nil {
		major, _ := strconv.Atoi(m[2])
		minor, _ := strconv.Atoi(m[3])
		return m[1], major, minor
	}
	name := wsdlName
	if name == "" {
		name = portType
	}
	if m := versionInName.FindStringSubmatch(base); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		return name, major, minor
	}
	if c, err := rivta.ParseContract(ns); err == nil {
		return name, c.Major, 0
	}
	if m := majorInNS.FindStringSubmatch(ns); m != nil {
		major, _ := strconv.Atoi(m[1])
		return name, major, 0
	}
	return name, 0, 0
}
