package check

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// checkHeaderElements: every header element the WSDL binding declares for
// the operation, besides the receiver (RIV-RECV-01, RIV-PROF-01), is sent
// and validates against its schema.
func checkHeaderElements(e *Env, p *parsed) (result.Status, string) {
	if p.info == nil {
		return result.NotApplicable, "no envelope to read the headers from"
	}
	if p.op == nil {
		return result.Skip, fmt.Sprintf("contract %q is not in the suite's contracts", p.info.Body.Space)
	}
	if len(p.op.HeaderElements()) == 0 {
		return result.NotApplicable, fmt.Sprintf("the WSDL declares no header element for %s besides the receiver", p.op.Name)
	}
	results, err := xsd.ValidateHeaders(e.Validator, *p.op, p.req.Body)
	if err != nil {
		return result.Fail, fmt.Sprintf("the SOAP header cannot be read: %v", err)
	}
	var failed, unvalidated, fine []string
	for _, r := range results {
		switch {
		case r.Missing():
			msg := fmt.Sprintf("header element %s is missing; the WSDL binding of %s declares it", r.Element, p.op.Name)
			if len(r.Elsewhere) > 0 {
				msg += fmt.Sprintf(" (an element named %s was sent in namespace %q)", r.Element.Local, r.Elsewhere[0].Space)
			}
			failed = append(failed, msg)
		case len(r.Problems) > 0:
			failed = append(failed, fmt.Sprintf("header element %s is invalid: %s", r.Element, formatProblems(r.Element.Space, r.Problems)))
		case r.Unvalidated != "":
			unvalidated = append(unvalidated, fmt.Sprintf("header element %s was sent but not validated: %s", r.Element, r.Unvalidated))
		default:
			fine = append(fine, r.Element.String())
		}
	}
	switch {
	case len(failed) > 0:
		return result.Fail, joinProblems(append(failed, unvalidated...))
	case len(unvalidated) > 0:
		return result.Skip, joinProblems(unvalidated)
	}
	return result.Pass, fmt.Sprintf("header element(s) %s sent and valid", strings.Join(fine, ", "))
}
