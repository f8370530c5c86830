package report

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

var (
	tags   = regexp.MustCompile(`(?s)<style>.*?</style>|<svg.*?</svg>|<[^>]+>`)
	quotes = regexp.MustCompile(`”[^”]*”|<q>.*?</q>|<code>.*?</code>`)
)

// visibleText is what a reader sees of an HTML rendering, without the
// quoted text (validator messages, reasons recorded in English).
func visibleText(b []byte) string {
	s := quotes.ReplaceAllString(string(b), " ")
	return html.UnescapeString(tags.ReplaceAllString(s, " "))
}

// foreign lists the other language's catalogue strings in text. One-word
// entries are left out: a suite's own English titles may hold them.
func foreign(text, lang string) []string {
	other := LangEN
	if lang == LangEN {
		other = LangSV
	}
	var out []string
	for _, s := range Catalogue(other) {
		if strings.Contains(s, "%") || !strings.Contains(s, " ") {
			continue
		}
		if strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestOneLanguage renders a failing run (a medium-risk failure, pending
// items) in Swedish and English: neither holds a phrase of the other's
// catalogue, and the Swedish one says what ran in Swedish.
func TestOneLanguage(t *testing.T) {
	t.Parallel()
	dir := reporttest.RealRun(t)
	for _, lang := range []string{LangSV, LangEN} {
		generate(t, dir, lang)
		b, err := os.ReadFile(filepath.Join(dir, HTMLFile))
		if err != nil {
			t.Fatal(err)
		}
		text := visibleText(b)
		if f := foreign(text, lang); len(f) > 0 {
			t.Errorf("%s rendering holds the other language's %q", lang, f)
		}
		for _, english := range []string{"pending", "every scenario of the suite runs", "ran although", "open until fixed"} {
			if lang == LangSV && strings.Contains(text, english) {
				t.Errorf("Swedish rendering holds %q", english)
			}
		}
	}
}

// TestDecisionBoxMatchesDeviations: the box's wording and the deviations
// section say the same thing, whatever a person overrode.
func TestDecisionBoxMatchesDeviations(t *testing.T) {
	t.Parallel()
	dev := decision.Deviation{ID: "D1", Requirement: "RIV-RECV-02", Findings: []string{"F001"}, Finding: "receiver has spaces", Severity: "major",
		Class: risk.Medium, Owner: "Demo Vård AB", FixDeadline: "2027-01-31", RetestScope: []string{"R04"}}
	override := func(o decision.Outcome) *decision.Override {
		return &decision.Override{Outcome: o, Reason: "accepted by the certifier", By: "certifierare", At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	}
	tests := []struct {
		name         string
		d            decision.Decision
		want, absent []string
	}{
		{
			name: "with conditions over deviations",
			d: decision.Decision{Outcome: decision.ApprovedWithConditions, Proposed: decision.ApprovedWithConditions,
				Deviations: []decision.Deviation{dev}},
			want:   []string{label(LangSV, "deviations"), label(LangSV, "deadline"), "2027-01-31"},
			absent: []string{label(LangSV, "devAccepted"), label(LangSV, "boxNoDevsRule")},
		},
		{
			name: "overridden to without conditions",
			d: decision.Decision{Outcome: decision.Approved, Proposed: decision.ApprovedWithConditions,
				Deviations: []decision.Deviation{dev}, Override: override(decision.Approved)},
			want:   []string{label(LangSV, "devAccepted"), label(LangSV, "devAcceptedNote"), "1 avvikelse(r) godtogs utan förbehåll"},
			absent: []string{label(LangSV, "deadline"), "2027-01-31"},
		},
		{
			name: "overridden to with conditions, no deviations",
			d: decision.Decision{Outcome: decision.ApprovedWithConditions, Proposed: decision.Rejected,
				Override: override(decision.ApprovedWithConditions)},
			want:   []string{label(LangSV, "boxNoDeviations")},
			absent: []string{label(LangSV, "deviations") + "</h2>"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Report{Decision: tc.d}
			r.Residual = residual(tc.d, nil, nil)
			b, err := HTML(r, LangSV)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), escaped(w)) {
					t.Errorf("no %q", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(string(b), escaped(a)) {
					t.Errorf("holds %q", a)
				}
			}
			for _, rr := range r.Residual {
				if rr.Kind == "deviation" && tc.d.Outcome == decision.Approved && strings.Contains(rr.Description, "deadline") {
					t.Errorf("an accepted deviation keeps its deadline: %s", rr.Description)
				}
			}
		})
	}
}

// escaped is s as html/template writes text.
func escaped(s string) string { return html.EscapeString(s) }

// TestToolCommit: the report names the commit it was built from, or says
// it does not know it.
func TestToolCommit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ commit, want string }{
		{"0123abcd", "commit 0123abcd"},
		{"unknown", "okänd (byggd utan VCS-information)"},
		{"", "okänd (byggd utan VCS-information)"},
	} {
		r := &Report{Tool: Tool{Name: "rivgate", Version: "dev"}, GeneratedBy: Tool{Name: "rivgate", Version: "dev", Commit: tc.commit}}
		if got := toolLine(LangSV, r); !strings.Contains(got, tc.want) {
			t.Errorf("commit %q: %q, want %q", tc.commit, got, tc.want)
		}
	}
}

// TestContractIdentity: a contract directory relative to the suite shows
// as the contract's name and version.
func TestContractIdentity(t *testing.T) {
	t.Parallel()
	files := []FileHash{{Path: "schemas/interactions/GetVisitsInteraction/GetVisitsInteraction_1.0_RIVTABP21.wsdl"}, {Path: "schemas/core_components/x.xsd"}}
	name, version, inter := contractIdentity("../../contracts/demo_clinic_1.0", files)
	c := ContractsInfo{Dir: "../../contracts/demo_clinic_1.0", Name: name, Version: version, Interactions: inter}
	if got := c.Label(); got != "demo_clinic 1.0 (GetVisitsInteraction 1.0)" {
		t.Errorf("label %q", got)
	}
	if got := (ContractsInfo{Dir: "contracts"}).Label(); got != "contracts" {
		t.Errorf("unversioned label %q", got)
	}
}
