package contracts

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// XML Schema namespace.
const xsdNS = "http://www.w3.org/2001/XMLSchema"

// xsdDoc is what the loader needs to know about one XSD file: its target
// namespace, the global elements it declares and the files it pulls in.
type xsdDoc struct {
	path     string
	tns      string
	elements []string
	refs     []xsdRef
	anchored []AnchoredPattern // pattern facets written ^...$
}

// xsdRef is one xs:import, xs:include or xs:redefine with a schemaLocation.
type xsdRef struct {
	path    string
	include bool // include/redefine: a schema without targetNamespace takes the includer's
}

// loader caches parsed files across all WSDLs of one directory, so shared
// core_components are read once.
type loader struct {
	xsds    map[string]*xsdDoc
	xsdErrs map[string]error
	wsdls   map[string]*wsdlDoc
	wsdlErr map[string]error
}

func newLoader() *loader {
	return &loader{
		xsds:    map[string]*xsdDoc{},
		xsdErrs: map[string]error{},
		wsdls:   map[string]*wsdlDoc{},
		wsdlErr: map[string]error{},
	}
}

// resolveLocation turns a schemaLocation/location written in file from into
// a path. Remote locations cannot be loaded offline and are reported.
func resolveLocation(from, loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if u, err := url.Parse(loc); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if u.Scheme == "file" {
			return filepath.Clean(filepath.FromSlash(u.Path)), nil
		}
		return "", fmt.Errorf("location %q is remote; only relative or file: locations are loaded", loc)
	}
	if unesc, err := url.PathUnescape(loc); err == nil {
		loc = unesc
	}
	if filepath.IsAbs(loc) {
		return filepath.Clean(loc), nil
	}
	return filepath.Join(filepath.Dir(from), filepath.FromSlash(loc)), nil
}

// xsd loads path and, recursively, every file it references. The error names
// the chain of references that led to a file that is missing or broken.
func (l *loader) xsd(path string) (*xsdDoc, error) {
	if d, ok := l.xsds[path]; ok {
		return d, nil
	}
	if err, ok := l.xsdErrs[path]; ok {
		return nil, err
	}
	d, err := l.parseXSD(path)
	if err != nil {
		l.xsdErrs[path] = err
		return nil, err
	}
	return d, nil
}

func (l *loader) parseXSD(path string) (*xsdDoc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	root, err := xmltext.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", path, err)
	}
	if root.Name != (xmltext.Name{Space: xsdNS, Local: "schema"}) {
		return nil, fmt.Errorf("schema %s: root element is %s, want {%s}schema", path, root.Name, xsdNS)
	}
	d := &xsdDoc{path: path, tns: root.Attr("targetNamespace"), anchored: anchoredPatterns(path, root)}
	// Register before recursing: imports may be circular.
	l.xsds[path] = d
	for _, c := range root.Children {
		if c.Name.Space != xsdNS {
			continue
		}
		switch c.Name.Local {
		case "element":
			d.elements = append(d.elements, c.Attr("name"))
		case "import", "include", "redefine":
			loc := c.Attr("schemaLocation")
			if loc == "" {
				// Namespace-only import: nothing to load; a validator
				// must already know the namespace.
				continue
			}
			p, err := resolveLocation(path, loc)
			if err == nil {
				_, err = l.xsd(p)
			}
			if err != nil {
				delete(l.xsds, path)
				return nil, fmt.Errorf("%s:%d: xs:%s %q: %w", path, c.Line, c.Name.Local, loc, err)
			}
			d.refs = append(d.refs, xsdRef{path: p, include: c.Name.Local != "import"})
		}
	}
	return d, nil
}

// schemaVisit is one XSD file with the target namespace it has in context
// (a schema without targetNamespace that is included takes the includer's).
type schemaVisit struct {
	doc *xsdDoc
	tns string
}

// walk visits the files reachable from roots breadth first, each once per
// effective namespace.
func (l *loader) walk(roots []string, visit func(schemaVisit)) {
	type key struct{ path, tns string }
	seen := map[key]bool{}
	var queue []schemaVisit
	for _, r := range roots {
		if d := l.xsds[r]; d != nil {
			queue = append(queue, schemaVisit{doc: d, tns: d.tns})
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		k := key{v.doc.path, v.tns}
		if seen[k] {
			continue
		}
		seen[k] = true
		visit(v)
		for _, r := range v.doc.refs {
			d := l.xsds[r.path]
			if d == nil {
				continue
			}
			tns := d.tns
			if r.include && tns == "" {
				tns = v.tns
			}
			queue = append(queue, schemaVisit{doc: d, tns: tns})
		}
	}
}

// declares reports whether the schemas reachable from roots declare the
// global element q.
func (l *loader) declares(roots []string, q QName) bool {
	found := false
	l.walk(roots, func(v schemaVisit) {
		if v.tns == q.Space && slices.Contains(v.doc.elements, q.Local) {
			found = true
		}
	})
	return found
}

// schemaRoots picks, among the files reachable from roots, those whose
// namespace is ns, keeping only files not already reached from an earlier
// pick: normally the single Responder XSD.
func (l *loader) schemaRoots(roots []string, ns string) []string {
	var cands []string
	l.walk(roots, func(v schemaVisit) {
		if v.tns == ns && v.doc.tns == ns {
			cands = append(cands, v.doc.path)
		}
	})
	var picked []string
	covered := map[string]bool{}
	for _, c := range cands {
		if covered[c] {
			continue
		}
		picked = append(picked, c)
		l.walk([]string{c}, func(v schemaVisit) { covered[v.doc.path] = true })
	}
	return picked
}

// errNoElement is returned when a message part names an element no schema
// declares.
var errNoElement = errors.New("element is not declared by any schema the WSDL imports")
