package soapui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/schematron"
)

// Groovy is not run. Inera's Groovy is formulaic, and these forms are
// translated into declarative checks; everything else is reported as not
// translated and becomes a manual step.
//
//	data step         XmlDataReader(...).load("id")       -> the test case's data.xml values
//	Assert Schematron SchematronValidator.validateMessage(..., "constraints.xml")
//	                  (with "if (context.validateNPO != "true") return": only when the data says true)
//	ContentAssertions assertNonEmptyResponse(xpath), assertExactNumberOfRecords(xpath, n),
//	                  assertSpecificValueInAnyRecord(xpath, value), assertSpecificValueInAllRecords(xpath, value),
//	                  assertNoRecordWithValue(xpath, value)
//	record checks     the XmlHolder forms of the TK suites: "empty result", "exactly one record",
//	                  expected/unexpected ids from comma-separated data values, and every record's
//	                  field equal to a data value (or one of two)

// groovyResult is what a Groovy assertion became.
type groovyResult struct {
	kind       string // schematron, matchers, n/a
	schematron string // constraints file name
	matchers   []scenario.Matcher
	namespaces map[string]string
	note       string // how it was translated, or why not applicable
	reason     string // non-empty: not translated, why
}

var (
	reDataLoad      = regexp.MustCompile(`XmlDataReader\b[\s\S]*\.load\(\s*"([^"]+)"\s*\)`)
	reSchematron    = regexp.MustCompile(`SchematronValidator\b[\s\S]*validateMessage\(`)
	reConstraints   = regexp.MustCompile(`"/?([A-Za-z0-9_.-]+\.xml)"`)
	reNPOCondition  = regexp.MustCompile(`if\s*\(\s*context\.(\w+)\s*!=\s*"true"\s*\)\s*\{[^}]*return\s*\}`)
	reNamespaceDecl = regexp.MustCompile(`\w+\.namespaces\[\s*'([\w.-]+)'\s*\]\s*=\s*'([^']*)'`)
	reDomNodes      = regexp.MustCompile(`def\s+(\w+)\s*=\s*\w+\.getDomNodes\(\s*'([^']+)'\s*\)`)
	reNodeValues    = regexp.MustCompile(`def\s+(\w+)\s*=\s*\w+\.getNodeValues\(\s*'([^']+)'\s*\)\s*as\s+List`)
	reEmpty         = regexp.MustCompile(`if\s*\(\s*(\w+)\.(?:length|size\(\))\s*!=\s*0\s*\)`)
	reExactlyOne    = regexp.MustCompile(`if\s*\(\s*(\w+)\.size(?:\(\))?\s*!=\s*1\s*\)`)
	reNonEmpty      = regexp.MustCompile(`(?:assert\s+(\w+)\.size\(\)\s*(?:>\s*0|!=\s*0))|(?:if\s*\(\s*(\w+)\.(?:length|size\(\))\s*==\s*0\s*\))`)
	reTokenize      = regexp.MustCompile(`def\s+(\w+)\s*=\s*context\.(\w+)\s*\?\s*context\.\w+\.tokenize\(\s*','\s*\)\s*:\s*\[\]`)
	reEach          = regexp.MustCompile(`(\w+)\.each\s*\{\s*(\w+)\s*->`)
	reFieldValue    = regexp.MustCompile(`def\s+(\w+)\s*=\s*\w+\.getNodeValue\(\s*'([^']+)'\s*\)`)
	reFieldCompare  = regexp.MustCompile(`(\w+)\s*(!=|==)\s*context\.(\w+)`)
	reContentCall   = regexp.MustCompile(`\b(assertNonEmptyResponse|assertExactNumberOfRecords|assertSpecificValueInAnyRecord|assertSpecificValueInAllRecords|assertNoRecordWithValue)\s*\(([^)]*)\)`)
	// reComment: // comments after a line start or a space (so the // of
	// a URL in a string stays), and /* */ blocks.
	reComment = regexp.MustCompile(`(?m)(?:^|[ \t])//[^\n]*|/\*[\s\S]*?\*/`)
	// reUntranslatable marks scripts that compare ranges, slice values or
	// read the request: their logic is not a record/value equality.
	reUntranslatable = regexp.MustCompile(`\[\s*\d+\s*\.\.\s*\d+\s*\]|substring\(|requestContent|<=|>=|\s<\s|\s>\s|\.matches\(|new Date|Calendar`)
)

