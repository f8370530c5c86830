package harness

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// CheckResponses validates the response files the suite's steps answer
// with against the contracts, so a suite never sends an invalid answer
// without a word: each invalid file is a load error naming the scenario
// file, the step's line and field, the response file, its element and the
// reasons. A file that is a SOAP fault is not validated (a fault is no
// contract message); a step whose respond says `invalid: true` sends its
// file deliberately invalid; a suite that skips RIV-XSD-01 does not trust
// the contract's schema, so nothing is validated.
func CheckResponses(suite *scenario.Suite, set *contracts.Set, v xsd.Validator) error {
	if v == nil || schemaSkipped(suite) {
		return nil
	}
	var errs []error
	for _, sc := range suite.Scenarios {
		for i, st := range sc.Steps {
			if st.Respond == nil || st.Respond.File == "" || st.Respond.Invalid {
				continue
			}
			if msg := checkResponse(suite, set, v, st.Respond.File); msg != "" {
				errs = append(errs, &scenario.LoadError{File: scenarioFile(suite, sc), Line: st.Line,
					Field: fmt.Sprintf("$.steps[%d].respond.file", i), Msg: msg})
			}
		}
	}
	return errors.Join(errs...)
}

// checkResponse says why the response file name is invalid, "" when it is
// valid.
func checkResponse(suite *scenario.Suite, set *contracts.Set, v xsd.Validator, name string) string {
	body, err := suite.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	if _, err := vpfault.Parse(body); err == nil {
		return ""
	}
	element := "its element"
	if info, err := envelope.SniffBytes(body); err == nil {
		element = fmt.Sprintf("{%s}%s", info.Body.Space, info.Body.Local)
		if _, ok := set.ByNamespace(info.Body.Space); !ok {
			return fmt.Sprintf("response %s: %s is not in the suite's contracts%s", name, element, deliberately)
		}
	}
	ns, problems, err := xsd.ValidateMessage(v, body)
	switch {
	case err != nil:
		return fmt.Sprintf("response %s: %s cannot be validated: %v", name, element, err)
	case len(problems) > 0:
		return fmt.Sprintf("response %s: %s is invalid against the contract: %s%s", name, element, msgcheck.FormatProblems(ns, problems), deliberately)
	}
	return ""
}

// deliberately tells the author how to keep an invalid answer.
const deliberately = "; if the step sends it deliberately, say respond: {invalid: true}"

// schemaSkipped reports whether the suite turns RIV-XSD-01 off.
func schemaSkipped(suite *scenario.Suite) bool {
	_, skipped := suite.EnabledChecks()
	for _, id := range skipped {
		if id == scenario.ReqSchema {
			return true
		}
	}
	return false
}

// scenarioFile is sc's file as people know it.
func scenarioFile(suite *scenario.Suite, sc *scenario.Scenario) string {
	if suite.OSRoot != "" {
		return filepath.Join(suite.OSRoot, filepath.FromSlash(suite.Path(sc.File)))
	}
	return path.Join(suite.Dir, sc.File)
}
