package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/internal/buildinfo"
)

// Inputs are what a report is built from.
type Inputs struct {
	// Dir is the run's output directory (exchange sidecars are read from
	// it for file names and the consumer's certificate).
	Dir string
	Run *result.Run
	// Suite may be nil (only results.json): risk then comes from the
	// recorded impacts and likelihoods and nothing is hashed.
	Suite      *scenario.Suite
	Plan       *risk.Plan // nil: computed from Suite and Profile
	Profile    *risk.Profile
	ProfileRaw []byte
	Activities *assess.Activities
	Record     *assess.Record
	Rules      decision.Rules
	Now        time.Time
	Notes      []string
	// SuiteErr is why the suite results.json names did not load (Suite is
	// then nil). Load leaves the note saying so to its caller, who knows
	// how the user names another suite.
	SuiteErr error
}

// Build computes the report.
func Build(in Inputs) (*Report, error) {
	if in.Run == nil {
		return nil, fmt.Errorf("build report: no results")
	}
	if in.Record == nil {
		in.Record = &assess.Record{}
	}
	if in.Rules.Rules == nil {
		in.Rules = decision.DefaultRules()
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	if in.Plan == nil && in.Suite != nil {
		in.Plan = risk.NewPlan(in.Suite, in.Profile, nil)
	}
	b := &builder{in: in, m: in.Profile.EffectiveMatrix(), r: &Report{Format: Format, Notes: append([]string{}, in.Notes...)}}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.r, nil
}

type builder struct {
	in Inputs
	m  risk.Matrix
	r  *Report
	// findings and open items (skipped, pending) as the sections add
	// them, for the decision; scope adds the scenarios that did not run
	open []decision.Open
	fnd  []decision.Finding
}

func (b *builder) build() error {
	run, r := b.in.Run, b.r
	bi := buildinfo.Get()
	r.ID = fmt.Sprintf("%s-%s", run.Suite.ID, run.Started.UTC().Format("20060102T150405Z"))
	r.Generated = b.in.Now.UTC()
	r.Tool = Tool{Name: run.Tool.Name, Version: run.Tool.Version}
	r.GeneratedBy = Tool{Name: "rivgate", Version: bi.Version, Commit: bi.Commit}
	if r.GeneratedBy.Version == "" {
		r.GeneratedBy.Version = "devel"
	}
	r.Started, r.Finished, r.Status, r.Aborted = run.Started, run.Finished, run.Status, run.Aborted
	if why := run.Incomplete(); why != "" && r.Aborted == "" {
		r.Aborted = why // never a decision on half a run
	}
	if !run.Finished.IsZero() {
		r.DurationS = run.Finished.Sub(run.Started).Round(time.Millisecond).Seconds()
	}
	if err := b.suiteInfo(); err != nil {
		return err
	}
	b.environment()
	b.requirements()
	b.scenarios()
	b.unexpected()
	b.reviews()
	b.declaration()
	// Scope, decision and residual risks take what they build on as
	// arguments: scope needs the scenarios, the decision scope's open
	// items, the residual risks the decision and scope.
	scope, notRun := b.scope(r.Scenarios, r.Aborted)
	r.Scope = scope
	b.appendices()
	open := slices.Concat(b.open, notRun)
	r.Decision = b.decide(open)
	b.matrix()
	r.Residual = residual(r.Decision, scope.NotTested, open)
	b.summary()
	return nil
}

// hashFS hashes every file below dir in fsys: per-file SHA-256 and one
// aggregate over the sorted "sha256  path" lines (like sha256sum).
func hashFS(fsys fs.FS, dir string) (string, []FileHash, error) {
	var files []FileHash
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(data)
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		files = append(files, FileHash{Path: rel, SHA256: hex.EncodeToString(h[:])})
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	agg := sha256.New()
	for _, f := range files {
		fmt.Fprintf(agg, "%s  %s\n", f.SHA256, f.Path)
	}
	return hex.EncodeToString(agg.Sum(nil)), files, nil
}

func (b *builder) suiteInfo() error {
	run, r, s := b.in.Run, b.r, b.in.Suite
	r.Suite = SuiteInfo{ID: run.Suite.ID, Title: run.Suite.Title, Dir: run.Suite.Dir, RulesSource: b.in.Rules.Source}
	r.Contracts.Files = []FileHash{}
	if s == nil {
		r.Notes = append(r.Notes, "the suite was not available: suite and contract hashes are missing and risk uses the recorded values")
		return nil
	}
	sum, files, err := hashFS(s.FS, s.Dir)
	if err != nil {
		return fmt.Errorf("hash suite: %w", err)
	}
	r.Suite.SHA256, r.Suite.Files = sum, len(files)
	if b.in.Activities != nil {
		r.Suite.ActivitiesFile = assess.ActivitiesFile
	}
	r.Contracts.Dir = s.Contracts
	sum, files, err = hashFS(s.FS, s.ContractsDir())
	if err != nil {
		return fmt.Errorf("hash contracts: %w", err)
	}
	r.Contracts.SHA256, r.Contracts.Files = sum, files
	r.Contracts.Name, r.Contracts.Version, r.Contracts.Interactions = contractIdentity(s.Contracts, files)
	if p := b.in.Profile; p != nil {
		h := sha256.Sum256(b.in.ProfileRaw)
		r.RiskProfile = &ProfileInfo{File: risk.ProfileFile, SHA256: hex.EncodeToString(h[:]), Kind: p.EffectiveKind(), Consumer: p.Consumer,
			Changes: p.Changes}
		if r.RiskProfile.Changes == nil {
			r.RiskProfile.Changes = []risk.Change{}
		}
	}
	if plan := b.testPlan(); plan != nil {
		if r.RiskProfile == nil {
			r.RiskProfile = &ProfileInfo{File: "", Kind: b.in.Plan.Kind, Changes: []risk.Change{}}
		}
		r.RiskProfile.Functions = plan.Functions
	}
	return nil
}

func (b *builder) environment() {
	run := b.in.Run
	e := Environment{Mode: run.Mode, Target: run.Target, ExpectedHSAID: run.ExpectedHSAID, ViaPlatform: run.ViaPlatform,
		PatternAnchors: run.PatternAnchors, PlatformLog: run.PlatformLog}
	if b.in.Profile != nil {
		e.Consumer = b.in.Profile.Consumer
	}
	if ex := b.firstTLSExchange(); ex != nil {
		e.TLSVersion = ex.TLS.Version
		if run.ViaPlatform != "" {
			// Behind a platform the TLS peer is the platform: its
			// certificate is labelled as such and the consumer is named
			// by the header the platform vouches for.
			e.PlatformCertificate, e.PlatformSerialNumber = ex.TLS.PeerSubject, ex.TLS.SerialNumber
			e.ConsumerHSAID = ex.Request.Header.Get(rivta.HeaderOriginalConsumer)
		} else {
			e.ConsumerCertificate, e.ConsumerSerialNumber = ex.TLS.PeerSubject, ex.TLS.SerialNumber
			e.ConsumerHSAID = ex.TLS.SerialNumber
		}
	}
	b.r.Environment = e
}

// firstTLSExchange is the first recorded exchange with its TLS peer (nil
// when none was recorded or there is no run directory).
func (b *builder) firstTLSExchange() *exchange.Exchange {
	if b.in.Dir == "" {
		return nil
	}
	for _, sc := range b.in.Run.Scenarios {
		for _, st := range sc.Steps {
			for _, id := range st.Exchanges {
				if ex, _, _, err := exchange.Read(b.in.Dir, id); err == nil && ex.TLS != nil {
					return ex
				}
			}
		}
	}
	return nil
}

func (b *builder) impact(req string, recorded int) int {
	if b.in.Plan != nil {
		if v := b.in.Plan.Impact(req); v > 0 {
			return v
		}
	}
	if recorded > 0 {
		return recorded
	}
	for _, rq := range b.in.Run.Requirements {
		if rq.ID == req {
			return rq.Impact
		}
	}
	return 0
}

func (b *builder) likelihood(sc *result.Scenario) int {
	if b.in.Plan != nil {
		if sp, ok := b.in.Plan.Scenario(sc.ID); ok {
			return sp.Rating.Likelihood
		}
	}
	return sc.Likelihood
}

func (b *builder) requirements() {
	for _, rq := range b.in.Run.Requirements {
		src := rq.Source
		imp := b.impact(rq.ID, rq.Impact)
		if b.in.Plan != nil {
			for _, pr := range b.in.Plan.Requirements {
				if pr.ID == rq.ID {
					src = pr.Source
				}
			}
		}
		b.r.Reqs = append(b.r.Reqs, Requirement{ID: rq.ID, Text: rq.Text, Impact: imp, Source: src, Appendix: strings.Join(b.appendicesOf(rq.ID), ", ")})
	}
	if b.r.Reqs == nil {
		b.r.Reqs = []Requirement{}
	}
}

func (b *builder) requirementText(id string) string {
	for _, rq := range b.in.Run.Requirements {
		if rq.ID == id {
			return rq.Text
		}
	}
	return ""
}

func (b *builder) appendicesOf(reqs ...string) []string {
	out := []string{}
	if b.in.Activities == nil {
		return out
	}
	for _, ap := range b.in.Activities.Appendices {
		for _, rq := range reqs {
			if ap.Covers(rq) && !slices.Contains(out, ap.ID) {
				out = append(out, ap.ID)
			}
		}
	}
	return out
}

func (b *builder) exchangeRef(id string) ExchangeRef {
	ref := ExchangeRef{ID: id, Request: strings.TrimSuffix(id, ".json") + ".request.xml", Response: strings.TrimSuffix(id, ".json") + ".response.bin"}
	if b.in.Dir != "" {
		if ex, _, _, err := exchange.Read(b.in.Dir, id); err == nil {
			ref.Request, ref.Response = ex.Request.BodyFile, ex.Response.BodyFile
		}
	}
	return ref
}

func (b *builder) addFinding(f Finding) string {
	f.ID = fmt.Sprintf("F%03d", len(b.r.Findings)+1)
	rt := b.m.Rate(f.Impact, f.Likelihood)
	f.Impact, f.Likelihood, f.Score, f.RiskClass, f.Quadrant = rt.Impact, rt.Likelihood, rt.Score, rt.Class, rt.Quadrant
	f.Severity = decision.SeverityOf(rt.Impact)
	f.RequirementText = b.requirementText(f.Requirement)
	if f.Appendices == nil {
		f.Appendices = b.appendicesOf(f.Requirement)
	}
	b.r.Findings = append(b.r.Findings, f)
	b.fnd = append(b.fnd, decision.Finding{ID: f.ID, Kind: f.Kind, Requirement: f.Requirement, Scenario: f.Scenario, Step: f.Step,
		Check: f.Check, Message: f.Message, Rating: rt})
	return f.ID
}

func (b *builder) scenarios() {
	b.r.Findings = []Finding{}
	for _, sc := range b.in.Run.Scenarios {
		like := b.likelihood(sc)
		out := Scenario{ID: sc.ID, Title: sc.Title, File: sc.File, Status: sc.Status, Message: sc.Message, Requirements: sc.Requirements,
			Started: sc.Started, Finished: sc.Finished, Reasons: []string{}, Steps: []Step{}}
		if out.Requirements == nil {
			out.Requirements = []string{}
		}
		imp := 0
		for _, rq := range sc.Requirements {
			imp = max(imp, b.impact(rq, 0))
		}
		out.Rating = b.m.Rate(imp, like)
		if b.in.Plan != nil {
			if sp, ok := b.in.Plan.Scenario(sc.ID); ok {
				out.Rating, out.Reasons = sp.Rating, sp.Reasons
			}
		}
		if sel := b.in.Run.Selection; sel != nil {
			// Why it ran is what the run recorded when it chose.
			for _, it := range sel.Selected {
				if it.ID == sc.ID && len(it.Reasons) > 0 {
					out.Reasons = it.Reasons
				}
			}
		}
		out.Appendices = b.appendicesOf(sc.Requirements...)
		for _, st := range sc.Steps {
			s := Step{Index: st.Index, ID: st.ID, Title: st.Title, Status: st.Status, Message: st.Message, Answer: st.Answer, Manual: st.Manual,
				Exchanges: []ExchangeRef{}, Checks: []Check{}}
			for _, id := range st.Exchanges {
				s.Exchanges = append(s.Exchanges, b.exchangeRef(id))
			}
			for _, c := range st.Checks {
				rt := b.m.Rate(b.impact(c.Requirement, c.Impact), like)
				ch := Check{ID: c.ID, Requirement: c.Requirement, Status: c.Status, Message: c.Message, Rating: rt, Exchange: c.Exchange}
				switch {
				case c.Status == result.Fail:
					f := Finding{Kind: "check", Requirement: c.Requirement, Scenario: sc.ID, Step: st.ID, Check: c.ID, Status: c.Status,
						Impact: rt.Impact, Likelihood: rt.Likelihood, Message: c.Message, Exchange: c.Exchange}
					if c.Exchange != "" {
						ref := b.exchangeRef(c.Exchange)
						f.RequestFile, f.ResponseFile = ref.Request, ref.Response
					}
					ch.Finding = b.addFinding(f)
				case c.Status == result.Skip:
					// Could not be verified (n/a checks did not apply: no gap).
					b.open = append(b.open, decision.Open{Kind: decision.OpenSkipped, ID: sc.ID + "/" + st.ID + " " + c.ID, Requirement: c.Requirement,
						Text: c.Message, Rating: rt})
				}
				s.Checks = append(s.Checks, ch)
			}
			if m := st.Manual; m != nil {
				req := firstOf(st.Requirements, sc.Requirements)
				rt := b.m.Rate(b.impact(req, 0), like)
				switch m.Verdict {
				case "fail":
					b.addFinding(Finding{Kind: "manual", Requirement: req, Scenario: sc.ID, Step: st.ID, Check: "manual", Status: result.Fail,
						Impact: rt.Impact, Likelihood: rt.Likelihood, Message: m.Instruction + " — " + m.Note})
				case "":
					b.open = append(b.open, decision.Open{Kind: decision.OpenManual, ID: sc.ID + "/" + st.ID, Requirement: req, Text: m.Instruction, Rating: rt})
				}
			}
			out.Steps = append(out.Steps, s)
		}
		b.r.Scenarios = append(b.r.Scenarios, out)
	}
	if b.r.Scenarios == nil {
		b.r.Scenarios = []Scenario{}
	}
}

func firstOf(lists ...[]string) string {
	for _, l := range lists {
		if len(l) > 0 {
			return l[0]
		}
	}
	return ""
}

// unexpected requests happened, so their likelihood is 4.
func (b *builder) unexpected() {
	b.r.Unexpected = []Check{}
	for _, c := range b.in.Run.Unexpected {
		rt := b.m.Rate(b.impact(c.Requirement, c.Impact), 4)
		ch := Check{ID: c.ID, Requirement: c.Requirement, Status: c.Status, Message: c.Message, Rating: rt, Exchange: c.Exchange}
		if c.Status == result.Fail {
			f := Finding{Kind: "unexpected", Requirement: c.Requirement, Check: c.ID, Status: c.Status, Impact: rt.Impact, Likelihood: rt.Likelihood,
				Message: c.Message, Exchange: c.Exchange}
			if c.Exchange != "" {
				ref := b.exchangeRef(c.Exchange)
				f.RequestFile, f.ResponseFile = ref.Request, ref.Response
			}
			ch.Finding = b.addFinding(f)
		}
		b.r.Unexpected = append(b.r.Unexpected, ch)
	}
}

func (b *builder) reviews() {
	b.r.Reviews = []ReviewItem{}
	a := b.in.Activities
	if a == nil {
		return
	}
	for _, ap := range a.Appendices {
		for _, it := range ap.Items {
			rt := b.m.Rate(it.Impact, it.Likelihood)
			ri := ReviewItem{Item: it.ID, Appendix: ap.ID, Title: it.Title, Requirement: it.Requirement, Show: it.Show, Rating: rt,
				Verdict: "pending", Attachments: []result.Attachment{}}
			if rv := b.in.Record.LatestReview(it.ID); rv != nil {
				ri.Verdict, ri.Note, ri.By, ri.At = rv.Verdict, rv.Note, rv.By, rv.At
				if rv.Attachments != nil {
					ri.Attachments = rv.Attachments
				}
			}
			req := it.Requirement
			if req == "" {
				req = it.ID
			}
			switch ri.Verdict {
			case "fail":
				ri.Finding = b.addFinding(Finding{Kind: "review", Requirement: req, Step: it.ID, Check: "review", Status: result.Fail,
					Impact: rt.Impact, Likelihood: rt.Likelihood, Message: it.Title + " — " + ri.Note, Appendices: []string{ap.ID}})
			case "pending":
				b.open = append(b.open, decision.Open{Kind: decision.OpenReview, ID: it.ID, Requirement: req, Text: it.Title, Rating: rt})
			}
			b.r.Reviews = append(b.r.Reviews, ri)
		}
	}
}

func (b *builder) declaration() {
	d := Declaration{Title: assess.DefaultDeclaration, Attachments: []result.Attachment{}}
	if a := b.in.Activities; a != nil {
		d.Title, d.Text = a.Declaration.Title, a.Declaration.Text
	}
	if rd := b.in.Record.Declaration; rd != nil {
		d.Recorded, d.By, d.Org, d.Statement, d.At = true, rd.By, rd.Org, rd.Statement, rd.At
		if rd.Attachments != nil {
			d.Attachments = rd.Attachments
		}
	}
	b.r.Declaration = d
}

func (b *builder) appendices() {
	b.r.Appendices = []Appendix{}
	if b.in.Activities == nil {
		return
	}
	for _, ap := range b.in.Activities.Appendices {
		out := Appendix{ID: ap.ID, Title: ap.Title, Description: ap.Description, Requirements: append([]string{}, ap.Requirements...),
			Scenarios: []string{}, Items: []string{}, Findings: []string{}}
		for _, sc := range b.r.Scenarios {
			if slices.Contains(sc.Appendices, ap.ID) {
				out.Scenarios = append(out.Scenarios, sc.ID)
			}
		}
		for _, it := range ap.Items {
			out.Items = append(out.Items, it.ID)
		}
		for _, f := range b.r.Findings {
			if slices.Contains(f.Appendices, ap.ID) {
				out.Findings = append(out.Findings, f.ID)
			}
		}
		b.r.Appendices = append(b.r.Appendices, out)
	}
}

// decide proposes the decision on the findings and the open items (not
// verified, pending, not run).
func (b *builder) decide(open []decision.Open) decision.Decision {
	run := b.in.Run
	base := run.Finished
	if base.IsZero() {
		base = run.Started
	}
	in := decision.Input{Aborted: b.r.Aborted, Findings: b.fnd, Open: open, Declared: b.r.Declaration.Recorded, Base: base, Owner: b.r.Declaration.Org,
		Retest: map[string][]string{}}
	for _, sc := range b.r.Scenarios {
		for _, rq := range sc.Requirements {
			in.Retest[rq] = append(in.Retest[rq], sc.ID)
		}
	}
	d := b.in.Rules.Propose(in, b.in.Record.LatestOverride())
	d.ApplyEdits(b.in.Record.Deviations)
	return d
}

func (b *builder) matrix() {
	mx := Matrix{Thresholds: b.m}
	for impact := 4; impact >= 1; impact-- {
		for like := 1; like <= 4; like++ {
			rt := b.m.Rate(impact, like)
			c := Cell{Impact: impact, Likelihood: like, Score: rt.Score, Class: rt.Class, Quadrant: rt.Quadrant, FindingIDs: []string{}}
			for _, sc := range b.r.Scenarios {
				if sc.Rating.Impact == impact && sc.Rating.Likelihood == like {
					c.Scenarios++
				}
			}
			for _, f := range b.r.Findings {
				if f.Impact == impact && f.Likelihood == like {
					c.Findings++
					c.FindingIDs = append(c.FindingIDs, f.ID)
				}
			}
			mx.Cells = append(mx.Cells, c)
		}
	}
	b.r.Matrix = mx
}

// residual lists the risks left after decision d: its deviations, an
// override, what was not tested (high and medium) and the open items.
func residual(d decision.Decision, notTested []ScopeItem, open []decision.Open) []ResidualRisk {
	var out []ResidualRisk
	add := func(kind, id string, c risk.Class, t text) {
		out = append(out, ResidualRisk{Kind: kind, ID: id, Class: c, Description: t.en, DescriptionSV: t.sv})
	}
	if d.Outcome == decision.Approved {
		// An override approved without conditions: the deviations are
		// accepted, not conditions with deadlines.
		for _, dv := range d.Deviations {
			add("deviation", dv.ID, dv.Class, texts("rrAccepted", dv.Requirement, quoted(dv.Finding)))
		}
	} else if d.Outcome.IsApproval() {
		for _, dv := range d.Deviations {
			add("deviation", dv.ID, dv.Class, texts("rrDeviation", dv.Requirement, dv.FixDeadline, dv.Owner, strings.Join(dv.RetestScope, ", "), quoted(dv.Finding)))
		}
	}
	if d.Override != nil && d.Override.Outcome != d.Proposed {
		add("overridden", "override", risk.High, texts("rrOverridden", outcomeText(d.Proposed), outcomeText(d.Override.Outcome), d.Override.By, d.Override.Reason))
	}
	for _, it := range notTested {
		if it.Class == risk.High || it.Class == risk.Medium {
			add("not-tested", it.ID, it.Class, text{sv: it.ReasonIn(LangSV), en: it.Reason})
		}
	}
	for _, o := range open {
		kind := "pending"
		if o.Kind == decision.OpenSkipped {
			kind = "skipped"
		}
		if o.Kind == decision.OpenNotRun {
			continue // listed as not tested
		}
		// o.Text is the suite's own words (instruction, title) or a
		// validator's message: as written.
		add(kind, o.ID, o.Rating.Class, text{sv: o.Text, en: o.Text})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Class.Rank() > out[j].Class.Rank() })
	if out == nil {
		out = []ResidualRisk{}
	}
	return out
}

