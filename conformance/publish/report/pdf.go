package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// PDF renders the report as A4 pages: the decision and the summary of
// tests and reviews first, then deviations, the risk matrix, findings,
// scope and residual risks, then one section per certification appendix.
// It embeds DejaVu Sans (shipped in fonts/, free licence in
// fonts/LICENSE): Swedish letters, arrows and the typography of the HTML.
func PDF(r *Report, lang string) ([]byte, error) {
	b, _, err := renderPDF(r, lang)
	return b, err
}

// renderPDF renders the PDF and says on which pages its parts start: the
// summary on page 1, then each appendix of checks.
func renderPDF(r *Report, lang string) ([]byte, []int, error) {
	p := &pdfDoc{f: fpdf.New("P", "mm", "A4", ""), lang: lang, r: r, parts: []int{1}}
	p.f.AddUTF8FontFromBytes(pdfFont, "", dejaVuSans)
	p.f.AddUTF8FontFromBytes(pdfFont, "B", dejaVuSansBold)
	p.render()
	if err := p.f.Error(); err != nil {
		return nil, nil, fmt.Errorf("pdf: %w", err)
	}
	var b bytes.Buffer
	if err := p.f.Output(&b); err != nil {
		return nil, nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), p.parts, nil
}

// pdfFont is the embedded font's family name.
const pdfFont = "DejaVu"

var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
)

type pdfDoc struct {
	f     *fpdf.Fpdf
	parts []int // first page of each part
	lang  string
	r     *Report
}

// s is text as the PDF writes it: the embedded font has every character
// the report uses.
func (p *pdfDoc) s(text string) string { return text }
func (p *pdfDoc) t(key string) string  { return p.s(label(p.lang, key)) }

const (
	pdfMargin = 15.0
	pdfWidth  = 210 - 2*pdfMargin
	pdfLine   = 5.0
)

func (p *pdfDoc) render() {
	f, r := p.f, p.r
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin+5)
	f.AliasNbPages("")
	f.SetTitle(label(p.lang, "title")+" – "+r.Suite.Title, true)
	f.SetCreator(r.GeneratedBy.Name+" "+r.GeneratedBy.Version, true)
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont(pdfFont, "", 8)
		f.SetTextColor(90, 90, 100)
		page := strings.Replace(fmt.Sprintf(label(p.lang, "pageOf"), f.PageNo(), 999999), "999999", "{nb}", 1)
		f.CellFormat(0, 5, p.s(r.ID+"   "+page), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	f.SetFont(pdfFont, "B", 18)
	f.MultiCell(0, 8, p.t("title"), "", "L", false)
	f.SetFont(pdfFont, "", 9)
	f.SetTextColor(80, 80, 90)
	f.MultiCell(0, 4.5, p.s(fmt.Sprintf("%s (%s) · %s %s · %s %s", r.Suite.Title, r.Suite.ID, label(p.lang, "reportID"), r.ID,
		label(p.lang, "generated"), r.Generated.UTC().Format("2006-01-02 15:04 UTC"))), "", "L", false)
	f.SetTextColor(0, 0, 0)
	p.decision()
	p.summary()
	p.deviations()
	p.matrix()
	p.findings()
	p.scope()
	p.residual()
	p.declaration()
	p.environment()
	// The checks follow as an appendix of the summary above.
	for _, ap := range r.Appendices {
		f.AddPage()
		p.parts = append(p.parts, f.PageNo())
		p.heading(fmt.Sprintf("%s %s: %s", label(p.lang, "appendix"), ap.ID, ap.Title))
		if ap.Description != "" {
			p.para(ap.Description)
		}
		p.small(label(p.lang, "reqs") + ": " + strings.Join(ap.Requirements, ", "))
		p.appendixItems(ap)
		for _, id := range ap.Scenarios {
			for _, sc := range r.Scenarios {
				if sc.ID == id {
					p.scenario(sc)
				}
			}
		}
	}
	other, _ := otherScenarios(r)
	if len(other) > 0 || len(r.Unexpected) > 0 || len(r.Appendices) == 0 {
		f.AddPage()
		p.parts = append(p.parts, f.PageNo())
		p.heading(label(p.lang, "other"))
		for _, sc := range other {
			p.scenario(sc)
		}
		if len(r.Unexpected) > 0 {
			p.subheading(label(p.lang, "unexpected"))
			rows := [][]string{{label(p.lang, "check"), label(p.lang, "status"), label(p.lang, "message")}}
			for _, c := range r.Unexpected {
				rows = append(rows, []string{c.ID, statusLabel(p.lang, c.Status), c.Message + " (" + c.Exchange + ")"})
			}
			p.table([]float64{30, 25, pdfWidth - 55}, rows)
		}
	}
}

