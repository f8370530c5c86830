package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
)

// Languages of the renderings: Swedish (default) and English.
const (
	LangSV = "sv"
	LangEN = "en"
)

// labels are the headings and words of the renderings: [sv, en].
var labels = map[string][2]string{
	"title":            {"Testrapport – konformitetstest", "Conformance test report"},
	"decision":         {"Beslut", "Decision"},
	"proposal":         {"Förslag enligt beslutsreglerna", "Proposed by the decision rules"},
	"rule":             {"regel", "rule"},
	"override":         {"Ändrat beslut", "Override"},
	"overrideBy":       {"av", "by"},
	"reasons":          {"Skäl", "Reasons"},
	"summary":          {"Sammanfattning av tester och granskningar", "Summary of tests and reviews"},
	"scenarios":        {"Scenarier", "Scenarios"},
	"steps":            {"Steg", "Steps"},
	"checks":           {"Kontroller", "Checks"},
	"manual":           {"Manuella bedömningar", "Manual verdicts"},
	"reviews":          {"Dokumentgranskningar", "Document reviews"},
	"exchanges":        {"Utväxlingar", "Exchanges"},
	"findings":         {"Fynd", "Findings"},
	"pass":             {"Godkänt", "Pass"},
	"fail":             {"Fel", "Fail"},
	"skip":             {"Ej verifierat", "Not verified"},
	"na":               {"Ej tillämpligt", "Not applicable"},
	"pending":          {"Väntar", "Pending"},
	"total":            {"Totalt", "Total"},
	"riskMatrix":       {"Riskmatris", "Risk matrix"},
	"impact":           {"Konsekvens", "Impact"},
	"likelihood":       {"Sannolikhet", "Likelihood"},
	"score":            {"Riskvärde", "Score"},
	"class":            {"Riskklass", "Risk class"},
	"quadrant":         {"Kvadrant", "Quadrant"},
	"severity":         {"Allvarlighetsgrad", "Severity"},
	"matrixNote":       {"Riskvärde = konsekvens × sannolikhet; hög från %d, medel från %d. Talet uppe till vänster i en ruta är dess riskvärde, talet i den mörka cirkeln antalet fynd, inom parentes antalet scenarier.", "Score = impact × likelihood; high from %d, medium from %d. The number at a cell's top left is its score, the number in the dark circle its findings, in brackets its scenarios."},
	"quadrantNote":     {"Kvadrant (PRISMA): I hög konsekvens och hög sannolikhet (3–4), II hög konsekvens och låg sannolikhet, III låg konsekvens och hög sannolikhet, IV låg och låg.", "Quadrant (PRISMA): I high impact and high likelihood (3–4), II high impact and low likelihood, III low impact and high likelihood, IV low and low."},
	"allChecks":        {"Alla kontroller (%d) – klicka för att visa", "All checks (%d) – click to show"},
	"details":          {"Detaljer per certifieringsbilaga och scenario", "Details per certification appendix and scenario"},
	"deviations":       {"Avvikelser och förbehåll", "Deviations and conditions"},
	"requirement":      {"Krav", "Requirement"},
	"owner":            {"Ansvarig", "Owner"},
	"deadline":         {"Åtgärdas senast", "Fix by"},
	"retest":           {"Omtest", "Retest"},
	"where":            {"Var", "Where"},
	"message":          {"Iakttagelse", "Observation"},
	"evidence":         {"Underlag", "Evidence"},
	"request":          {"anrop", "request"},
	"response":         {"svar", "response"},
	"record":           {"post", "record"},
	"scope":            {"Omfattning", "Scope"},
	"tested":           {"Testat", "Tested"},
	"notTested":        {"Inte testat", "Not tested"},
	"why":              {"Varför", "Why"},
	"planDeviations":   {"Avvikelser från testplanen", "Deviations from the test plan"},
	"selectedBy":       {"Urval", "Selection"},
	"selAll":           {"alla scenarier i sviten", "every scenario of the suite"},
	"selScenarios":     {"namngivna scenarier (--scenario)", "named scenarios (--scenario)"},
	"selRiskPlan":      {"riskbaserad testplan (--risk)", "risk-based test plan (--risk)"},
	"residual":         {"Kvarstående risker", "Residual risks"},
	"none":             {"Inga.", "None."},
	"appendix":         {"Certifieringsbilaga", "Certification appendix"},
	"other":            {"Övrigt (utanför certifieringsbilagorna)", "Other (in no certification appendix)"},
	"unexpected":       {"Oväntade anrop", "Unexpected requests"},
	"show":             {"Det som ska visas", "What must be shown"},
	"verdict":          {"Bedömning", "Verdict"},
	"note":             {"Anteckning", "Note"},
	"attachments":      {"Bilagda filer", "Attached files"},
	"declaration":      {"Deklaration", "Declaration"},
	"declared":         {"Registrerad", "Recorded"},
	"notDeclared":      {"Inte registrerad – krävs före godkännande", "Not recorded – required before any approval"},
	"environment":      {"Testmiljö och spårbarhet", "Test environment and traceability"},
	"suite":            {"Testsvit", "Suite"},
	"contracts":        {"Tjänstekontrakt", "Service contracts"},
	"riskProfile":      {"Riskprofil", "Risk profile"},
	"kind":             {"Typ", "Kind"},
	"changes":          {"Ändringar", "Changes"},
	"functions":        {"Funktioner", "Functions"},
	"depth":            {"Testdjup", "Depth"},
	"tool":             {"Verktyg", "Tool"},
	"mode":             {"Läge", "Mode"},
	"target":           {"Ändpunkt", "Endpoint"},
	"expectedHSAID":    {"Förväntat HSA-id", "Expected HSA-id"},
	"consumerCert":     {"Konsumentens certifikat", "Consumer certificate"},
	"consumer":         {"System", "System"},
	"started":          {"Start", "Started"},
	"finished":         {"Slut", "Finished"},
	"duration":         {"Tid (s)", "Duration (s)"},
	"generated":        {"Skapad", "Generated"},
	"reportID":         {"Rapport-id", "Report id"},
	"status":           {"Status", "Status"},
	"answer":           {"Svar", "Answer"},
	"check":            {"Kontroll", "Check"},
	"step":             {"Steg", "Step"},
	"notes":            {"Anmärkningar", "Notes"},
	"aborted":          {"Körningen avbröts", "The run was aborted"},
	"hashes":           {"SHA-256", "SHA-256"},
	"rulesSource":      {"Beslutsregler", "Decision rules"},
	"manualStep":       {"Manuell bedömning", "Manual verdict"},
	"noAppendices":     {"Sviten har inga certifieringsbilagor (activities.yaml); alla resultat redovisas nedan.", "The suite has no certification appendices (activities.yaml); all results follow."},
	"reqs":             {"Krav", "Requirements"},
	"items":            {"Granskningspunkter", "Review items"},
	"pageOf":           {"Sida %d av %d", "Page %d of %d"},
	"statusLineFormat": {"%d godkända, %d fel, %d väntar, %d ej verifierade, %d ej tillämpliga", "%d pass, %d fail, %d pending, %d not verified, %d not applicable"},
	"statusNote":       {"Ej verifierat: kontrollen gäller men kunde inte utföras (t.ex. inget schema för kontraktet) – på krav med hög risk hindrar det godkännande. Ej tillämpligt: kontrollen gäller inte anropet (t.ex. ett huvud sviten inte kräver) eller är avstängd i sviten.", "Not verified: the check applies but could not be carried out (e.g. no schema for the contract) – on a high-risk requirement it blocks approval. Not applicable: the check does not apply to the request (e.g. a header the suite does not require) or the suite turned it off."},
	// The decision box and the deviations agree (issue 20).
	"devAccepted":     {"Avvikelser godtagna utan förbehåll (ändrat beslut)", "Deviations accepted without conditions (override)"},
	"devAcceptedNote": {"Det ändrade beslutet gör dem inte till förbehåll: inget måste åtgärdas före godkännandet. De står kvar som kvarstående risker.", "The override does not make them conditions: nothing must be fixed before approval. They remain as residual risks."},
	"boxAccepted":     {"%d avvikelse(r) godtogs utan förbehåll av det ändrade beslutet, se Avvikelser.", "%d deviation(s) accepted without conditions by the override, see Deviations."},
	"boxNoDeviations": {"Resultaten har inga avvikelser: förbehållen är det ändrade beslutets skäl ovan.", "The results have no deviations: the conditions are the override's reason above."},
	"boxNoDevsRule":   {"Resultaten har inga avvikelser: förbehållen är beslutsregelns skäl nedan.", "The results have no deviations: the conditions are the decision rule's reasons below."},
	"commit":          {"commit", "commit"},
	"commitUnknown":   {"okänd (byggd utan VCS-information)", "unknown (built without VCS information)"},
	"toolRun":         {"körningen", "the run"},
	"toolReport":      {"rapporten", "the report"},
	"platformCert":    {"Plattformens certifikat (TLS-motpart)", "The platform's certificate (TLS peer)"},
	"consumerHSAID":   {"Konsumentens HSA-id", "Consumer HSA-id"},
	"viaHeader":       {"från plattformens betrodda huvud %s", "from the platform's trusted header %s"},
	"viaCert":         {"från certifikatets SERIALNUMBER", "from the certificate's SERIALNUMBER"},
	"patternAnchors":  {"Mönster skrivna ^...$", "Patterns written ^...$"},
	"anchorsRead":     {"%s: %s läses med ^ och $ som ankare; XSD läser dem som vanliga tecken (det gör strict_xsd)", "%s: %s read with ^ and $ as anchors; XSD reads them as literal characters (strict_xsd does)"},
	"anchorsStrict":   {"%s: %s läses som XSD definierar dem: ^ och $ är vanliga tecken som ett giltigt värde måste innehålla", "%s: %s read as XSD defines them: ^ and $ are literal characters a valid value must contain"},
	"anchorFacet":     {"%q i %s (%s:%d)", "%q of %s (%s:%d)"},
	"platformLog":     {"Plattformens utväxlingslogg", "The platform's exchange log"},
	"platformLogUsed": {"%s: %d rad(er) med anrop som plattformen avvisade, kopierade till %s", "%s: %d line(s) of calls the platform refused, copied to %s"},
	"platformLogNone": {"%s: inget anrop från konsumenten avvisades av plattformen", "%s: the platform refused no call of the consumer"},
	// Residual risks.
	"rrAccepted":    {"%s godtogs utan förbehåll av det ändrade beslutet: %s", "%s accepted without conditions by the override: %s"},
	"rrDeviation":   {"%s är öppen tills den åtgärdats (senast %s, ansvarig %s, omtest %s): %s", "%s open until fixed (deadline %s, owner %s, retest %s): %s"},
	"rrOverridden":  {"förslaget %s ändrades till %s av %s: %s", "the proposal %s was overridden to %s by %s: %s"},
	"rk-deviation":  {"avvikelse", "deviation"},
	"rk-overridden": {"ändrat beslut", "overridden"},
	"rk-not-tested": {"inte testat", "not tested"},
	"rk-pending":    {"väntar", "pending"},
	"rk-skipped":    {"ej verifierat", "not verified"},
	// Scope: what the report itself says about what ran (scope.go).
	"scRun":            {"körd", "run"},
	"scNoStep":         {"startade men inget steg kördes", "started but no step ran"},
	"scAbortedSuffix":  {" (körningen avbröts: %s)", " (run aborted: %s)"},
	"scAborted":        {"körningen avbröts: %s", "the run was aborted: %s"},
	"scCheckOff":       {"avstängd i sviten (checks: skip)", "turned off by the suite (checks: skip)"},
	"scSelNotRun":      {"valt av körningens urval (%s) men inte kört", "selected by the run's selection (%s) but not run"},
	"scNotSelected":    {"inte valt av körningens urval (%s)", "not selected by the run's selection (%s)"},
	"scSelectedNotRun": {"%s valdes (%s) men kördes inte", "%s was selected (%s) but did not run"},
	"scSelectedNoStep": {"%s valdes (%s) men inget steg kördes", "%s was selected (%s) but no step ran"},
	"scPlanWantsIt":    {"%s väljs av riskplanen (%s) men körningens urval (%s) utelämnade det", "%s is selected by the risk plan (%s) but the run's selection (%s) left it out"},
	"scPlanNotRun":     {"valt av riskplanen men inte kört", "selected by the risk plan but not run"},
	"scRanUnplanned":   {"%s kördes fast riskplanen inte valde det", "%s ran although the risk plan did not select it"},
	"recAll":           {"alla scenarier i sviten körs (ingen riskprofil, ingen scenariolista)", result.ReasonAll},
	"recNamed":         {"namngivet i körningens scenariolista (--scenario)", result.ReasonNamed},
	"recNotNamed":      {"inte namngivet i körningens scenariolista (--scenario)", result.ReasonNotNamed},
	"byAll":            {"alla", "all"},
	"byScenarios":      {"namngivna", "scenarios"},
	"byRiskPlan":       {"riskplan", "risk plan"},
	"planProfile":      {"Avvikelser mäts mot riskprofilen", "Deviations are measured against the risk profile"},
	"noPlan":           {"Ingen riskprofil: körningens eget urval är testplanen.", "No risk profile: the run's own selection is the test plan."},
}

