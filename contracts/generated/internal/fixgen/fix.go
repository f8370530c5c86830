package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

const soapxmlImport = "github.com/rivgate/rivgate/contracts/generated/soapxml"

// source is one type declaration of gowsdl's output.
type source struct {
	name string
	spec *ast.TypeSpec
	doc  string // the documentation gowsdl wrote for it, cleaned
}

// fixer corrects one gowsdl output file with the schema model of its WSDL.
type fixer struct {
	m       *model
	primary *wsdlFile
	others  []*wsdlFile
	pkg     string
	header  string // first line: how the file was generated

	specs map[string][]*source
	order []*source

	// From the schema walk.
	structFor map[string]*complexType  // Go struct name -> schema type
	uses      map[*complexType][]qname // schema type -> element names it appears under
	goType    map[*complexType]string  // schema type -> Go struct name
	bodyElems map[qname]*elemDecl      // request and response elements
	elemGo    map[qname]string         // body or referenced global element -> Go type name
	untyped   []qname                  // body elements without a type
	keep      map[string]bool          // Go type names that survive

	notes []string
}

// goName is gowsdl's identifier for a schema name: dots become
// underscores, other non-identifier runes go, the first letter is upper case.
func goName(s string) string {
	r := []rune(strings.Map(func(r rune) rune {
		switch {
		case r == '.':
			return '_'
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '_':
			return r
		}
		return -1
	}, s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func (f *fixer) note(format string, args ...any) {
	f.notes = append(f.notes, fmt.Sprintf(format, args...))
}

func (f *fixer) run(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "gowsdl.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse gowsdl output: %w", err)
	}
	f.collect(file)
	gowsdlOps := f.gowsdlOperations(file)
	if err := f.walkSchema(); err != nil {
		return nil, err
	}
	f.noteOperations(gowsdlOps)
	if err := f.reach(); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	if err := f.emitTypes(&body); err != nil {
		return nil, err
	}
	f.emitUntyped(&body)
	f.emitOperations(&body)

	var out bytes.Buffer
	out.WriteString(f.header + "\n\n")
	out.WriteString("// Corrections applied to the gowsdl output (see contracts/generated/internal/fixgen):\n")
	for _, n := range f.notes {
		out.WriteString(wrapComment("- "+n, "  "))
	}
	out.WriteString("\npackage " + f.pkg + "\n\n")
	var imports []string
	if bytes.Contains(body.Bytes(), []byte("xml.Name")) {
		imports = append(imports, `"encoding/xml"`)
	}
	if bytes.Contains(body.Bytes(), []byte("soapxml.")) {
		if len(imports) > 0 {
			imports = append(imports, "") // standard library first, then the module
		}
		imports = append(imports, strconv.Quote(soapxmlImport))
	}
	if len(imports) > 0 {
		out.WriteString("import (\n" + strings.Join(imports, "\n") + "\n)\n\n")
	}
	out.Write(body.Bytes())
	formatted, err := format.Source(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format corrected source: %w\n%s", err, out.Bytes())
	}
	return formatted, nil
}

// collect indexes gowsdl's type declarations with their documentation,
// including the comment gowsdl separates from its type by a blank line.
func (f *fixer) collect(file *ast.File) {
	f.specs = map[string][]*source{}
	prevEnd := file.Name.End()
	ci := 0
	for _, d := range file.Decls {
		var floating []string
		for ci < len(file.Comments) && file.Comments[ci].Pos() < d.Pos() {
			c := file.Comments[ci]
			if c.Pos() > prevEnd {
				floating = append(floating, c.Text())
			}
			ci++
		}
		for ci < len(file.Comments) && file.Comments[ci].Pos() < d.End() {
			ci++ // comments inside the declaration belong to it
		}
		prevEnd = d.End()
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			doc := strings.Join(floating, "\n")
			if ts.Doc != nil {
				doc = ts.Doc.Text()
			} else if gd.Doc != nil && len(gd.Specs) == 1 {
				doc = gd.Doc.Text()
			}
			src := &source{name: ts.Name.Name, spec: ts, doc: cleanDoc(doc)}
			f.specs[src.name] = append(f.specs[src.name], src)
			f.order = append(f.order, src)
			floating = nil
		}
	}
}

