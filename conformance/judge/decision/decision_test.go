package decision

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/risk"
)

var base = time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)

func finding(id, req, scenario string, impact, likelihood int) Finding {
	return Finding{ID: id, Kind: "check", Requirement: req, Scenario: scenario, Step: "step1", Check: req,
		Message: "constructed failure " + id, Rating: risk.DefaultMatrix().Rate(impact, likelihood)}
}

func open(kind, id string, impact, likelihood int) Open {
	return Open{Kind: kind, ID: id, Rating: risk.DefaultMatrix().Rate(impact, likelihood)}
}

func TestProposeDefaultRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       Input
		override *Override
		outcome  Outcome
		proposed Outcome
		rule     string
		reasons  []string // substrings, each in some reason
		devs     int
	}{
		{
			name: "nothing failed, declared: approved", in: Input{Declared: true},
			outcome: Approved, proposed: Approved, rule: "nothing-failed", reasons: []string{"no failed check"},
		},
		{
			name: "nothing failed but the declaration is missing blocks approval", in: Input{},
			outcome: Incomplete, proposed: Incomplete, rule: "declaration-missing", reasons: []string{"declaration (Beställarens deklaration) is not recorded"},
		},
		{
			name:    "high-risk failure rejects, even without a declaration",
			in:      Input{Findings: []Finding{finding("F1", "RIV-XSD-01", "S01", 4, 4), finding("F2", "DEMO-02", "S02", 2, 2)}},
			outcome: Rejected, proposed: Rejected, rule: "high-risk-failure", devs: 2,
			reasons: []string{"1 failure(s) on high-risk requirements: RIV-XSD-01 S01/step1 RIV-XSD-01 (impact 4 × likelihood 4 = 16 (high))", "is not recorded"},
		},
		{
			name: "only medium and low failures: approved with conditions",
			in: Input{Declared: true, Findings: []Finding{finding("F1", "DEMO-03", "S03", 3, 2), finding("F2", "DEMO-03", "S05", 3, 1), finding("F3", "DEMO-06", "S03", 1, 1)},
				Base: base, Owner: "Demo AB", Retest: map[string][]string{"DEMO-03": {"S03", "S07"}}},
			outcome: ApprovedWithConditions, proposed: ApprovedWithConditions, rule: "medium-low-failures", devs: 2,
			reasons: []string{"3 failure(s) on medium/low-risk requirements, 2 deviation(s)"},
		},
		{
			name:    "a pending manual verdict blocks approval with conditions",
			in:      Input{Declared: true, Findings: []Finding{finding("F1", "DEMO-03", "S03", 3, 2)}, Open: []Open{open(OpenManual, "S03/shows-error", 2, 2)}},
			outcome: Incomplete, proposed: Incomplete, rule: "manual-pending", devs: 1,
			reasons: []string{"1 manual verdict(s) pending: S03/shows-error", "1 deviation(s)"},
		},
		{
			name:    "a pending manual verdict blocks approval",
			in:      Input{Declared: true, Open: []Open{open(OpenManual, "S03/shows-error", 1, 1)}},
			outcome: Incomplete, proposed: Incomplete, rule: "manual-pending",
		},
		{
			name:    "a pending document review blocks approval",
			in:      Input{Declared: true, Open: []Open{open(OpenReview, "A-1", 3, 2)}},
			outcome: Incomplete, proposed: Incomplete, rule: "review-pending", reasons: []string{"document review(s) without a verdict: A-1"},
		},
		{
			name:    "a skipped high-risk check blocks approval",
			in:      Input{Declared: true, Open: []Open{open(OpenSkipped, "S01/get RIV-XSD-01", 4, 4)}},
			outcome: Incomplete, proposed: Incomplete, rule: "high-risk-skipped",
		},
		{
			name:    "a skipped medium-risk check does not",
			in:      Input{Declared: true, Open: []Open{open(OpenSkipped, "S02/get RIV-ACTION-01", 2, 2)}},
			outcome: Approved, proposed: Approved, rule: "nothing-failed",
		},
		{
			name:    "a selected high-risk scenario that did not run blocks approval",
			in:      Input{Declared: true, Open: []Open{open(OpenNotRun, "S05", 3, 3)}},
			outcome: Incomplete, proposed: Incomplete, rule: "high-risk-not-run", reasons: []string{"did not run: S05"},
		},
		{
			name:    "aborted wins over everything and says aborted",
			in:      Input{Aborted: "consumer unreachable: connection refused", Declared: true, Findings: []Finding{finding("F1", "X", "S01", 4, 4)}},
			outcome: Aborted, proposed: Aborted, rule: "aborted", devs: 1,
			reasons: []string{"the run was aborted: consumer unreachable: connection refused"},
		},
		{
			name:     "override recorded: both kept",
			in:       Input{Declared: true, Findings: []Finding{finding("F1", "RIV-XSD-01", "S01", 4, 4)}},
			override: &Override{Outcome: ApprovedWithConditions, Reason: "schema defect in the published contract, accepted", By: "certifier", At: base},
			outcome:  ApprovedWithConditions, proposed: Rejected, rule: "high-risk-failure", devs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := DefaultRules().Propose(tt.in, tt.override)
			if d.Outcome != tt.outcome || d.Proposed != tt.proposed || d.Rule != tt.rule {
				t.Fatalf("outcome %s proposed %s rule %s, want %s %s %s; reasons %+v", d.Outcome, d.Proposed, d.Rule, tt.outcome, tt.proposed, tt.rule, d.Reasons)
			}
			if d.LabelSV != tt.outcome.LabelSV() || d.ProposedLabelSV != tt.proposed.LabelSV() {
				t.Errorf("labels %q %q", d.LabelSV, d.ProposedLabelSV)
			}
			all := ""
			for _, r := range d.Reasons {
				all += r.Text + "\n"
				if r.TextSV == "" {
					t.Errorf("reason %s has no Swedish text", r.Rule)
				}
			}
			for _, want := range tt.reasons {
				if !strings.Contains(all, want) {
					t.Errorf("reasons %q, want %q", all, want)
				}
			}
			if len(d.Deviations) != tt.devs {
				t.Errorf("%d deviations, want %d: %+v", len(d.Deviations), tt.devs, d.Deviations)
			}
			if tt.override != nil {
				if d.Override == nil || d.Override.Reason != tt.override.Reason || d.Override.LabelSV != tt.override.Outcome.LabelSV() {
					t.Errorf("override %+v", d.Override)
				}
			} else if d.Override != nil {
				t.Errorf("override %+v without one", d.Override)
			}
		})
	}
}