// recordedReasonKeys are the reasons a run records without a risk plan
// (result.NewSelection), with their catalogue keys.
var recordedReasonKeys = map[string]string{result.ReasonAll: "recAll", result.ReasonNamed: "recNamed", result.ReasonNotNamed: "recNotNamed"}

// text is a sentence of the report in both languages, for report.json
// fields that carry both (the renderings see nothing but report.json).
type text struct{ sv, en string }

// selBy is how a run selected, rendered per language by texts.
type selBy string

// texts formats the catalogue entry key in both languages; risk classes,
// selections and texts among args are put in the same language.
func texts(key string, args ...any) text {
	in := func(lang string) string {
		a := make([]any, len(args))
		for i, v := range args {
			switch v := v.(type) {
			case risk.Class:
				a[i] = classLabel(lang, v)
			case selBy:
				a[i] = selByLabel(lang, string(v))
			case text:
				a[i] = v.in(lang)
			default:
				a[i] = v
			}
		}
		if len(a) == 0 {
			return label(lang, key)
		}
		return fmt.Sprintf(label(lang, key), a...)
	}
	return text{sv: in(LangSV), en: in(LangEN)}
}

func (t text) in(lang string) string {
	if lang == LangEN {
		return t.en
	}
	return t.sv
}

// join appends more texts.
func (t text) join(more ...text) text {
	for _, m := range more {
		t.sv += m.sv
		t.en += m.en
	}
	return t
}

