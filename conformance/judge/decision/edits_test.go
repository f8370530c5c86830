package decision

import (
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// TestDeviationEditCheck: what an edit must say, for a deviation the rules
// found, one added before and a new one.
func TestDeviationEditCheck(t *testing.T) {
	t.Parallel()
	found, added := []string{"D1", "D2"}, []string{"X1"}
	tests := []struct {
		name string
		e    DeviationEdit
		want string // "" when accepted, else part of the error
	}{
		{"owner and date of a found one", DeviationEdit{ID: "D1", Owner: "Demo Vård AB", FixBy: "2027-01-15", By: "karin"}, ""},
		{"text of an added one", DeviationEdit{ID: "X1", Text: "new wording", By: "karin"}, ""},
		{"a new one", DeviationEdit{ID: "X2", Severity: SeverityMinor, Text: "update the manual", By: "karin"}, ""},
		{"no id", DeviationEdit{Owner: "x", By: "karin"}, "id is required"},
		{"no one", DeviationEdit{ID: "D1", Owner: "x"}, "who edits is required"},
		{"not a date", DeviationEdit{ID: "D1", FixBy: "15/1/2027", By: "karin"}, "not a date"},
		{"a found one's severity", DeviationEdit{ID: "D2", Severity: SeverityMajor, By: "karin"}, "come from the findings"},
		{"a new one without severity", DeviationEdit{ID: "X2", Text: "t", By: "karin"}, "needs a severity"},
		{"a new one without text", DeviationEdit{ID: "X2", Severity: SeverityMinor, By: "karin"}, "needs a text"},
		{"an unknown severity", DeviationEdit{ID: "X2", Severity: "grave", Text: "t", By: "karin"}, `severity "grave"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.e.Check(found, added)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestApplyEdits: the latest edit of a field counts, empty fields keep the
// rules' values, an added deviation comes last with its class from its
// severity, and the proposal is untouched.
func TestApplyEdits(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := Decision{Proposed: ApprovedWithConditions, Deviations: []Deviation{{ID: "D1", Requirement: "RIV-RECV-02", Owner: "leverantören", FixDeadline: "2027-02-01", Class: risk.Medium}}}
	d.ApplyEdits([]DeviationEdit{
		{ID: "D1", Owner: "Demo Vård AB", Text: "trim the receiver", By: "karin", At: at},
		{ID: "X1", Severity: SeverityCritical, Text: "sign the appendix", By: "karin", At: at},
		{ID: "D1", FixBy: "2027-01-15", By: "olle", At: at.Add(time.Hour)},
	})
	d1, x1 := d.Deviations[0], d.Deviations[1]
	if d1.Owner != "Demo Vård AB" || d1.FixDeadline != "2027-01-15" || d1.Text != "trim the receiver" || d1.Edited.By != "olle" || d1.Requirement != "RIV-RECV-02" || d1.Added {
		t.Errorf("D1 %+v", d1)
	}
	if len(d.Deviations) != 2 || x1.ID != "X1" || !x1.Added || x1.Class != risk.High || x1.Severity != SeverityCritical || x1.Findings == nil || x1.RetestScope == nil {
		t.Errorf("added %+v", x1)
	}
	if d.Proposed != ApprovedWithConditions {
		t.Errorf("proposal changed to %s", d.Proposed)
	}
}
