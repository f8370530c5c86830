package report

import (
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
	"matrixNote":       {"Riskvärde = konsekvens × sannolikhet; hög från %d, medel från %d. Siffran i rutan är antalet fynd, inom parentes antalet scenarier.", "Score = impact × likelihood; high from %d, medium from %d. The number in a cell is its findings, in brackets its scenarios."},
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
	switch by {
	case result.SelectedAll:
		return label(lang, "selAll")
	case result.SelectedScenarios:
		return label(lang, "selScenarios")
	case result.SelectedRiskPlan:
		return label(lang, "selRiskPlan")
	}
	return by
}