// keepWithNext starts a new page unless need mm remain below the cursor,
// so a heading is never left alone at a page's foot.
func (p *pdfDoc) keepWithNext(need float64) {
	_, pageH := p.f.GetPageSize()
	if p.f.GetY()+need > pageH-pdfMargin-5 {
		p.f.AddPage()
	}
}

func (p *pdfDoc) heading(text string) {
	p.keepWithNext(30)
	p.f.Ln(3)
	p.f.SetFont(pdfFont, "B", 14)
	p.f.MultiCell(0, 7, p.s(text), "B", "L", false)
	p.f.Ln(2)
	p.f.SetFont(pdfFont, "", 10)
}

func (p *pdfDoc) subheading(text string) {
	p.keepWithNext(22)
	p.f.Ln(2)
	p.f.SetFont(pdfFont, "B", 11)
	p.f.MultiCell(0, 6, p.s(text), "", "L", false)
	p.f.SetFont(pdfFont, "", 10)
}

func (p *pdfDoc) para(text string) {
	p.f.SetFont(pdfFont, "", 10)
	p.f.MultiCell(0, pdfLine, p.s(text), "", "L", false)
}

func (p *pdfDoc) small(text string) {
	p.f.SetFont(pdfFont, "", 8.5)
	p.f.SetTextColor(80, 80, 90)
	p.f.MultiCell(0, 4, p.s(text), "", "L", false)
	p.f.SetTextColor(0, 0, 0)
	p.f.SetFont(pdfFont, "", 10)
}

// table draws rows (the first is the header) with wrapped cells.
func (p *pdfDoc) table(widths []float64, rows [][]string) {
	f := p.f
	const lh = 4.2
	_, pageH := f.GetPageSize()
	for i, row := range rows {
		if i == 0 {
			f.SetFont(pdfFont, "B", 8.5)
			f.SetFillColor(235, 235, 240)
		} else {
			f.SetFont(pdfFont, "", 8.5)
		}
		lines := 1
		for j, cell := range row {
			lines = max(lines, len(f.SplitText(p.s(cell), widths[j]-2)))
		}
		h := float64(lines)*lh + 1.5
		need := h
		if i == 0 && len(rows) > 1 {
			need += 2 * lh // keep the header with a first row
		}
		if f.GetY()+need > pageH-pdfMargin-5 {
			f.AddPage()
		}
		x, y := f.GetX(), f.GetY()
		for j, cell := range row {
			f.Rect(x, y, widths[j], h, "D")
			if i == 0 {
				f.Rect(x, y, widths[j], h, "FD")
			}
			f.SetXY(x+1, y+0.75)
			if i > 0 {
				p.statusColour(cell)
			}
			f.MultiCell(widths[j]-2, lh, p.s(cell), "", "L", false)
			f.SetTextColor(0, 0, 0)
			x += widths[j]
		}
		f.SetXY(pdfMargin, y+h)
	}
	f.SetFont(pdfFont, "", 10)
	f.Ln(2)
}

