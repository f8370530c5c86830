// Package xsd validates contract messages against the XSD files of their
// service contract. Validator is the small interface both halves use; New
// returns the pure-Go default backend (github.com/jacoelho/xsd), which
// compiles each contract's schema once, lazily, and shares it between
// goroutines. A libxml2 backend is available with the build tag libxml2.
//
// ValidateMessage accepts a whole SOAP envelope (it validates the first Body
// child, carrying the namespace declarations in scope there) or a bare
// document, and reports problems at their line and column in the original
// bytes.
package xsd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	jxsd "github.com/jacoelho/xsd"
	"github.com/jacoelho/xsd/xsderrors"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/internal/xmltext"
	"github.com/rivgate/rivgate/contracts/internal/xsdmodel"
)

// Problem is one reason a document is invalid, at a 1-based line and byte
// column of the document as given (0 when unknown).
type Problem struct {
	Line    int
	Column  int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p.Message) }

// Validator validates a bare document whose root element is in namespace ns
// against the schema of that contract namespace. A nil error with problems
// means the document is invalid; an error means it could not be validated
// (no schema for ns, a schema that does not compile, an internal failure).
type Validator interface {
	Validate(ns string, doc []byte) ([]Problem, error)
}

// ErrUnknownNamespace is wrapped by Validate when the contract set has no
// schema for the namespace.
var ErrUnknownNamespace = errors.New("no contract schema for namespace")

// Pure is the pure-Go validator. It is safe for concurrent use.
type Pure struct {
	set *contracts.Set

	mu       sync.Mutex
	cache    map[string]*compiled // by contract namespace as the set spells it
	compiles atomic.Int64         // schemas compiled, for tests and metrics
}

// compiled is one namespace's engine; ready closes when compilation ended.
type compiled struct {
	ready chan struct{}
	eng   *jxsd.Engine
	err   error
	// sessions reuses validation sessions (their buffers) across calls; a
	// session serves one call at a time.
	sessions sync.Pool

	// The schema model messages consult, read on the first invalid
	// document (nil when it cannot be read).
	schema    contracts.Schema
	strict    bool
	modelOnce sync.Once
	model     *xsdmodel.Model
}

// schemaModel reads the model of c's schema once.
func (c *compiled) schemaModel() *xsdmodel.Model {
	c.modelOnce.Do(func() {
		c.model, _ = xsdmodel.Load(c.schema.Roots, xsdmodel.Options{StrictXSD: c.strict})
	})
	return c.model
}

// New returns the pure-Go validator for the contracts in set.
func New(set *contracts.Set) *Pure {
	return &Pure{set: set, cache: map[string]*compiled{}}
}

// Validate implements Validator.
func (p *Pure) Validate(ns string, doc []byte) ([]Problem, error) {
	return p.ValidateContext(context.Background(), ns, doc)
}

// ValidateContext is Validate with a context that can cancel compilation
// and validation.
func (p *Pure) ValidateContext(ctx context.Context, ns string, doc []byte) ([]Problem, error) {
	c, err := p.engine(ctx, ns)
	if err != nil {
		return nil, err
	}
	text, err := xmltext.ToUTF8(doc)
	if err != nil {
		return []Problem{{Line: 1, Column: 1, Message: err.Error()}}, nil
	}
	sess, _ := c.sessions.Get().(*jxsd.Session)
	if sess == nil {
		if sess, err = c.eng.NewSession(jxsd.ValidateOptions{}); err != nil {
			return nil, fmt.Errorf("validation session for %s: %w", ns, err)
		}
	}
	verr := sess.Validate(ctx, bytesReader(text.Data))
	c.sessions.Put(sess)
	if verr == nil {
		return nil, nil
	}
	issues, err := issues(verr)
	if err != nil {
		return nil, fmt.Errorf("validate against %s: %w", ns, err)
	}
	var d *describer
	if m := c.schemaModel(); m != nil {
		d = newDescriber(m, text.Data, issues)
	}
	probs := make([]Problem, 0, len(issues))
	for _, is := range issues {
		if d != nil && d.followsUp(is) {
			continue
		}
		if d != nil {
			is.msg = d.describe(is)
		}
		p := is.problem()
		p.Column = text.Column(p.Line, p.Column)
		probs = append(probs, p)
	}
	return probs, nil
}