// gowsdlOperations reads what gowsdl made of each operation: the request
// parameter type of the interface method and the SOAPAction literal it sends.
func (f *fixer) gowsdlOperations(file *ast.File) map[string][2]string {
	ops := map[string][2]string{}
	for _, src := range f.order {
		it, ok := src.spec.Type.(*ast.InterfaceType)
		if !ok {
			continue
		}
		for _, m := range it.Methods.List {
			ft, ok := m.Type.(*ast.FuncType)
			if !ok || len(m.Names) == 0 || strings.HasSuffix(m.Names[0].Name, "Context") || len(ft.Params.List) == 0 {
				continue
			}
			ops[m.Names[0].Name] = [2]string{types.ExprString(ft.Params.List[0].Type), ""}
		}
	}
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasSuffix(fd.Name.Name, "Context") {
			continue
		}
		op := strings.TrimSuffix(fd.Name.Name, "Context")
		ast.Inspect(fd, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "CallContext" && len(call.Args) > 1 {
				if lit, ok := call.Args[1].(*ast.BasicLit); ok {
					v, _ := strconv.Unquote(lit.Value)
					e := ops[op]
					e[1] = v
					ops[op] = e
				}
			}
			return true
		})
	}
	return ops
}

// walkSchema follows the schema from the body elements of every operation,
// recording which Go struct stands for which schema type and under which
// element names each type appears.
func (f *fixer) walkSchema() error {
	f.structFor = map[string]*complexType{}
	f.uses = map[*complexType][]qname{}
	f.goType = map[*complexType]string{}
	f.bodyElems = map[qname]*elemDecl{}
	f.elemGo = map[qname]string{}

	for _, other := range f.others {
		if err := sameBodies(f.primary, other); err != nil {
			return err
		}
	}
	var roots []qname
	for _, op := range f.primary.ops {
		roots = append(roots, op.request, op.response)
	}
	visited := map[*complexType]bool{}
	var visit func(ct *complexType) error
	visit = func(ct *complexType) error {
		if visited[ct] {
			return nil
		}
		visited[ct] = true
		if ct.unsupported != "" {
			return fmt.Errorf("schema type %s: unsupported construct: %s", ct.name, ct.unsupported)
		}
		for _, p := range ct.particles {
			sub, err := f.m.complexOf(p)
			if err != nil {
				return err
			}
			if p.refTo != nil {
				f.elemGo[*p.refTo] = goName(p.refTo.Local)
			}
			if sub == nil {
				continue
			}
			if err := f.bind(sub, p); err != nil {
				return err
			}
			if err := visit(sub); err != nil {
				return err
			}
		}
		return nil
	}
	for _, q := range roots {
		e, ok := f.m.elements[q]
		if !ok {
			return fmt.Errorf("body element %s is not declared in the WSDL's schemas", q)
		}
		f.bodyElems[q] = e
		f.elemGo[q] = goName(q.Local)
		ct, err := f.m.complexOf(e)
		if err != nil {
			return err
		}
		if ct == nil {
			if e.typ != (qname{}) {
				return fmt.Errorf("body element %s has simple type %s: not supported", q, e.typ)
			}
			if !slices.Contains(f.untyped, q) {
				f.untyped = append(f.untyped, q)
			}
			continue
		}
		if err := f.bind(ct, e); err != nil {
			return err
		}
		if err := visit(ct); err != nil {
			return err
		}
	}
	return nil
}

