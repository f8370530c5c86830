package scenario

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   string
		xpaths []string
		lines  []int
		values []string
		want   string // rendered with values
		err    string
	}{
		{name: "no placeholder", data: "<r/>", want: "<r/>"},
		{name: "text and attribute", data: "<r a=\"{{//a/@v}}\">\n<id>{{ //p:id }}</id></r>", xpaths: []string{"//a/@v", "//p:id"}, lines: []int{1, 2},
			values: []string{`say "hi"`, "a<b&c"}, want: "<r a=\"say &#34;hi&#34;\">\n<id>a&lt;b&amp;c</id></r>"},
		{name: "closing braces in a string literal", data: "<r>{{concat('}}', \"}}\")}}</r>", xpaths: []string{`concat('}}', "}}")`}, lines: []int{1},
			values: []string{"}}}}"}, want: "<r>}}}}</r>"},
		{name: "multi-line placeholder", data: "<r>\n{{\n//a\n}}{{//b}}</r>", xpaths: []string{"//a", "//b"}, lines: []int{2, 4},
			values: []string{"1", "2"}, want: "<r>\n12</r>"},
		{name: "unclosed", data: "<r>\n{{//a</r>", err: "t.xml line 2: {{ without }}"},
		{name: "empty", data: "<r>{{ }}</r>", err: "t.xml line 1: empty placeholder {{}}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := ParseTemplate("t.xml", []byte(tc.data))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var xpaths []string
			var lines []int
			for _, p := range tpl.Placeholders {
				xpaths = append(xpaths, p.XPath)
				lines = append(lines, p.Line)
			}
			if strings.Join(xpaths, "|") != strings.Join(tc.xpaths, "|") || len(lines) != len(tc.lines) {
				t.Fatalf("placeholders %q at %v, want %q at %v", xpaths, lines, tc.xpaths, tc.lines)
			}
			for i := range lines {
				if lines[i] != tc.lines[i] {
					t.Fatalf("lines %v, want %v", lines, tc.lines)
				}
			}
			got, err := tpl.Render(tc.values)
			if err != nil || string(got) != tc.want {
				t.Fatalf("Render = %q, %v; want %q", got, err, tc.want)
			}
			if _, err := tpl.Render(append(tc.values, "extra")); err == nil {
				t.Fatal("Render took more values than placeholders")
			}
		})
	}
}

// TestLoadChecksTemplates: a template's problems are load errors naming
// the step's field: a missing file, an XPath with a prefix the suite does
// not declare, a bad XPath, an unclosed placeholder, and a template that is
// not well-formed XML once filled.
func TestLoadChecksTemplates(t *testing.T) {
	t.Parallel()
	suite := strings.Replace(goodSuite, "scenarios:", "namespaces: {p: 'urn:p'}\nscenarios:", 1)
	scenario := strings.Replace(goodScenario, "{file: r.xml}", "{template: t.xml}", 1)
	tests := []struct {
		name     string
		template string // "" for none
		scenario string
		want     []string
	}{
		{name: "good", template: `<r xmlns="urn:p"><id>{{//p:id}}</id><to>{{/soap:Envelope/soap:Header/wsa:To}}</to></r>`},
		{name: "missing file", scenario: scenario, want: []string{"s/s1.yaml:7:", "field $.steps[0].respond.template", `file "t.xml"`}},
		{name: "unknown prefix", template: "<r>{{//q:id}}</r>",
			want: []string{"field $.steps[0].respond.template", "template t.xml: placeholder {{//q:id}} (line 1): bad XPath: prefix q not defined"}},
		{name: "bad XPath", template: "<r>\n{{//p:id[}}</r>", want: []string{"template t.xml: placeholder {{//p:id[}} (line 2): bad XPath"}},
		{name: "unclosed", template: "<r>{{//p:id</r>", want: []string{"template t.xml line 1: {{ without }}"}},
		{name: "not well-formed", template: "<r>{{//p:id}}</x>",
			want: []string{"template t.xml is not well-formed XML once its placeholders are filled"}},
		{name: "template and file", template: "<r/>", scenario: strings.Replace(goodScenario, "{file: r.xml}", "{file: r.xml, template: t.xml}", 1),
			want: []string{"field $.steps[0].respond", "got file, template"}},
		{name: "template broken by a connection fault", template: "<r/>", scenario: strings.Replace(goodScenario, "{file: r.xml}", "{template: t.xml, connection: truncated}", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := tc.scenario
			if sc == "" {
				sc = scenario
			}
			fsys := fstest.MapFS{
				"s/suite.yaml": {Data: []byte(suite)},
				"s/c/x.wsdl":   {Data: []byte("<x/>")},
				"s/r.xml":      {Data: []byte("<r/>")},
				"s/s1.yaml":    {Data: []byte(sc)},
			}
			if tc.template != "" {
				fsys["s/t.xml"] = &fstest.MapFile{Data: []byte(tc.template)}
			}
			s, err := Load(fsys, "s")
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tpl, err := s.Template(s.Scenarios[0].Steps[0].Respond.Template); err != nil || tpl.Name != "t.xml" {
					t.Fatalf("Template = %+v, %v", tpl, err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
