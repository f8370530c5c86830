package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/antchfx/xpath"
	"github.com/goccy/go-yaml/ast"

	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// SuiteFile is the name of the suite file in a suite directory.
const SuiteFile = "suite.yaml"

// LoadError is one problem in a suite or scenario file. File is as the
// user knows it (an OS path for LoadDir); Field is a YAML path, e.g.
// "$.steps[2].respond.vp_fault".
type LoadError = yamlstrict.Error

// LoadDir loads the suite in an OS directory. Errors name OS paths.
// Absolute file names in the suite are OS paths.
func LoadDir(dir string) (*Suite, error) { return LoadDirRooted(string(filepath.Separator), dir) }

// LoadDirRooted loads the suite in the OS directory dir, which must be
// inside root, with the suite's absolute file names resolved under root
// instead of the file system's root: an evidence bundle that holds a suite
// at its full path loads it this way.
func LoadDirRooted(root, dir string) (*Suite, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("suite directory %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("suite directory: %w", err)
	} else if !st.IsDir() {
		return nil, &LoadError{File: dir, Msg: "not a directory"}
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("suite root %s: %w", root, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return nil, fmt.Errorf("suite directory %s is not inside %s", abs, root)
	}
	l := &loader{fsys: os.DirFS(root), dir: filepath.ToSlash(rel),
		display: func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }}
	s, err := l.load()
	if err != nil {
		return nil, err
	}
	s.OSDir, s.OSRoot = abs, root
	return s, nil
}

// Load loads the suite in directory dir of fsys (for example an embedded
// fixture tree). Errors name paths inside fsys.
func Load(fsys fs.FS, dir string) (*Suite, error) {
	l := &loader{fsys: fsys, dir: path.Clean(dir), display: func(p string) string { return p }}
	return l.load()
}

type loader struct {
	fsys    fs.FS
	dir     string
	display func(string) string
	errs    []error
	// absolute: the suite names a file by an absolute path.
	absolute bool
}

// yamlFile is one parsed file, kept so semantic errors can be placed.
type yamlFile struct {
	name string // display name
	ast  *ast.File
}

