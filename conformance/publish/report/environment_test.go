package report

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// TestEnvironmentAnchorsAndPlatformLog: the contracts' pattern-anchor
// warnings and the platform log a run followed (results.json) are in the
// report's environment section, in the report's language, in report.json,
// the HTML and the PDF.
func TestEnvironmentAnchorsAndPlatformLog(t *testing.T) {
	t.Parallel()
	dir := reporttest.RealRun(t)
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	run.PatternAnchors = []result.PatternAnchors{{Contract: "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1",
		Patterns: []result.PatternFacet{{Pattern: "^[0-9]{12}$", Owner: "SubjectOfCareIdType", File: "core_components/crm_scheduling_1.0.xsd", Line: 60}},
		Warning:  "contract ...: pattern ... is read with ^ and $ as anchors"}}
	run.PlatformLog = &result.PlatformLog{Source: "/var/log/rivgate/gateway.log", File: result.PlatformLogFile, Lines: 2}
	if err := result.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{LangSV, []string{"Mönster skrivna ^...$", `urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1: "^[0-9]{12}$" i SubjectOfCareIdType (core_components/crm_scheduling_1.0.xsd:60) läses med ^ och $ som ankare`,
			"Plattformens utväxlingslogg", "/var/log/rivgate/gateway.log: 2 rad(er) med anrop som plattformen avvisade, kopierade till platform-log.jsonl"}},
		{LangEN, []string{"Patterns written ^...$", `urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1: "^[0-9]{12}$" of SubjectOfCareIdType (core_components/crm_scheduling_1.0.xsd:60) read with ^ and $ as anchors`,
			"The platform's exchange log", "/var/log/rivgate/gateway.log: 2 line(s) of calls the platform refused, copied to platform-log.jsonl"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			r := generate(t, dir, tc.lang)
			if len(r.Environment.PatternAnchors) != 1 || r.Environment.PlatformLog == nil {
				t.Fatalf("report.json environment %+v", r.Environment)
			}
			b, err := os.ReadFile(filepath.Join(dir, HTMLFile))
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(visibleText(b)), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("HTML lacks %q", w)
				}
			}
			t.Run("pdf", func(t *testing.T) {
				bin := need(t, "pdftotext", "poppler-utils")
				out, err := exec.Command(bin, "-enc", "UTF-8", filepath.Join(dir, PDFFile), "-").CombinedOutput()
				if err != nil {
					t.Fatalf("pdftotext: %v\n%s", err, out)
				}
				pdf := strings.Join(strings.Fields(string(out)), " ")
				for _, w := range []string{tc.want[0], "SubjectOfCareIdType", tc.want[2]} {
					if !strings.Contains(pdf, w) {
						t.Errorf("PDF lacks %q", w)
					}
				}
			})
		})
	}
}
