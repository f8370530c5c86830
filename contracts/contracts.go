// Package contracts loads RIV-TA service contracts: a directory of WSDL files
// with the XSD files they import, as published in the RIV-TA service-contract
// repository. For every operation it knows the request and response
// elements, the contract namespace VP routes on (the request element's
// namespace), the RIV-TA basic profile, the SOAPAction, every header part,
// and which XSD files validate the contract's messages.
//
// Loading is tolerant of what real contract folders contain: a UTF-8 BOM,
// CRLF line ends, files without an XML declaration, the re-serialised copies
// SoapUI keeps, and imports by relative schemaLocation however deep. A WSDL
// that cannot be loaded is reported with its file and cause; the others are
// still loaded.
package contracts

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// QName is a namespace-qualified XML name.
type QName struct {
	Space string `json:"ns"`
	Local string `json:"name"`
}

// String renders the name as {namespace}local.
func (q QName) String() string {
	if q.Space == "" {
		return q.Local
	}
	return "{" + q.Space + "}" + q.Local
}

// Operation is one WSDL operation of a service contract.
type Operation struct {
	WSDL        string // path of the WSDL file that declares the portType
	Interaction string // RIV-TA interaction name, e.g. GetCareDocumentationInteraction
	Name        string // operation name, e.g. GetCareDocumentation
	Major       int
	Minor       int
	Namespace   string // contract namespace = request element namespace
	Request     QName
	Response    QName
	Profile     rivta.Profile // from the receiver header part, else from the WSDL name
	SOAPAction  string
	Headers     []QName // every soap:header part of the input, in binding order

	// NamedProfile is the profile the WSDL file name or targetNamespace
	// carries ("" when it names none). It normally equals Profile.
	NamedProfile rivta.Profile
	// Schemas are the XSD files the WSDL's types section imports, resolved
	// to paths (their own imports are reached through Set.Closure).
	Schemas []string
	// StrictXSD is the set's LoadOptions.StrictXSD: how the pattern facets
	// of Schemas are read, by the validator and the sample generator alike.
	StrictXSD bool
}