func (p *pdfDoc) decision() {
	f, d := p.f, p.r.Decision
	f.Ln(4)
	switch {
	case d.Outcome == "approved":
		f.SetDrawColor(31, 111, 58)
	case d.Outcome == "approved-with-conditions", d.Outcome == "incomplete":
		f.SetDrawColor(138, 90, 0)
	case d.Outcome == "rejected":
		f.SetDrawColor(155, 28, 15)
	default:
		f.SetDrawColor(77, 77, 87)
	}
	f.SetLineWidth(0.8)
	y := f.GetY()
	f.SetFont(pdfFont, "", 10)
	f.MultiCell(0, 5, p.t("decision")+":", "", "L", false)
	f.SetFont(pdfFont, "B", 20)
	f.MultiCell(0, 10, p.s(d.Outcome.Label(p.lang)), "", "L", false)
	f.SetFont(pdfFont, "", 10)
	if d.Override != nil {
		p.para(fmt.Sprintf("%s %s %s: %s", label(p.lang, "override"), label(p.lang, "overrideBy"), d.Override.By, d.Override.Reason))
		p.para(fmt.Sprintf("%s: %s (%s %s)", label(p.lang, "proposal"), d.Proposed.Label(p.lang), label(p.lang, "rule"), d.Rule))
	} else {
		p.para(fmt.Sprintf("%s (%s %s)", label(p.lang, "proposal"), label(p.lang, "rule"), d.Rule))
	}
	if p.r.Aborted != "" {
		p.para(label(p.lang, "aborted") + ": " + p.r.Aborted)
	}
	switch deviationState(d) {
	case "accepted":
		p.para(fmt.Sprintf(label(p.lang, "boxAccepted"), len(d.Deviations)))
	case "conditions-without-deviations":
		if d.Override != nil {
			p.para(label(p.lang, "boxNoDeviations"))
		} else {
			p.para(label(p.lang, "boxNoDevsRule"))
		}
	}
	f.SetFont(pdfFont, "B", 10)
	f.MultiCell(0, 5, p.t("reasons"), "", "L", false)
	f.SetFont(pdfFont, "", 10)
	for _, rs := range d.Reasons {
		text := rs.TextSV
		if p.lang == LangEN {
			text = rs.Text
		}
		f.MultiCell(0, pdfLine, p.s("– "+text), "", "L", false)
	}
	f.Rect(pdfMargin-2, y-2, pdfWidth+4, f.GetY()-y+4, "D")
	f.SetLineWidth(0.2)
	f.SetDrawColor(120, 120, 130)
	f.Ln(5)
}

func (p *pdfDoc) summary() {
	s := p.r.Summary
	p.heading(label(p.lang, "summary"))
	row := func(key string, c Counts, skip bool) []string {
		sk, na := "–", "–"
		if skip {
			sk, na = fmt.Sprint(c.Skip), fmt.Sprint(c.NotApplicable)
		}
		return []string{label(p.lang, key), fmt.Sprint(c.Pass), fmt.Sprint(c.Fail), fmt.Sprint(c.Pending), sk, na}
	}
	p.table([]float64{50, 24, 24, 24, 30, 30}, [][]string{
		{"", label(p.lang, "pass"), label(p.lang, "fail"), label(p.lang, "pending"), label(p.lang, "skip"), label(p.lang, "na")},
		row("scenarios", s.Scenarios, true), row("checks", s.Checks, true), row("manual", s.Manual, false), row("reviews", s.Reviews, false),
	})
	p.small(label(p.lang, "statusNote"))
	decl := label(p.lang, "notDeclared")
	if p.r.Declaration.Recorded {
		decl = label(p.lang, "declared") + " (" + p.r.Declaration.By + ", " + p.r.Declaration.Org + ")"
	}
	p.para(fmt.Sprintf("%s: %d · %s: %s %d, %s %d, %s %d · %s: %s", label(p.lang, "exchanges"), s.Exchanges, label(p.lang, "findings"),
		classLabel(p.lang, risk.High), s.Findings["high"], classLabel(p.lang, risk.Medium), s.Findings["medium"], classLabel(p.lang, risk.Low), s.Findings["low"],
		p.r.Declaration.Title, decl))
}

func (p *pdfDoc) deviations() {
	if len(p.r.Decision.Deviations) == 0 {
		return
	}
	if deviationState(p.r.Decision) == "accepted" {
		p.heading(label(p.lang, "devAccepted"))
		p.para(label(p.lang, "devAcceptedNote"))
		rows := [][]string{{"Id", label(p.lang, "requirement"), label(p.lang, "findings"), label(p.lang, "severity")}}
		for _, d := range p.r.Decision.Deviations {
			rows = append(rows, []string{d.ID, d.Requirement, deviationText(d), severityLabel(p.lang, d.Severity) + " / " + classLabel(p.lang, d.Class)})
		}
		p.table([]float64{10, 30, 100, 40}, rows)
		return
	}
	p.heading(label(p.lang, "deviations"))
	rows := [][]string{{"Id", label(p.lang, "requirement"), label(p.lang, "findings"), label(p.lang, "severity"), label(p.lang, "owner"), label(p.lang, "deadline"), label(p.lang, "retest")}}
	for _, d := range p.r.Decision.Deviations {
		rows = append(rows, []string{d.ID, d.Requirement, deviationText(d),
			severityLabel(p.lang, d.Severity) + " / " + classLabel(p.lang, d.Class), d.Owner, d.FixDeadline, strings.Join(d.RetestScope, ", ")})
	}
	p.table([]float64{10, 24, 56, 24, 24, 25, 17}, rows)
}

