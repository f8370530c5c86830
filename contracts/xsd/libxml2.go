//go:build libxml2

package xsd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	xsdvalidate "github.com/terminalstatic/go-xsd-validate"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// Libxml2 validates with libxml2 through cgo (the library xmllint and
// SoapUI use), for builds with -tags libxml2. Its messages are libxml2's;
// it reports lines but not columns. Safe for concurrent use.
type Libxml2 struct {
	set *contracts.Set

	mu    sync.Mutex
	cache map[string]*lxSchema
}

type lxSchema struct {
	ready chan struct{}
	h     *xsdvalidate.XsdHandler
	err   error
}

// NewLibxml2 returns the libxml2 validator for the contracts in set.
func NewLibxml2(set *contracts.Set) (Validator, error) {
	if err := xsdvalidate.Init(); err != nil {
		// Init is process-wide; a second call says so and is harmless.
		var le xsdvalidate.Libxml2Error
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "already initialized") {
			return nil, fmt.Errorf("init libxml2: %w", err)
		}
	}
	return &Libxml2{set: set, cache: map[string]*lxSchema{}}, nil
}

// Close frees the compiled schemas.
func (l *Libxml2) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ns, s := range l.cache {
		<-s.ready
		if s.h != nil {
			s.h.Free()
		}
		delete(l.cache, ns)
	}
}

func (l *Libxml2) schema(ns string) (*xsdvalidate.XsdHandler, error) {
	if l.set == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownNamespace, ns)
	}
	sc, ok := l.set.Schema(ns)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownNamespace, ns)
	}
	l.mu.Lock()
	s, ok := l.cache[sc.Namespace]
	if !ok {
		s = &lxSchema{ready: make(chan struct{})}
		l.cache[sc.Namespace] = s
	}
	l.mu.Unlock()
	if !ok {
		s.h, s.err = lxCompile(sc, l.set.StrictXSD())
		close(s.ready)
	}
	<-s.ready
	return s.h, s.err
}

// lxCompile compiles the schema of sc. Unless strict, libxml2 reads a copy
// of the schema files whose patterns written ^...$ are read as anchors
// (readAnchors), as the pure-Go backend does: libxml2 reads includes from
// disk itself.
func lxCompile(sc contracts.Schema, strict bool) (*xsdvalidate.XsdHandler, error) {
	if !strict {
		copied, cleanup, err := anchoredCopy(sc)
		if err != nil {
			return nil, fmt.Errorf("compile schema for %s with libxml2: %w", sc.Namespace, err)
		}
		defer cleanup()
		sc = copied
	}
	var h *xsdvalidate.XsdHandler
	var err error
	if len(sc.Roots) == 1 {
		h, err = xsdvalidate.NewXsdHandlerUrl(sc.Roots[0], xsdvalidate.ParsErrDefault)
	} else {
		// Several files declare the namespace: one schema including them all.
		var b strings.Builder
		fmt.Fprintf(&b, `<xs:schema xmlns:xs="%s" targetNamespace="%s">`, "http://www.w3.org/2001/XMLSchema", escapeAttr(sc.Namespace))
		for _, r := range sc.Roots {
			fmt.Fprintf(&b, `<xs:include schemaLocation="%s"/>`, escapeAttr(r))
		}
		b.WriteString(`</xs:schema>`)
		h, err = xsdvalidate.NewXsdHandlerMem([]byte(b.String()), xsdvalidate.ParsErrDefault)
	}
	if err != nil {
		return nil, fmt.Errorf("compile schema for %s (%s) with libxml2: %w", sc.Namespace, strings.Join(sc.Roots, ", "), err)
	}
	return h, nil
}

// parserLine finds the line in a libxml2 parser message (":12: parser error").
var parserLine = regexp.MustCompile(`:(\d+): `)

// Validate implements Validator.
func (l *Libxml2) Validate(ns string, doc []byte) ([]Problem, error) {
	h, err := l.schema(ns)
	if err != nil {
		return nil, err
	}
	text, err := xmltext.ToUTF8(doc)
	if err != nil {
		return []Problem{{Line: 1, Column: 1, Message: err.Error()}}, nil
	}
	err = h.ValidateMem(text.Data, xsdvalidate.ParsErrDefault)
	if err == nil {
		return nil, nil
	}
	var verr xsdvalidate.ValidationError
	if errors.As(err, &verr) {
		out := make([]Problem, 0, len(verr.Errors))
		for _, e := range verr.Errors {
			out = append(out, Problem{Line: e.Line, Message: strings.TrimSpace(e.Message)})
		}
		return out, nil
	}
	var perr xsdvalidate.XmlParserError
	if errors.As(err, &perr) {
		line := 0
		if m := parserLine.FindStringSubmatch(perr.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := strings.TrimSpace(perr.Error())
		if first, _, ok := strings.Cut(msg, "\n"); ok {
			msg = first
		}
		return []Problem{{Line: line, Message: "not well-formed: " + msg}}, nil
	}
	return nil, fmt.Errorf("validate against %s with libxml2: %w", ns, err)
}

// anchoredCopy copies the files of sc, with their anchored patterns read as
// anchors, to a temporary directory in the same layout, and returns sc
// pointing at the copies; when no file has one, sc itself. cleanup removes
// the copies.
func anchoredCopy(sc contracts.Schema) (contracts.Schema, func(), error) {
	noop := func() {}
	files := make([]string, len(sc.Files))
	texts := make([][]byte, len(sc.Files))
	changed := false
	for i, f := range sc.Files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return sc, noop, err
		}
		files[i] = abs
		literal, err := schemaText(abs, true)
		if err != nil {
			return sc, noop, err
		}
		texts[i] = readAnchors(literal)
		changed = changed || len(texts[i]) != len(literal)
	}
	if !changed {
		return sc, noop, nil
	}
	base := filepath.Dir(files[0])
	for _, f := range files[1:] {
		for !strings.HasPrefix(f, base+string(filepath.Separator)) && base != filepath.Dir(base) {
			base = filepath.Dir(base)
		}
	}
	tmp, err := os.MkdirTemp("", "rivgate-xsd-")
	if err != nil {
		return sc, noop, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	moved := func(abs string) string { return filepath.Join(tmp, strings.TrimPrefix(abs, base)) }
	for i, f := range files {
		err := os.MkdirAll(filepath.Dir(moved(f)), 0o755)
		if err == nil {
			err = os.WriteFile(moved(f), texts[i], 0o644)
		}
		if err != nil {
			cleanup()
			return sc, noop, err
		}
	}
	out := contracts.Schema{Namespace: sc.Namespace}
	for _, r := range sc.Roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			cleanup()
			return sc, noop, err
		}
		out.Roots = append(out.Roots, moved(abs))
	}
	for _, f := range files {
		out.Files = append(out.Files, moved(f))
	}
	return out, cleanup, nil
}
