package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// defaultConsumerTimeout is the harness's default for suites that say
// nothing (harness.DefaultConsumerTimeout; the harness is not imported).
const defaultConsumerTimeout = 30 * time.Second

// reevaluate re-derives every check from the raw exchanges with the bundled
// suite and contracts (the harness's own check functions), then the report
// from the bundled inputs, and compares both with what was recorded.
func reevaluate(dir string, m *Manifest, v *Verified) error {
	run, err := result.Read(dir)
	if err != nil {
		return differ(result.FileName, "cannot be read: %v", err)
	}
	if why := run.Incomplete(); why != "" {
		return differ(result.FileName, "%s: an incomplete run is no evidence", why)
	}
	suiteDir := filepath.Join(dir, filepath.FromSlash(m.SuiteDir))
	// The suite's absolute file names are inside the bundle, at their full
	// paths under suite/ (addSuite).
	suite, err := scenario.LoadDirRooted(filepath.Join(dir, filepath.FromSlash(SuitePrefix)), suiteDir)
	if err != nil {
		return differ(m.SuiteDir+"/"+scenario.SuiteFile, "the bundled suite does not load: %v", err)
	}
	if run.Suite.ID != suite.ID {
		return differ(result.FileName, "results are for suite %q, the bundle holds suite %q", run.Suite.ID, suite.ID)
	}
	if run.Mode == "producer" {
		v.NotReevaluated = append(v.NotReevaluated, "producer-mode checks (response diff against recordings) are taken as recorded")
	} else {
		osDir, _ := suite.ContractsOSDir()
		set, err := contracts.LoadDirWith(osDir, contracts.LoadOptions{StrictXSD: run.StrictXSD || suite.StrictXSD})
		if set == nil {
			return differ(m.SuiteDir, "the bundled contracts do not load: %v", err)
		}
		env := &check.Env{Suite: suite, Contracts: set, Validator: xsd.New(set), ViaPlatform: run.ViaPlatform}
		if via := viaPlatform(run); env.ViaPlatform == "" && via != "" {
			env.ViaPlatform = via // results written before via_platform existed
			v.Notes = append(v.Notes, fmt.Sprintf("results.json does not record the trusted platform; taken from the recorded RIV-CERT-01 message: %s", via))
		}
		// The harness's own re-evaluation (status and message of every
		// recomputable check), then this package's completeness check
		// (no recorded check missing, none invented).
		diffs, err := env.Reevaluate(dir, run)
		if err != nil {
			return differ(result.FileName, "cannot be re-evaluated: %v", err)
		}
		if len(diffs) > 0 {
			where := diffs[0].Exchange
			if where == "" {
				where = result.FileName
			}
			return differ(where, "does not reproduce: %s", diffs[0])
		}
		r := &reeval{dir: dir, suite: suite, env: env, v: v}
		if err := r.run(run); err != nil {
			return err
		}
	}
	return compareReport(dir, suite, v)
}

var forwardedRE = regexp.MustCompile(`^forwarded by platform "([^"]+)"`)

// viaPlatform recovers the trusted platform's HSA-id of a run played behind
// a gateway (results.json has no field for it).
func viaPlatform(run *result.Run) string {
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.ID == scenario.ReqClientCert {
					if m := forwardedRE.FindStringSubmatch(c.Message); m != nil {
						return m[1]
					}
				}
			}
		}
	}
	return ""
}

type reeval struct {
	dir   string
	suite *scenario.Suite
	env   *check.Env
	v     *Verified
}

type loaded struct {
	ex        *exchange.Exchange
	req, resp []byte
}

func (r *reeval) load(id string) (*loaded, error) {
	ex, req, resp, err := exchange.Read(r.dir, id)
	if err != nil {
		return nil, differ(id, "exchange cannot be read: %v", err)
	}
	for _, side := range []struct {
		file, want string
		body       []byte
	}{{ex.Request.BodyFile, ex.Request.BodySHA256, req}, {ex.Response.BodyFile, ex.Response.BodySHA256, resp}} {
		h := sha256.Sum256(side.body)
		if side.want != "" && hex.EncodeToString(h[:]) != side.want {
			return nil, differ(side.file, "does not match the SHA-256 in its exchange record %s", id)
		}
	}
	return &loaded{ex: ex, req: req, resp: resp}, nil
}