// HeaderElements returns the header elements the WSDL declares for the
// operation's input (the binding's soap:header parts, or the parts that are
// not the body when there is no binding), in binding order, other than the
// RIV-TA receiver (LogicalAddress, wsa:To), whose presence and profile have
// checks of their own. A conforming request carries each of them.
func (op Operation) HeaderElements() []QName {
	var out []QName
	for _, h := range op.Headers {
		if _, receiver := rivta.ProfileForReceiverElement(h.Local); receiver || slices.Contains(out, h) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// LoadError is a WSDL that could not be loaded.
type LoadError struct {
	File string
	Err  error
}

func (e *LoadError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// Schema is what validating one contract namespace needs.
type Schema struct {
	Namespace string
	// Roots are the XSD files whose targetNamespace is Namespace (normally
	// just the Responder XSD); compiling them pulls in the rest.
	Roots []string
	// Files is Roots and everything they import or include, sorted.
	Files []string
}

// LoadOptions shape how a contract directory is read.
type LoadOptions struct {
	// StrictXSD reads pattern facets exactly as XML Schema defines them, so
	// a pattern written ^...$ requires the characters ^ and $ in the value.
	// By default such a pattern is read as a regular expression anchored at
	// both ends, as the RIV-TA contracts that write it mean, and the set
	// warns once per contract (PatternAnchors).
	StrictXSD bool
}

// Set is a loaded contract directory.
type Set struct {
	dir      string
	strict   bool
	ops      []Operation
	byNS     map[string][]int // namespace -> operations, preferred first
	byFoldNS map[string]string
	schemas  map[string]Schema
	xsds     map[string]*xsdDoc
	warnings []string
	anchors  []PatternAnchors
}

// Dir is the directory the set was loaded from.
func (s *Set) Dir() string { return s.dir }

// Operations returns every operation, ordered by WSDL path and then by the
// order of the portType.
func (s *Set) Operations() []Operation { return slices.Clone(s.ops) }

// StrictXSD reports whether the set reads XSD patterns literally
// (LoadOptions.StrictXSD).
func (s *Set) StrictXSD() bool { return s.strict }

// Warnings are oddities that did not stop loading (a binding that names a
// header part its message lacks, a profile in the file name that disagrees
// with the header part), then one line per contract whose patterns are
// written ^...$ (PatternAnchors).
func (s *Set) Warnings() []string {
	out := slices.Clone(s.warnings)
	for _, a := range s.anchors {
		out = append(out, a.String())
	}
	return out
}

// ByNamespace returns the operation for a contract namespace, matching
// exactly first and case-insensitively second. When several WSDLs share the
// namespace (two profiles, two releases of one domain), the highest
// major.minor wins, then RIVTABP21 over RIVTABP20, then the first by path.
func (s *Set) ByNamespace(ns string) (Operation, bool) {
	ops := s.OperationsFor(ns)
	if len(ops) == 0 {
		return Operation{}, false
	}
	return ops[0], true
}

// OperationsFor returns every operation of a contract namespace (exact
// match, else case-insensitive), preferred first as in ByNamespace.
func (s *Set) OperationsFor(ns string) []Operation {
	idx, ok := s.byNS[ns]
	if !ok {
		if exact, found := s.byFoldNS[strings.ToLower(ns)]; found {
			idx = s.byNS[exact]
		}
	}
	out := make([]Operation, 0, len(idx))
	for _, i := range idx {
		out = append(out, s.ops[i])
	}
	return out
}

// Namespaces returns the contract namespaces of the set, sorted.
func (s *Set) Namespaces() []string {
	out := make([]string, 0, len(s.byNS))
	for ns := range s.byNS {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}

// Schema returns the XSD files that validate messages of contract namespace
// ns (exact match, else case-insensitive), taken from the operation
// ByNamespace prefers, or the elements of a header namespace some
// operation's WSDL declares a header part in (exact match).
func (s *Set) Schema(ns string) (Schema, bool) {
	if sc, ok := s.schemas[ns]; ok {
		return sc, true
	}
	if exact, ok := s.byFoldNS[strings.ToLower(ns)]; ok {
		sc, ok := s.schemas[exact]
		return sc, ok
	}
	return Schema{}, false
}

// Closure returns the given XSD files and every file they import or include,
// sorted. Files not loaded by the set are returned as given.
func (s *Set) Closure(files ...string) []string {
	seen := map[string]bool{}
	var walk func(p string)
	walk = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		if d := s.xsds[p]; d != nil {
			for _, r := range d.refs {
				walk(r.path)
			}
		}
	}
	for _, f := range files {
		walk(f)
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// LoadDir loads every *.wsdl below dir with the default LoadOptions. It
// returns the set of everything that loaded and, when some WSDLs failed, an
// error joining one *LoadError per failed file. A directory without any WSDL
// is an error.
func LoadDir(dir string) (*Set, error) { return LoadDirWith(dir, LoadOptions{}) }

// LoadDirWith is LoadDir with options.
func LoadDirWith(dir string, opt LoadOptions) (*Set, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".wsdl") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read contract directory %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("contract directory %s: no *.wsdl files", dir)
	}
	slices.Sort(files)
	return load(dir, files, opt)
}

// LoadFiles loads the given WSDL files (and what they import) as one set.
func LoadFiles(files ...string) (*Set, error) {
	if len(files) == 0 {
		return nil, errors.New("no WSDL files given")
	}
	return load("", slices.Sorted(slices.Values(files)), LoadOptions{})
}

func load(dir string, files []string, opt LoadOptions) (*Set, error) {
	l := newLoader()
	s := &Set{dir: dir, strict: opt.StrictXSD, byNS: map[string][]int{}, byFoldNS: map[string]string{}, schemas: map[string]Schema{}}
	var errs []error
	for _, f := range files {
		// Parse everything first: a binding may live in a WSDL that
		// imports the one with the portType. Errors are reported below.
		_, _ = l.wsdl(f)
	}
	for _, f := range files {
		ops, warns, err := l.operations(f)
		s.warnings = append(s.warnings, warns...)
		if err != nil {
			errs = append(errs, &LoadError{File: f, Err: err})
			continue
		}
		s.ops = append(s.ops, ops...)
	}
	for i := range s.ops {
		s.ops[i].StrictXSD = opt.StrictXSD
	}
	s.xsds = l.xsds
	for i, op := range s.ops {
		s.byNS[op.Namespace] = append(s.byNS[op.Namespace], i)
	}
	for ns, idx := range s.byNS {
		slices.SortStableFunc(idx, func(a, b int) int {
			oa, ob := s.ops[a], s.ops[b]
			if c := cmp.Compare(ob.Major, oa.Major); c != 0 {
				return c
			}
			if c := cmp.Compare(ob.Minor, oa.Minor); c != 0 {
				return c
			}
			if c := cmp.Compare(profileRank(ob.Profile), profileRank(oa.Profile)); c != 0 {
				return c
			}
			return cmp.Compare(oa.WSDL, ob.WSDL)
		})
		if _, dup := s.byFoldNS[strings.ToLower(ns)]; !dup || ns < s.byFoldNS[strings.ToLower(ns)] {
			s.byFoldNS[strings.ToLower(ns)] = ns
		}
		op := s.ops[idx[0]]
		roots := l.schemaRoots(op.Schemas, ns)
		if len(roots) > 0 {
			s.schemas[ns] = Schema{Namespace: ns, Roots: roots, Files: s.Closure(roots...)}
		}
	}
	// Header elements validate against the schemas of their own namespace,
	// taken from the first operation that declares one there.
	for _, op := range s.ops {
		for _, h := range op.Headers {
			if _, known := s.schemas[h.Space]; known || s.byNS[h.Space] != nil {
				continue
			}
			if roots := l.schemaRoots(op.Schemas, h.Space); len(roots) > 0 {
				s.schemas[h.Space] = Schema{Namespace: h.Space, Roots: roots, Files: s.Closure(roots...)}
			}
		}
	}
	s.anchors = s.patternAnchors()
	return s, errors.Join(errs...)
}

func profileRank(p rivta.Profile) int {
	switch p {
	case rivta.RIVTABP21:
		return 2
	case rivta.RIVTABP20:
		return 1
	}
	return 0
}