// dataCaseID returns the data.xml test case a "Read data" step loads.
func dataCaseID(script string) (string, bool) {
	m := reDataLoad.FindStringSubmatch(script)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// translateGroovy translates a Groovy assertion on a request step's
// answer, with the test case's data values.
func translateGroovy(script string, vals map[string]string) groovyResult {
	code := reComment.ReplaceAllString(script, "")
	if reSchematron.MatchString(code) {
		files := reConstraints.FindAllStringSubmatch(code, -1)
		if len(files) != 1 {
			return groovyResult{reason: "a Schematron assertion that does not name exactly one constraints file"}
		}
		r := groovyResult{kind: "schematron", schematron: files[0][1]}
		if m := reNPOCondition.FindStringSubmatch(code); m != nil && vals[m[1]] != "true" {
			return groovyResult{kind: "n/a", note: fmt.Sprintf("runs only when %s is \"true\" in data.xml; it is %q for this test case", m[1], vals[m[1]])}
		}
		return r
	}
	ns := map[string]string{}
	for _, m := range reNamespaceDecl.FindAllStringSubmatch(code, -1) {
		ns[m[1]] = m[2]
	}
	if calls := reContentCall.FindAllStringSubmatch(code, -1); calls != nil {
		return contentAssertions(code, calls, vals, ns)
	}
	if reUntranslatable.MatchString(code) {
		return groovyResult{reason: "compares ranges, slices values or reads the request: not one of the translated forms"}
	}
	var out []scenario.Matcher
	domNodes := map[string]string{}
	for _, m := range reDomNodes.FindAllStringSubmatch(code, -1) {
		domNodes[m[1]] = m[2]
	}
	nodeValues := map[string]string{}
	for _, m := range reNodeValues.FindAllStringSubmatch(code, -1) {
		nodeValues[m[1]] = m[2]
	}
	lists := map[string]string{} // groovy list var -> data variable
	for _, m := range reTokenize.FindAllStringSubmatch(code, -1) {
		lists[m[1]] = m[2]
	}
	used := false
	for _, m := range reNonEmpty.FindAllStringSubmatch(code, -1) {
		v := m[1] + m[2]
		if x, ok := domNodes[v]; ok {
			out = append(out, scenario.Matcher{XPath: "count(" + x + ") > 0", Equals: ptr("true"), Description: "the answer holds at least one record " + x})
			used = true
		}
	}
	for _, m := range reEmpty.FindAllStringSubmatch(code, -1) {
		if x, ok := firstOf(domNodes, nodeValues, m[1]); ok {
			out = append(out, scenario.Matcher{XPath: "count(" + x + ")", Equals: ptr("0"), Description: "the answer holds no record " + x})
			used = true
		}
	}
	for _, m := range reExactlyOne.FindAllStringSubmatch(code, -1) {
		if x, ok := firstOf(domNodes, nodeValues, m[1]); ok {
			out = append(out, scenario.Matcher{XPath: "count(" + x + ")", Equals: ptr("1"), Description: "the answer holds exactly one record " + x})
			used = true
		}
	}
	if len(lists) > 0 {
		ms, reason := idLists(code, lists, nodeValues, vals)
		if reason != "" {
			return groovyResult{reason: reason}
		}
		out = append(out, ms...)
		used = true
	}
	if each := reEach.FindAllStringSubmatch(code, -1); len(each) > 0 && len(lists) == 0 {
		ms, reason := recordFields(code, each, domNodes, vals)
		if reason != "" {
			return groovyResult{reason: reason}
		}
		out = append(out, ms...)
		used = used || len(ms) > 0
	}
	if !used {
		return groovyResult{reason: "not one of the translated forms"}
	}
	return groovyResult{kind: "matchers", matchers: out, namespaces: ns}
}

func firstOf(a, b map[string]string, k string) (string, bool) {
	if v, ok := a[k]; ok {
		return v, true
	}
	v, ok := b[k]
	return v, ok
}

func ptr(s string) *string { return &s }

// idLists translates the expected/unexpected id checks: every id listed
// in the "expected" data value is in the answer, none of the
// "unexpected" ones is.
func idLists(code string, lists, nodeValues map[string]string, vals map[string]string) ([]scenario.Matcher, string) {
	if len(nodeValues) != 1 {
		return nil, "compares data lists with more than one answer list"
	}
	var path, pathVar string
	for k, v := range nodeValues {
		pathVar, path = k, v
	}
	var out []scenario.Matcher
	for list, dataVar := range lists {
		ids := splitIDs(vals[dataVar])
		switch {
		case strings.Contains(code, list+".each") && strings.Contains(code, "!"+pathVar+".contains("):
			if len(ids) == 0 && strings.Contains(code, list+".isEmpty()") {
				return nil, fmt.Sprintf("the test data is invalid: %s may not be empty", dataVar)
			}
			for _, id := range ids {
				out = append(out, scenario.Matcher{XPath: path + "[. = " + schematron.QuoteString(id) + "]", Present: true, Description: fmt.Sprintf("the answer contains %s (data %s)", id, dataVar)})
			}
		case strings.Contains(code, list+".contains("):
			for _, id := range ids {
				out = append(out, scenario.Matcher{XPath: path + "[. = " + schematron.QuoteString(id) + "]", Absent: true, Description: fmt.Sprintf("the answer does not contain %s (data %s)", id, dataVar)})
			}
		default:
			return nil, "a data list used in a way not translated"
		}
	}
	return out, ""
}

func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// recordFields translates "each record's field equals a data value":
// records.each { def f = h.getNodeValue('/rec/path') ... if (f != context.x) fail }.
func recordFields(code string, each [][]string, domNodes map[string]string, vals map[string]string) ([]scenario.Matcher, string) {
	if len(each) != 1 {
		return nil, "loops over more than one record list"
	}
	recs, ok := domNodes[each[0][1]]
	if !ok {
		return nil, "loops over something other than answer records"
	}
	fields := map[string]string{}
	for _, m := range reFieldValue.FindAllStringSubmatch(code, -1) {
		fields[m[1]] = m[2]
	}
	// field -> accepted data values
	accepted := map[string][]string{}
	var order []string
	for _, m := range reFieldCompare.FindAllStringSubmatch(code, -1) {
		f := m[1]
		if _, ok := fields[f]; !ok {
			return nil, fmt.Sprintf("compares %s, which is not a record field", f)
		}
		if _, ok := vals[m[3]]; !ok {
			return nil, fmt.Sprintf("compares with %s, which the test case's data does not define", m[3])
		}
		if accepted[f] == nil {
			order = append(order, f)
		}
		accepted[f] = append(accepted[f], vals[m[3]])
	}
	if len(order) == 0 {
		return nil, "no record field is compared with a data value"
	}
	recName := recs[strings.LastIndex(recs, "/")+1:]
	var out []scenario.Matcher
	for _, f := range order {
		rel := strings.TrimPrefix(fields[f], "/")
		if !strings.HasPrefix(rel, recName+"/") {
			return nil, fmt.Sprintf("field %s is read outside the record %s", f, recName)
		}
		rel = strings.TrimPrefix(rel, recName+"/")
		var conds []string
		for _, v := range accepted[f] {
			conds = append(conds, rel+" = "+schematron.QuoteString(v))
		}
		out = append(out, scenario.Matcher{XPath: fmt.Sprintf("count(%s[not(%s)])", recs, strings.Join(conds, " or ")), Equals: ptr("0"),
			Description: fmt.Sprintf("every record %s has %s = %s", recName, rel, strings.Join(quoteAll(accepted[f]), " or "))})
	}
	return out, ""
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Quote(v)
	}
	return out
}