// Compiles returns how many schemas were compiled so far.
func (p *Pure) Compiles() int64 { return p.compiles.Load() }

// Compile compiles the schema of ns now instead of on first use, so that a
// broken schema is found at startup.
func (p *Pure) Compile(ctx context.Context, ns string) error {
	_, err := p.engine(ctx, ns)
	return err
}

func (p *Pure) engine(ctx context.Context, ns string) (*compiled, error) {
	sc, ok := p.set.Schema(ns)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownNamespace, ns)
	}
	p.mu.Lock()
	c, ok := p.cache[sc.Namespace]
	if !ok {
		c = &compiled{ready: make(chan struct{}), schema: sc, strict: p.set.StrictXSD()}
		p.cache[sc.Namespace] = c
	}
	p.mu.Unlock()
	if !ok {
		p.compiles.Add(1)
		c.eng, c.err = compile(ctx, sc, p.set.StrictXSD())
		if c.err != nil && ctx.Err() != nil {
			// A cancelled compile is not the schema's fault: forget it so
			// the next caller tries again.
			p.mu.Lock()
			delete(p.cache, sc.Namespace)
			p.mu.Unlock()
		}
		close(c.ready)
	}
	select {
	case <-c.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, c.err
	}
	return c, nil
}

// compile builds the engine for one contract schema. Files are read through
// xmltext so that schemas in other encodings than UTF-8 work too, imports
// are resolved relative to the importing file, and unless strict, patterns
// written ^...$ are read as anchored (readAnchors).
func compile(ctx context.Context, sc contracts.Schema, strict bool) (*jxsd.Engine, error) {
	resolver := jxsd.ResolverFunc(func(_ context.Context, base, location string) (jxsd.SchemaSource, error) {
		p := location
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(base), filepath.FromSlash(location))
		}
		return schemaSource(p, strict)
	})
	var srcs []jxsd.SchemaSource
	for _, r := range sc.Roots {
		src, err := schemaSource(r, strict)
		if err != nil {
			return nil, fmt.Errorf("schema for %s: %w", sc.Namespace, err)
		}
		srcs = append(srcs, src.WithResolver(resolver))
	}
	eng, err := jxsd.Compile(ctx, srcs...)
	if err != nil {
		return nil, fmt.Errorf("compile schema for %s (%s): %w", sc.Namespace, strings.Join(sc.Roots, ", "), err)
	}
	return eng, nil
}

func schemaSource(path string, strict bool) (jxsd.SchemaSource, error) {
	path = filepath.Clean(path)
	data, err := schemaText(path, strict)
	if err != nil {
		return jxsd.SchemaSource{}, err
	}
	return jxsd.Bytes(path, data), nil
}

// schemaText reads a schema file as UTF-8, with its anchored patterns read
// as anchors unless strict.
func schemaText(path string, strict bool) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := xmltext.ToUTF8(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if strict {
		return t.Data, nil
	}
	return readAnchors(t.Data), nil
}

// issues turns the validator's error into issues. Errors that say nothing
// about the document (internal, cancelled, schema) are returned as the
// error.
func issues(err error) ([]issue, error) {
	var list []error
	var errs xsderrors.Errors
	if errors.As(err, &errs) {
		list = errs
	} else {
		list = []error{err}
	}
	var out []issue
	for _, e := range list {
		x, ok := errors.AsType[*xsderrors.Error](e)
		if !ok {
			return nil, e
		}
		switch x.Category {
		case xsderrors.CategoryValidation, xsderrors.CategoryUnsupported:
		default:
			return nil, e
		}
		if x.Code == xsderrors.CodeValidationOption || x.Code == xsderrors.CodeValidationSession {
			return nil, e
		}
		msg := x.Message
		if msg == "" && x.Err != nil {
			msg = x.Err.Error()
		}
		if x.Code == xsderrors.CodeValidationXML {
			msg = strings.TrimSuffix("not well-formed: "+msg, ": ")
		}
		out = append(out, issue{line: x.Line, col: x.Column, code: x.Code, path: x.Path, msg: msg})
	}
	return out, nil
}
