// Package soapui imports Inera's RIV-TA test suites ("TK-testsviter"):
// a SoapUI test project (SoapUI plays the consumer and asserts on a
// producer's answers), its data.xml and constraints.xml (ISO
// Schematron), and the Mock project that plays the producer. A test
// project becomes a producer-mode rivgate suite, a Mock project a suite
// that serves consumers; import.json accounts for every test case and
// every assertion (docs/inera-tk-suites.md).
package soapui

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/beevik/etree"
)

// ConfigNS is SoapUI's project namespace.
const ConfigNS = "http://eviware.com/soapui/config"

// Project is the part of a SoapUI project the importer uses.
type Project struct {
	Name       string
	Properties map[string]string
	Operations []Operation
	Suites     []TestSuite
	Mocks      []MockService
}

// Operation is a WSDL operation of one of the project's interfaces.
type Operation struct {
	Interface, Name, Action string
}

// TestSuite is a SoapUI test suite.
type TestSuite struct {
	Name     string
	Disabled bool
	Cases    []TestCase
}

// TestCase is a SoapUI test case: an ordered list of steps.
type TestCase struct {
	Name     string
	Disabled bool
	Steps    []Step
}

// Step is a test step: a request, a Groovy script, an assertion step, or
// another type the importer reports as not translated.
type Step struct {
	Name     string
	Type     string // request, groovy, assertionteststep, ...
	Disabled bool
	// Script is a groovy step's script.
	Script string
	// Request step fields.
	Interface, Operation, Endpoint, Body string
	Headers                              map[string]string
	// Assertions on a request step, or held by an assertion step.
	Assertions []Assertion
	// Source is the step an assertion step judges ("" = the nearest
	// request step before it).
	Source string
}

// Assertion is one SoapUI assertion.
type Assertion struct {
	Type, Name string
	Disabled   bool
	// Config holds the assertion's configuration element's children
	// by local name (scriptText, path, content, token, SLA, codes, ...).
	Config map[string]string
}

// MockService is a SoapUI mock service.
type MockService struct {
	Name, Path string
	// OnRequestScript runs before every request is dispatched.
	OnRequestScript string
	Operations      []MockOperation
}

// MockOperation is one operation of a mock service and its responses.
type MockOperation struct {
	Name, Interface, Operation  string
	DispatchStyle, DispatchPath string
	DefaultResponse             string
	Responses                   []MockResponse
}

// MockResponse is a canned response.
type MockResponse struct {
	Name, Content string
	// Script runs before the response is served (it sets context values).
	Script  string
	Status  int
	Headers map[string]string
}

// ParseFile reads a SoapUI project file.
func ParseFile(path string) (*Project, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("soapui project: %w", err)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("soapui project %s: %w", path, err)
	}
	return p, nil
}

// Parse reads a SoapUI project.
func Parse(data []byte) (*Project, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = 256
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "soapui-project" || root.NamespaceURI() != ConfigNS {
		return nil, errors.New("not a SoapUI project (want a soapui-project element in " + ConfigNS + ")")
	}
	p := &Project{Name: root.SelectAttrValue("name", ""), Properties: properties(child(root, "properties"))}
	for _, itf := range children(root, "interface") {
		for _, op := range children(itf, "operation") {
			p.Operations = append(p.Operations, Operation{Interface: itf.SelectAttrValue("name", ""), Name: op.SelectAttrValue("name", ""), Action: op.SelectAttrValue("action", "")})
		}
	}
	for _, ts := range children(root, "testSuite") {
		s := TestSuite{Name: ts.SelectAttrValue("name", ""), Disabled: ts.SelectAttrValue("disabled", "") == "true"}
		for _, tc := range children(ts, "testCase") {
			c := TestCase{Name: tc.SelectAttrValue("name", ""), Disabled: tc.SelectAttrValue("disabled", "") == "true"}
			for _, st := range children(tc, "testStep") {
				c.Steps = append(c.Steps, parseStep(st))
			}
			s.Cases = append(s.Cases, c)
		}
		p.Suites = append(p.Suites, s)
	}
	for _, ms := range children(root, "mockService") {
		m := MockService{Name: ms.SelectAttrValue("name", ""), Path: ms.SelectAttrValue("path", ""), OnRequestScript: text(child(ms, "onRequestScript"))}
		for _, mo := range children(ms, "mockOperation") {
			op := MockOperation{Name: mo.SelectAttrValue("name", ""), Interface: mo.SelectAttrValue("interface", ""), Operation: mo.SelectAttrValue("operation", ""),
				DispatchStyle: text(child(mo, "dispatchStyle")), DispatchPath: text(child(mo, "dispatchPath")), DefaultResponse: text(child(mo, "defaultResponse"))}
			for _, r := range children(mo, "response") {
				mr := MockResponse{Name: r.SelectAttrValue("name", ""), Content: text(child(r, "responseContent")), Script: text(child(r, "script")), Headers: headers(r)}
				fmt.Sscan(r.SelectAttrValue("httpResponseStatus", "0"), &mr.Status)
				op.Responses = append(op.Responses, mr)
			}
			m.Operations = append(m.Operations, op)
		}
		p.Mocks = append(p.Mocks, m)
	}
	return p, nil
}

