package workbench

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// runRow is one run in the list.
type runRow struct {
	Name, Suite, Consumer, Mode string
	Started                     time.Time
	Status                      result.Status
	Decision                    decision.Outcome
	Err                         string
}

func (r runRow) matches(q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, f := range []string{r.Name, r.Suite, r.Consumer, r.Mode, string(r.Status), string(r.Decision)} {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

type runsData struct {
	Dir   string
	Query string
	Runs  []runRow
	Total int
}

// runsPage lists the runs under the runs directory, newest first.
func (s *Server) runsPage(r *http.Request, v *view) (string, error) {
	entries, err := os.ReadDir(s.runsDir)
	if err != nil {
		return "", fmt.Errorf("runs directory: %w", err)
	}
	d := runsData{Dir: s.runsDir, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	for _, e := range entries {
		dir := filepath.Join(s.runsDir, e.Name())
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, result.FileName)); err != nil {
			continue
		}
		row := runRow{Name: e.Name()}
		in, err := report.Load(dir, "", s.now())
		if err != nil {
			row.Err = err.Error()
		} else {
			run := in.Run
			row.Suite, row.Mode, row.Started, row.Status = run.Suite.ID, run.Mode, run.Started, run.Status
			row.Consumer = run.ExpectedHSAID
			if run.Mode == "producer" {
				row.Consumer = run.Target
			}
			if rep, err := report.Build(in); err != nil {
				row.Err = err.Error()
			} else {
				row.Decision = rep.Decision.Outcome
			}
		}
		d.Total++
		if row.matches(d.Query) {
			d.Runs = append(d.Runs, row)
		}
	}
	slices.SortStableFunc(d.Runs, func(a, b runRow) int { return b.Started.Compare(a.Started) })
	v.Title, v.Data = "Runs", d
	return "runs", nil
}

// pendingStep is a manual step waiting for (or open to) a verdict.
type pendingStep struct {
	Scenario, Step, Title, Instruction string
	Manual                             *result.Manual
}

type reviewRow struct {
	Appendix string
	Item     assess.Item
	Latest   *assess.Review
}

type runData struct {
	Name     string
	Report   *report.Report
	Run      *result.Run
	Manual   []pendingStep
	Reviews  []reviewRow
	Record   *assess.Record
	Outcomes []decision.Outcome
	// Severities an added deviation may have.
	Severities []string
	Files      []string // servable files present
	CanBundle  bool
	Notes      []string
	Earlier    []roundRun // earlier runs of the same suite, to compare with
	// Live: the run has no finished time and results.json changed lately,
	// so it is most likely still going; LastWrite is that change.
	Live, Stalled bool
	LastWrite     time.Time
}

// A run in progress rewrites results.json after every step; one that
// has not done so for this long was most likely killed, and its page stops
// reloading.
const liveStale = 10 * time.Minute

// liveRefresh is how often a run in progress's page reloads, in seconds.
const liveRefresh = 5

// runPage shows one run, decision first, as the files say now.
func (s *Server) runPage(r *http.Request, v *view) (string, error) {
	dir, err := s.runDir(r)
	if err != nil {
		return "", err
	}
	in, err := report.Load(dir, "", s.now())
	if err != nil {
		return "", err
	}
	d := runData{Name: r.PathValue("run"), Run: in.Run, Record: in.Record, Outcomes: decision.Decisions(), Severities: decision.Severities(), CanBundle: s.signer != nil}
	if in.SuiteErr != nil {
		d.Notes = append(d.Notes, in.SuiteErr.Error())
	}
	if d.Report, err = report.Build(in); err != nil {
		return "", err
	}
	d.Notes = append(d.Notes, d.Report.Notes...)
	if d.Record == nil {
		d.Record = &assess.Record{}
	}
	for _, sc := range in.Run.Scenarios {
		for _, st := range sc.Steps {
			if st.Manual != nil {
				d.Manual = append(d.Manual, pendingStep{Scenario: sc.ID, Step: st.ID, Title: st.Title, Instruction: st.Manual.Instruction, Manual: st.Manual})
			}
		}
	}
	if in.Activities != nil {
		for _, ap := range in.Activities.Appendices {
			for _, it := range ap.Items {
				d.Reviews = append(d.Reviews, reviewRow{Appendix: ap.ID, Item: it, Latest: d.Record.LatestReview(it.ID)})
			}
		}
	}
	for _, f := range []string{report.HTMLFile, report.PDFFile, report.JSONFile, report.JUnitFile, evidence.BundleFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			d.Files = append(d.Files, f)
		}
	}
	if in.Run.Finished.IsZero() && in.Run.Aborted == "" {
		if fi, err := os.Stat(filepath.Join(dir, result.FileName)); err == nil {
			d.LastWrite = fi.ModTime()
			if s.now().Sub(d.LastWrite) < liveStale {
				d.Live, v.Refresh = true, liveRefresh
			} else {
				d.Stalled = true
			}
		}
	}
	if runs, err := s.roundRuns(); err == nil {
		for _, o := range runs {
			if o.Name != d.Name && o.Suite == in.Run.Suite.ID && o.Started.Before(in.Run.Started) {
				d.Earlier = append(d.Earlier, o)
			}
		}
	}
	v.Title, v.Data = "Run "+d.Name, d
	return "run", nil
}