// deviationText is a deviation's condition (with who edited it) and its
// findings, for a table cell.
func deviationText(d decision.Deviation) string {
	var parts []string
	if d.Text != "" {
		t := d.Text
		if d.Edited != nil {
			t += " (" + d.Edited.By + ")"
		}
		parts = append(parts, t)
	}
	if len(d.Findings) > 0 {
		parts = append(parts, strings.Join(d.Findings, ", ")+": "+d.Finding)
	}
	return strings.Join(parts, "\n")
}

var pdfFill = map[risk.Class][3]int{risk.High: {244, 182, 176}, risk.Medium: {249, 221, 156}, risk.Low: {199, 230, 193}}

func (p *pdfDoc) matrix() {
	f := p.f
	const cell = 18.0
	_, pageH := f.GetPageSize()
	if f.GetY()+4*cell+35 > pageH-pdfMargin {
		f.AddPage() // keep the heading with the picture
	}
	p.heading(label(p.lang, "riskMatrix"))
	x0, y0 := pdfMargin+14, f.GetY()+2
	for _, c := range p.r.Matrix.Cells {
		x, y := x0+float64(c.Likelihood-1)*cell, y0+float64(4-c.Impact)*cell
		col := pdfFill[c.Class]
		f.SetFillColor(col[0], col[1], col[2])
		f.Rect(x, y, cell, cell, "FD")
		f.SetFont(pdfFont, "", 7)
		f.Text(x+1.5, y+4, fmt.Sprint(c.Score))
		f.Text(x+cell-6, y+cell-1.5, fmt.Sprintf("(%d)", c.Scenarios))
		if c.Findings > 0 {
			f.SetFillColor(122, 31, 18)
			f.Circle(x+cell/2, y+cell/2, 4, "F")
			f.SetTextColor(255, 255, 255)
			f.SetFont(pdfFont, "B", 9)
			f.Text(x+cell/2-1.3, y+cell/2+1.3, fmt.Sprint(c.Findings))
			f.SetTextColor(0, 0, 0)
		}
	}
	f.SetFont(pdfFont, "", 8)
	for i := 1; i <= 4; i++ {
		f.Text(x0-4, y0+float64(4-i)*cell+cell/2+1, fmt.Sprint(i))
		f.Text(x0+float64(i-1)*cell+cell/2-1, y0+4*cell+4, fmt.Sprint(i))
	}
	f.Text(x0+cell, y0+4*cell+9, p.t("likelihood")+" →")
	f.TransformBegin()
	f.TransformRotate(90, x0-8, y0+3*cell)
	f.Text(x0-8, y0+3*cell, p.t("impact")+" →")
	f.TransformEnd()
	f.SetXY(x0+4*cell+6, y0)
	f.SetFont(pdfFont, "", 9)
	f.MultiCell(pdfWidth-4*cell-22, 4.5, p.s(fmt.Sprintf(label(p.lang, "matrixNote"), p.r.Matrix.Thresholds.High, p.r.Matrix.Thresholds.Medium)), "", "L", false)
	f.SetXY(pdfMargin, y0+4*cell+12)
	f.SetFont(pdfFont, "", 10)
}

func (p *pdfDoc) findings() {
	p.subheading(label(p.lang, "findings"))
	if len(p.r.Findings) == 0 {
		p.para(label(p.lang, "none"))
		return
	}
	rows := [][]string{{"Id", label(p.lang, "class"), label(p.lang, "requirement"), label(p.lang, "where"), label(p.lang, "message"), label(p.lang, "evidence")}}
	for _, fd := range p.r.Findings {
		rows = append(rows, []string{fd.ID, fmt.Sprintf("%s %d×%d=%d %s", classLabel(p.lang, fd.RiskClass), fd.Impact, fd.Likelihood, fd.Score, fd.Quadrant),
			fd.Requirement, findingWhere(fd), fd.Message, fd.RequestFile})
	}
	p.table([]float64{11, 24, 24, 28, 58, 35}, rows)
}

