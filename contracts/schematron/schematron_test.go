package schematron

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

func mustParse(t *testing.T, path string) *Schema {
	t.Helper()
	s, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *Schema, path string) *Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Validate(b)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// messages lists "assert-label: message @ path" for comparison.
func messages(rep *Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Assert+": "+f.Message+" @ "+f.Path)
	}
	slices.Sort(out)
	return out
}

func TestFeatures(t *testing.T) {
	s := mustParse(t, "testdata/features.sch")
	var reasons []string
	for _, p := range s.Problems {
		reasons = append(reasons, p.String())
	}
	if len(s.Problems) != 2 || !strings.Contains(reasons[0], "if-then") || !strings.Contains(reasons[1], "$nowhere") {
		t.Fatalf("problems: want the if/then/else and the undeclared variable, got %q", reasons)
	}
	if c := s.Count(); c != (Counts{Rules: 5, Asserts: 10, Evaluable: 8, NotEvaluable: 2}) {
		t.Errorf("counts %+v", c)
	}
	tests := []struct {
		doc  string
		want []string
	}{
		{"testdata/visits.xml", nil},
		{"testdata/visits-bad.xml", []string{
			"date: Visit A1 date 1 May is not YYYY-MM-DD. @ /v:visits/v:visit[1]",
			"id: v:visit needs an id. @ /v:visits/v:visit[3]",
			"late: Visit A1 was cancelled as LATE. @ /v:visits/v:visit[2]",
			"max: At most 3 visits, got 4. @ /v:visits",
			"reason: Cancelled visit needs a reason. @ /v:visits/v:visit[3]",
			"unique: Visit ids must be unique: A1 A1 A4. @ /v:visits",
			"exists(v:code) or exists(v:text): In v:visitType, v:visitType needs code or text. @ /v:visits/v:visit[1]/v:visitType",
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.doc), func(t *testing.T) {
			rep := validate(t, s, tt.doc)
			got := messages(rep)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings:\n got %q\nwant %q", got, want)
			}
			if len(rep.NotEvaluated) != 2 {
				t.Errorf("not evaluated: %v", rep.NotEvaluated)
			}
			if rep.Fired == 0 || rep.Checked == 0 {
				t.Errorf("fired %d checked %d", rep.Fired, rep.Checked)
			}
		})
	}
}

func TestFirstRuleWins(t *testing.T) {
	s := mustParse(t, "testdata/features.sch")
	rep := validate(t, s, "testdata/visits-bad.xml")
	for _, f := range rep.Findings {
		// the cancelled visits are taken by the first rule: no date check
		if f.Assert == "date" && f.Path != "/v:visits/v:visit[1]" {
			t.Errorf("rule v:visit fired on %s, which the cancelled rule took", f.Path)
		}
	}
}

