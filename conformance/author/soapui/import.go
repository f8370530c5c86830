package soapui

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/antchfx/xpath"
	"github.com/beevik/etree"
	"github.com/goccy/go-yaml"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/schematron"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Options say what to import and where.
type Options struct {
	// Path is a TK test-suite folder (one contract's, or the domain's
	// test-suite folder holding several) or a project XML file.
	Path string
	// Out is the output directory: the suite itself when one project is
	// imported, else one sub-directory per project.
	Out string
	// Contracts is the contract directory (WSDL and XSD). Default: the
	// schemas folder beside test-suite, as in the published zip files.
	Contracts string
	// ConsumerHSAID is written as the suites' consumer (a producer-mode
	// suite does not check it; a Mock suite's consumer is the system under
	// test). Default SE0000000000-TKCONSUMER.
	ConsumerHSAID string
	// Now is the time a mock's request-time scripts see when they set
	// ${now}-like values (served fixed, as of import). Default time.Now.
	Now func() time.Time
}

// DefaultConsumerHSAID stands in for the consumer's HSA-id.
const DefaultConsumerHSAID = "SE0000000000-TKCONSUMER"

// projectFile is one project found under Path.
type projectFile struct {
	path string
	p    *Project
}

// Import translates the projects under opts.Path into suites under
// opts.Out and writes import.json there.
func Import(opts Options) (*Report, error) {
	if opts.ConsumerHSAID == "" {
		opts.ConsumerHSAID = DefaultConsumerHSAID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	files, err := findProjects(opts.Path)
	if err != nil {
		return nil, err
	}
	var projects []projectFile
	for _, f := range files {
		p, err := ParseFile(f)
		if err != nil {
			return nil, err
		}
		projects = append(projects, projectFile{path: f, p: p})
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	rep := &Report{Format: ReportFormat, Source: opts.Path}
	for _, pf := range projects {
		dir := opts.Out
		if len(projects) > 1 {
			dir = filepath.Join(opts.Out, filepath.Base(filepath.Dir(pf.path)))
		}
		contracts, err := contractsDir(opts.Contracts, pf.path)
		if err != nil {
			return nil, err
		}
		im := &importer{opts: opts, file: pf.path, p: pf.p, dir: dir, contracts: contracts, all: projects}
		var pr *ProjectReport
		if len(pf.p.Mocks) > 0 && len(pf.p.Suites) == 0 {
			pr, err = im.mock()
		} else {
			pr, err = im.test()
		}
		if err != nil {
			return nil, err
		}
		pr.Suite, _ = filepath.Rel(opts.Out, dir)
		pr.Suite = filepath.ToSlash(pr.Suite)
		pr.count()
		rep.Projects = append(rep.Projects, *pr)
	}
	if err := rep.Write(opts.Out); err != nil {
		return nil, err
	}
	return rep, nil
}

func findProjects(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	files, _ := filepath.Glob(filepath.Join(path, "*-soapui-project.xml"))
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(path, "*", "*-soapui-project.xml"))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("import: no *-soapui-project.xml in %s or its sub-folders", path)
	}
	sort.Strings(files)
	return files, nil
}

// contractsDir finds the contract directory: the option, else the
// schemas folder beside the test-suite folder (the zip layout).
func contractsDir(opt, project string) (string, error) {
	if opt != "" {
		return filepath.Abs(opt)
	}
	for d := filepath.Dir(project); d != filepath.Dir(d); d = filepath.Dir(d) {
		if filepath.Base(d) == "test-suite" {
			s := filepath.Join(filepath.Dir(d), "schemas")
			if st, err := os.Stat(s); err == nil && st.IsDir() {
				return filepath.Abs(s)
			}
		}
	}
	return "", fmt.Errorf("import %s: no schemas folder beside test-suite; give the contract directory with --contracts", project)
}

type importer struct {
	opts      Options
	file      string
	p         *Project
	dir       string
	contracts string
	all       []projectFile
	// data is the test project's data.xml (nil without one).
	data *Data
	// namespaces are the suite's XPath prefixes.
	namespaces map[string]string
	rep        *ProjectReport
}

func (im *importer) warn(format string, args ...any) {
	im.rep.Warnings = append(im.rep.Warnings, fmt.Sprintf(format, args...))
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" {
		s = "x"
	}
	return s
}