func selectedBy(by string) selBy { return selBy(by) }

// selectionKeys are the catalogue keys naming a run's selection: in a
// heading ("every scenario of the suite") and inside a sentence ("all").
var selectionKeys = map[string][2]string{
	result.SelectedAll:       {"selAll", "byAll"},
	result.SelectedScenarios: {"selScenarios", "byScenarios"},
	result.SelectedRiskPlan:  {"selRiskPlan", "byRiskPlan"},
}

// selByLabel names a selection inside a sentence.
func selByLabel(lang, by string) string {
	if k, ok := selectionKeys[by]; ok {
		return label(lang, k[1])
	}
	return by
}

// recordedReasons joins reasons a run or risk plan recorded: the ones the
// catalogue knows are translated, the rest quoted as recorded.
func recordedReasons(rs []string) text {
	var t text
	for i, r := range rs {
		if i > 0 {
			t = t.join(text{"; ", "; "})
		}
		if k, ok := recordedReasonKeys[r]; ok {
			t = t.join(texts(k))
		} else {
			t = t.join(quoted(r))
		}
	}
	return t
}

// quoted is text recorded elsewhere (a validator's or the run's message),
// marked as a quote in Swedish and kept as written.
func quoted(s string) text {
	if s == "" {
		return text{}
	}
	return text{sv: "”" + s + "”", en: s}
}