func (r *reeval) run(run *result.Run) error {
	manual := 0
	for _, sc := range run.Scenarios {
		ssc := r.scenario(sc.ID)
		if ssc == nil {
			return differ(result.FileName, "scenario %s is not in the bundled suite", sc.ID)
		}
		var prevFault *loaded
		for _, st := range sc.Steps {
			sst := stepOf(ssc, st)
			if sst == nil {
				return differ(result.FileName, "%s step %s is not in the bundled suite", sc.ID, st.ID)
			}
			if st.Manual != nil {
				manual++
				for _, a := range st.Manual.Attachments {
					b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(a.Path)))
					if err != nil {
						return differ(a.Path, "attached to the verdict on %s/%s but missing from the bundle", sc.ID, st.ID)
					}
					if sha256hex(b) != a.SHA256 {
						return differ(a.Path, "is not the file attached to the verdict on %s/%s (SHA-256 differs)", sc.ID, st.ID)
					}
				}
			}
			if sst.Expect == nil {
				if len(st.Checks) > 0 {
					return differ(result.FileName, "%s/%s has checks but the suite step expects no request", sc.ID, st.ID)
				}
				continue
			}
			var stepEx *loaded
			var repeats []time.Time
			var want []result.Check
			addB := func(id string, status result.Status, msg, ex string) {
				want = append(want, result.Check{ID: id, Requirement: id, Status: status, Message: msg, Exchange: ex, Impact: r.impact(id)})
			}
			for _, id := range st.Exchanges {
				l, err := r.load(id)
				if err != nil {
					return err
				}
				switch l.ex.Role {
				case exchange.RoleStep:
					if stepEx == nil {
						stepEx = l
					}
				case exchange.RoleRepeat:
					repeats = append(repeats, l.ex.Received)
				case exchange.RoleUnexpected:
					// No step expected it: it came after the scenario's
					// last step (check.Env.Unexpected).
					addB(scenario.ReqExpectedRequest, result.Fail, "unexpected request", l.ex.ID)
				}
			}
			// Calls the platform refused: re-derived from their log lines by
			// env.Reevaluate; here they only need to be accounted for. A
			// step whose request was refused has no "no request" finding.
			refused := 0
			for _, c := range st.Checks {
				if c.PlatformLine > 0 {
					want = append(want, c)
					refused++
				}
			}
			if stepEx == nil && refused > 0 {
				prevFault = nil
			} else if stepEx == nil {
				addB(scenario.ReqExpectedRequest, result.Fail, "no request", "")
				if prevFault != nil {
					addB(scenario.ReqKeepsWorking, result.Fail, "no request after the fault", "")
				}
				prevFault = nil
			} else {
				ex := stepEx.ex
				req, err := check.RequestFromExchange(ex, stepEx.req)
				if err != nil {
					return differ(ex.ID, "%v", err)
				}
				want = append(want, r.env.Request(req, ssc, sst)...)
				if prevFault != nil {
					addB(scenario.ReqKeepsWorking, result.Pass, "", ex.ID)
					prevFault = nil
				}
				if ex.Fault == "timeout" {
					limit := r.suite.Defaults.ConsumerTimeout.Or(defaultConsumerTimeout)
					status, msg := check.TimeoutHonoured(ex.Received, ex.ClientGone, limit, limit+check.HoldGrace(limit))
					addB(scenario.ReqTimeoutHonoured, status, msg, ex.ID)
				}
				if status, msg, ok := check.Repeats(ex.Fault != "", ex.Received, repeats, r.suite.Defaults.Retry); ok {
					addB(scenario.ReqNoRetryStorm, status, msg, ex.ID)
				}
				if ex.Fault != "" {
					prevFault = stepEx
				}
			}
			if err := compareChecks(sc.ID, st, want); err != nil {
				return err
			}
			r.v.Checks += len(want)
		}
	}
	for _, c := range run.Unexpected {
		if c.Exchange == "" && c.PlatformLine > 0 {
			r.v.Checks++ // a call the platform refused, re-derived from its line
			continue
		}
		if c.Exchange == "" {
			return differ(result.FileName, "an unexpected request is recorded without its exchange")
		}
		l, err := r.load(c.Exchange)
		if err != nil {
			return err
		}
		if l.ex.Role != exchange.RoleUnexpected || c.Status != result.Fail {
			return differ(c.Exchange, "recorded as an unexpected request (%s), but the exchange's role is %q", c.Status, l.ex.Role)
		}
		r.v.Checks++
	}
	if manual > 0 {
		r.v.NotReevaluated = append(r.v.NotReevaluated, fmt.Sprintf("%d manual verdict(s) are a person's judgement, taken as recorded", manual))
	}
	return nil
}

func (r *reeval) impact(id string) int {
	req, _ := r.suite.Requirement(id)
	return req.Impact
}

func (r *reeval) scenario(id string) *scenario.Scenario {
	for _, sc := range r.suite.Scenarios {
		if sc.ID == id {
			return sc
		}
	}
	return nil
}

func stepOf(sc *scenario.Scenario, st *result.Step) *scenario.Step {
	if st.Index >= 1 && st.Index <= len(sc.Steps) && sc.Steps[st.Index-1].ID == st.ID {
		return sc.Steps[st.Index-1]
	}
	for _, s := range sc.Steps {
		if s.ID == st.ID {
			return s
		}
	}
	return nil
}