func TestDeviations(t *testing.T) {
	t.Parallel()
	in := Input{Declared: true, Base: base, Owner: "Demo AB", Retest: map[string][]string{"DEMO-03": {"S03", "S07"}},
		Findings: []Finding{finding("F1", "DEMO-03", "S03", 3, 2), finding("F2", "DEMO-03", "S05", 3, 1), finding("F3", "DEMO-06", "S03", 1, 1),
			{ID: "F4", Kind: "review", Requirement: "DOC-1", Step: "A-2", Message: "no screenshots", Rating: risk.DefaultMatrix().Rate(2, 2)}}}
	d := DefaultRules().Propose(in, nil)
	want := []Deviation{
		{ID: "D1", Requirement: "DEMO-03", Findings: []string{"F1", "F2"}, Severity: SeverityMajor, Class: risk.Medium, Owner: "Demo AB", FixDeadline: "2026-05-01", RetestScope: []string{"S03", "S05", "S07"}},
		{ID: "D2", Requirement: "DEMO-06", Findings: []string{"F3"}, Severity: SeverityInconsequential, Class: risk.Low, Owner: "Demo AB", FixDeadline: "2026-08-29", RetestScope: []string{"S03"}},
		{ID: "D3", Requirement: "DOC-1", Findings: []string{"F4"}, Severity: SeverityMinor, Class: risk.Medium, Owner: "Demo AB", FixDeadline: "2026-05-31", RetestScope: []string{"review A-2"}},
	}
	if len(d.Deviations) != len(want) {
		t.Fatalf("deviations %+v", d.Deviations)
	}
	for i, w := range want {
		g := d.Deviations[i]
		if g.ID != w.ID || g.Requirement != w.Requirement || !slices.Equal(g.Findings, w.Findings) || g.Severity != w.Severity ||
			g.Class != w.Class || g.Owner != w.Owner || g.FixDeadline != w.FixDeadline || !slices.Equal(g.RetestScope, w.RetestScope) {
			t.Errorf("deviation %d:\n got %+v\nwant %+v", i, g, w)
		}
		if g.Finding == "" {
			t.Errorf("deviation %s has no finding text", g.ID)
		}
	}
	// Without a declared owner the rules' default owner is used.
	in.Owner = ""
	if got := DefaultRules().Propose(in, nil).Deviations[0].Owner; got != "leverantören" {
		t.Errorf("default owner %q", got)
	}
}