// sameBodies checks that another WSDL of the same contract (the RIVTABP20
// variant) uses the same body elements, so one package serves both.
func sameBodies(a, b *wsdlFile) error {
	if len(a.ops) != len(b.ops) {
		return fmt.Errorf("%s and %s have different operations", a.path, b.path)
	}
	for i := range a.ops {
		x, y := a.ops[i], b.ops[i]
		if x.name != y.name || x.request != y.request || x.response != y.response || x.soapAction != y.soapAction {
			return fmt.Errorf("%s and %s differ in operation %s (body elements or soapAction)", a.path, b.path, x.name)
		}
	}
	return nil
}

// bind records that schema type ct appears under element e and names its Go struct.
func (f *fixer) bind(ct *complexType, e *elemDecl) error {
	name := ""
	switch {
	case ct.name != (qname{}):
		name = goName(ct.name.Local)
	case e.refTo != nil:
		name = goName(e.refTo.Local)
	default:
		if _, global := f.m.elements[e.name]; !global {
			return fmt.Errorf("%s: anonymous complex type of local element %s is not supported", e.where, e.name.Local)
		}
		name = goName(e.name.Local)
	}
	if prev, ok := f.structFor[name]; ok && prev != ct {
		return fmt.Errorf("two schema types map to the Go type %s: %s at %s and %s at %s", name, prev.name, prev.where, ct.name, ct.where)
	}
	f.structFor[name] = ct
	f.goType[ct] = name
	if !slices.Contains(f.uses[ct], e.name) {
		f.uses[ct] = append(f.uses[ct], e.name)
	}
	return nil
}

func (f *fixer) noteOperations(gowsdlOps map[string][2]string) {
	var dropped, headerTyped, actions, missing []string
	for _, op := range f.primary.ops {
		g, ok := gowsdlOps[goName(op.name)]
		if !ok {
			continue
		}
		dropped = append(dropped, op.name)
		if want := "*" + goName(op.request.Local); g[0] != want {
			hdr := ""
			if len(op.headers) > 0 {
				hdr = " (the type of header part " + op.headers[0].Local + ")"
			}
			headerTyped = append(headerTyped, fmt.Sprintf("%s took %s%s instead of the body element %s", op.name, g[0], hdr, op.request.Local))
		}
		if g[1] != op.soapAction {
			actions = append(actions, fmt.Sprintf("%s: %q sent as %q", op.name, op.soapAction, g[1]))
		}
		for _, n := range op.notes {
			missing = append(missing, op.name+": "+n)
		}
	}
	if len(headerTyped) > 0 {
		f.note("header part taken as the request body: %s", strings.Join(headerTyped, "; "))
	}
	if len(actions) > 0 {
		f.note("soapAction mangled: %s", strings.Join(actions, "; "))
	}
	if len(missing) > 0 {
		f.note("WSDL defects noted: %s", strings.Join(missing, "; "))
	}
	if len(dropped) > 0 {
		f.note("operation interface and soap client dropped for %s (besides the above: a new http.Transport per call, so no keep-alive; HTTP 500 SOAP faults returned as HTTP errors); wrap bodies with package soapxml and this package's helpers instead", strings.Join(dropped, ", "))
	}
}

