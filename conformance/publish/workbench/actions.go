package workbench

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

func hmacEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// withMessage adds the outcome of an action to the page it goes back to.
func withMessage(to, flash string, err error) string {
	q := url.Values{}
	if err != nil {
		q.Set("error", err.Error())
	} else if flash != "" {
		q.Set("flash", flash)
	}
	if len(q) == 0 {
		return to
	}
	return to + "?" + q.Encode()
}

func runURL(r *http.Request) string { return "/runs/" + url.PathEscape(r.PathValue("run")) + "/" }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// uploads saves the files of form field key into a temporary directory
// under their own (made safe) names, so that assess.Attach records those
// names as the CLI records --attach's base names. The caller removes the
// directory.
func uploads(r *http.Request, key string) (files []string, tmp string, err error) {
	if r.MultipartForm == nil {
		return nil, "", nil
	}
	var hs []*multipart.FileHeader
	for _, h := range r.MultipartForm.File[key] {
		if h.Filename != "" {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return nil, "", nil
	}
	tmp, err = os.MkdirTemp("", "workbench-upload-")
	if err != nil {
		return nil, "", fmt.Errorf("upload: %w", err)
	}
	for i, h := range hs {
		name := unsafeName.ReplaceAllString(path.Base(strings.ReplaceAll(h.Filename, `\`, "/")), "_")
		if name == "" || name == "." || name == ".." {
			name = "attachment"
		}
		// One subdirectory per file keeps two uploads of one name apart.
		p := filepath.Join(tmp, fmt.Sprint(i), name)
		if err := saveUpload(h, p); err != nil {
			os.RemoveAll(tmp)
			return nil, "", err
		}
		files = append(files, p)
	}
	return files, tmp, nil
}

func saveUpload(h *multipart.FileHeader, p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	src, err := h.Open()
	if err != nil {
		return fmt.Errorf("upload %s: %w", h.Filename, err)
	}
	defer src.Close()
	dst, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("upload %s: %w", h.Filename, err)
	}
	return dst.Close()
}

// runWithUploads is an action's run directory and its uploaded
// attachments, saved until done is called.
func (s *Server) runWithUploads(r *http.Request) (dir string, files []string, done func(), err error) {
	if dir, err = s.runDir(r); err != nil {
		return "", nil, nil, err
	}
	files, tmp, err := uploads(r, "attach")
	if err != nil {
		return "", nil, nil, err
	}
	return dir, files, func() { os.RemoveAll(tmp) }, nil
}

// judge records a verdict on a manual step (conform judge --scenario).
func (s *Server) judge(r *http.Request, who string) (string, string, error) {
	dir, files, done, err := s.runWithUploads(r)
	if err != nil {
		return runURL(r), "", err
	}
	defer done()
	j := result.Judgement{Scenario: r.PostFormValue("scenario"), Step: r.PostFormValue("step"),
		Verdict: r.PostFormValue("verdict"), Note: strings.TrimSpace(r.PostFormValue("note")), By: who, At: s.now()}
	_, st, err := assess.JudgeStep(dir, j, files)
	if err != nil {
		return runURL(r), "", err
	}
	return runURL(r), fmt.Sprintf("%s/%s: %s by %s (%d attachment(s))", j.Scenario, st.ID, j.Verdict, who, len(st.Manual.Attachments)), nil
}

// review records a verdict on a document-review item (conform judge --item).
func (s *Server) review(r *http.Request, who string) (string, string, error) {
	dir, files, done, err := s.runWithUploads(r)
	if err != nil {
		return runURL(r), "", err
	}
	defer done()
	suite, err := runSuite(dir)
	if err != nil {
		return runURL(r), "", err
	}
	rv, err := assess.ReviewItem(dir, suite, assess.ReviewOptions{Item: r.PostFormValue("item"), Verdict: r.PostFormValue("verdict"),
		Note: strings.TrimSpace(r.PostFormValue("note")), By: who, Files: files, At: s.now()})
	if err != nil {
		return runURL(r), "", err
	}
	return runURL(r), fmt.Sprintf("review %s: %s by %s (%d attachment(s))", rv.Item, rv.Verdict, who, len(rv.Attachments)), nil
}

// runSuite loads the suite results.json in dir names.
func runSuite(dir string) (*scenario.Suite, error) {
	run, err := result.Read(dir)
	if err != nil {
		return nil, err
	}
	s, err := scenario.LoadDir(run.Suite.Dir)
	if err != nil {
		return nil, fmt.Errorf("the run's suite: %w", err)
	}
	return s, nil
}

// declare records the supplier's declaration (conform declare).
func (s *Server) declare(r *http.Request, who string) (string, string, error) {
	dir, files, done, err := s.runWithUploads(r)
	if err != nil {
		return runURL(r), "", err
	}
	defer done()
	org := strings.TrimSpace(r.PostFormValue("org"))
	err = assess.DeclareIn(dir, assess.DeclarationOptions{By: who, Org: org,
		Statement: strings.TrimSpace(r.PostFormValue("statement")), Files: files, At: s.now()})
	if err != nil {
		return runURL(r), "", err
	}
	return runURL(r), fmt.Sprintf("declaration recorded: %s, %s", who, org), nil
}

// decide records the certifier's decision (conform decide).
func (s *Server) decide(r *http.Request, who string) (string, string, error) {
	dir, err := s.runDir(r)
	if err != nil {
		return "", "", err
	}
	o := decision.Outcome(r.PostFormValue("outcome"))
	if err := assess.Decide(dir, o, strings.TrimSpace(r.PostFormValue("reason")), who, s.now()); err != nil {
		return runURL(r), "", err
	}
	return runURL(r), fmt.Sprintf("decision recorded: %s (%s) by %s", o.LabelSV(), o, who), nil
}

// editDeviation records a deviation's text, owner and fix-by date, or
// adds a deviation (conform deviation).
func (s *Server) editDeviation(r *http.Request, who string) (string, string, error) {
	dir, err := s.runDir(r)
	if err != nil {
		return "", "", err
	}
	current, err := report.Deviations(dir, s.now())
	if err != nil {
		return runURL(r), "", err
	}
	field := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	e := decision.DeviationEdit{ID: field("id"), Requirement: field("requirement"), Severity: field("severity"),
		Text: field("text"), Owner: field("owner"), FixBy: field("fix_by"), By: who, At: s.now()}
	if err := assess.EditDeviation(dir, current, e); err != nil {
		return runURL(r), "", err
	}
	return runURL(r), fmt.Sprintf("deviation %s recorded by %s", e.ID, who), nil
}

// rebuildReport writes report.json and its renderings (conform report).
func (s *Server) rebuildReport(r *http.Request, _ string) (string, string, error) {
	dir, err := s.runDir(r)
	if err != nil {
		return "", "", err
	}
	lang := r.PostFormValue("lang")
	if lang == "" {
		lang = report.LangSV
	}
	if lang != report.LangSV && lang != report.LangEN {
		return runURL(r), "", fmt.Errorf("language %q: want sv or en", lang)
	}
	in, err := report.Load(dir, "", s.now())
	if err != nil {
		return runURL(r), "", err
	}
	if in.SuiteErr != nil {
		// The CLI names the suite with --suite; a form cannot.
		return runURL(r), "", fmt.Errorf("%w: rebuild it with 'rivgate conform report --out DIR --suite DIR'", in.SuiteErr)
	}
	rep, err := report.Generate(in, lang)
	if err != nil {
		return runURL(r), "", err
	}
	return runURL(r), fmt.Sprintf("report rebuilt: %s (%s)", rep.Decision.Outcome.Label(lang), rep.Decision.Outcome), nil
}

// bundle writes the signed evidence bundle (conform bundle --key).
func (s *Server) bundle(r *http.Request, _ string) (string, string, error) {
	dir, err := s.runDir(r)
	if err != nil {
		return "", "", err
	}
	if s.signer == nil {
		return runURL(r), "", errors.New("no signing key: start the workbench with --key to bundle")
	}
	suite, err := runSuite(dir)
	if err != nil {
		return runURL(r), "", err
	}
	p, err := evidence.Create(evidence.Options{RunDir: dir, Suite: suite, Signer: s.signer})
	switch {
	case errors.Is(err, evidence.ErrStaleReport):
		return runURL(r), "", fmt.Errorf("%w: rebuild the report first; nothing bundled", err)
	case err != nil:
		return runURL(r), "", err
	}
	return runURL(r), "bundle written and signed: " + filepath.Base(p), nil
}

// verify checks an uploaded bundle offline, like 'conform verify', and
// renders the result directly (nothing is stored).
func (s *Server) verify(r *http.Request, _ string) (string, string, error) {
	files, tmp, err := uploads(r, "bundle")
	if err != nil {
		return "/verify", "", err
	}
	defer os.RemoveAll(tmp)
	if len(files) != 1 {
		return "/verify", "", errors.New("choose one bundle (evidence.zip) to verify")
	}
	var pin any
	keys, ktmp, err := uploads(r, "pubkey")
	if err != nil {
		return "/verify", "", err
	}
	defer os.RemoveAll(ktmp)
	if len(keys) == 1 {
		k, err := evidence.LoadPublicKey(keys[0])
		if err != nil {
			return "/verify", "", fmt.Errorf("public key: %w", err)
		}
		pin = k
	}
	v, err := evidence.Verify(files[0], pin)
	var d *evidence.Difference
	if errors.As(err, &d) {
		return "/verify", "", fmt.Errorf("%s: FAILED: %s", filepath.Base(files[0]), d)
	}
	if err != nil {
		return "/verify", "", err
	}
	msg := fmt.Sprintf("%s: OK: signed by key %s", filepath.Base(files[0]), v.KeyID)
	if v.Subject != "" {
		msg += " (" + v.Subject + ")"
	}
	if v.Pinned {
		msg += ", the pinned key"
	} else {
		msg += ", not pinned (give the public key to require a known signer)"
	}
	msg += fmt.Sprintf("; %d files as in the signed manifest; %d checks re-evaluated as recorded", v.Files, v.Checks)
	if v.Decision != "" {
		msg += fmt.Sprintf("; decision re-evaluated: %s (%s), as recorded", decision.Outcome(v.Decision).LabelSV(), v.Decision)
	}
	for _, n := range v.NotReevaluated {
		msg += "; not re-evaluated: " + n
	}
	for _, n := range v.Notes { // as conform verify prints them
		msg += "; note: " + n
	}
	return "/verify", msg, nil
}

// login records who the person is: with users, a checked password or
// token; without, the name given.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c, err := r.Cookie(sidCookie)
	if err != nil || !hmacEqual(r.PostFormValue("csrf"), s.csrfToken(c.Value)) {
		http.Error(w, "missing or wrong CSRF token: reload the page and try again", http.StatusForbidden)
		return
	}
	name := cleanName(r.PostFormValue("name"))
	if name == "" {
		http.Redirect(w, r, withMessage("/login", "", errors.New("give your name (at most 100 characters)")), http.StatusSeeOther)
		return
	}
	if s.users != nil {
		if !s.users.check(name, r.PostFormValue("secret")) {
			http.Redirect(w, r, withMessage("/login", "", errors.New("unknown name or wrong password")), http.StatusSeeOther)
			return
		}
		// A new session id on login, so a planted one is worth nothing.
		sid := randomHex(32)
		s.sessions.set(c.Value, "")
		s.sessions.set(sid, name)
		http.SetCookie(w, &http.Cookie{Name: sidCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	} else {
		http.SetCookie(w, &http.Cookie{Name: nameCookie, Value: encodeName(name), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
			MaxAge: 365 * 24 * 3600, Secure: r.TLS != nil})
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(r *http.Request, _ string) (string, string, error) {
	if c, err := r.Cookie(sidCookie); err == nil {
		s.sessions.set(c.Value, "")
	}
	return "/", "", nil
}

// file serves a file of a run (an attachment, the report files, the
// bundle) as a download: never rendered in the workbench's origin.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	dir, err := s.runDir(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	rel := path.Clean("/" + r.URL.Query().Get("path"))[1:]
	if !servable(rel) {
		http.Error(w, "only attachments, report files and the bundle are served", http.StatusNotFound)
		return
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", unsafeName.ReplaceAllString(path.Base(rel), "_")))
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func servable(rel string) bool {
	switch rel {
	case report.JSONFile, report.HTMLFile, report.JUnitFile, report.PDFFile, evidence.BundleFile:
		return true
	}
	return strings.HasPrefix(rel, assess.AttachmentsDir+"/")
}