// outcomeText is a decision outcome's label in both languages, quoted.
func outcomeText(o decision.Outcome) text {
	return text{sv: "”" + o.LabelSV() + "”", en: "\"" + o.LabelEN() + "\""}
}

// residualKindLabel names a residual risk's kind.
func residualKindLabel(lang, kind string) string {
	if _, ok := labels["rk-"+kind]; ok {
		return label(lang, "rk-"+kind)
	}
	return kind
}

// toolLine is "rivgate dev (the run) · rivgate dev, commit c (the report)".
func toolLine(lang string, r *Report) string {
	g := r.GeneratedBy
	c := g.Commit
	if c == "" || c == "unknown" {
		c = label(lang, "commitUnknown")
	}
	return fmt.Sprintf("%s %s (%s) · %s %s, %s %s (%s)", r.Tool.Name, r.Tool.Version, label(lang, "toolRun"),
		g.Name, g.Version, label(lang, "commit"), c, label(lang, "toolReport"))
}

// label returns the word for key in lang.
func label(lang, key string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if lang == LangEN {
		return l[1]
	}
	return l[0]
}

func statusLabel(lang string, s result.Status) string {
	switch s {
	case result.Pass:
		return label(lang, "pass")
	case result.Fail:
		return label(lang, "fail")
	case result.Skip:
		return label(lang, "skip")
	case result.NotApplicable:
		return label(lang, "na")
	case result.ManualPending:
		return label(lang, "pending")
	}
	return string(s)
}