type exchangeData struct {
	Run                           string
	Ex                            *exchange.Exchange
	Request, Response             []bodyLine
	RequestHeader, ResponseHeader []headerRow
	Checks                        []checkRow
	RequestSize, ResponseSize     int
	// Recorded is the recorded-versus-live response in producer mode.
	Recorded *recordedDiff
}

// checkRow is a check on the exchange with links to where it points.
type checkRow struct {
	result.Check
	Where []whereLink
}

type whereLink struct{ Text, Href string }

// headerRow is one HTTP header line; Anchor is set on a header a failed
// check points at.
type headerRow struct{ Name, Value, Anchor string }

func headerRows(h http.Header, l located) []headerRow {
	var out []headerRow
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			out = append(out, headerRow{Name: k, Value: v, Anchor: l.headers[http.CanonicalHeaderKey(k)]})
		}
	}
	return out
}

// exchangePage shows one recorded exchange, bodies pretty-printed.
func (s *Server) exchangePage(r *http.Request, v *view) (string, error) {
	dir, err := s.runDir(r)
	if err != nil {
		return "", err
	}
	id := r.URL.Query().Get("id")
	run, err := result.Read(dir)
	if err != nil {
		return "", err
	}
	// Only exchanges the run lists, so the id is never a path of choice.
	var checks []result.Check
	known := false
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			if slices.Contains(st.Exchanges, id) {
				known = true
			}
			for _, c := range st.Checks {
				if c.Exchange == id {
					checks = append(checks, c)
				}
			}
		}
	}
	for _, c := range run.Unexpected {
		if c.Exchange == id {
			known = true
			checks = append(checks, c)
		}
	}
	if !known {
		return "", &notFound{"exchange " + id}
	}
	ex, req, resp, err := exchange.Read(dir, id)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &notFound{"exchange " + id}
	}
	if err != nil {
		return "", err
	}
	v.Title = "Exchange " + id
	d := exchangeData{Run: r.PathValue("run"), Ex: ex, Response: pretty(resp), RequestSize: len(req), ResponseSize: len(resp)}
	var where located
	d.Request, where = showRequest(req, ex.Request.Header, checks)
	for _, c := range checks {
		row := checkRow{Check: c}
		for _, w := range c.Where {
			row.Where = append(row.Where, whereLink{Text: locationText(w), Href: where.href(w)})
		}
		d.Checks = append(d.Checks, row)
	}
	d.RequestHeader = headerRows(ex.Request.Header, where)
	d.ResponseHeader = headerRows(ex.Response.Header, located{})
	d.Recorded = producerDiff(run, ex, resp)
	v.Data = d
	return "exchange", nil
}

func (s *Server) loginPage(_ *http.Request, v *view) (string, error) {
	v.Title = "Who are you?"
	return "login", nil
}

func (s *Server) verifyPage(_ *http.Request, v *view) (string, error) {
	v.Title = "Verify a bundle"
	return "verify", nil
}