func TestRewrite(t *testing.T) {
	vars := func(n string) (string, bool) {
		return map[string]string{"a": "'x'", "n": "(2)"}[n], n == "a" || n == "n"
	}
	tests := []struct{ in, want string }{
		{"exists(a:b)", "boolean(a:b)"},
		{"empty( a:b )", "not( a:b )"},
		{"count(x) eq 1", "count(x) = 1"},
		{"x/eq", "x/eq"},
		{"$n ge count(ne)", "(2) >= count(ne)"},
		{"upper-case(concat('a', b)) = 'AB'", "translate(concat('a', b), '" + lowerLetters + "', '" + upperLetters + "') = 'AB'"},
		{"'exists($a)' = $a", "'exists($a)' = 'x'"},
		{"xs:integer(a:n) lt 3", "number(a:n) < 3"},
	}
	for _, tt := range tests {
		got, err := rewrite(tt.in, vars)
		if err != nil || got != tt.want {
			t.Errorf("rewrite(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := rewrite("$missing", vars); err == nil {
		t.Error("an undeclared variable must be an error")
	}
}

func TestLiteral(t *testing.T) {
	for in, want := range map[string]string{"plain": "'plain'", "it's": `"it's"`, `a'b"c`: `concat('a', "'", 'b"c')`} {
		if got := QuoteString(in); got != want {
			t.Errorf("QuoteString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestContextSelect(t *testing.T) {
	for in, want := range map[string]string{
		"urn1:code":         "//urn1:code",
		"/a/b":              "/a/b",
		"a | /b | c[d|e]":   "//a | /b | //c[d|e]",
		"urn1:x/urn1:code":  "//urn1:x/urn1:code",
		"@code":             "//@code",
		"urn1:a[@b = '|']":  "//urn1:a[@b = '|']",
		"/":                 "/",
		"x[count(y|z) = 1]": "//x[count(y|z) = 1]",
	} {
		got, err := contextSelect(in)
		if err != nil || got != want {
			t.Errorf("contextSelect(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestBadSchemas(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not schematron", `<schema/>`, "not an ISO Schematron schema"},
		{"binding", `<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="exslt"/>`, "queryBinding"},
		{"not xml", `<schema`, "parse"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
	s, err := Parse([]byte(`<schema xmlns="http://purl.oclc.org/dsdl/schematron"><include href="x.sch"/><pattern is-a="nope" id="p"/></schema>`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) != 2 {
		t.Errorf("include and a missing abstract pattern must be problems: %v", s.Problems)
	}
}

// TestPublishedConstraints evaluates every constraints file of the
// shared TK suites: all rules evaluable, the sample mock answers of the
// same contract pass, and breaking one rule gives the finding.
func TestPublishedConstraints(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testutil.Shared(t, "soapui"), "*", "test-suite", "*", "constraints*.xml"))
	if len(files) == 0 {
		t.Fatal("no constraints*.xml under ../shared/rivta/soapui/*/test-suite: the TK suites there hold five; a wrong path must fail, not skip")
	}
	for _, f := range files {
		s := mustParse(t, f)
		c := s.Count()
		if c.NotEvaluable != 0 || c.Asserts == 0 {
			t.Errorf("%s: %+v, problems %v", f, c, s.Problems)
		}
	}
	s := mustParse(t, filepath.Join(testutil.Shared(t, "soapui"), "clinicalprocess_logistics_logistics_2.0.1", "test-suite", "GetCareContacts", "constraints.xml"))
	good := `<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>
<r:GetCareContactsResponse xmlns:r="urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:2" xmlns:c="urn:riv:clinicalprocess:logistics:logistics:2">
<r:careContact><c:careContactHeader><c:accountableHealthcareProfessional><c:code>1</c:code><c:codeSystem>2</c:codeSystem><c:displayName>3</c:displayName></c:accountableHealthcareProfessional></c:careContactHeader></r:careContact>
</r:GetCareContactsResponse></Body></Envelope>`
	rep, err := s.Validate([]byte(good))
	if err != nil || len(rep.Findings) != 0 || rep.Fired != 4 {
		t.Fatalf("good answer: %v, findings %v, fired %d", err, rep.Findings, rep.Fired)
	}
	bad := strings.Replace(good, "<c:displayName>3</c:displayName>", "<c:originalText>x</c:originalText>", 1)
	rep, err = s.Validate([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	got := messages(rep)
	want := []string{
		"count(../urn1:code) + count(../urn1:codeSystem) + count(../urn1:displayName) = 0: In urn1:accountableHealthcareProfessional if c:originalText is given, code, codeSystem and displayName must not be given. @ /Envelope/Body/r:GetCareContactsResponse/r:careContact/c:careContactHeader/c:accountableHealthcareProfessional/c:originalText",
		"count(../urn1:code) + count(../urn1:displayName) = 2: In urn1:accountableHealthcareProfessional if c:codeSystem is given, code and displayName must be given. @ /Envelope/Body/r:GetCareContactsResponse/r:careContact/c:careContactHeader/c:accountableHealthcareProfessional/c:codeSystem",
		"count(../urn1:codeSystem) + count(../urn1:displayName) = 2: In urn1:accountableHealthcareProfessional if c:code is given, codeSystem and displayName must be given. @ /Envelope/Body/r:GetCareContactsResponse/r:careContact/c:careContactHeader/c:accountableHealthcareProfessional/c:code",
		"count(../urn1:originalText)= 0: In urn1:accountableHealthcareProfessional if c:code is given, originalText must not be given. @ /Envelope/Body/r:GetCareContactsResponse/r:careContact/c:careContactHeader/c:accountableHealthcareProfessional/c:code",
		"count(../urn1:originalText)= 0: In urn1:accountableHealthcareProfessional if c:codeSystem is given, originalText must not be given. @ /Envelope/Body/r:GetCareContactsResponse/r:careContact/c:careContactHeader/c:accountableHealthcareProfessional/c:codeSystem",
		"count(urn1:code) + count(urn1:originalText) = 1: In urn1:accountableHealthcareProfessional, either code or origialText must be given. @ /Envelope/Body/r:GetCareContactsResponse/r:careContact/c:careContactHeader/c:accountableHealthcareProfessional",
	}
	if !slices.Equal(got, want) {
		t.Errorf("broken answer:\n got %q\nwant %q", got, want)
	}
}