func verdictLabel(lang, v string) string {
	switch v {
	case "pass":
		return label(lang, "pass")
	case "fail":
		return label(lang, "fail")
	}
	return label(lang, "pending")
}

func classLabel(lang string, c risk.Class) string {
	if lang == LangEN {
		return string(c)
	}
	switch c {
	case risk.High:
		return "hög"
	case risk.Medium:
		return "medel"
	case risk.Low:
		return "låg"
	}
	return string(c)
}

var severitySV = map[string]string{"critical": "kritisk", "major": "allvarlig", "minor": "mindre", "inconsequential": "obetydlig"}

func severityLabel(lang, s string) string {
	if lang == LangEN {
		return s
	}
	if v, ok := severitySV[s]; ok {
		return v
	}
	return s
}

// statusClass is the CSS class suffix of a status or verdict ("n/a" is
// not a usable class name).
func statusClass(s string) string {
	if s == string(result.NotApplicable) {
		return "na"
	}
	return s
}

// selectedByLabel names how a run chose its scenarios.
func selectedByLabel(lang, by string) string {
	if k, ok := selectionKeys[by]; ok {
		return label(lang, k[0])
	}
	return by
}

// Catalogue is every string of the report's catalogue in lang that differs
// from the other language's, for tests that a rendering is in one language.
func Catalogue(lang string) []string {
	var out []string
	for key := range labels {
		sv, en := label(LangSV, key), label(LangEN, key)
		if sv == en {
			continue
		}
		out = append(out, label(lang, key))
	}
	for en, sv := range severitySV {
		out = append(out, map[string]string{LangSV: sv, LangEN: en}[lang])
	}
	slices.Sort(out)
	return out
}

// anchorsLine says, in lang, how one contract's patterns written ^...$
// were read.
func anchorsLine(lang string, a result.PatternAnchors) string {
	facets := make([]string, 0, len(a.Patterns))
	for _, p := range a.Patterns {
		facets = append(facets, fmt.Sprintf(label(lang, "anchorFacet"), p.Pattern, p.Owner, p.File, p.Line))
	}
	key := "anchorsRead"
	if a.Strict {
		key = "anchorsStrict"
	}
	return fmt.Sprintf(label(lang, key), a.Contract, strings.Join(facets, ", "))
}

// platformLogLine says, in lang, which platform log the run followed and
// what it used of it.
func platformLogLine(lang string, l *result.PlatformLog) string {
	if l.Lines == 0 {
		return fmt.Sprintf(label(lang, "platformLogNone"), l.Source)
	}
	return fmt.Sprintf(label(lang, "platformLogUsed"), l.Source, l.Lines, l.File)
}