func (p *pdfDoc) scope() {
	sc := p.r.Scope
	p.heading(label(p.lang, "scope"))
	if sc.SelectedBy != "" {
		p.para(label(p.lang, "selectedBy") + ": " + selectedByLabel(p.lang, sc.SelectedBy) + " " + sc.SelectionProfile)
	}
	list := func(title string, items []ScopeItem) {
		p.subheading(title)
		if len(items) == 0 {
			p.para(label(p.lang, "none"))
			return
		}
		rows := [][]string{{"Id", "", label(p.lang, "class"), label(p.lang, "why")}}
		for _, it := range items {
			rows = append(rows, []string{it.ID, it.Title, classLabel(p.lang, it.Class), it.ReasonIn(p.lang)})
		}
		p.table([]float64{16, 45, 21, pdfWidth - 82}, rows)
	}
	list(label(p.lang, "tested"), sc.Tested)
	list(label(p.lang, "notTested"), sc.NotTested)
	p.subheading(label(p.lang, "planDeviations"))
	if sc.PlanProfile != "" {
		p.para(label(p.lang, "planProfile") + " " + sc.PlanProfile + ".")
	} else if p.r.RiskProfile == nil {
		p.para(label(p.lang, "noPlan"))
	}
	if len(sc.DeviationsFromPlan) == 0 {
		p.para(label(p.lang, "none"))
	}
	for _, d := range sc.DeviationsIn(p.lang) {
		p.para("– " + d)
	}
}

func (p *pdfDoc) residual() {
	p.heading(label(p.lang, "residual"))
	if len(p.r.Residual) == 0 {
		p.para(label(p.lang, "none"))
		return
	}
	rows := [][]string{{"Id", label(p.lang, "kind"), label(p.lang, "class"), ""}}
	for _, rr := range p.r.Residual {
		rows = append(rows, []string{rr.ID, residualKindLabel(p.lang, rr.Kind), classLabel(p.lang, rr.Class), rr.DescriptionIn(p.lang)})
	}
	p.table([]float64{30, 22, 21, pdfWidth - 73}, rows)
}

func (p *pdfDoc) appendixItems(ap Appendix) {
	if len(ap.Items) == 0 {
		return
	}
	p.subheading(label(p.lang, "items"))
	rows := [][]string{{"Id", "", label(p.lang, "show"), label(p.lang, "verdict"), label(p.lang, "note")}}
	for _, id := range ap.Items {
		for _, it := range p.r.Reviews {
			if it.Item != id {
				continue
			}
			note := it.Note
			if it.By != "" {
				note += " (" + it.By + ")"
			}
			for _, a := range it.Attachments {
				note += "\n" + a.Path
			}
			rows = append(rows, []string{it.Item, it.Title, it.Show, verdictLabel(p.lang, it.Verdict) + " " + it.Finding, note})
		}
	}
	p.table([]float64{14, 36, 60, 22, pdfWidth - 132}, rows)
}

func (p *pdfDoc) scenario(sc Scenario) {
	p.subheading(fmt.Sprintf("%s – %s: %s", sc.ID, sc.Title, statusLabel(p.lang, sc.Status)))
	p.small(fmt.Sprintf("%s: %s · %s: %s (%d×%d=%d, %s)", label(p.lang, "reqs"), strings.Join(sc.Requirements, ", "), label(p.lang, "class"),
		classLabel(p.lang, sc.Rating.Class), sc.Rating.Impact, sc.Rating.Likelihood, sc.Rating.Score, sc.Rating.Quadrant))
	rows := [][]string{{label(p.lang, "step"), label(p.lang, "status"), label(p.lang, "checks")}}
	for _, st := range sc.Steps {
		var parts []string
		for _, c := range st.Checks {
			s := c.ID + " " + statusLabel(p.lang, c.Status)
			if c.Status != result.Pass {
				s += ": " + c.Message
			}
			if c.Finding != "" {
				s += " [" + c.Finding + "]"
			}
			parts = append(parts, s)
		}
		if st.Manual != nil {
			s := label(p.lang, "manualStep") + ": " + st.Manual.Instruction + " → " + verdictLabel(p.lang, st.Manual.Verdict)
			if st.Manual.Note != "" {
				s += " (" + st.Manual.Note + ")"
			}
			for _, a := range st.Manual.Attachments {
				s += "\n" + a.Path
			}
			parts = append(parts, s)
		}
		name := fmt.Sprintf("%d. %s", st.Index, st.ID)
		if st.Answer != "" {
			name += "\n" + label(p.lang, "answer") + ": " + st.Answer
		}
		rows = append(rows, []string{name, statusLabel(p.lang, st.Status), strings.Join(parts, "\n")})
	}
	p.table([]float64{40, 20, pdfWidth - 60}, rows)
}

