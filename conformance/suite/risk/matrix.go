// Package risk is the conformance risk model: impact (1-4, per requirement)
// times likelihood (1-4, per scenario) gives a score and a risk class from a
// documented matrix, plus the PRISMA quadrant; a risk profile (risk.yaml,
// from the maturity analysis) overrides the suite's values and says which
// contracts and functions the consumer uses and what changed since the last
// certification; a Plan selects the scenarios to run, each with its reasons.
package risk

import "fmt"

// Class is a risk class.
type Class string

// The risk classes, highest first.
const (
	High   Class = "high"
	Medium Class = "medium"
	Low    Class = "low"
)

// Classes lists the classes, highest first.
func Classes() []Class { return []Class{High, Medium, Low} }

// Rank orders classes: high 3, medium 2, low 1, unknown 0.
func (c Class) Rank() int {
	switch c {
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// Matrix turns impact and likelihood into a class. Score = impact ×
// likelihood (1-16); score >= High is high, >= Medium is medium, else low.
// The defaults (8 and 4) give this matrix (rows impact, columns likelihood):
//
//	        L1  L2  L3  L4
//	I4       M   H   H   H
//	I3       L   M   H   H
//	I2       L   M   M   H
//	I1       L   L   L   M
type Matrix struct {
	High   int `yaml:"high" json:"high"`
	Medium int `yaml:"medium" json:"medium"`
}

// DefaultMatrix is the documented default.
func DefaultMatrix() Matrix { return Matrix{High: 8, Medium: 4} }

// Rating is the risk of one item.
type Rating struct {
	Impact     int    `json:"impact"`
	Likelihood int    `json:"likelihood"`
	Score      int    `json:"score"`
	Class      Class  `json:"class"`
	Quadrant   string `json:"quadrant"`
}

// Rate rates impact × likelihood. Values outside 1-4 are clamped, so a
// missing value (0) counts as the lowest.
func (m Matrix) Rate(impact, likelihood int) Rating {
	impact, likelihood = clamp(impact), clamp(likelihood)
	s := impact * likelihood
	c := Low
	switch {
	case s >= m.High:
		c = High
	case s >= m.Medium:
		c = Medium
	}
	return Rating{Impact: impact, Likelihood: likelihood, Score: s, Class: c, Quadrant: Quadrant(impact, likelihood)}
}

// String is "impact 3 × likelihood 4 = 12 (high)".
func (r Rating) String() string {
	return fmt.Sprintf("impact %d × likelihood %d = %d (%s)", r.Impact, r.Likelihood, r.Score, r.Class)
}

func clamp(v int) int { return min(max(v, 1), 4) }

// Quadrant is the PRISMA product-risk quadrant, splitting both axes in the
// middle (3-4 is high): I high impact and high likelihood, II high impact and
// low likelihood, III low impact and high likelihood, IV low and low.
func Quadrant(impact, likelihood int) string {
	hi, hl := clamp(impact) >= 3, clamp(likelihood) >= 3
	switch {
	case hi && hl:
		return "I"
	case hi:
		return "II"
	case hl:
		return "III"
	}
	return "IV"
}

// Validate checks the thresholds.
func (m Matrix) Validate() error {
	if m.Medium < 1 || m.High <= m.Medium || m.High > 16 {
		return fmt.Errorf("thresholds must satisfy 1 <= medium < high <= 16, got medium %d, high %d", m.Medium, m.High)
	}
	return nil
}
