package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

//go:embed report.html.tmpl
var htmlTemplate string

//go:embed report.css
var htmlCSS string

// HTML renders the report as one self-contained page: inline CSS, the
// risk matrix as inline SVG, no script and no external asset (a Content
// Security Policy forbids loading any). Findings link to the raw exchange
// files by paths relative to the run directory, which are also the paths
// in the evidence bundle.
func HTML(r *Report, lang string) ([]byte, error) {
	t, err := template.New("report").Funcs(funcs(lang)).Parse(htmlTemplate)
	if err != nil {
		return nil, fmt.Errorf("report template: %w", err)
	}
	v := view{R: r, Lang: lang, CSS: template.CSS(htmlCSS), Matrix: matrixSVG(r, lang)}
	v.Other, v.OtherIDs = otherScenarios(r)
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return b.Bytes(), nil
}

type view struct {
	R        *Report
	Lang     string
	CSS      template.CSS
	Matrix   template.HTML
	Other    []Scenario
	OtherIDs []string
}

// otherScenarios are the scenarios no appendix holds.
func otherScenarios(r *Report) ([]Scenario, []string) {
	var out []Scenario
	var ids []string
	for _, sc := range r.Scenarios {
		if len(sc.Appendices) == 0 {
			out = append(out, sc)
			ids = append(ids, sc.ID)
		}
	}
	return out, ids
}

func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":          func(key string) string { return label(lang, key) },
		"tf":         func(key string, args ...any) string { return fmt.Sprintf(label(lang, key), args...) },
		"status":     func(s result.Status) string { return statusLabel(lang, s) },
		"stclass":    func(s result.Status) string { return statusClass(string(s)) },
		"selectedby": func(by string) string { return selectedByLabel(lang, by) },
		"verdict":    func(v string) string { return verdictLabel(lang, v) },
		"class":      func(c risk.Class) string { return classLabel(lang, c) },
		"severity":   func(s string) string { return severityLabel(lang, s) },
		"outcome":    func(o decision.Outcome) string { return o.Label(lang) },
		"reason": func(rs decision.Reason) string {
			if lang == LangEN {
				return rs.Text
			}
			return rs.TextSV
		},
		"time": func(t time.Time) string {
			if t.IsZero() {
				return "–"
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"anchors":     func(a result.PatternAnchors) string { return anchorsLine(lang, a) },
		"platformlog": func(l *result.PlatformLog) string { return platformLogLine(lang, l) },
		"join":        strings.Join,
		"short":       func(s string) string { return shortHash(s) },
		"has":         func(list []string, s string) bool { return slices.Contains(list, s) },
		"scenario": func(r *Report, id string) *Scenario {
			for i := range r.Scenarios {
				if r.Scenarios[i].ID == id {
					return &r.Scenarios[i]
				}
			}
			return nil
		},
		"review": func(r *Report, id string) *ReviewItem {
			for i := range r.Reviews {
				if r.Reviews[i].Item == id {
					return &r.Reviews[i]
				}
			}
			return nil
		},
		"finding": func(r *Report, id string) *Finding {
			for i := range r.Findings {
				if r.Findings[i].ID == id {
					return &r.Findings[i]
				}
			}
			return nil
		},
		"reqtext": func(r *Report, id string) string {
			for _, rq := range r.Reqs {
				if rq.ID == id {
					return rq.Text
				}
			}
			return ""
		},
		"where":    func(f Finding) string { return findingWhere(f) },
		"inc":      func(n int) int { return n + 1 },
		"devstate": deviationState,
		"checkcount": func(steps []Step) int {
			n := 0
			for _, st := range steps {
				n += len(st.Checks)
			}
			return n
		},
		"findingAttachments": findingAttachments,
		"toolline":           func(r *Report) string { return toolLine(lang, r) },
		"rkind":              func(k string) string { return residualKindLabel(lang, k) },
	}
}

// findingAttachments are a review finding's evidence: the files attached
// to the verdict that failed it.
func findingAttachments(r *Report, f Finding) []result.Attachment {
	if f.Kind != "review" {
		return nil
	}
	for _, rv := range r.Reviews {
		if rv.Finding == f.ID {
			return rv.Attachments
		}
	}
	return nil
}

// deviationState says how the decision in force treats the deviations:
// "accepted" when an override approved without conditions over them,
// "conditions-without-deviations" when it approves with conditions none
// of which is a deviation, else "conditions" (or "" with none).
func deviationState(d decision.Decision) string {
	switch {
	case d.Outcome == decision.Approved && len(d.Deviations) > 0:
		return "accepted"
	case d.Outcome == decision.ApprovedWithConditions && len(d.Deviations) == 0:
		return "conditions-without-deviations"
	case len(d.Deviations) > 0:
		return "conditions"
	}
	return ""
}

func shortHash(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

func findingWhere(f Finding) string {
	switch f.Kind {
	case "review":
		return "review " + f.Step
	case "unexpected":
		return "unexpected"
	}
	return f.Scenario + "/" + f.Step + " " + f.Check
}

var classFill = map[risk.Class]string{risk.High: "#f4b6b0", risk.Medium: "#f9dd9c", risk.Low: "#c7e6c1"}

// matrixSVG draws the risk matrix: rows impact 4..1, columns likelihood
// 1..4, each cell coloured by class with its findings and scenarios.
func matrixSVG(r *Report, lang string) template.HTML {
	const cell, left, top = 86, 64, 16
	w, h := left+4*cell+10, top+4*cell+56
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="matrix" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="matrix-title">`, w, h, w, h)
	fmt.Fprintf(&b, `<title id="matrix-title">%s</title>`, template.HTMLEscapeString(label(lang, "riskMatrix")))
	for _, c := range r.Matrix.Cells {
		x, y := left+(c.Likelihood-1)*cell, top+(4-c.Impact)*cell
		fmt.Fprintf(&b, `<g class="cell"><title>%s %d × %s %d = %d (%s, %s %s): %d %s</title>`,
			label(lang, "impact"), c.Impact, label(lang, "likelihood"), c.Likelihood, c.Score, classLabel(lang, c.Class),
			label(lang, "quadrant"), c.Quadrant, c.Findings, strings.ToLower(label(lang, "findings")))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#555" stroke-width="1"/>`, x, y, cell, cell, classFill[c.Class])
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="score">%d</text>`, x+6, y+16, c.Score)
		if c.Findings > 0 {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="18" fill="#7a1f12"/><text x="%d" y="%d" class="count">%d</text>`, x+cell/2, y+cell/2+2, x+cell/2, y+cell/2+8, c.Findings)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="scen">(%d)</text></g>`, x+cell-8, y+cell-8, c.Scenarios)
	}
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis">%d</text>`, left-14, top+(4-i)*cell+cell/2+5, i)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis">%d</text>`, left+(i-1)*cell+cell/2, top+4*cell+18, i)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axislabel">%s →</text>`, left+2*cell, top+4*cell+42, template.HTMLEscapeString(label(lang, "likelihood")))
	fmt.Fprintf(&b, `<text transform="translate(18 %d) rotate(-90)" class="axislabel">%s →</text>`, top+2*cell, template.HTMLEscapeString(label(lang, "impact")))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped labels only
}