// reach keeps the declarations the body elements need and drops the rest:
// header-only types (WS-Addressing, LogicalAddress) and gowsdl's helpers.
func (f *fixer) reach() error {
	f.keep = map[string]bool{}
	var queue []string
	for _, op := range f.primary.ops {
		for _, q := range []qname{op.request, op.response} {
			if !slices.Contains(f.untyped, q) {
				queue = append(queue, goName(q.Local))
			}
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if f.keep[name] {
			continue
		}
		srcs, ok := f.specs[name]
		if !ok {
			return fmt.Errorf("gowsdl generated no type %s", name)
		}
		f.keep[name] = true
		for _, s := range srcs {
			ast.Inspect(s.spec.Type, func(n ast.Node) bool {
				if fl, ok := n.(*ast.Field); ok {
					// Only the field's type refers to declarations; a field
					// named LogicalAddress must not keep the header's type.
					ast.Inspect(fl.Type, func(n ast.Node) bool {
						if id, ok := n.(*ast.Ident); ok {
							if _, declared := f.specs[id.Name]; declared && !f.keep[id.Name] {
								queue = append(queue, id.Name)
							}
						}
						return true
					})
					return false
				}
				if id, ok := n.(*ast.Ident); ok {
					if _, declared := f.specs[id.Name]; declared && !f.keep[id.Name] {
						queue = append(queue, id.Name)
					}
				}
				_, isSel := n.(*ast.SelectorExpr) // soap.XSDDateTime names no local type
				return !isSel
			})
		}
	}
	var dropped, dups []string
	for _, s := range f.order {
		if !f.keep[s.name] {
			dropped = append(dropped, s.name)
		}
	}
	for name, srcs := range f.specs {
		if !f.keep[name] || len(srcs) < 2 {
			continue
		}
		first := types.ExprString(srcs[0].spec.Type)
		for _, s := range srcs[1:] {
			if types.ExprString(s.spec.Type) != first {
				return fmt.Errorf("gowsdl declared %s twice with different definitions (same name in two schema namespaces)", name)
			}
		}
		dups = append(dups, name)
	}
	sort.Strings(dups)
	if len(dups) > 0 {
		f.note("duplicate declarations removed (same type names from two schema namespaces flattened into one package do not compile): %s", strings.Join(dups, ", "))
	}
	if len(dropped) > 0 {
		f.note("declarations not reachable from the body elements removed (header parts, unused elements, gowsdl client and helpers): %s", strings.Join(uniq(dropped), ", "))
	}
	return nil
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// globalOf returns the global element that has ct as its type when ct
// appears under exactly that one element name; such a struct keeps an
// XMLName so it marshals under its own name.
func (f *fixer) globalOf(ct *complexType) (qname, bool) {
	u := f.uses[ct]
	if len(u) != 1 {
		return qname{}, false
	}
	g, ok := f.m.elements[u[0]]
	if !ok {
		return qname{}, false
	}
	if g.inline == ct || (ct.name != (qname{}) && g.typ == ct.name) {
		return u[0], true
	}
	return qname{}, false
}

func (f *fixer) emitTypes(b *bytes.Buffer) error {
	emitted := map[string]bool{}
	var qualified, required, derefs, xmlnames []string
	anyFixed, dateFixed := 0, 0
	for _, s := range f.order {
		if !f.keep[s.name] || emitted[s.name] {
			continue
		}
		emitted[s.name] = true
		st, isStruct := s.spec.Type.(*ast.StructType)
		if !isStruct {
			expr, n, err := rewriteExpr(s.spec.Type)
			if err != nil {
				return fmt.Errorf("type %s: %w", s.name, err)
			}
			dateFixed += n
			if ct, ok := f.structFor[types.ExprString(s.spec.Type)]; ok {
				if el, isElem := f.elementNamed(s.name); isElem {
					if _, single := f.globalOf(ct); !single {
						// The struct is shared by several element names and has
						// no XMLName, so the element type wraps it with one.
						writeDoc(b, fmt.Sprintf("%s is the element %s.", s.name, el), s.doc)
						fmt.Fprintf(b, "type %s struct {\n\tXMLName xml.Name `xml:%q`\n\t%s\n}\n\n", s.name, el.Space+" "+el.Local, types.ExprString(expr))
						continue
					}
					writeDoc(b, fmt.Sprintf("%s is the element %s.", s.name, el), s.doc)
					fmt.Fprintf(b, "type %s %s\n\n", s.name, types.ExprString(expr))
					continue
				}
			}
			writeDoc(b, fmt.Sprintf("%s is a schema simple type.", s.name), s.doc)
			fmt.Fprintf(b, "type %s %s\n\n", s.name, types.ExprString(expr))
			continue
		}
		ct, ok := f.structFor[s.name]
		if !ok {
			return fmt.Errorf("struct %s: no schema type reached from the body elements maps to it", s.name)
		}
		what := fmt.Sprintf("%s is the schema type %s.", s.name, ct.name)
		if ct.name == (qname{}) {
			what = fmt.Sprintf("%s is the anonymous type of element %s.", s.name, f.uses[ct][0])
		}
		writeDoc(b, what, s.doc)
		fmt.Fprintf(b, "type %s struct {\n", s.name)
		global, keepName := f.globalOf(ct)
		if keepName {
			fmt.Fprintf(b, "\tXMLName xml.Name `xml:%q`\n", global.Space+" "+global.Local)
		}
		seen := map[*elemDecl]bool{}
		haveAny, haveValue := false, false
		for _, field := range st.Fields.List {
			if len(field.Names) != 1 {
				return fmt.Errorf("struct %s: embedded or multi-name field", s.name)
			}
			fname := field.Names[0].Name
			tag := ""
			if field.Tag != nil {
				raw, err := strconv.Unquote(field.Tag.Value)
				if err != nil {
					return fmt.Errorf("struct %s field %s: tag: %w", s.name, fname, err)
				}
				tag = reflect.StructTag(raw).Get("xml")
			}
			tagName, opts, _ := strings.Cut(tag, ",")
			switch {
			case fname == "XMLName":
				old := strings.TrimSpace(tagName + " " + opts)
				if !keepName {
					xmlnames = append(xmlnames, fmt.Sprintf("%s (was pinned to %q; the type appears as %s)", s.name, old, localNames(f.uses[ct])))
				} else if old != global.Space+" "+global.Local {
					xmlnames = append(xmlnames, fmt.Sprintf("%s (was %q)", s.name, old))
				}
				continue
			case opts == "any":
				if !ct.hasAny {
					return fmt.Errorf("struct %s: xs:any field but the schema type has no wildcard", s.name)
				}
				writeFieldDoc(b, field.Doc)
				b.WriteString("\tItems []soapxml.Any `xml:\",any\"`\n")
				haveAny = true
				anyFixed++
				continue
			case opts == "chardata":
				if ct.simpleBase == (qname{}) {
					return fmt.Errorf("struct %s: chardata field but the schema type has no simple content", s.name)
				}
				expr, n, err := rewriteExpr(derefExpr(field.Type))
				if err != nil {
					return fmt.Errorf("struct %s field %s: %w", s.name, fname, err)
				}
				dateFixed += n
				if _, isPtr := field.Type.(*ast.StarExpr); isPtr {
					derefs = append(derefs, s.name+"."+fname)
				}
				fmt.Fprintf(b, "\t%s %s `xml:\",chardata\"`\n", fname, types.ExprString(expr))
				haveValue = true
				continue
			case strings.Contains(opts, "attr"):
				return fmt.Errorf("struct %s field %s: attributes are not supported", s.name, fname)
			}
			p := particleNamed(ct, tagName)
			if p == nil {
				return fmt.Errorf("struct %s field %s: no element %q in schema type %s", s.name, fname, tagName, ct.name)
			}
			seen[p] = true
			t, err := f.m.target(p)
			if err != nil {
				return err
			}
			single := p.max == 1
			isRequired := p.min >= 1 && single && !t.nillable
			typ := field.Type
			if _, isPtr := typ.(*ast.StarExpr); isPtr && isRequired {
				typ = derefExpr(typ)
				derefs = append(derefs, s.name+"."+fname)
			}
			expr, n, err := rewriteExpr(typ)
			if err != nil {
				return fmt.Errorf("struct %s field %s: %w", s.name, fname, err)
			}
			dateFixed += n
			newTag := p.name.Space + " " + p.name.Local
			if p.name.Space == "" {
				return fmt.Errorf("struct %s field %s: unqualified local element %s cannot be written by encoding/xml under a namespaced parent", s.name, fname, p.name.Local)
			}
			if p.min == 0 {
				newTag += ",omitempty"
			} else if strings.Contains(opts, "omitempty") {
				required = append(required, s.name+"."+fname)
			}
			if parent := f.parentNS(ct); parent != p.name.Space {
				qualified = append(qualified, fmt.Sprintf("%s.%s (%s, inside %s)", s.name, fname, p.name, parent))
			}
			writeFieldDoc(b, field.Doc)
			fmt.Fprintf(b, "\t%s %s `xml:%q`\n", fname, types.ExprString(expr), newTag)
		}
		for _, p := range ct.particles {
			if !seen[p] {
				return fmt.Errorf("struct %s: gowsdl generated no field for element %s", s.name, p.name.Local)
			}
		}
		if ct.hasAny && !haveAny {
			return fmt.Errorf("struct %s: gowsdl generated no field for the xs:any wildcard", s.name)
		}
		if ct.simpleBase != (qname{}) && !haveValue {
			return fmt.Errorf("struct %s: gowsdl generated no field for the simple content", s.name)
		}
		b.WriteString("}\n\n")
	}
	if len(qualified) > 0 {
		f.note("element fields qualified with their schema namespace (gowsdl left every field tag unqualified, so elements of core-component types took the parent's namespace and failed the XSD): %s", strings.Join(qualified, "; "))
	}
	f.note("every element field tag now carries its namespace (\"ns local\") and no JSON tag (gowsdl's json:\"-,\" on simple content named the field \"-\")")
	if len(required) > 0 {
		f.note("omitempty removed from required elements (an empty value was dropped, leaving the message invalid): %s", strings.Join(required, ", "))
	}
	if len(derefs) > 0 {
		f.note("pointers removed from required single elements and simple content (a nil pointer silently omitted a required element): %s", strings.Join(derefs, ", "))
	}
	if len(xmlnames) > 0 {
		f.note("XMLName removed or corrected where the struct is not one global element's type (encoding/xml refuses a field whose name differs from its type's XMLName): %s", strings.Join(xmlnames, "; "))
	}
	if anyFixed > 0 {
		f.note("%d xs:any wildcards: []string (which kept only text and wrote <Items> elements back) replaced by []soapxml.Any", anyFixed)
	}
	if dateFixed > 0 {
		f.note("%d xs:dateTime fields: soap.XSDDateTime (drops parse errors, omits zero values, reads zone-less values in time.Local) replaced by the lexical soapxml.DateTime", dateFixed)
	}
	return nil
}

// parentNS is the namespace of the elements a struct is written as, used
// only to report which fields gowsdl put in the wrong namespace.
func (f *fixer) parentNS(ct *complexType) string {
	if u := f.uses[ct]; len(u) > 0 {
		return u[0].Space
	}
	return ""
}

func localNames(qs []qname) string {
	var s []string
	for _, q := range qs {
		s = append(s, q.Local)
	}
	return strings.Join(s, ", ")
}

func (f *fixer) elementNamed(goTypeName string) (qname, bool) {
	for q, n := range f.elemGo {
		if n == goTypeName {
			if _, global := f.m.elements[q]; global {
				return q, true
			}
		}
	}
	return qname{}, false
}

func particleNamed(ct *complexType, local string) *elemDecl {
	for _, p := range ct.particles {
		if p.name.Local == local {
			return p
		}
	}
	return nil
}

func derefExpr(e ast.Expr) ast.Expr {
	if s, ok := e.(*ast.StarExpr); ok {
		return s.X
	}
	return e
}

// rewriteExpr replaces gowsdl's soap runtime types and reports how many
// dateTime replacements it made.
func rewriteExpr(e ast.Expr) (ast.Expr, int, error) {
	n := 0
	var err error
	var walk func(ast.Expr) ast.Expr
	walk = func(e ast.Expr) ast.Expr {
		switch t := e.(type) {
		case *ast.StarExpr:
			return &ast.StarExpr{X: walk(t.X)}
		case *ast.ArrayType:
			return &ast.ArrayType{Len: t.Len, Elt: walk(t.Elt)}
		case *ast.SelectorExpr:
			if id, ok := t.X.(*ast.Ident); ok && id.Name == "soap" {
				if t.Sel.Name == "XSDDateTime" {
					n++
					return &ast.SelectorExpr{X: ast.NewIdent("soapxml"), Sel: ast.NewIdent("DateTime")}
				}
				err = fmt.Errorf("gowsdl runtime type soap.%s is not supported", t.Sel.Name)
			}
		}
		return e
	}
	out := walk(e)
	return out, n, err
}

// emitUntyped writes types for body elements declared without a type
// (xs:anyType), for which gowsdl generated nothing and its client did not compile.
func (f *fixer) emitUntyped(b *bytes.Buffer) {
	var names []string
	for _, q := range f.untyped {
		name := goName(q.Local)
		names = append(names, name)
		writeDoc(b, fmt.Sprintf("%s is the element %s, declared without a type (xs:anyType): gowsdl generated no type for it. An empty element is a valid request.", name, q), "")
		fmt.Fprintf(b, "type %s struct {\n\tXMLName xml.Name `xml:%q`\n\tText string `xml:\",chardata\"`\n\tItems []soapxml.Any `xml:\",any\"`\n}\n\n", name, q.Space+" "+q.Local)
	}
	if len(names) > 0 {
		f.note("types written for body elements declared without a type (gowsdl referenced them but declared nothing, so its output did not compile): %s", strings.Join(names, ", "))
	}
}

// emitOperations writes the contract namespace and each operation's
// SOAPAction and element names as constants.
func (f *fixer) emitOperations(b *bytes.Buffer) {
	spaces := map[string]bool{}
	for _, op := range f.primary.ops {
		spaces[op.request.Space] = true
		spaces[op.response.Space] = true
	}
	if len(spaces) == 1 {
		ns := f.primary.ops[0].request.Space
		fmt.Fprintf(b, "// Namespace is the namespace of every request and response element: the service contract.\nconst Namespace = %q\n\n", ns)
	}
	b.WriteString("// The operations of the WSDL binding: SOAPAction and the local names of the body elements.\nconst (\n")
	for _, op := range f.primary.ops {
		n := goName(op.name)
		fmt.Fprintf(b, "\tSOAPAction%s = %q\n", n, op.soapAction)
		fmt.Fprintf(b, "\tRequestElement%s = %q\n", n, op.request.Local)
		fmt.Fprintf(b, "\tResponseElement%s = %q\n", n, op.response.Local)
	}
	b.WriteString(")\n")
}

// cleanDoc trims gowsdl's documentation: blank comment lines around it and
// the indentation it copied from the XSD.
func cleanDoc(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func writeDoc(b *bytes.Buffer, first, doc string) {
	b.WriteString(wrapComment(first, ""))
	if doc != "" {
		b.WriteString("//\n")
		for _, l := range strings.Split(doc, "\n") {
			b.WriteString(strings.TrimRight("// "+l, " ") + "\n")
		}
	}
}

func writeFieldDoc(b *bytes.Buffer, g *ast.CommentGroup) {
	if g == nil {
		return
	}
	doc := cleanDoc(g.Text())
	for _, l := range strings.Split(doc, "\n") {
		if doc != "" {
			b.WriteString(strings.TrimRight("\t// "+l, " ") + "\n")
		}
	}
}

// wrapComment writes s as // lines of at most about 100 columns; indent
// prefixes continuation lines.
func wrapComment(s, indent string) string {
	var out strings.Builder
	line := "//"
	for i, w := range strings.Fields(s) {
		if len(line)+1+len(w) > 100 && i > 0 {
			out.WriteString(line + "\n")
			line = "// " + indent + w
			continue
		}
		line += " " + w
	}
	out.WriteString(line + "\n")
	return out.String()
}
