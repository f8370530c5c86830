package check

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// maxProblems bounds how many schema problems one finding lists.
const maxProblems = 5

// checkSchema validates the first Body child against the contract's XSD.
func checkSchema(e *Env, p *parsed) (result.Status, string) {
	if p.info == nil {
		// RIV-SOAP-01 says why; nothing that could hide an entity is parsed.
		return result.NotApplicable, "no envelope to validate"
	}
	if e.Validator == nil {
		return result.Skip, "no XSD validator configured"
	}
	if p.info != nil && p.op == nil {
		return result.Skip, fmt.Sprintf("contract %q is not in the suite's contracts", p.info.Body.Space)
	}
	ns, problems, err := xsd.ValidateMessage(e.Validator, p.req.Body)
	if err != nil {
		return result.Fail, fmt.Sprintf("cannot validate %s: %v", ns, err)
	}
	if len(problems) > 0 {
		return result.Fail, formatProblems(ns, problems)
	}
	return result.Pass, "valid against the schema of " + ns
}

func formatProblems(ns string, ps []xsd.Problem) string {
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
