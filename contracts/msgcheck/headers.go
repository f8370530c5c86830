package msgcheck

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/contracts/xsd"
)

// checkHeaderElements: every header element the WSDL binding declares for
// the operation, besides the receiver (RIV-RECV-01, RIV-PROF-01), is sent
// and validates against its schema.
func (c *Checker) checkHeaderElements(s *subject) (Outcome, string) {
	if s.info == nil {
		return NotApplicable, "no envelope to read the headers from"
	}
	if s.op == nil {
		return Skip, fmt.Sprintf("contract %q is not in the suite's contracts", s.info.Body.Space)
	}
	if len(s.op.HeaderElements()) == 0 {
		return NotApplicable, fmt.Sprintf("the WSDL declares no header element for %s besides the receiver", s.op.Name)
	}
	results, err := xsd.ValidateHeaders(c.Validator, *s.op, s.m.Body)
	if err != nil {
		return Fail, fmt.Sprintf("the SOAP header cannot be read: %v", err)
	}
	var failed, unvalidated, fine []string
	for _, r := range results {
		switch {
		case r.Missing():
			msg := fmt.Sprintf("header element %s is missing; the WSDL binding of %s declares it", r.Element, s.op.Name)
			if len(r.Elsewhere) > 0 {
				msg += fmt.Sprintf(" (an element named %s was sent in namespace %q)", r.Element.Local, r.Elsewhere[0].Space)
			}
			failed = append(failed, msg)
		case len(r.Problems) > 0:
			s.problems = append(s.problems, problemPositions(r.Problems)...)
			failed = append(failed, fmt.Sprintf("header element %s is invalid: %s", r.Element, FormatProblems(r.Element.Space, r.Problems)))
		case r.Unvalidated != "":
			unvalidated = append(unvalidated, fmt.Sprintf("header element %s was sent but not validated: %s", r.Element, r.Unvalidated))
		default:
			fine = append(fine, r.Element.String())
		}
	}
	switch {
	case len(failed) > 0:
		return Fail, strings.Join(append(failed, unvalidated...), "; ")
	case len(unvalidated) > 0:
		return Skip, strings.Join(unvalidated, "; ")
	}
	return Pass, fmt.Sprintf("header element(s) %s sent and valid", strings.Join(fine, ", "))
}
