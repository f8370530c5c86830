package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	nsXSD      = "http://www.w3.org/2001/XMLSchema"
	nsWSDL     = "http://schemas.xmlsoap.org/wsdl/"
	nsWSDLSOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
)

// elemDecl is an element particle or a global element.
type elemDecl struct {
	name     qname        // the element's name in instances
	typ      qname        // declared type; zero when untyped (xs:anyType) or inline
	inline   *complexType // anonymous complex type
	refTo    *qname       // set for <xs:element ref=...>
	min, max int          // max < 0 = unbounded
	nillable bool
	where    string
}

// complexType is the part of an XSD complex type that marshalling needs.
type complexType struct {
	name        qname // zero for an anonymous type
	particles   []*elemDecl
	hasAny      bool
	simpleBase  qname  // simpleContent extension base
	unsupported string // construct this tool does not handle, reported only if reached
	where       string
}

// model is every schema component loaded from a WSDL's types section and the
// files it imports or includes.
type model struct {
	elements map[qname]*elemDecl
	complex  map[qname]*complexType
	simple   map[qname]bool
	loaded   map[string]bool
}

func newModel() *model {
	return &model{
		elements: map[qname]*elemDecl{},
		complex:  map[qname]*complexType{},
		simple:   map[qname]bool{},
		loaded:   map[string]bool{},
	}
}

// loadSchemaFile loads an imported or included XSD once. tnsOverride is the
// including schema's namespace for a chameleon include.
func (m *model) loadSchemaFile(path, tnsOverride string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("schema %s: %w", path, err)
	}
	if m.loaded[abs] {
		return nil
	}
	m.loaded[abs] = true
	root, err := readTree(abs)
	if err != nil {
		return err
	}
	if root.name != (qname{nsXSD, "schema"}) {
		return fmt.Errorf("%s: root element is %s, want xs:schema", root.where(), root.name)
	}
	return m.loadSchema(root, tnsOverride)
}

func (m *model) loadSchema(s *node, tnsOverride string) error {
	tns := s.attr("targetNamespace")
	if tns == "" {
		tns = tnsOverride
	}
	qualified := s.attr("elementFormDefault") == "qualified"
	dir := filepath.Dir(s.file)
	for _, c := range s.children {
		if c.name.Space != nsXSD {
			continue
		}
		switch c.name.Local {
		case "import", "include":
			loc := c.attr("schemaLocation")
			if loc == "" {
				continue // a namespace-only import; its components come from elsewhere
			}
			if strings.Contains(loc, "://") {
				return fmt.Errorf("%s: remote schemaLocation %q is not supported", c.where(), loc)
			}
			override := ""
			if c.name.Local == "include" {
				override = tns
			}
			if err := m.loadSchemaFile(filepath.Join(dir, loc), override); err != nil {
				return err
			}
		case "element":
			e, err := m.elementDecl(c, tns, true, qualified)
			if err != nil {
				return err
			}
			if _, dup := m.elements[e.name]; dup {
				return fmt.Errorf("%s: element %s declared twice", c.where(), e.name)
			}
			m.elements[e.name] = e
		case "complexType":
			ct := m.complexTypeDecl(c, tns, qualified)
			ct.name = qname{tns, c.attr("name")}
			m.complex[ct.name] = ct
		case "simpleType":
			m.simple[qname{tns, c.attr("name")}] = true
		}
	}
	return nil
}

func occurs(n *node, attr string) (int, error) {
	v := n.attr(attr)
	switch v {
	case "":
		return 1, nil
	case "unbounded":
		return -1, nil
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("%s: %s=%q is not a count", n.where(), attr, v)
	}
	return i, nil
}

func (m *model) elementDecl(n *node, tns string, global, qualified bool) (*elemDecl, error) {
	e := &elemDecl{where: n.where(), nillable: n.attr("nillable") == "true", min: 1, max: 1}
	if !global {
		var err error
		if e.min, err = occurs(n, "minOccurs"); err != nil {
			return nil, err
		}
		if e.max, err = occurs(n, "maxOccurs"); err != nil {
			return nil, err
		}
	}
	if ref := n.attr("ref"); ref != "" {
		q, err := n.resolve(ref)
		if err != nil {
			return nil, err
		}
		e.refTo = &q
		e.name = q
		return e, nil
	}
	ns := ""
	switch {
	case global, n.attr("form") == "qualified", n.attr("form") == "" && qualified:
		ns = tns
	}
	e.name = qname{ns, n.attr("name")}
	if t := n.attr("type"); t != "" {
		q, err := n.resolve(t)
		if err != nil {
			return nil, err
		}
		e.typ = q
	} else if ct := n.kid(nsXSD, "complexType"); ct != nil {
		e.inline = m.complexTypeDecl(ct, tns, qualified)
	} else if n.kid(nsXSD, "simpleType") != nil {
		e.typ = qname{nsXSD, "string"} // anonymous simple type: a restricted string for Go
	}
	return e, nil
}

