package scenario

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad loads a suite.yaml and one scenario file of any content: the
// loader must never panic, must say the same thing twice, must name the
// file in every problem it reports, and what it accepts must be usable (ids,
// steps, an answer for every expectation). Seeds: testdata/fuzz/FuzzLoad
// (the fixture suites and the documented example) and the tests' own.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(goodSuite), []byte(goodScenario))
	f.Add([]byte(goodSuite), []byte(goodScenario+"tags: [smoke]\nfunctions: [visits]\n"))
	f.Fuzz(func(t *testing.T, suite, sc []byte) {
		fsys := fstest.MapFS{
			"s/suite.yaml": {Data: suite},
			"s/s1.yaml":    {Data: sc},
			"s/c/x.wsdl":   {Data: []byte("<x/>")},
			"s/r.xml":      {Data: []byte("<r/>")},
		}
		s, err := Load(fsys, "s")
		_, err2 := Load(fsys, "s")
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("two loads differ: %v / %v", err, err2)
		}
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError: %v", err, err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "s/suite.yaml") && !strings.HasPrefix(line, "s/s1.yaml") && !strings.HasPrefix(line, "s/") {
					t.Fatalf("a problem that names no file: %q", line)
				}
			}
			return
		}
		if s.ID == "" || len(s.Scenarios) == 0 {
			t.Fatalf("accepted a suite without id or scenarios: %+v", s)
		}
		for _, scn := range s.Scenarios {
			if scn.ID == "" || len(scn.Steps) == 0 || scn.Likelihood < 1 || scn.Likelihood > 4 {
				t.Fatalf("accepted scenario %+v", scn)
			}
			for _, st := range scn.Steps {
				if st.ID == "" || (st.Expect == nil && st.Manual == "") || (st.Expect != nil && st.Respond == nil) {
					t.Fatalf("accepted step %+v", st)
				}
			}
			for _, tag := range scn.Tags {
				if !strings.Contains(" smoke core regression ", " "+tag+" ") {
					t.Fatalf("accepted tag %q", tag)
				}
			}
		}
		run, skipped := s.EnabledChecks()
		if len(run)+len(skipped) != len(RequestChecks()) {
			t.Fatalf("checks %v + %v", run, skipped)
		}
		_ = s.AllRequirements()
		_ = s.Functions()
	})
}