func (c *Counts) add(s result.Status) {
	switch s {
	case result.Pass:
		c.Pass++
	case result.Fail:
		c.Fail++
	case result.Skip:
		c.Skip++
	case result.NotApplicable:
		c.NotApplicable++
	case result.ManualPending:
		c.Pending++
	}
}

func (b *builder) summary() {
	s := Summary{Findings: map[string]int{string(risk.High): 0, string(risk.Medium): 0, string(risk.Low): 0}, Declaration: b.r.Declaration.Recorded}
	for _, sc := range b.r.Scenarios {
		s.Scenarios.add(sc.Status)
		for _, st := range sc.Steps {
			s.Steps.add(st.Status)
			s.Exchanges += len(st.Exchanges)
			for _, c := range st.Checks {
				s.Checks.add(c.Status)
			}
			if st.Manual != nil {
				switch st.Manual.Verdict {
				case "pass":
					s.Manual.Pass++
				case "fail":
					s.Manual.Fail++
				default:
					s.Manual.Pending++
				}
			}
		}
	}
	for _, c := range b.r.Unexpected {
		s.Checks.add(c.Status)
	}
	for _, rv := range b.r.Reviews {
		switch rv.Verdict {
		case "pass":
			s.Reviews.Pass++
		case "fail":
			s.Reviews.Fail++
		default:
			s.Reviews.Pending++
		}
	}
	for _, f := range b.r.Findings {
		s.Findings[string(f.RiskClass)]++
	}
	b.r.Summary = s
}
