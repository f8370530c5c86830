package soapui

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// reHeaderDispatch is the common dispatch form of Inera's mocks: the
// response is named by a request header the test project sets.
var reHeaderDispatch = regexp.MustCompile(`mockRequest\.requestHeaders\[\s*['"]([\w-]+)['"]\s*\]\[0\]`)

// mock translates a Mock project into a suite for conform serve: one
// step per response, chosen by the dispatch header, and the default
// response last.
func (im *importer) mock() (*ProjectReport, error) {
	im.rep = &ProjectReport{File: im.file, Name: im.p.Name, Kind: "mock"}
	im.namespaces = map[string]string{}
	test, testPath := im.testFor()
	var data *Data
	if testPath != "" {
		var err error
		data, _, err = im.readData(testPath)
		if err != nil {
			return nil, err
		}
	}
	// The data.xml test case whose request names each response fills its
	// ${...} (SoapUI fills them from the request at run time).
	fill := map[string]string{}
	// The request (expanded with its data) that names each response: the
	// mock's scripts copy values from it.
	requests := map[string]string{}
	if test != nil {
		for _, ts := range test.Suites {
			for _, tc := range ts.Cases {
				var dataCase string
				for _, st := range tc.Steps {
					if id, ok := dataCaseID(st.Script); ok {
						dataCase = id
					}
					if name := st.Headers["x-mock-response"]; name != "" && dataCase != "" {
						if _, seen := fill[name]; !seen {
							fill[name] = dataCase
							vals, _ := data.Values(dataCase)
							requests[name], _ = expandXML(st.Body, vals)
						}
					}
				}
			}
		}
	} else {
		im.warn("no test project beside the mock: ${...} in responses are served empty")
	}
	var steps []*scenario.Step
	for _, ms := range im.p.Mocks {
		for _, op := range ms.Operations {
			mr := &MockReport{Operation: op.Operation, Dispatch: op.DispatchStyle}
			header := ""
			switch m := reHeaderDispatch.FindStringSubmatch(op.DispatchPath); {
			case op.DispatchStyle == "SCRIPT" && m != nil:
				header = m[1]
				mr.Translated = true
				mr.Note = fmt.Sprintf("the script returns the response named by the request header %s: each step matches that header", header)
			case op.DispatchStyle == "SEQUENCE" || op.DispatchStyle == "":
				mr.Translated = len(op.Responses) == 1
				mr.Note = "sequence dispatch: rivgate serves the first step that matches, so only the first response is served"
			default:
				mr.Note = fmt.Sprintf("dispatch %s is not translated: every request gets the default response %q", op.DispatchStyle, op.DefaultResponse)
			}
			if strings.Contains(op.DispatchPath, "WsdlValidator") {
				mr.Note += "; the script's request validation (WsdlValidator, answered with the response SoapFault-Request) is rivgate's built-in RIV-XSD-01 check on every request"
			}
			var fallback *scenario.Step
			requestTime := scriptTimes(ms.OnRequestScript, im.opts.Now())
			for i, r := range op.Responses {
				vals, _ := data.Values(fill[r.Name])
				// The scripts run after the request is read: their values win.
				byScript := map[string]string{}
				for k, v := range requestTime {
					byScript[k] = v
				}
				for k, v := range requestEcho(ms.OnRequestScript+"\n"+op.DispatchPath, requests[r.Name]) {
					byScript[k] = v
				}
				for k, v := range scriptConstants(r.Script) {
					byScript[k] = v
				}
				for k, v := range byScript {
					vals[k] = v
				}
				body, missing := expandXML(r.Content, vals)
				file := fmt.Sprintf("responses/%02d-%s.xml", i+1, slug(r.Name))
				if err := im.write(file, []byte(body)); err != nil {
					return nil, err
				}
				status := r.Status
				if _, err := vpfault.Parse([]byte(body)); err == nil {
					// SOAP 1.1 over HTTP (WS-I BP R1126) and the platform
					// answer a fault with HTTP 500, whatever the mock declares.
					if status != 0 && status != 500 {
						im.warn("response %q: a SOAP fault declared as HTTP %d is served with HTTP 500 (docs/inera-tk-suites.md)", r.Name, status)
					}
					status = 500
				} else if status == 0 {
					status = 200
				}
				st := &scenario.Step{ID: fmt.Sprintf("%d-%s", i+1, slug(r.Name)), Title: "Mock response " + r.Name,
					Expect:  &scenario.Expect{Operation: op.Operation},
					Respond: &scenario.Respond{File: file, Status: status}}
				if header != "" {
					name := r.Name
					st.Expect.Match = []scenario.Matcher{{HTTPHeader: header, Equals: &name, Description: header + " names response " + r.Name}}
				}
				rr := MockResponseReport{Name: r.Name, Step: st.ID, File: file, Status: status, FilledFrom: fill[r.Name], Unresolved: missing}
				if used := usedValues(r.Content, byScript); len(used) > 0 {
					rr.FilledByScript = used
				}
				if len(missing) > 0 {
					im.warn("response %q: ${%s} served empty (SoapUI fills them at run time)", r.Name, strings.Join(missing, "}, ${"))
				}
				mr.Responses = append(mr.Responses, rr)
				if header != "" || i == 0 {
					steps = append(steps, st)
				}
				if r.Name == op.DefaultResponse {
					fallback = &scenario.Step{ID: "default", Title: "Default response " + r.Name, Expect: &scenario.Expect{Operation: op.Operation},
						Respond: &scenario.Respond{File: file, Status: status}}
				}
			}
			if fallback != nil && header != "" {
				steps = append(steps, fallback)
			}
			im.rep.Mock = mr
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("import %s: the mock has no responses", im.file)
	}
	file := "scenarios/01-mock.yaml"
	sc := scenarioFile{ID: "MOCK", Title: im.p.Name + " (SoapUI mock)", Requirements: []string{"TK-MOCK"}, Likelihood: 3,
		Description: "Serves the responses of " + filepath.Base(im.file) + " (rivgate conform serve); each request gets the answer of the first step it matches.", Steps: steps}
	if err := im.writeYAML(file, "", sc); err != nil {
		return nil, err
	}
	reqs := []scenario.Requirement{{ID: "TK-MOCK", Text: "The consumer's requests are answered as Inera's mock producer " + im.p.Name + " answers them.", Impact: 2}}
	return im.rep, im.writeSuite("tk-"+slug(im.p.Name), "TK mock "+im.p.Name+" (imported from SoapUI)",
		"Serves Inera's mock producer "+filepath.Base(im.file)+" to a consumer under test (conform serve).", reqs, []string{file})
}

// reContextConstant is a mock script's assignment of a literal to a
// context value (context.careContactId = 556677, or a quoted string).
var reContextConstant = regexp.MustCompile(`(?m)^\s*context\.(\w+)\s*=\s*(?:(-?\d+)|"([^"\\]*)"|'([^'\\]*)')\s*;?\s*$`)

// scriptConstants returns the context values a response script sets to
// literals; other assignments (random numbers, request values) are left
// to the caller's data or reported as unresolved.
func scriptConstants(script string) map[string]string {
	out := map[string]string{}
	for _, m := range reContextConstant.FindAllStringSubmatch(script, -1) {
		out[m[1]] = m[2] + m[3] + m[4]
	}
	return out
}

var (
	reDateFormat = regexp.MustCompile(`(\w+)\s*=\s*new\s+(?:java\.text\.)?SimpleDateFormat\(\s*"([^"]+)"\s*\)`)
	reFormatNow  = regexp.MustCompile(`(\w+)\.format\(\s*new\s+Date\(\s*\)\s*\)`)
	reAssign     = regexp.MustCompile(`(?m)^\s*(?:def\s+)?(context\.)?(\w+)\s*=\s*(.+?)\s*;?\s*$`)
)

// scriptTimes returns the context values an onRequestScript sets to the
// request time formatted with a SimpleDateFormat (Inera's mocks set
// ${now} so). rivgate serves fixed files: the value is now, at import.
func scriptTimes(script string, now time.Time) map[string]string {
	layouts := map[string]string{}
	for _, m := range reDateFormat.FindAllStringSubmatch(script, -1) {
		if l, ok := goLayout(m[2]); ok {
			layouts[m[1]] = l
		}
	}
	if len(layouts) == 0 {
		return map[string]string{}
	}
	return contextAssignments(script, func(rhs string) (string, bool) {
		if f := reFormatNow.FindStringSubmatch(rhs); f != nil && f[0] == rhs && layouts[f[1]] != "" {
			return now.Format(layouts[f[1]]), true
		}
		return "", false
	})
}

// contextAssignments follows a script's assignments in order: a local
// (def v = ...) or context value (context.name = ...) gets the value of
// eval(right-hand side), or of the local it names. It returns the
// context values.
func contextAssignments(script string, eval func(rhs string) (string, bool)) map[string]string {
	out, locals := map[string]string{}, map[string]string{}
	for _, m := range reAssign.FindAllStringSubmatch(script, -1) {
		v, ok := locals[m[3]]
		if !ok {
			v, ok = eval(m[3])
		}
		if !ok {
			continue
		}
		if m[1] != "" {
			out[m[2]] = v
		} else {
			locals[m[2]] = v
		}
	}
	return out
}

// goLayout converts the SimpleDateFormat patterns the mocks use into a
// Go time layout; any other letter makes it fail.
func goLayout(java string) (string, bool) {
	var b strings.Builder
	fields := []struct{ java, goL string }{{"yyyy", "2006"}, {"MM", "01"}, {"dd", "02"}, {"HH", "15"}, {"mm", "04"}, {"ss", "05"}, {"SSS", "000"}, {"XXX", "Z07:00"}, {"Z", "-0700"}}
	for i := 0; i < len(java); {
		switch c := java[i]; {
		case c == '\'':
			end := strings.IndexByte(java[i+1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(java[i+1 : i+1+end])
			i += end + 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			matched := false
			for _, f := range fields {
				if strings.HasPrefix(java[i:], f.java) && (i+len(f.java) == len(java) || java[i+len(f.java)] != c) {
					b.WriteString(f.goL)
					i += len(f.java)
					matched = true
					break
				}
			}
			if !matched {
				return "", false
			}
		case c >= '0' && c <= '9':
			return "", false // Go would read digits as layout elements
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), true
}

var (
	reHolderNS    = regexp.MustCompile(`\w+\.namespaces\[\s*['"](\w+)['"]\s*\]\s*=\s*['"]([^'"]+)['"]`)
	reHolderValue = regexp.MustCompile(`^\w+\.getNodeValue\(\s*['"]([^'"]+)['"]\s*\)$`)
)

// requestEcho returns the context values a mock script copies from the
// request (def v = holder.getNodeValue('xpath'); context.name = v),
// evaluated on request, the test project's request that names the
// response. A path that selects nothing is left unset.
func requestEcho(script, request string) map[string]string {
	if request == "" {
		return map[string]string{}
	}
	doc, err := msgcheck.ParseDocument([]byte(request))
	if err != nil {
		return map[string]string{}
	}
	ns := map[string]string{}
	for _, m := range reHolderNS.FindAllStringSubmatch(script, -1) {
		ns[m[1]] = m[2]
	}
	return contextAssignments(script, func(rhs string) (string, bool) {
		f := reHolderValue.FindStringSubmatch(rhs)
		if f == nil {
			return "", false
		}
		found, val, err := match.Value(doc, f[1], ns)
		return val, found && err == nil
	})
}

// usedValues returns the values of vals the content refers to.
func usedValues(content string, vals map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range propertyRef.FindAllStringSubmatch(content, -1) {
		if v, ok := vals[m[2]]; ok {
			out[m[2]] = v
		}
	}
	return out
}