func (l *loader) load() (*Suite, error) {
	var s Suite
	sf, err := l.decode(path.Join(l.dir, SuiteFile), &s)
	if err != nil {
		return nil, err
	}
	s.FS, s.Dir = l.fsys, l.dir
	l.checkSuite(&s, sf)
	known := map[string]bool{}
	for _, r := range BuiltinRequirements() {
		known[r.ID] = true
	}
	for i := range s.Requirements {
		s.Requirements[i].Source = "suite"
		known[s.Requirements[i].ID] = true
	}
	ids := map[string]string{}
	for i, name := range s.ScenarioFiles {
		p, ok := l.resolve(sf, fmt.Sprintf("$.scenarios[%d]", i), name)
		if !ok {
			continue
		}
		var sc Scenario
		f, err := l.decode(p, &sc)
		if err != nil {
			l.errs = append(l.errs, err)
			continue
		}
		sc.File = name
		if prev, dup := ids[sc.ID]; dup && sc.ID != "" {
			l.add(f, "$.id", "scenario id %q is also used in %s", sc.ID, prev)
		}
		ids[sc.ID] = name
		l.checkScenario(&s, &sc, f, known)
		s.Scenarios = append(s.Scenarios, &sc)
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	s.Absolute = l.absolute
	return &s, nil
}

// decode reads one YAML file strictly into v.
func (l *loader) decode(p string, v any) (*yamlFile, error) {
	name := l.display(p)
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		return nil, &LoadError{File: name, Msg: fmt.Sprintf("cannot read: %v", unwrapPath(err))}
	}
	file, err := yamlstrict.Decode(name, data, v)
	if err != nil {
		return nil, err
	}
	return &yamlFile{name: name, ast: file}, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// at places a YAML path in f; an unknown path gives line 0.
func at(f *yamlFile, yp string) (line, col int) {
	n := yamlstrict.Find(f.ast, yp)
	if n == nil {
		// fall back to the parent path, so the error still points near
		if i := strings.LastIndexAny(yp, ".["); i > 1 {
			return at(f, yp[:i])
		}
		return 0, 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line, tk.Position.Column
	}
	return 0, 0
}

func (l *loader) add(f *yamlFile, field, format string, args ...any) {
	line, col := at(f, field)
	l.errs = append(l.errs, &LoadError{File: f.name, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// resolve turns a file name in the suite into an fs path and checks it
// exists.
func (l *loader) resolve(f *yamlFile, field, name string) (string, bool) {
	p, ok := l.fsPath(f, field, name)
	if !ok {
		return "", false
	}
	if _, err := fs.Stat(l.fsys, p); err != nil {
		l.add(f, field, "file %q: %v", name, unwrapPath(err))
		return "", false
	}
	return p, true
}

// fsPath turns a file name in the suite into an fs path (SuitePath).
func (l *loader) fsPath(f *yamlFile, field, name string) (string, bool) {
	switch {
	case name == "":
		l.add(f, field, "empty file name")
		return "", false
	case strings.Contains(name, "\\"):
		l.add(f, field, "file %q: use / as the separator", name)
		return "", false
	}
	p := SuitePath(l.dir, name)
	if !fs.ValidPath(p) {
		l.add(f, field, "file %q is outside the tree the suite was loaded from", name)
		return "", false
	}
	if path.IsAbs(name) {
		l.absolute = true
	}
	return p, true
}

// SuitePath is where a file name in a suite whose directory is dir (an fs
// path) lies in the suite's fs.FS: a relative name is relative to dir, an
// absolute one (/...) is from the root of the file system the suite was
// loaded from (the OS's for LoadDir).
func SuitePath(dir, name string) string {
	if path.IsAbs(name) {
		return strings.TrimPrefix(path.Clean(name), "/")
	}
	return path.Join(dir, name)
}

var reservedPrefixes = []string{"soap", "wsa", "itr"}

func (l *loader) checkSuite(s *Suite, f *yamlFile) {
	if s.ID == "" {
		l.add(f, "$.id", "required")
	}
	if s.Title == "" {
		l.add(f, "$.title", "required")
	}
	if s.Contracts == "" {
		l.add(f, "$.contracts", "required: the contract directory, relative to the suite or absolute")
	} else if p, ok := l.fsPath(f, "$.contracts", s.Contracts); ok {
		if st, err := fs.Stat(l.fsys, p); err != nil || !st.IsDir() {
			l.add(f, "$.contracts", "directory %q does not exist", s.Contracts)
		}
	}
	if s.Consumer.HSAID == "" {
		l.add(f, "$.consumer.hsa_id", "required: the HSA-id in the consumer's certificate SERIALNUMBER")
	} else if err := rivta.CheckHSAID(s.Consumer.HSAID); err != nil {
		l.add(f, "$.consumer.hsa_id", "%v", err)
	}
	for prefix, ns := range s.Namespaces {
		if slices.Contains(reservedPrefixes, prefix) {
			l.add(f, "$.namespaces."+prefix, "prefix %q is built in", prefix)
		}
		if ns == "" {
			l.add(f, "$.namespaces."+prefix, "empty namespace")
		}
	}
	l.checkNames(f, "$.receivers", s.Receivers, func(field, r string) {
		if r == "" || strings.TrimSpace(r) != r {
			l.add(f, field, "receiver %q: want a logical address without surrounding whitespace", r)
		}
	})
	if r := s.Defaults.Retry.MaxRepeats; r != nil && *r < 0 {
		l.add(f, "$.defaults.retry.max_repeats", "must be 0 or more")
	}
	nsMap := s.XPathNamespaces()
	for i, v := range s.Volatile {
		if _, err := xpath.CompileWithNS(v, nsMap); err != nil {
			l.add(f, fmt.Sprintf("$.volatile[%d]", i), "bad XPath %q: %v", v, err)
		}
	}
	builtin := map[string]bool{}
	for _, id := range RequestChecks() {
		builtin[id] = true
	}
	seenCheck := map[string]bool{}
	for i, c := range s.Checks {
		field := fmt.Sprintf("$.checks[%d]", i)
		if !builtin[c.ID] {
			l.add(f, field+".id", "unknown check %q (known: %s)", c.ID, strings.Join(RequestChecks(), ", "))
		}
		if seenCheck[c.ID] {
			l.add(f, field+".id", "check %q listed twice", c.ID)
		}
		seenCheck[c.ID] = true
		if c.Impact != 0 && (c.Impact < 1 || c.Impact > 4) {
			l.add(f, field+".impact", "impact must be 1-4, got %d", c.Impact)
		}
	}
	reqIDs := map[string]bool{}
	for _, r := range BuiltinRequirements() {
		reqIDs[r.ID] = true
	}
	for i, r := range s.Requirements {
		field := fmt.Sprintf("$.requirements[%d]", i)
		switch {
		case r.ID == "":
			l.add(f, field+".id", "required")
		case reqIDs[r.ID]:
			l.add(f, field+".id", "requirement id %q is already defined (built-in ids cannot be redefined)", r.ID)
		}
		reqIDs[r.ID] = true
		if r.Text == "" {
			l.add(f, field+".text", "required")
		}
		if r.Impact < 1 || r.Impact > 4 {
			l.add(f, field+".impact", "impact must be 1-4, got %d", r.Impact)
		}
	}
	if len(s.ScenarioFiles) == 0 {
		l.add(f, "$.scenarios", "at least one scenario file is required")
	}
}

func (l *loader) checkScenario(s *Suite, sc *Scenario, f *yamlFile, known map[string]bool) {
	if sc.ID == "" {
		l.add(f, "$.id", "required")
	}
	if sc.Title == "" {
		l.add(f, "$.title", "required")
	}
	if sc.Likelihood < 1 || sc.Likelihood > 4 {
		l.add(f, "$.likelihood", "likelihood must be 1-4, got %d", sc.Likelihood)
	}
	if len(sc.Requirements) == 0 {
		l.add(f, "$.requirements", "at least one requirement id is required")
	}
	l.checkReqs(f, "$.requirements", sc.Requirements, known)
	l.checkNames(f, "$.tags", sc.Tags, func(field, t string) {
		if !slices.Contains(Tags(), t) {
			l.add(f, field, "tag %q: want one of %s", t, strings.Join(Tags(), ", "))
		}
	})
	l.checkNames(f, "$.functions", sc.Functions, func(field, fn string) {
		if !functionID.MatchString(fn) {
			l.add(f, field, "function %q: use letters, digits, '.', '_' and '-' (the id a risk profile names)", fn)
		}
	})
	if sc.Trigger != nil {
		l.checkTrigger(f, "$.trigger", sc.Trigger)
	}
	if len(sc.Steps) == 0 {
		l.add(f, "$.steps", "at least one step is required")
	}
	stepIDs := map[string]bool{}
	for i, st := range sc.Steps {
		field := fmt.Sprintf("$.steps[%d]", i)
		if st == nil {
			l.add(f, field, "empty step")
			continue
		}
		st.Line, _ = at(f, field)
		if st.ID == "" {
			st.ID = fmt.Sprintf("%d", i+1)
		}
		if stepIDs[st.ID] {
			l.add(f, field+".id", "step id %q used twice", st.ID)
		}
		stepIDs[st.ID] = true
		l.checkStep(s, f, field, st, known)
	}
}

// functionID is the form of a function id (risk profiles name them).
var functionID = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]*$`)

// checkNames checks a list of names: each once, each valid by check.
func (l *loader) checkNames(f *yamlFile, field string, names []string, check func(field, name string)) {
	seen := map[string]bool{}
	for i, n := range names {
		fi := fmt.Sprintf("%s[%d]", field, i)
		if seen[n] {
			l.add(f, fi, "%q listed twice", n)
		}
		seen[n] = true
		check(fi, n)
	}
}

func (l *loader) checkReqs(f *yamlFile, field string, ids []string, known map[string]bool) {
	for i, id := range ids {
		if !known[id] {
			l.add(f, fmt.Sprintf("%s[%d]", field, i), "unknown requirement %q (not in the suite's catalogue nor built in)", id)
		}
	}
}

func (l *loader) checkTrigger(f *yamlFile, field string, t *Trigger) {
	switch {
	case len(t.Command) > 0 && t.HTTP != nil:
		l.add(f, field, "give either command or http, not both")
	case len(t.Command) == 0 && t.HTTP == nil:
		l.add(f, field, "give command or http")
	case t.HTTP != nil:
		u := t.HTTP.URL
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			l.add(f, field+".http.url", "must be an http:// or https:// URL, got %q", u)
		}
	case t.Command[0] == "":
		l.add(f, field+".command[0]", "empty program name")
	}
}

func (l *loader) checkStep(s *Suite, f *yamlFile, field string, st *Step, known map[string]bool) {
	l.checkReqs(f, field+".requirements", st.Requirements, known)
	if st.Trigger != nil {
		l.checkTrigger(f, field+".trigger", st.Trigger)
	}
	if st.Expect == nil && st.Manual == "" {
		l.add(f, field, "a step needs expect (a request) or manual (a person's verdict), or both")
	}
	if st.Expect != nil && st.Respond == nil {
		l.add(f, field+".respond", "required with expect: how rivgate answers the request")
	}
	if st.Expect == nil && st.Respond != nil {
		l.add(f, field+".respond", "respond needs expect")
	}
	if st.Request != "" {
		l.resolve(f, field+".request", st.Request)
	}
	for k := range st.RequestHeaders {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			l.add(f, field+".request_headers", "bad HTTP header name %q", k)
		}
	}
	nsMap := s.XPathNamespaces()
	for i, v := range st.Volatile {
		if _, err := xpath.CompileWithNS(v, nsMap); err != nil {
			l.add(f, fmt.Sprintf("%s.volatile[%d]", field, i), "bad XPath %q: %v", v, err)
		}
	}
	if e := st.Expect; e != nil {
		if e.Contract != "" {
			if _, err := rivta.ParseContract(e.Contract); err != nil {
				l.add(f, field+".expect.contract", "%v", err)
			}
		}
		for i, m := range e.Match {
			l.checkMatcher(f, fmt.Sprintf("%s.expect.match[%d]", field, i), m, nsMap, known)
		}
	}
	if r := st.Respond; r != nil {
		l.checkRespond(f, field+".respond", r)
		if r.Template != "" {
			l.checkTemplate(f, field+".respond.template", r.Template, nsMap)
		}
	}
	for i, m := range st.ResponseMatch {
		l.checkMatcher(f, fmt.Sprintf("%s.response_match[%d]", field, i), m, nsMap, known)
	}
	if rc := st.ResponseChecks; rc != nil {
		l.checkResponseChecks(f, field+".response_checks", rc, known)
	}
}

func (l *loader) checkResponseChecks(f *yamlFile, field string, rc *ResponseChecks, known map[string]bool) {
	for name, codes := range map[string][]int{"status_codes": rc.StatusCodes, "not_status_codes": rc.NotStatusCodes} {
		for i, c := range codes {
			if c < 100 || c > 599 {
				l.add(f, fmt.Sprintf("%s.%s[%d]", field, name, i), "HTTP status must be 100-599, got %d", c)
			}
		}
	}
	for name, rules := range map[string][]TextRule{"contains": rc.Contains, "not_contains": rc.NotContains} {
		for i, r := range rules {
			fi := fmt.Sprintf("%s.%s[%d]", field, name, i)
			if r.Text == "" {
				l.add(f, fi+".text", "required")
			} else if _, err := r.Compile(); err != nil {
				l.add(f, fi+".text", "bad regular expression: %v", err)
			}
		}
	}
	for i, s := range rc.Schematron {
		l.resolve(f, fmt.Sprintf("%s.schematron[%d]", field, i), s)
	}
	if rc.Requirement != "" && !known[rc.Requirement] {
		l.add(f, field+".requirement", "unknown requirement %q", rc.Requirement)
	}
}

// Compile turns the rule into a regular expression (a literal text is
// quoted).
func (r TextRule) Compile() (*regexp.Regexp, error) {
	expr := r.Text
	if !r.Regex {
		expr = regexp.QuoteMeta(expr)
	}
	if r.IgnoreCase {
		expr = "(?i)" + expr
	}
	return regexp.Compile(expr)
}

func (l *loader) checkMatcher(f *yamlFile, field string, m Matcher, ns map[string]string, known map[string]bool) {
	sel := 0
	if m.XPath != "" {
		sel++
		if _, err := xpath.CompileWithNS(m.XPath, ns); err != nil {
			l.add(f, field+".xpath", "bad XPath %q: %v", m.XPath, err)
		}
	}
	if m.HTTPHeader != "" {
		sel++
		if m.In != "" {
			l.add(f, field+".in", "in applies to xpath only")
		}
	}
	if sel != 1 {
		l.add(f, field, "give exactly one of xpath or http_header")
	}
	switch m.In {
	case "", "envelope", "header", "body":
	default:
		l.add(f, field+".in", "must be envelope, header or body, got %q", m.In)
	}
	cond := 0
	if m.Equals != nil {
		cond++
	}
	if m.Regex != "" {
		cond++
		if _, err := regexp.Compile(m.Regex); err != nil {
			l.add(f, field+".regex", "bad regular expression: %v", err)
		}
	}
	if m.Present {
		cond++
	}
	if m.Absent {
		cond++
	}
	if cond != 1 {
		l.add(f, field, "give exactly one of equals, regex, present or absent")
	}
	if m.Requirement != "" && !known[m.Requirement] {
		l.add(f, field+".requirement", "unknown requirement %q", m.Requirement)
	}
}

func (l *loader) checkRespond(f *yamlFile, field string, r *Respond) {
	kinds := []string{}
	if r.File != "" {
		kinds = append(kinds, "file")
		l.resolve(f, field+".file", r.File)
	}
	if r.Template != "" {
		kinds = append(kinds, "template")
	}
	if r.SOAPFault != nil {
		kinds = append(kinds, "soap_fault")
		if r.SOAPFault.Code == "" {
			l.add(f, field+".soap_fault.code", "required, e.g. soap:Server")
		}
		if r.SOAPFault.String == "" {
			l.add(f, field+".soap_fault.string", "required")
		}
	}
	if r.VPFault != "" {
		kinds = append(kinds, "vp_fault")
		if _, err := vpfault.ParseCode(r.VPFault); err != nil {
			l.add(f, field+".vp_fault", "%v", err)
		}
	}
	if r.Invalid && r.File == "" {
		l.add(f, field+".invalid", "invalid applies to file only (a response file that is deliberately invalid)")
	}
	if r.Detail != "" && r.VPFault == "" {
		l.add(f, field+".detail", "detail applies to vp_fault only")
	}
	if r.Timeout {
		kinds = append(kinds, "timeout")
	}
	if r.Connection != "" {
		if !slices.Contains(ConnectionFaults(), r.Connection) {
			l.add(f, field+".connection", "unknown connection fault %q (known: %s)", r.Connection, strings.Join(ConnectionFaults(), ", "))
		}
		// A broken body can be built from a recorded file or a template.
		if len(kinds) == 1 && (kinds[0] == "file" || kinds[0] == "template") {
			kinds = nil
		}
		kinds = append(kinds, "connection")
	}
	if len(kinds) != 1 {
		l.add(f, field, "give exactly one of file, template, soap_fault, vp_fault, timeout or connection (got %s)", strings.Join(kinds, ", "))
	}
	if r.Status != 0 && (r.Status < 100 || r.Status > 599) {
		l.add(f, field+".status", "HTTP status must be 100-599, got %d", r.Status)
	}
}

// checkTemplate checks a response template: it exists, its placeholders
// are closed XPath 1.0 expressions whose prefixes the suite declares, and
// it is well-formed XML once they are filled.
func (l *loader) checkTemplate(f *yamlFile, field, name string, ns map[string]string) {
	p, ok := l.resolve(f, field, name)
	if !ok {
		return
	}
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		l.add(f, field, "template %q: %v", name, unwrapPath(err))
		return
	}
	t, err := ParseTemplate(name, data)
	if err != nil {
		l.add(f, field, "template %v", err)
		return
	}
	filled := make([]string, len(t.Placeholders))
	for i, ph := range t.Placeholders {
		if _, err := xpath.CompileWithNS(ph.XPath, ns); err != nil {
			l.add(f, field, "template %s: placeholder %s: bad XPath: %v", name, ph, err)
		}
		filled[i] = "x"
	}
	body, err := t.Render(filled)
	if err == nil {
		_, err = msgcheck.ParseDocument(body)
	}
	if err != nil {
		l.add(f, field, "template %s is not well-formed XML once its placeholders are filled: %v", name, err)
	}
}

// XPathNamespaces returns the prefixes matchers may use: soap, wsa, itr and
// the suite's own.
func (s *Suite) XPathNamespaces() map[string]string {
	m := map[string]string{
		"soap": "http://schemas.xmlsoap.org/soap/envelope/",
		"wsa":  rivta.WSAddressingNS,
		"itr":  rivta.LogicalAddressNS,
	}
	for k, v := range s.Namespaces {
		if !slices.Contains(reservedPrefixes, k) {
			m[k] = v
		}
	}
	return m
}

// ReadFile reads a file named in the suite (relative to the suite directory).
func (s *Suite) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(s.FS, s.Path(name))
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", s.ID, err)
	}
	return b, nil
}

// Path is where a file named in the suite (relative to the suite
// directory, or absolute) lies in the suite's FS.
func (s *Suite) Path(name string) string { return SuitePath(s.Dir, name) }

// ContractsDir is the contract directory inside the suite's FS.
func (s *Suite) ContractsDir() string { return s.Path(s.Contracts) }

// ContractsOSDir is the contract directory on disk, when the suite was
// loaded from disk.
func (s *Suite) ContractsOSDir() (string, bool) {
	if s.OSRoot == "" {
		return "", false
	}
	return filepath.Join(s.OSRoot, filepath.FromSlash(s.ContractsDir())), true
}

// KnownReceivers are the logical addresses the platform routes for the
// suite: Receivers, or when it is empty Defaults.Receiver and every
// receiver a step expects, in suite order. Empty: the suite names none.
func (s *Suite) KnownReceivers() []string {
	if len(s.Receivers) > 0 {
		return s.Receivers
	}
	var out []string
	add := func(r string) {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	add(s.Defaults.Receiver)
	for _, sc := range s.Scenarios {
		for _, st := range sc.Steps {
			if st.Expect != nil {
				add(st.Expect.Receiver)
			}
		}
	}
	return out
}

// AnswersLikePlatform reports whether the harness answers requests the
// platform would refuse with the platform's fault (PlatformFaults,
// default true).
func (s *Suite) AnswersLikePlatform() bool { return s.PlatformFaults == nil || *s.PlatformFaults }

// DisplayDir is the suite directory as people know it.
func (s *Suite) DisplayDir() string {
	if s.OSDir != "" {
		return s.OSDir
	}
	return s.Dir
}

// Requirement returns the requirement with id (suite or built in).
func (s *Suite) Requirement(id string) (Requirement, bool) {
	for _, r := range s.Requirements {
		if r.ID == id {
			return r, true
		}
	}
	for _, r := range BuiltinRequirements() {
		if r.ID == id {
			if imp := s.checkImpact(id); imp != 0 {
				r.Impact = imp
			}
			return r, true
		}
	}
	return Requirement{}, false
}

func (s *Suite) checkImpact(id string) int {
	for _, c := range s.Checks {
		if c.ID == id {
			return c.Impact
		}
	}
	return 0
}

// AllRequirements is the catalogue in force: built-ins (with the suite's
// impact overrides) followed by the suite's own.
func (s *Suite) AllRequirements() []Requirement {
	var out []Requirement
	for _, r := range BuiltinRequirements() {
		r, _ = s.Requirement(r.ID)
		out = append(out, r)
	}
	return append(out, s.Requirements...)
}

// EnabledChecks is the ordered list of built-in request checks to run, and
// the ones the suite skips.
func (s *Suite) EnabledChecks() (run, skipped []string) {
	if len(s.Checks) == 0 {
		return RequestChecks(), nil
	}
	listed := map[string]bool{}
	for _, c := range s.Checks {
		listed[c.ID] = true
		if c.Skip {
			skipped = append(skipped, c.ID)
		} else {
			run = append(run, c.ID)
		}
	}
	// Checks the suite does not list still run, after the listed ones: a
	// suite turns a check off only by saying skip.
	for _, id := range RequestChecks() {
		if !listed[id] {
			run = append(run, id)
		}
	}
	return run, skipped
}

// Repeats returns the retry rule's allowed repeats (default 1).
func (r Retry) Repeats() int {
	if r.MaxRepeats == nil {
		return 1
	}
	return *r.MaxRepeats
}

// ScenarioIDs lists the suite's scenario ids in run order.
func (s *Suite) ScenarioIDs() []string {
	out := make([]string, 0, len(s.Scenarios))
	for _, sc := range s.Scenarios {
		out = append(out, sc.ID)
	}
	return out
}

// Functions lists the consumer functions the suite's scenarios declare, in
// the order they first appear.
func (s *Suite) Functions() []string {
	var out []string
	for _, sc := range s.Scenarios {
		for _, f := range sc.Functions {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}