// contentAssertions translates calls to the se.skl.rivta.testsupport
// ContentAssertions helpers. Arguments are string literals, context.name
// (a data value) or integers; anything else is not translated.
func contentAssertions(code string, calls [][]string, vals map[string]string, ns map[string]string) groovyResult {
	rest := reContentCall.ReplaceAllString(code, "")
	if reUntranslatable.MatchString(rest) || regexp.MustCompile(`\bif\s*\(`).MatchString(rest) {
		return groovyResult{reason: "ContentAssertions calls mixed with other logic"}
	}
	var out []scenario.Matcher
	for _, c := range calls {
		args, err := groovyArgs(c[2], vals)
		if err != nil {
			return groovyResult{reason: fmt.Sprintf("%s(%s): %v", c[1], c[2], err)}
		}
		switch {
		case c[1] == "assertNonEmptyResponse" && len(args) == 1:
			out = append(out, scenario.Matcher{XPath: "count(" + args[0] + ") > 0", Equals: ptr("true"), Description: "assertNonEmptyResponse: at least one " + args[0]})
		case c[1] == "assertExactNumberOfRecords" && len(args) == 2:
			out = append(out, scenario.Matcher{XPath: "count(" + args[0] + ")", Equals: ptr(args[1]), Description: fmt.Sprintf("assertExactNumberOfRecords: %s records %s", args[1], args[0])})
		case c[1] == "assertSpecificValueInAnyRecord" && len(args) == 2:
			out = append(out, scenario.Matcher{XPath: args[0] + "[. = " + schematron.QuoteString(args[1]) + "]", Present: true, Description: fmt.Sprintf("assertSpecificValueInAnyRecord: some %s is %q", args[0], args[1])})
		case c[1] == "assertSpecificValueInAllRecords" && len(args) == 2:
			out = append(out, scenario.Matcher{XPath: fmt.Sprintf("count(%s) > 0 and count(%s[. != %s]) = 0", args[0], args[0], schematron.QuoteString(args[1])), Equals: ptr("true"), Description: fmt.Sprintf("assertSpecificValueInAllRecords: every %s is %q", args[0], args[1])})
		case c[1] == "assertNoRecordWithValue" && len(args) == 2:
			out = append(out, scenario.Matcher{XPath: args[0] + "[. = " + schematron.QuoteString(args[1]) + "]", Absent: true, Description: fmt.Sprintf("assertNoRecordWithValue: no %s is %q", args[0], args[1])})
		default:
			return groovyResult{reason: fmt.Sprintf("%s with %d argument(s) is not a translated form", c[1], len(args))}
		}
	}
	return groovyResult{kind: "matchers", matchers: out, namespaces: ns}
}

var reArg = regexp.MustCompile(`^\s*(?:'([^']*)'|"([^"$]*)"|context\.(\w+)|(\d+))\s*$`)

func groovyArgs(s string, vals map[string]string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		m := reArg.FindStringSubmatch(a)
		switch {
		case m == nil:
			return nil, fmt.Errorf("argument %q is not a literal or a data value", strings.TrimSpace(a))
		case m[3] != "":
			v, ok := vals[m[3]]
			if !ok {
				return nil, fmt.Errorf("data value %s is not defined for this test case", m[3])
			}
			out = append(out, v)
		default:
			out = append(out, m[1]+m[2]+m[4])
		}
	}
	return out, nil
}