// compareChecks matches re-evaluated checks with recorded ones by check id
// and exchange, both ways.
func compareChecks(scenarioID string, st *result.Step, want []result.Check) error {
	used := make([]bool, len(st.Checks))
	for _, w := range want {
		found := -1
		for i, c := range st.Checks {
			if !used[i] && c.ID == w.ID && c.Exchange == w.Exchange && c.PlatformLine == w.PlatformLine {
				found = i
				break
			}
		}
		where := w.Exchange
		if where == "" {
			where = result.FileName
		}
		if found < 0 {
			return differ(where, "%s/%s: check %s re-evaluates to %s (%s) but is not in the recorded results", scenarioID, st.ID, w.ID, w.Status, w.Message)
		}
		used[found] = true
		c := st.Checks[found]
		if c.Status != w.Status {
			return differ(where, "%s/%s: check %s recorded %s, re-evaluated %s: %s", scenarioID, st.ID, w.ID, c.Status, w.Status, w.Message)
		}
		if c.Requirement != w.Requirement || c.Impact != w.Impact {
			return differ(where, "%s/%s: check %s recorded requirement %s impact %d, re-evaluated %s impact %d", scenarioID, st.ID, w.ID, c.Requirement, c.Impact, w.Requirement, w.Impact)
		}
	}
	for i, c := range st.Checks {
		if !used[i] {
			return differ(result.FileName, "%s/%s: recorded check %s (%s) does not reproduce from the exchanges", scenarioID, st.ID, c.ID, c.Status)
		}
	}
	return nil
}

// compareReport rebuilds the report from the bundled inputs and compares
// its verdict-relevant parts with the bundled report.json.
func compareReport(dir string, suite *scenario.Suite, v *Verified) error {
	rec, err := report.Read(dir)
	if errors.Is(err, fs.ErrNotExist) {
		v.NotReevaluated = append(v.NotReevaluated, "the bundle has no report.json: the decision was not compared")
		return nil
	}
	if err != nil {
		return differ(report.JSONFile, "cannot be read: %v", err)
	}
	in, err := report.LoadWithSuite(dir, suite, rec.Generated)
	if err != nil {
		return differ(report.JSONFile, "its inputs do not load: %v", err)
	}
	got, err := report.Build(in)
	if err != nil {
		return differ(report.JSONFile, "cannot be rebuilt: %v", err)
	}
	rd, gd := rec.Decision, got.Decision
	switch {
	case rd.Outcome != gd.Outcome || rd.Proposed != gd.Proposed || rd.Rule != gd.Rule:
		return differ(report.JSONFile, "decision %s (proposed %s by rule %q) does not reproduce: re-evaluated %s (proposed %s by rule %q)",
			rd.Outcome, rd.Proposed, rd.Rule, gd.Outcome, gd.Proposed, gd.Rule)
	case len(rec.Findings) != len(got.Findings):
		return differ(report.JSONFile, "%d findings recorded, %d re-evaluated", len(rec.Findings), len(got.Findings))
	case rec.Suite.SHA256 != "" && rec.Suite.SHA256 != got.Suite.SHA256:
		return differ(report.JSONFile, "suite SHA-256 %s, the bundled suite has %s", rec.Suite.SHA256, got.Suite.SHA256)
	case rec.Contracts.SHA256 != "" && rec.Contracts.SHA256 != got.Contracts.SHA256:
		return differ(report.JSONFile, "contracts SHA-256 %s, the bundled contracts have %s", rec.Contracts.SHA256, got.Contracts.SHA256)
	case len(rd.Deviations) != len(gd.Deviations):
		return differ(report.JSONFile, "%d deviations recorded, %d re-evaluated", len(rd.Deviations), len(gd.Deviations))
	}
	for i, f := range rec.Findings {
		g := got.Findings[i]
		if f.Requirement != g.Requirement || f.Scenario != g.Scenario || f.Step != g.Step || f.Check != g.Check || f.RiskClass != g.RiskClass {
			return differ(report.JSONFile, "finding %s (%s %s/%s %s, %s) does not reproduce: re-evaluated %s %s/%s %s, %s",
				f.ID, f.Requirement, f.Scenario, f.Step, f.Check, f.RiskClass, g.Requirement, g.Scenario, g.Step, g.Check, g.RiskClass)
		}
	}
	for i, d := range rd.Deviations {
		g := gd.Deviations[i]
		if d.Requirement != g.Requirement || d.FixDeadline != g.FixDeadline || d.Owner != g.Owner || d.Class != g.Class {
			return differ(report.JSONFile, "deviation %s does not reproduce", d.ID)
		}
	}
	v.Decision = string(gd.Outcome)
	if _, err := os.Stat(filepath.Join(dir, report.HTMLFile)); err != nil {
		v.Notes = append(v.Notes, "the bundle has no report.html")
	}
	return nil
}