func parseStep(st *etree.Element) Step {
	s := Step{Name: st.SelectAttrValue("name", ""), Type: st.SelectAttrValue("type", ""), Disabled: st.SelectAttrValue("disabled", "") == "true"}
	cfg := child(st, "config")
	if cfg == nil {
		return s
	}
	switch s.Type {
	case "groovy":
		s.Script = text(anyChild(cfg, "script"))
	case "request":
		s.Interface, s.Operation = text(child(cfg, "interface")), text(child(cfg, "operation"))
		if r := child(cfg, "request"); r != nil {
			s.Endpoint, s.Body, s.Headers = text(child(r, "endpoint")), text(child(r, "request")), headers(r)
			s.Assertions = assertions(r)
		}
	case "assertionteststep":
		s.Assertions = assertions(cfg)
		s.Source = text(anyChild(cfg, "sourceStep"))
	}
	return s
}

func assertions(parent *etree.Element) []Assertion {
	var out []Assertion
	for _, a := range children(parent, "assertion") {
		as := Assertion{Type: a.SelectAttrValue("type", ""), Name: a.SelectAttrValue("name", ""), Disabled: a.SelectAttrValue("disabled", "") == "true", Config: map[string]string{}}
		if c := child(a, "configuration"); c != nil {
			for _, e := range c.ChildElements() {
				as.Config[e.Tag] = text(e)
			}
		}
		out = append(out, as)
	}
	return out
}

// headers reads a request's or response's HTTP headers, kept by SoapUI
// as an escaped xml-fragment in a setting whose id ends in
// "@request-headers" or "@response-headers".
func headers(e *etree.Element) map[string]string {
	out := map[string]string{}
	for _, s := range children(child(e, "settings"), "setting") {
		id := s.SelectAttrValue("id", "")
		if !strings.HasSuffix(id, "@request-headers") && !strings.HasSuffix(id, "@response-headers") {
			continue
		}
		frag := etree.NewDocument()
		if frag.ReadFromString(s.Text()) != nil || frag.Root() == nil {
			continue
		}
		for _, en := range frag.Root().ChildElements() {
			if en.Tag == "entry" {
				out[en.SelectAttrValue("key", "")] = en.SelectAttrValue("value", "")
			}
		}
	}
	return out
}

func properties(e *etree.Element) map[string]string {
	out := map[string]string{}
	for _, p := range children(e, "property") {
		out[text(child(p, "name"))] = text(child(p, "value"))
	}
	return out
}

// child returns the first child in SoapUI's namespace with a local name.
func child(e *etree.Element, local string) *etree.Element {
	for _, c := range children(e, local) {
		return c
	}
	return nil
}

func children(e *etree.Element, local string) []*etree.Element {
	if e == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == ConfigNS {
			out = append(out, c)
		}
	}
	return out
}

// anyChild returns the first child with a local name in any namespace
// (SoapUI writes some config children unqualified).
func anyChild(e *etree.Element, local string) *etree.Element {
	for _, c := range e.ChildElements() {
		if c.Tag == local {
			return c
		}
	}
	return nil
}

// text is all the character data directly in e (CDATA sections
// included, in order).
func text(e *etree.Element) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	for _, t := range e.Child {
		if cd, ok := t.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return b.String()
}
