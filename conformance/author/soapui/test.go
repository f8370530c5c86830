package soapui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/schematron"
)

// scenarioFile is what the importer writes per scenario.
type scenarioFile struct {
	ID           string           `yaml:"id"`
	Title        string           `yaml:"title"`
	Description  string           `yaml:"description,omitempty"`
	Requirements []string         `yaml:"requirements"`
	Likelihood   int              `yaml:"likelihood"`
	Steps        []*scenario.Step `yaml:"steps"`
}

// test translates a test project into a producer-mode suite.
func (im *importer) test() (*ProjectReport, error) {
	im.rep = &ProjectReport{File: im.file, Name: im.p.Name, Kind: "test"}
	im.namespaces = map[string]string{}
	data, dataPath, err := im.readData(im.file)
	im.data = data
	if err != nil {
		return nil, err
	}
	if data == nil {
		im.warn("no data.xml beside the project: ${...} in requests expand only from project properties")
	} else {
		im.rep.Data = dataPath
	}
	mock := im.mockFor()
	schCache := map[string]string{} // constraints file -> suite-relative copy
	var reqs []scenario.Requirement
	var files []string
	n := 0
	for si, ts := range im.p.Suites {
		reqID := fmt.Sprintf("TK-%02d", si+1)
		reqs = append(reqs, scenario.Requirement{ID: reqID, Text: fmt.Sprintf("The producer passes the TK test suite %q of %s.", ts.Name, im.p.Name), Impact: 3})
		for _, tc := range ts.Cases {
			n++
			scID := fmt.Sprintf("TK%02d", n)
			file := fmt.Sprintf("scenarios/%02d-%s.yaml", n, slug(tc.Name))
			cr := CaseReport{TestSuite: ts.Name, Name: tc.Name, Scenario: scID, File: file, Disabled: tc.Disabled || ts.Disabled}
			sc := scenarioFile{ID: scID, Title: tc.Name, Requirements: []string{reqID}, Likelihood: 3,
				Description: fmt.Sprintf("SoapUI test suite %q, test case %q of %s.", ts.Name, tc.Name, filepath.Base(im.file))}
			if err := im.testCase(ts, tc, &cr, &sc, data, mock, schCache); err != nil {
				return nil, err
			}
			im.rep.TestCases = append(im.rep.TestCases, cr)
			if cr.Disabled {
				sc.Description += " Disabled in the project."
			}
			if len(sc.Steps) == 0 {
				sc.Steps = append(sc.Steps, &scenario.Step{ID: "no-request", Manual: "The SoapUI test case has no request step: nothing was imported; judge whether it matters."})
				cr.Manual = append(cr.Manual, "no-request")
			}
			if err := im.writeYAML(file, "# Imported by rivgate conform import-soapui; see import.json.\n", sc); err != nil {
				return nil, err
			}
			files = append(files, file)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("import %s: the project has no test cases", im.file)
	}
	return im.rep, im.writeSuite("tk-"+slug(im.p.Name), "TK test suite "+im.p.Name+" (imported from SoapUI)",
		"Producer-mode suite imported from Inera's SoapUI project "+filepath.Base(im.file)+". Run it with conform run --producer.", reqs, files)
}

func (im *importer) testCase(ts TestSuite, tc TestCase, cr *CaseReport, sc *scenarioFile, data *Data, mock *Project, schCache map[string]string) error {
	vals := map[string]string{}
	for k, v := range im.p.Properties {
		vals[k] = v
	}
	byName := map[string]*scenario.Step{}
	var last *scenario.Step
	var lastName string
	manual := func(id, text string) {
		sc.Steps = append(sc.Steps, &scenario.Step{ID: id, Manual: text})
		cr.Manual = append(cr.Manual, id)
	}
	for si, st := range tc.Steps {
		switch {
		case st.Disabled:
			im.rep.Steps = append(im.rep.Steps, StepReport{TestSuite: ts.Name, TestCase: tc.Name, Name: st.Name, Type: st.Type, Fate: NotApplicable, Reason: "disabled in the project"})
		case st.Type == "groovy":
			if id, ok := dataCaseID(st.Script); ok {
				cr.DataCase = id
				v, found := data.Values(id)
				if !found {
					im.warn("test case %q loads data.xml test case %q, which data.xml does not have: only globaldata applies", tc.Name, id)
				}
				for k, x := range v {
					vals[k] = x
				}
				continue
			}
			id := fmt.Sprintf("groovy-%d", si+1)
			manual(id, fmt.Sprintf("SoapUI Groovy step %q was not run or translated (script in import.json): judge what it does for this test case.", st.Name))
			im.rep.Steps = append(im.rep.Steps, StepReport{TestSuite: ts.Name, TestCase: tc.Name, Name: st.Name, Type: st.Type, Fate: NotTranslated, Reason: "Groovy step other than the data load: manual step " + id, Script: st.Script})
		case st.Type == "request":
			step, err := im.requestStep(ts, tc, st, si, vals, mock, sc, cr)
			if err != nil {
				return err
			}
			sc.Steps = append(sc.Steps, step)
			byName[st.Name], last, lastName = step, step, st.Name
			for _, a := range st.Assertions {
				im.assertion(ts, tc, st.Name, "", a, step, vals, sc, cr, schCache)
			}
		case st.Type == "assertionteststep":
			target, name := last, lastName
			if st.Source != "" {
				target, name = byName[st.Source], st.Source
			}
			for _, a := range st.Assertions {
				if target == nil {
					im.rep.Assertions = append(im.rep.Assertions, AssertionReport{TestSuite: ts.Name, TestCase: tc.Name, Step: name, Holder: st.Name, Type: a.Type, Name: a.Name,
						Fate: NotTranslated, Reason: "the assertion step judges no request step before it"})
					continue
				}
				im.assertion(ts, tc, name, st.Name, a, target, vals, sc, cr, schCache)
			}
		default:
			id := fmt.Sprintf("step-%d", si+1)
			manual(id, fmt.Sprintf("SoapUI %s step %q was not translated: judge what it does for this test case.", st.Type, st.Name))
			im.rep.Steps = append(im.rep.Steps, StepReport{TestSuite: ts.Name, TestCase: tc.Name, Name: st.Name, Type: st.Type, Fate: NotTranslated, Reason: "step type not translated: manual step " + id})
		}
	}
	return nil
}

// warnMissing notes a ${name} that has no value for a test case.
func (im *importer) warnMissing(tc, where, name string) {
	if im.data != nil && im.data.Defines(name) {
		im.warn("test case %q %s: ${%s} is not set in this test case's data: sent empty, as SoapUI does", tc, where, name)
		return
	}
	im.warn("test case %q %s: ${%s} is defined neither in data.xml nor in the project: sent empty, as SoapUI does", tc, where, name)
}

func (im *importer) requestStep(ts TestSuite, tc TestCase, st Step, si int, vals map[string]string, mock *Project, sc *scenarioFile, cr *CaseReport) (*scenario.Step, error) {
	id := fmt.Sprintf("%d-%s", si+1, slug(st.Name))
	body, missing := expandXML(st.Body, vals)
	for _, m := range missing {
		im.warnMissing(tc.Name, st.Name, m)
	}
	req := fmt.Sprintf("requests/%s-%s.xml", sc.ID, id)
	if err := im.write(req, []byte(body)); err != nil {
		return nil, err
	}
	step := &scenario.Step{ID: id, Title: st.Name, Request: req, ResponseChecks: &scenario.ResponseChecks{Compare: new(bool)}}
	ns, local, err := bodyElement(body)
	if err != nil {
		im.warn("test case %q step %q: the request %v", tc.Name, st.Name, err)
	}
	step.Expect = &scenario.Expect{Contract: ns, Operation: local}
	if ns == "" {
		step.Expect = &scenario.Expect{Operation: st.Operation}
	}
	if len(st.Headers) > 0 {
		step.RequestHeaders = map[string]string{}
		for k, v := range st.Headers {
			x, miss := expand(v, vals)
			for _, m := range miss {
				im.warnMissing(tc.Name, st.Name+" header "+k, m)
			}
			step.RequestHeaders[k] = x
		}
	}
	// respond: what the Mock project answers this request with (the
	// x-mock-response header names it), for consumer mode; producer mode
	// does not compare with it (compare: false).
	file, err := im.mockAnswer(mock, st.Headers["x-mock-response"], vals, sc.ID+"-"+id)
	if err != nil {
		return nil, err
	}
	step.Respond = &scenario.Respond{File: file}
	return step, nil
}

// mockAnswer writes the answer a step's respond names: the Mock
// project's response when there is one, else an empty response element.
func (im *importer) mockAnswer(mock *Project, name string, vals map[string]string, base string) (string, error) {
	var content string
	if mock != nil && name != "" {
		for _, ms := range mock.Mocks {
			for _, op := range ms.Operations {
				for _, r := range op.Responses {
					if r.Name == name {
						content, _ = expandXML(r.Content, vals)
					}
				}
			}
		}
	}
	if content == "" {
		content = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body/></soapenv:Envelope>\n"
	}
	file := "responses/" + base + ".xml"
	return file, im.write(file, []byte(content))
}

// assertion translates one SoapUI assertion on step.
func (im *importer) assertion(ts TestSuite, tc TestCase, stepName, holder string, a Assertion, step *scenario.Step, vals map[string]string, sc *scenarioFile, cr *CaseReport, schCache map[string]string) {
	ar := AssertionReport{TestSuite: ts.Name, TestCase: tc.Name, Step: stepName, Holder: holder, Type: a.Type, Name: a.Name}
	at := func(check string) string { return sc.ID + "/" + step.ID + "/" + check }
	rc := step.ResponseChecks
	done := func(checks ...string) {
		ar.Fate = Translated
		for _, c := range checks {
			ar.Checks = append(ar.Checks, at(c))
		}
	}
	not := func(reason string) {
		ar.Fate, ar.Reason = NotTranslated, reason
		id := fmt.Sprintf("assertion-%d", len(cr.Manual)+1)
		sc.Steps = append(sc.Steps, &scenario.Step{ID: id, Manual: fmt.Sprintf("SoapUI assertion %q (%s) on step %q was not translated (%s): judge the answer of step %s by it (script or configuration in import.json).", a.Name, a.Type, stepName, reason, step.ID)})
		cr.Manual = append(cr.Manual, id)
		ar.Checks = append(ar.Checks, at(id))
	}
	switch {
	case a.Disabled:
		ar.Fate, ar.Reason = NotApplicable, "disabled in the project"
	case a.Type == "SOAP Fault Assertion": // shown as "Not SOAP Fault"
		rc.Fault = new(bool)
		done("response-fault")
		ar.Note = "type \"SOAP Fault Assertion\" asserts that the answer is NOT a SOAP fault"
	case a.Type == "Not SOAP Fault Assertion": // shown as "SOAP Fault"
		t := true
		rc.Fault = &t
		done("response-fault", "response-status")
		ar.Note = "type \"Not SOAP Fault Assertion\" asserts that the answer IS a SOAP fault (HTTP 500, SOAP 1.1)"
	case a.Type == "Schema Compliance":
		done("response-schema")
		ar.Note = "the answer validates against the contract's XSD (built-in producer check)"
	case a.Type == "SOAP Response":
		done("response-schema")
		ar.Note = "a SOAP 1.1 envelope: checked by the built-in schema check, which parses the envelope"
	case a.Type == "Response SLA Assertion":
		d, err := msDuration(a.Config["SLA"])
		if err != nil {
			not(err.Error())
			break
		}
		rc.MaxTime = d
		done("response-time")
	case a.Type == "Valid HTTP Status Codes" || a.Type == "Invalid HTTP Status Codes":
		codes, err := parseCodes(a.Config["codes"])
		if err != nil {
			not(err.Error())
			break
		}
		if a.Type == "Valid HTTP Status Codes" {
			rc.StatusCodes = codes
			done("response-status-codes")
		} else {
			rc.NotStatusCodes = codes
			done("response-not-status-codes")
		}
	case a.Type == "Simple Contains" || a.Type == "Simple NotContains":
		tok, _ := expand(a.Config["token"], vals)
		r := scenario.TextRule{Text: tok, Regex: a.Config["useRegEx"] == "true", IgnoreCase: a.Config["ignoreCase"] == "true"}
		if r.Text == "" {
			not("no token to look for")
			break
		}
		if _, err := r.Compile(); err != nil {
			not("the regular expression does not compile in Go: " + err.Error())
			break
		}
		if a.Type == "Simple Contains" {
			rc.Contains = append(rc.Contains, r)
			done(fmt.Sprintf("response-contains[%d]", len(rc.Contains)-1))
		} else {
			rc.NotContains = append(rc.NotContains, r)
			done(fmt.Sprintf("response-not-contains[%d]", len(rc.NotContains)-1))
		}
	case a.Type == "XPath Match":
		x, ns, err := xpathMatch(a.Config["path"])
		if err == nil {
			err = im.addNamespaces(ns)
		}
		content, _ := expand(a.Config["content"], vals)
		switch {
		case err != nil:
			not(err.Error())
		case strings.HasPrefix(strings.TrimSpace(content), "<"):
			not("compares an XML fragment, not a value")
		default:
			m := scenario.Matcher{XPath: x, Equals: &content, Description: fmt.Sprintf("SoapUI XPath Match %q", a.Name)}
			if a.Config["allowWildcards"] == "true" && strings.Contains(content, "*") {
				m.Equals, m.Regex = nil, wildcard(content)
			}
			step.ResponseMatch = append(step.ResponseMatch, m)
			done(fmt.Sprintf("response-match[%d]", len(step.ResponseMatch)-1))
		}
	case a.Type == "GroovyScriptAssertion":
		script := a.Config["scriptText"]
		g := translateGroovy(script, vals)
		switch {
		case g.reason != "":
			ar.Script = script
			not("Groovy: " + g.reason)
		case g.kind == "n/a":
			ar.Fate, ar.Reason = NotApplicable, g.note
		case g.kind == "schematron":
			rel, err := im.copySchematron(g.schematron, schCache, step)
			if err != nil {
				ar.Script = script
				not(err.Error())
				break
			}
			rc.Schematron = append(rc.Schematron, rel)
			done(fmt.Sprintf("response-schematron[%d]", len(rc.Schematron)-1))
			ar.Note = "Schematron " + rel
		default:
			if err := im.addNamespaces(g.namespaces); err != nil {
				ar.Script = script
				not(err.Error())
				break
			}
			var checks []string
			for _, m := range g.matchers {
				step.ResponseMatch = append(step.ResponseMatch, m)
				checks = append(checks, fmt.Sprintf("response-match[%d]", len(step.ResponseMatch)-1))
			}
			done(checks...)
			if len(checks) == 0 {
				ar.Note = "nothing to check for this test case's data (empty lists in data.xml)"
			}
		}
	default:
		not("SoapUI assertion type " + a.Type + " is not translated")
	}
	im.rep.Assertions = append(im.rep.Assertions, ar)
}

// copySchematron copies a constraints file into the suite once and
// reports its rules; a file bound to another contract version than the
// request is a warning.
func (im *importer) copySchematron(name string, cache map[string]string, step *scenario.Step) (string, error) {
	src := filepath.Join(filepath.Dir(im.file), name)
	if _, err := os.Stat(src); err != nil {
		if p := im.p.Properties["constraintsPath"]; p != "" {
			src = filepath.Join(filepath.Dir(im.file), filepath.FromSlash(p), name)
		}
	}
	rel, ok := cache[src]
	if !ok {
		b, err := os.ReadFile(src)
		if err != nil {
			return "", fmt.Errorf("constraints file %s: %w", name, err)
		}
		s, err := schematron.Parse(b)
		if err != nil {
			return "", fmt.Errorf("constraints file %s: %w", name, err)
		}
		rel = "schematron/" + filepath.Base(name)
		if err := im.write(rel, b); err != nil {
			return "", err
		}
		cache[src] = rel
		sr := SchematronReport{File: rel, Title: s.Title, Counts: s.Count()}
		for _, p := range s.Problems {
			sr.Problems = append(sr.Problems, p.String())
		}
		im.rep.Schematron = append(im.rep.Schematron, sr)
		im.checkVersion(s, rel, step)
	}
	return rel, nil
}

// checkVersion warns when the constraints name a Responder namespace of
// another major version than the request's contract.
func (im *importer) checkVersion(s *schematron.Schema, rel string, step *scenario.Step) {
	if step.Expect == nil || step.Expect.Contract == "" {
		return
	}
	req := step.Expect.Contract
	i := strings.LastIndex(req, ":")
	if i < 0 {
		return
	}
	for _, uri := range s.Namespaces {
		if j := strings.LastIndex(uri, ":"); j > 0 && uri[:j] == req[:i] && uri != req {
			im.warn("%s is bound to %s, the requests to %s: another contract version", rel, uri, req)
		}
	}
}