func TestRulesFromData(t *testing.T) {
	t.Parallel()
	strict := `# A stricter decision: any failure rejects.
rules:
  - id: aborted
    when: {aborted: true}
    outcome: aborted
  - id: any-failure
    when: {failed: [high, medium, low]}
    outcome: rejected
    reason: this service handles patient data
  - id: declaration
    when: {declaration_missing: true}
    outcome: incomplete
  - id: ok
    when: {otherwise: true}
    outcome: approved
deadlines:
  major: 14
owner: Supplier AB
`
	r, err := LoadRules("decision.yaml", []byte(strict))
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "decision.yaml" || r.Deadlines[SeverityMajor] != 14 || r.Deadlines[SeverityMinor] != 90 || r.Owner != "Supplier AB" {
		t.Fatalf("rules %+v", r)
	}
	d := r.Propose(Input{Declared: true, Base: base, Findings: []Finding{finding("F1", "DEMO-06", "S03", 3, 1)}}, nil)
	if d.Outcome != Rejected || d.Rule != "any-failure" || !strings.HasPrefix(d.Reasons[0].Text, "this service handles patient data: ") {
		t.Fatalf("decision %+v", d)
	}
	if d.Deviations[0].FixDeadline != "2026-03-16" || d.Deviations[0].Owner != "Supplier AB" {
		t.Fatalf("deviation %+v", d.Deviations[0])
	}

	bad := []struct{ name, data, want string }{
		{"bad outcome", "rules:\n  - id: a\n    when: {otherwise: true}\n    outcome: maybe\n", "decision.yaml:4:5: field $.rules[0].outcome: outcome \"maybe\""},
		{"bad class", "rules:\n  - id: a\n    when:\n      failed: [severe]\n    outcome: rejected\n", "field $.rules[0].when.failed[0]: risk class \"severe\""},
		{"empty condition", "rules:\n  - id: a\n    when: {}\n    outcome: approved\n", "field $.rules[0].when: a condition is required"},
		{"unknown condition", "rules:\n  - id: a\n    when: {failedd: [high]}\n    outcome: approved\n", "decision.yaml:3:12"},
		{"bad severity", "rules:\n  - {id: a, when: {otherwise: true}, outcome: approved}\ndeadlines:\n  blocker: 3\n", "field $.deadlines.blocker: severity \"blocker\""},
		{"no rules", "owner: x\n", "at least one rule is required"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadRules("decision.yaml", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNoRuleApplies(t *testing.T) {
	t.Parallel()
	r := Rules{Rules: []Rule{{ID: "only-aborted", When: Condition{Aborted: true}, Outcome: Aborted}}}
	d := r.Propose(Input{Declared: true}, nil)
	if d.Outcome != Incomplete || d.Rule != "" || len(d.Reasons) != 1 {
		t.Fatalf("decision %+v", d)
	}
}