func (m *model) complexTypeDecl(n *node, tns string, qualified bool) *complexType {
	ct := &complexType{where: n.where()}
	for _, c := range n.children {
		if c.name.Space != nsXSD {
			continue
		}
		switch c.name.Local {
		case "annotation":
		case "sequence":
			if err := m.sequence(ct, c, tns, qualified); err != nil {
				ct.unsupported = err.Error()
			}
		case "simpleContent":
			ext := c.kid(nsXSD, "extension")
			if ext == nil || len(ext.children) > 0 {
				ct.unsupported = c.where() + ": simpleContent other than a plain extension"
				continue
			}
			q, err := ext.resolve(ext.attr("base"))
			if err != nil {
				ct.unsupported = err.Error()
				continue
			}
			ct.simpleBase = q
		default:
			ct.unsupported = fmt.Sprintf("%s: xs:%s in a complex type", c.where(), c.name.Local)
		}
	}
	return ct
}

func (m *model) sequence(ct *complexType, seq *node, tns string, qualified bool) error {
	if seq.attr("minOccurs") != "" || seq.attr("maxOccurs") != "" {
		return fmt.Errorf("%s: xs:sequence with occurrence bounds", seq.where())
	}
	for _, c := range seq.children {
		if c.name.Space != nsXSD {
			continue
		}
		switch c.name.Local {
		case "annotation":
		case "element":
			e, err := m.elementDecl(c, tns, false, qualified)
			if err != nil {
				return err
			}
			ct.particles = append(ct.particles, e)
		case "any":
			ct.hasAny = true
		case "sequence":
			if err := m.sequence(ct, c, tns, qualified); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: xs:%s in a sequence", c.where(), c.name.Local)
		}
	}
	return nil
}

// target returns the declaration that gives e its type: e itself, or the
// global element it refers to.
func (m *model) target(e *elemDecl) (*elemDecl, error) {
	if e.refTo == nil {
		return e, nil
	}
	g, ok := m.elements[*e.refTo]
	if !ok {
		return nil, fmt.Errorf("%s: ref to undeclared element %s", e.where, *e.refTo)
	}
	return g, nil
}

// complexOf returns the complex type of an element, or nil for a simple or
// untyped element.
func (m *model) complexOf(e *elemDecl) (*complexType, error) {
	t, err := m.target(e)
	if err != nil {
		return nil, err
	}
	if t.inline != nil {
		return t.inline, nil
	}
	if t.typ == (qname{}) || t.typ.Space == nsXSD {
		return nil, nil
	}
	if ct, ok := m.complex[t.typ]; ok {
		return ct, nil
	}
	if m.simple[t.typ] {
		return nil, nil
	}
	return nil, fmt.Errorf("%s: type %s of element %s is not declared", t.where, t.typ, t.name)
}

// operation is one WSDL binding operation, document/literal.
type operation struct {
	name       string
	soapAction string
	request    qname   // body element of the input
	response   qname   // body element of the output
	headers    []qname // elements of the input's header parts
	notes      []string
}

type part struct {
	name    string
	element qname
}

// wsdlFile is what fixgen needs from one WSDL.
type wsdlFile struct {
	path string
	ops  []operation
}

