package msgcheck

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/contracts/xsd"
)

// maxProblems bounds how many schema problems one finding lists.
const maxProblems = 5

// checkSchema validates the first Body child against the contract's XSD.
func (c *Checker) checkSchema(s *subject) (Outcome, string) {
	if s.info == nil {
		// RIV-SOAP-01 says why; nothing that could hide an entity is parsed.
		return NotApplicable, "no envelope to validate"
	}
	if c.Validator == nil {
		return Skip, "no XSD validator configured"
	}
	if s.op == nil {
		return Skip, fmt.Sprintf("contract %q is not in the suite's contracts", s.info.Body.Space)
	}
	ns, problems, err := xsd.ValidateMessage(c.Validator, s.m.Body)
	if err != nil {
		return Fail, fmt.Sprintf("cannot validate %s: %v", ns, err)
	}
	if len(problems) > 0 {
		s.problems = problemPositions(problems)
		return Fail, FormatProblems(ns, problems)
	}
	return Pass, "valid against the schema of " + ns
}

// FormatProblems lists a message's schema problems for the contract
// namespace ns in one line, the first few at their line and column (what
// RIV-XSD-01 says; the harness says it of an invalid response file too).
func FormatProblems(ns string, ps []xsd.Problem) string {
	var b strings.Builder
	if ns == "" {
		ns = "the message (no element found to validate)"
	}
	fmt.Fprintf(&b, "%d schema problem(s) for %s: ", len(ps), ns)
	for i, p := range ps {
		if i == maxProblems {
			fmt.Fprintf(&b, "; and %d more", len(ps)-maxProblems)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// problemPositions lists where schema problems are, for locate.
func problemPositions(ps []xsd.Problem) []position {
	out := make([]position, len(ps))
	for i, p := range ps {
		out[i] = position{p.Line, p.Column}
	}
	return out
}
