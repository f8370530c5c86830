package report

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/conformance/results/result"
)

// JUnit XML (the Ant/Jenkins shape CI tools read): one testsuite per
// scenario with one testcase per check per step (and one per manual step);
// then the unexpected requests, the document reviews with the
// declaration, and the decision as a testcase that fails unless it approves.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	ID         int             `xml:"id,attr"`
	Package    string          `xml:"package,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitMessage `xml:"skipped"`
	Failure   *junitMessage `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// JUnit renders the report as JUnit XML.
func JUnit(r *Report) ([]byte, error) {
	out := junitSuites{Name: "rivgate conformance " + r.Suite.ID, Time: seconds(r.DurationS)}
	pkg := r.Suite.ID
	ts := func(sc Scenario) string {
		if sc.Started.IsZero() {
			return r.Started.UTC().Format("2006-01-02T15:04:05")
		}
		return sc.Started.UTC().Format("2006-01-02T15:04:05")
	}
	add := func(s *junitSuite, c junitCase) {
		s.Tests++
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Skipped != nil:
			s.Skipped++
		}
		s.Cases = append(s.Cases, c)
	}
	for i, sc := range r.Scenarios {
		s := junitSuite{Name: sc.ID + " " + sc.Title, Timestamp: ts(sc), Hostname: "rivgate", ID: i, Package: pkg, Time: "0.000",
			Properties: []junitProperty{{"risk_class", string(sc.Rating.Class)}, {"impact", fmt.Sprint(sc.Rating.Impact)},
				{"likelihood", fmt.Sprint(sc.Rating.Likelihood)}, {"requirements", strings.Join(sc.Requirements, " ")}, {"status", string(sc.Status)}}}
		if !sc.Started.IsZero() && !sc.Finished.IsZero() {
			s.Time = seconds(sc.Finished.Sub(sc.Started).Seconds())
		}
		class := pkg + "." + sc.ID
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				jc := junitCase{Name: st.ID + " " + c.ID, Classname: class, Time: "0.000"}
				detail := fmt.Sprintf("requirement %s, risk %s (impact %d × likelihood %d)", c.Requirement, c.Rating.Class, c.Rating.Impact, c.Rating.Likelihood)
				if c.Exchange != "" {
					detail += "\nexchange " + c.Exchange
				}
				switch c.Status {
				case result.Fail:
					jc.Failure = &junitMessage{Message: c.Message, Type: c.Requirement, Text: detail}
				case result.Skip:
					jc.Skipped = &junitMessage{Message: "not verified: " + c.Message}
				case result.ManualPending:
					jc.Skipped = &junitMessage{Message: c.Message}
				case result.NotApplicable:
					// JUnit has no "does not apply": a skip that says so.
					jc.Skipped = &junitMessage{Message: "not applicable: " + c.Message}
				default:
					jc.SystemOut = c.Message
				}
				add(&s, jc)
			}
			if m := st.Manual; m != nil {
				jc := junitCase{Name: st.ID + " manual", Classname: class, Time: "0.000"}
				switch m.Verdict {
				case "fail":
					jc.Failure = &junitMessage{Message: m.Note, Type: "manual", Text: m.Instruction}
				case "pass":
					jc.SystemOut = m.Instruction + " — " + m.Note
				default:
					jc.Skipped = &junitMessage{Message: "manual verdict pending: " + m.Instruction}
				}
				add(&s, jc)
			}
		}
		out.Suites = append(out.Suites, s)
	}
	extra := func(name string) junitSuite {
		return junitSuite{Name: name, Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"), Hostname: "rivgate", ID: len(out.Suites), Package: pkg, Time: "0.000"}
	}
	if len(r.Unexpected) > 0 {
		s := extra("unexpected requests")
		for i, c := range r.Unexpected {
			jc := junitCase{Name: fmt.Sprintf("unexpected[%d] %s", i, c.ID), Classname: pkg + ".unexpected", Time: "0.000"}
			if c.Status == result.Fail {
				jc.Failure = &junitMessage{Message: c.Message, Type: c.Requirement, Text: "exchange " + c.Exchange}
			}
			add(&s, jc)
		}
		out.Suites = append(out.Suites, s)
	}
	rv := extra("document reviews and declaration")
	for _, it := range r.Reviews {
		jc := junitCase{Name: it.Item + " " + it.Title, Classname: pkg + ".review." + it.Appendix, Time: "0.000"}
		switch it.Verdict {
		case "fail":
			jc.Failure = &junitMessage{Message: it.Note, Type: "review", Text: it.Show}
		case "pass":
			jc.SystemOut = it.Note
		default:
			jc.Skipped = &junitMessage{Message: "review pending: " + it.Show}
		}
		add(&rv, jc)
	}
	decl := junitCase{Name: "declaration " + r.Declaration.Title, Classname: pkg + ".declaration", Time: "0.000"}
	if r.Declaration.Recorded {
		decl.SystemOut = r.Declaration.By + ", " + r.Declaration.Org + ": " + r.Declaration.Statement
	} else {
		decl.Failure = &junitMessage{Message: "the supplier's declaration is not recorded", Type: "declaration"}
	}
	add(&rv, decl)
	out.Suites = append(out.Suites, rv)

	ds := extra("decision")
	dc := junitCase{Name: "decision " + string(r.Decision.Outcome), Classname: pkg + ".decision", Time: "0.000"}
	var reasons []string
	for _, rs := range r.Decision.Reasons {
		reasons = append(reasons, rs.Text)
	}
	if !r.Decision.Outcome.IsApproval() {
		dc.Failure = &junitMessage{Message: r.Decision.LabelSV + " (" + r.Decision.LabelEN + ")", Type: string(r.Decision.Outcome), Text: strings.Join(reasons, "\n")}
	} else {
		dc.SystemOut = r.Decision.LabelSV + "\n" + strings.Join(reasons, "\n")
	}
	add(&ds, dc)
	out.Suites = append(out.Suites, ds)

	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("junit: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