// loadWSDL reads a WSDL, loads its schemas into m and lists its operations.
func loadWSDL(path string, m *model) (*wsdlFile, error) {
	root, err := readTree(path)
	if err != nil {
		return nil, err
	}
	if root.name != (qname{nsWSDL, "definitions"}) {
		return nil, fmt.Errorf("%s: root element is %s, want wsdl:definitions", root.where(), root.name)
	}
	tns := root.attr("targetNamespace")
	if types := root.kid(nsWSDL, "types"); types != nil {
		for _, s := range types.kids(nsXSD, "schema") {
			if err := m.loadSchema(s, ""); err != nil {
				return nil, err
			}
		}
	}
	messages := map[qname][]part{}
	for _, msg := range root.kids(nsWSDL, "message") {
		var parts []part
		for _, p := range msg.kids(nsWSDL, "part") {
			if p.attr("element") == "" {
				return nil, fmt.Errorf("%s: part %q has no element (rpc style is not supported)", p.where(), p.attr("name"))
			}
			el, err := p.resolve(p.attr("element"))
			if err != nil {
				return nil, err
			}
			parts = append(parts, part{p.attr("name"), el})
		}
		messages[qname{tns, msg.attr("name")}] = parts
	}
	type ioMsgs struct{ in, out qname }
	portOps := map[qname]map[string]ioMsgs{}
	for _, pt := range root.kids(nsWSDL, "portType") {
		ops := map[string]ioMsgs{}
		for _, op := range pt.kids(nsWSDL, "operation") {
			var io ioMsgs
			if in := op.kid(nsWSDL, "input"); in != nil {
				if io.in, err = in.resolve(in.attr("message")); err != nil {
					return nil, err
				}
			}
			if out := op.kid(nsWSDL, "output"); out != nil {
				if io.out, err = out.resolve(out.attr("message")); err != nil {
					return nil, err
				}
			}
			ops[op.attr("name")] = io
		}
		portOps[qname{tns, pt.attr("name")}] = ops
	}
	w := &wsdlFile{path: path}
	for _, b := range root.kids(nsWSDL, "binding") {
		ptName, err := b.resolve(b.attr("type"))
		if err != nil {
			return nil, err
		}
		ops, ok := portOps[ptName]
		if !ok {
			return nil, fmt.Errorf("%s: binding %q: portType %s not found", b.where(), b.attr("name"), ptName)
		}
		for _, bop := range b.kids(nsWSDL, "operation") {
			name := bop.attr("name")
			io, ok := ops[name]
			if !ok {
				return nil, fmt.Errorf("%s: binding operation %q not in portType %s", bop.where(), name, ptName)
			}
			op := operation{name: name}
			if so := bop.kid(nsWSDLSOAP, "operation"); so != nil {
				op.soapAction = so.attr("soapAction")
			}
			in, out := bop.kid(nsWSDL, "input"), bop.kid(nsWSDL, "output")
			if in == nil || out == nil {
				return nil, fmt.Errorf("%s: operation %q is not request-response", bop.where(), name)
			}
			if op.request, op.headers, err = bodyAndHeaders(in, io.in, messages, &op); err != nil {
				return nil, err
			}
			if op.response, _, err = bodyAndHeaders(out, io.out, messages, &op); err != nil {
				return nil, err
			}
			w.ops = append(w.ops, op)
		}
	}
	if len(w.ops) == 0 {
		return nil, fmt.Errorf("%s: no SOAP binding operations", path)
	}
	return w, nil
}

// bodyAndHeaders splits a message into its one body part element and its
// header part elements, following the binding's soap:body parts= and
// soap:header message=/part= (the header parts are what gowsdl mistakes for
// the request).
func bodyAndHeaders(bind *node, msgName qname, messages map[qname][]part, op *operation) (qname, []qname, error) {
	parts, ok := messages[msgName]
	if !ok {
		return qname{}, nil, fmt.Errorf("%s: message %s not found", bind.where(), msgName)
	}
	byName := map[string]part{}
	for _, p := range parts {
		byName[p.name] = p
	}
	isHeader := map[string]bool{}
	var headers []qname
	for _, h := range bind.kids(nsWSDLSOAP, "header") {
		hm, err := h.resolve(h.attr("message"))
		if err != nil {
			return qname{}, nil, err
		}
		p, ok := byName[h.attr("part")]
		if hm != msgName || !ok {
			op.notes = append(op.notes, fmt.Sprintf("its binding names header part %q of message %s, which does not exist; ignored", h.attr("part"), hm.Local))
			continue
		}
		isHeader[p.name] = true
		headers = append(headers, p.element)
	}
	var body []qname
	if b := bind.kid(nsWSDLSOAP, "body"); b != nil && strings.TrimSpace(b.attr("parts")) != "" {
		for _, name := range strings.Fields(b.attr("parts")) {
			p, ok := byName[name]
			if !ok {
				return qname{}, nil, fmt.Errorf("%s: soap:body part %q not in message %s", b.where(), name, msgName.Local)
			}
			body = append(body, p.element)
		}
	} else {
		for _, p := range parts {
			if !isHeader[p.name] {
				body = append(body, p.element)
			}
		}
	}
	if len(body) != 1 {
		return qname{}, nil, errors.New(bind.where() + ": want exactly one body part (document/literal wrapped), have " + strconv.Itoa(len(body)))
	}
	return body[0], headers, nil
}
