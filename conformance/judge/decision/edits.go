package decision

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// DeviationEdit is a certifier's word on a deviation: the text of the
// condition, who owns the fix and by when, for a deviation the rules found
// (by its id), or a deviation added that no finding gave (a new id, with
// its severity). Empty fields keep what the rules give. Who and when are
// recorded as for every action.
type DeviationEdit struct {
	ID          string `json:"id"`
	Requirement string `json:"requirement,omitempty"` // an added deviation's
	Severity    string `json:"severity,omitempty"`    // an added deviation's (required for one)
	Text        string `json:"text,omitempty"`
	Owner       string `json:"owner,omitempty"`
	// FixBy is the date the fix is due (YYYY-MM-DD), replacing the one the
	// rules' deadline gives.
	FixBy string    `json:"fix_by,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// Edited says who last edited a deviation, and when.
type Edited struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Check says what is wrong with e as a record: an id, a date that is one,
// a known severity; found are the ids of the rules' deviations (whose
// requirement and severity come from the findings), added those of the
// deviations added before (which may be edited again); an id in neither
// is added and needs a severity and a text.
func (e DeviationEdit) Check(found, added []string) error {
	var problems []string
	if strings.TrimSpace(e.ID) == "" {
		problems = append(problems, "a deviation id is required (D1, ... for the rules' deviations, a new one to add a deviation)")
	}
	if e.FixBy != "" {
		if _, err := time.Parse(time.DateOnly, e.FixBy); err != nil {
			problems = append(problems, fmt.Sprintf("fix-by date %q is not a date (YYYY-MM-DD)", e.FixBy))
		}
	}
	if e.Severity != "" && !slices.Contains(Severities(), e.Severity) {
		problems = append(problems, fmt.Sprintf("severity %q: want one of %s", e.Severity, strings.Join(Severities(), ", ")))
	}
	switch {
	case e.ID == "":
	case slices.Contains(found, e.ID):
		if e.Severity != "" || e.Requirement != "" {
			problems = append(problems, fmt.Sprintf("deviation %s was found by the rules: its requirement and severity come from the findings", e.ID))
		}
	case slices.Contains(added, e.ID):
		if e.Severity != "" || e.Requirement != "" {
			problems = append(problems, fmt.Sprintf("deviation %s was added with its requirement and severity; edit its text, owner or fix-by date", e.ID))
		}
	default:
		if e.Severity == "" {
			problems = append(problems, fmt.Sprintf("deviation %s is not one the rules found (%s), so it is added and needs a severity", e.ID, listOr(found)))
		}
		if strings.TrimSpace(e.Text) == "" {
			problems = append(problems, fmt.Sprintf("deviation %s is added and needs a text saying what must be done", e.ID))
		}
	}
	if strings.TrimSpace(e.By) == "" {
		problems = append(problems, "who edits is required")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func listOr(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// severityClass is the risk class an added deviation is listed with: its
// severity's impact (critical 4 ... inconsequential 1) at likelihood 2 on
// the default matrix (critical high, major and minor medium,
// inconsequential low).
func severityClass(s string) risk.Class {
	return risk.DefaultMatrix().Rate(severityRank(s), 2).Class
}

// ApplyEdits applies the certifier's edits to d's deviations, in the order
// recorded (the latest edit of a field counts), and appends the added
// ones. The proposal is not changed: it stands on the findings.
func (d *Decision) ApplyEdits(edits []DeviationEdit) {
	for _, e := range edits {
		i := slices.IndexFunc(d.Deviations, func(dv Deviation) bool { return dv.ID == e.ID })
		if i < 0 {
			d.Deviations = append(d.Deviations, Deviation{ID: e.ID, Requirement: e.Requirement, Findings: []string{},
				Severity: e.Severity, Class: severityClass(e.Severity), RetestScope: []string{}, Added: true})
			i = len(d.Deviations) - 1
		}
		dv := &d.Deviations[i]
		if e.Text != "" {
			dv.Text = e.Text
		}
		if e.Owner != "" {
			dv.Owner = e.Owner
		}
		if e.FixBy != "" {
			dv.FixDeadline = e.FixBy
		}
		dv.Edited = &Edited{By: e.By, At: e.At}
	}
}
