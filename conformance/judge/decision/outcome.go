// Package decision proposes the certification decision from a run's
// findings and risk, with the rules as data (decision.yaml in the suite
// directory; built-in defaults otherwise): a failed check on a high-risk
// requirement rejects ("Underkänd"); only medium and low failures approve
// with conditions ("Godkänd med förbehåll"), each deviation with its
// requirement, findings, owner, a fix deadline from its severity and a
// retest scope; nothing failed, nothing pending and the supplier's
// declaration recorded approves ("Godkänd utan förbehåll"). A pending manual
// verdict or review, a skipped or unrun high-risk item, or a missing
// declaration makes the proposal "incomplete"; an aborted run is "aborted".
// Both never approve. A person may override with a reason; proposal and
// override are both kept.
package decision

// Outcome is a decision or a state in which none can be proposed.
type Outcome string

// The outcomes. Approved, ApprovedWithConditions and Rejected are the
// certification decisions; Incomplete and Aborted say why none is proposed.
const (
	Approved               Outcome = "approved"
	ApprovedWithConditions Outcome = "approved-with-conditions"
	Rejected               Outcome = "rejected"
	Incomplete             Outcome = "incomplete"
	Aborted                Outcome = "aborted"
)

// Outcomes lists every outcome.
func Outcomes() []Outcome {
	return []Outcome{Approved, ApprovedWithConditions, Rejected, Incomplete, Aborted}
}

// Decisions are the outcomes a person may record with an override.
func Decisions() []Outcome { return []Outcome{Approved, ApprovedWithConditions, Rejected} }

// IsApproval reports whether o approves (with or without conditions).
func (o Outcome) IsApproval() bool { return o == Approved || o == ApprovedWithConditions }

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	for _, x := range Outcomes() {
		if x == o {
			return true
		}
	}
	return false
}

// LabelSV is the Swedish label used in decisions.
func (o Outcome) LabelSV() string {
	switch o {
	case Approved:
		return "Godkänd utan förbehåll"
	case ApprovedWithConditions:
		return "Godkänd med förbehåll"
	case Rejected:
		return "Underkänd"
	case Incomplete:
		return "Ofullständig – inget beslut kan föreslås"
	case Aborted:
		return "Avbruten – inget godkännande"
	}
	return string(o)
}

// LabelEN is the English label.
func (o Outcome) LabelEN() string {
	switch o {
	case Approved:
		return "Approved without conditions"
	case ApprovedWithConditions:
		return "Approved with conditions"
	case Rejected:
		return "Rejected"
	case Incomplete:
		return "Incomplete – no decision can be proposed"
	case Aborted:
		return "Aborted – not approved"
	}
	return string(o)
}

// Label is LabelSV or LabelEN by language ("en" for English).
func (o Outcome) Label(lang string) string {
	if lang == "en" {
		return o.LabelEN()
	}
	return o.LabelSV()
}