func (p *pdfDoc) declaration() {
	d := p.r.Declaration
	p.heading(label(p.lang, "declaration") + ": " + d.Title)
	if d.Text != "" {
		p.para(d.Text)
	}
	if !d.Recorded {
		p.para(label(p.lang, "notDeclared"))
		return
	}
	p.para(fmt.Sprintf("%s %s: %s, %s", label(p.lang, "declared"), d.At.UTC().Format("2006-01-02 15:04 UTC"), d.By, d.Org))
	p.para("\"" + d.Statement + "\"")
	for _, a := range d.Attachments {
		p.small(a.Path + " " + a.SHA256)
	}
}

func (p *pdfDoc) environment() {
	r := p.r
	p.heading(label(p.lang, "environment"))
	rows := [][]string{{"", ""},
		{label(p.lang, "tool"), toolLine(p.lang, r)},
		{label(p.lang, "mode"), r.Environment.Mode},
		{label(p.lang, "target"), r.Environment.Target},
		{label(p.lang, "expectedHSAID"), r.Environment.ExpectedHSAID},
		p.certRow(r.Environment),
		{label(p.lang, "started") + " / " + label(p.lang, "finished"), r.Started.UTC().Format("2006-01-02 15:04:05") + " / " + r.Finished.UTC().Format("2006-01-02 15:04:05")},
		{label(p.lang, "suite"), fmt.Sprintf("%s, %d %s, SHA-256 %s", r.Suite.ID, r.Suite.Files, label(p.lang, "files"), r.Suite.SHA256)},
		{label(p.lang, "contracts"), r.Contracts.Label() + ", SHA-256 " + r.Contracts.SHA256},
		{label(p.lang, "rulesSource"), r.Decision.RulesSource},
	}
	if rp := r.RiskProfile; rp != nil {
		rows = append(rows, []string{label(p.lang, "riskProfile"), strings.TrimSpace(rp.File + " " + rp.SHA256 + " " + rp.Kind)})
	}
	if l := r.Environment.PlatformLog; l != nil {
		rows = append(rows, []string{label(p.lang, "platformLog"), platformLogLine(p.lang, l)})
	}
	for _, a := range r.Environment.PatternAnchors {
		rows = append(rows, []string{label(p.lang, "patternAnchors"), anchorsLine(p.lang, a)})
	}
	p.table([]float64{45, pdfWidth - 45}, rows)
	for _, n := range r.Notes {
		p.small(n)
	}
}

// certRow is the TLS peer's certificate with what it is: the consumer's,
// or behind a platform the platform's (with the consumer's HSA-id from
// the trusted header).
func (p *pdfDoc) certRow(e Environment) []string {
	if e.ViaPlatform != "" {
		return []string{label(p.lang, "platformCert"), e.PlatformCertificate + " " + e.TLSVersion + " · " + label(p.lang, "consumerHSAID") + " " + e.ConsumerHSAID +
			" (" + fmt.Sprintf(label(p.lang, "viaHeader"), "x-rivta-original-serviceconsumer-hsaid") + ")"}
	}
	return []string{label(p.lang, "consumerCert"), e.ConsumerCertificate + " " + e.TLSVersion}
}

// statusColour colours a table cell that is a status, as the HTML does:
// pass green, fail red, not verified and pending amber, n/a grey.
func (p *pdfDoc) statusColour(cell string) {
	switch cell {
	case label(p.lang, "pass"):
		p.f.SetTextColor(31, 111, 58)
	case label(p.lang, "fail"):
		p.f.SetTextColor(155, 28, 15)
	case label(p.lang, "skip"), label(p.lang, "pending"):
		p.f.SetTextColor(138, 90, 0)
	case label(p.lang, "na"):
		p.f.SetTextColor(91, 91, 102)
	}
}