func (im *importer) write(rel string, data []byte) error {
	p := filepath.Join(im.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func (im *importer) writeYAML(rel, header string, v any) error {
	b, err := yaml.MarshalWithOptions(v, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return fmt.Errorf("import: %s: %w", rel, err)
	}
	return im.write(rel, append([]byte(header), b...))
}

// suite is the part of suite.yaml the importer writes.
type suiteFile struct {
	ID           string                 `yaml:"id"`
	Title        string                 `yaml:"title"`
	Description  string                 `yaml:"description,omitempty"`
	Contracts    string                 `yaml:"contracts"`
	Consumer     scenario.Consumer      `yaml:"consumer"`
	Namespaces   map[string]string      `yaml:"namespaces,omitempty"`
	Requirements []scenario.Requirement `yaml:"requirements"`
	Scenarios    []string               `yaml:"scenarios"`
}

func (im *importer) writeSuite(id, title, desc string, reqs []scenario.Requirement, scenarios []string) error {
	rel, err := filepath.Rel(im.dir, im.contracts)
	if err != nil {
		return fmt.Errorf("import: contracts: %w", err)
	}
	s := suiteFile{ID: id, Title: title, Description: desc, Contracts: filepath.ToSlash(rel), Consumer: scenario.Consumer{HSAID: im.opts.ConsumerHSAID},
		Namespaces: im.namespaces, Requirements: reqs, Scenarios: scenarios}
	return im.writeYAML(scenario.SuiteFile, "# Imported from "+filepath.Base(im.file)+" by rivgate conform import-soapui; see import.json.\n", s)
}

// addNamespaces merges prefixes into the suite's; a prefix already bound
// to another URI is an error the caller reports as not translated.
func (im *importer) addNamespaces(ns map[string]string) error {
	for p, u := range ns {
		switch p {
		case "soap", "wsa", "itr":
			if (&scenario.Suite{}).XPathNamespaces()[p] != u {
				return fmt.Errorf("prefix %s is built in as another namespace", p)
			}
			continue
		}
		if old, ok := im.namespaces[p]; ok && old != u {
			return fmt.Errorf("prefix %s is bound to %s elsewhere in the project and to %s here", p, old, u)
		}
	}
	for p, u := range ns {
		switch p {
		case "soap", "wsa", "itr":
			continue
		}
		im.namespaces[p] = u
	}
	return nil
}

// readData finds data.xml beside the project.
func (im *importer) readData(project string) (*Data, string, error) {
	p := filepath.Join(filepath.Dir(project), "data.xml")
	if _, err := os.Stat(p); err != nil {
		return nil, "", nil
	}
	d, err := ParseDataFile(p)
	return d, p, err
}

// mockFor finds the Mock project of a test project among those imported
// or beside it (<Name>Mock/).
func (im *importer) mockFor() *Project {
	want := filepath.Base(filepath.Dir(im.file)) + "Mock"
	for _, pf := range im.all {
		if pf.p.Name == im.p.Name+"Mock" || filepath.Base(filepath.Dir(pf.path)) == want {
			return pf.p
		}
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(im.file)), want, "*-soapui-project.xml"))
	for _, f := range files {
		if p, err := ParseFile(f); err == nil {
			return p
		}
	}
	return nil
}

// testFor finds the test project a Mock project serves (for data.xml).
func (im *importer) testFor() (*Project, string) {
	want := strings.TrimSuffix(filepath.Base(filepath.Dir(im.file)), "Mock")
	for _, pf := range im.all {
		if (pf.p.Name == strings.TrimSuffix(im.p.Name, "Mock") || filepath.Base(filepath.Dir(pf.path)) == want) && len(pf.p.Suites) > 0 {
			return pf.p, pf.path
		}
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(im.file)), want, "*-soapui-project.xml"))
	for _, f := range files {
		if p, err := ParseFile(f); err == nil && len(p.Suites) > 0 {
			return p, f
		}
	}
	return nil, ""
}

// escapeXML escapes a data value for an XML text or attribute.
func escapeXML(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// expandXML expands ${...} in an XML document with escaped values.
func expandXML(s string, vals map[string]string) (string, []string) {
	esc := make(map[string]string, len(vals))
	for k, v := range vals {
		esc[k] = escapeXML(v)
	}
	return expand(s, esc)
}

// bodyElement returns the namespace and local name of the first Body child.
func bodyElement(envelope string) (ns, local string, err error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(envelope); err != nil {
		return "", "", fmt.Errorf("not XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" {
		return "", "", errors.New("not a SOAP envelope")
	}
	for _, c := range root.ChildElements() {
		if c.Tag == "Body" {
			if els := c.ChildElements(); len(els) > 0 {
				return els[0].NamespaceURI(), els[0].Tag, nil
			}
		}
	}
	return "", "", errors.New("no element in the SOAP Body")
}

var reDeclareNS = regexp.MustCompile(`(?s)^\s*declare\s+namespace\s+([\w.-]+)\s*=\s*['"]([^'"]*)['"]\s*;`)

// xpathMatch translates an XPath Match assertion's path: the
// "declare namespace p='uri';" prologue becomes suite prefixes.
func xpathMatch(path string) (string, map[string]string, error) {
	ns := map[string]string{}
	for {
		m := reDeclareNS.FindStringSubmatch(path)
		if m == nil {
			break
		}
		ns[m[1]] = m[2]
		path = path[len(m[0]):]
	}
	path = strings.TrimSpace(path)
	x, err := schematron.ToXPath1(path)
	if err != nil {
		return "", nil, err
	}
	if _, err := xpath.CompileWithNS(x, ns); err != nil {
		return "", nil, fmt.Errorf("XPath %q: %w", path, err)
	}
	return x, ns, nil
}

// wildcard turns SoapUI's allowWildcards content (* = any text) into an
// anchored regular expression.
func wildcard(s string) string {
	parts := strings.Split(s, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return "^" + strings.Join(parts, "(?s:.*)") + "$"
}

func parseCodes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("status code %q: %w", f, err)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no status codes")
	}
	return out, nil
}

func msDuration(s string) (yamlstrict.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("SLA %q is not a positive number of milliseconds", s)
	}
	return yamlstrict.Duration(time.Duration(n) * time.Millisecond), nil
}
