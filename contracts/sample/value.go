package sample

import (
	"fmt"
	"math/big"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// facets are the constraining facets collected along a simple type's
// derivation chain (the most derived value of each wins; patterns from every
// step must all hold).
type facets struct {
	enums                    []string
	patterns                 []string
	length, minLen, maxLen   int // -1 = unset
	minInc, maxInc           string
	minExc, maxExc           string
	totalDigits, fractionDig int
	fixed                    string
}

func newFacets() *facets {
	return &facets{length: -1, minLen: -1, maxLen: -1, totalDigits: -1, fractionDig: -1}
}

// simple resolves a simple type (named or inline) to its built-in base and
// facets. Lists produce one item; unions use their first member.
func (g *gen) simple(t qname, inline *xmltext.Node, f *facets, depth int) (string, error) {
	if depth > 30 {
		return "", fmt.Errorf("simple type derivation too deep at %s", t)
	}
	n := inline
	if n == nil {
		if t.Space == xsdNS {
			return t.Local, nil
		}
		d, ok := g.m.types[t]
		if !ok {
			return "", fmt.Errorf("type %s is not declared", t)
		}
		n = d.n
		if n.Name.Local == "complexType" {
			// Complex type with simple content: its base's value.
			return g.simpleContentBase(n, f, depth+1)
		}
	}
	if r := xs1(n, "restriction"); r != nil {
		collectFacets(r, f)
		if base := r.Attr("base"); base != "" {
			q, err := r.ResolveQName(base)
			if err != nil {
				return "", err
			}
			return g.simple(q, nil, f, depth+1)
		}
		return g.simple(qname{}, xs1(r, "simpleType"), f, depth+1)
	}
	if l := xs1(n, "list"); l != nil {
		if it := l.Attr("itemType"); it != "" {
			q, err := l.ResolveQName(it)
			if err != nil {
				return "", err
			}
			return g.simple(q, nil, newFacets(), depth+1)
		}
		return g.simple(qname{}, xs1(l, "simpleType"), newFacets(), depth+1)
	}
	if u := xs1(n, "union"); u != nil {
		if mt := strings.Fields(u.Attr("memberTypes")); len(mt) > 0 {
			q, err := u.ResolveQName(mt[0])
			if err != nil {
				return "", err
			}
			return g.simple(q, nil, f, depth+1)
		}
		return g.simple(qname{}, xs1(u, "simpleType"), f, depth+1)
	}
	return "anySimpleType", nil
}

// simpleContentBase follows a complex type with simple content to the
// built-in type of its value.
func (g *gen) simpleContentBase(ct *xmltext.Node, f *facets, depth int) (string, error) {
	sc := xs1(ct, "simpleContent")
	if sc == nil {
		return "anySimpleType", nil
	}
	for _, der := range sc.Children {
		if der.Name.Space != xsdNS || (der.Name.Local != "extension" && der.Name.Local != "restriction") {
			continue
		}
		if der.Name.Local == "restriction" {
			collectFacets(der, f)
		}
		q, err := der.ResolveQName(der.Attr("base"))
		if err != nil {
			return "", err
		}
		return g.simple(q, nil, f, depth+1)
	}
	return "anySimpleType", nil
}

func collectFacets(r *xmltext.Node, f *facets) {
	setInt := func(p *int, v string) {
		if *p < 0 {
			if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				*p = i
			}
		}
	}
	setStr := func(p *string, v string) {
		if *p == "" {
			*p = strings.TrimSpace(v)
		}
	}
	var enums []string
	for _, c := range r.Children {
		if c.Name.Space != xsdNS {
			continue
		}
		v := c.Attr("value")
		switch c.Name.Local {
		case "enumeration":
			enums = append(enums, v)
		case "pattern":
			f.patterns = append(f.patterns, v)
		case "length":
			setInt(&f.length, v)
		case "minLength":
			setInt(&f.minLen, v)
		case "maxLength":
			setInt(&f.maxLen, v)
		case "minInclusive":
			setStr(&f.minInc, v)
		case "maxInclusive":
			setStr(&f.maxInc, v)
		case "minExclusive":
			setStr(&f.minExc, v)
		case "maxExclusive":
			setStr(&f.maxExc, v)
		case "totalDigits":
			setInt(&f.totalDigits, v)
		case "fractionDigits":
			setInt(&f.fractionDig, v)
		}
	}
	// The most derived enumeration restricts the value space.
	if len(f.enums) == 0 {
		f.enums = enums
	}
}

// value returns a value of built-in type base that satisfies f, preferring
// a plausible one for the element named hint.
func value(base string, f *facets, hint []string) (string, error) {
	if f.fixed != "" {
		return f.fixed, nil
	}
	if len(f.enums) > 0 {
		for _, e := range f.enums {
			if ok, _ := f.matches(e); ok {
				return e, nil
			}
		}
		return f.enums[0], nil
	}
	var cands []string
	if len(f.patterns) > 0 {
		cands = append(cands, plausibleFor(hint)...)
		cands = append(cands, patternCandidates...)
	}
	switch base {
	case "boolean":
		cands = append(cands, "true")
	case "int", "integer", "long", "short", "byte", "decimal", "nonNegativeInteger", "positiveInteger",
		"unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "negativeInteger", "nonPositiveInteger", "float", "double":
		n, err := number(base, f)
		if err != nil {
			return "", err
		}
		cands = append(cands, n)
	case "date":
		cands = append(cands, "2024-05-17")
	case "dateTime":
		cands = append(cands, "2024-05-17T10:30:00")
	case "time":
		cands = append(cands, "10:30:00")
	case "gYear":
		cands = append(cands, "2024")
	case "gYearMonth":
		cands = append(cands, "2024-05")
	case "gMonth":
		cands = append(cands, "--05")
	case "gDay":
		cands = append(cands, "---17")
	case "gMonthDay":
		cands = append(cands, "--05-17")
	case "duration":
		cands = append(cands, "PT1H")
	case "base64Binary":
		cands = append(cands, "cml2Z2F0ZQ==")
	case "hexBinary":
		cands = append(cands, "CAFE")
	case "anyURI":
		cands = append(cands, "urn:rivgate:sample")
	case "QName", "NCName", "Name", "NMTOKEN", "NMTOKENS", "ID", "ENTITY", "NOTATION":
		cands = append(cands, "sample")
	case "language":
		cands = append(cands, "sv")
	case "IDREF", "IDREFS", "ENTITIES":
		return "", fmt.Errorf("a required %s value cannot be generated (it must point at another element)", base)
	default: // string, normalizedString, token, anySimpleType
		cands = append(cands, plausibleFor(hint)...)
		cands = append(cands, "exempel")
	}
	for _, c := range cands {
		if ok, err := f.matches(c); err != nil {
			return "", err
		} else if ok {
			return c, nil
		}
	}
	// Nothing ready-made fits: build one from the pattern or the lengths.
	if len(f.patterns) > 0 {
		want := max(f.length, f.minLen, 0)
		for _, rep := range []int{1, 0, want, 2} {
			s, err := fromPattern(f.patterns[0], rep)
			if err != nil {
				return "", err
			}
			if ok, _ := f.matches(s); ok {
				return s, nil
			}
		}
		return "", fmt.Errorf("no value found for pattern %q with the other facets", f.patterns[0])
	}
	s := cands[len(cands)-1]
	if n := max(f.length, f.minLen); n > utf8.RuneCountInString(s) {
		s += strings.Repeat("x", n-utf8.RuneCountInString(s))
	}
	if f.length >= 0 || f.maxLen >= 0 {
		n := f.maxLen
		if f.length >= 0 {
			n = f.length
		}
		if r := []rune(s); len(r) > n {
			s = string(r[:n])
		}
	}
	if ok, err := f.matches(s); err != nil || !ok {
		return "", fmt.Errorf("no %s value satisfies the facets", base)
	}
	return s, nil
}

// plausibleFor suggests values typical of RIV-TA messages from the element
// names (innermost last): person ids, HSA-ids, OIDs, timestamps.
func plausibleFor(hint []string) []string {
	if len(hint) == 0 {
		return nil
	}
	name := strings.ToLower(hint[len(hint)-1])
	parent := ""
	if len(hint) > 1 {
		parent = strings.ToLower(hint[len(hint)-2])
	}
	var out []string
	personish := strings.Contains(parent, "patient") || strings.Contains(parent, "person") || strings.Contains(parent, "subject") || strings.Contains(parent, "resident")
	switch {
	case personish && name == "id":
		out = append(out, "191212121212")
	case personish && name == "type":
		out = append(out, "1.2.752.129.2.1.3.1")
	case strings.Contains(name, "hsaid") || strings.Contains(name, "logicaladdress") || strings.Contains(name, "careunit") || strings.Contains(name, "caregiver") || strings.Contains(name, "facility"):
		out = append(out, "SE0000000000-1234")
	case strings.Contains(name, "time") || strings.Contains(name, "date"):
		out = append(out, "20240517103000", "2024-05-17T10:30:00", "2024-05-17")
	case strings.Contains(name, "code") || strings.Contains(name, "oid"):
		out = append(out, "1.2.752.129.2.2.1.1")
	case strings.Contains(name, "name"):
		out = append(out, "Tolvan Tolvansson")
	case strings.Contains(name, "namespace") || strings.Contains(name, "contract"):
		out = append(out, "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1")
	}
	return out
}

// patternCandidates are tried against a pattern before generating a string
// from it: real-looking values beat "0000".
var patternCandidates = []string{
	"191212121212", "19121212-1212", "SE0000000000-1234", "20240517103000", "2024-05-17", "2024-05-17T10:30:00",
	"1.2.752.129.2.1.3.1", "1", "true", "sv", "SE", "exempel",
}

func number(base string, f *facets) (string, error) {
	v := big.NewRat(1, 1)
	switch base {
	case "negativeInteger":
		v.SetInt64(-1)
	case "nonPositiveInteger":
		v.SetInt64(0)
	}
	if f.minInc != "" {
		if r, ok := new(big.Rat).SetString(f.minInc); ok && v.Cmp(r) < 0 {
			v = r
		}
	}
	if f.minExc != "" {
		if r, ok := new(big.Rat).SetString(f.minExc); ok && v.Cmp(r) <= 0 {
			v = r.Add(r, big.NewRat(1, 1))
		}
	}
	if f.maxInc != "" {
		if r, ok := new(big.Rat).SetString(f.maxInc); ok && v.Cmp(r) > 0 {
			v = r
		}
	}
	if f.maxExc != "" {
		if r, ok := new(big.Rat).SetString(f.maxExc); ok && v.Cmp(r) >= 0 {
			v = r.Sub(r, big.NewRat(1, 1))
		}
	}
	if v.IsInt() {
		return v.Num().String(), nil
	}
	return v.FloatString(max(f.fractionDig, 1)), nil
}

// matches checks s against the length and pattern facets.
func (f *facets) matches(s string) (bool, error) {
	n := utf8.RuneCountInString(s)
	if (f.length >= 0 && n != f.length) || (f.minLen >= 0 && n < f.minLen) || (f.maxLen >= 0 && n > f.maxLen) {
		return false, nil
	}
	for _, p := range f.patterns {
		re, err := compileXSDRegexp(p)
		if err != nil {
			return false, err
		}
		if !re.MatchString(s) {
			return false, nil
		}
	}
	return true, nil
}

// translateXSDRegexp rewrites an XML Schema regular expression as a Go one:
// XSD patterns are anchored as a whole, '^' and '$' are ordinary characters
// outside classes, and \i \c are name-character classes.
func translateXSDRegexp(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			next := p[i+1]
			i++
			switch next {
			case 'i':
				b.WriteString(classOrBare(inClass, `_:A-Za-z`))
			case 'I':
				b.WriteString(`[^_:A-Za-z]`)
			case 'c':
				b.WriteString(classOrBare(inClass, `\-._:A-Za-z0-9`))
			case 'C':
				b.WriteString(`[^\-._:A-Za-z0-9]`)
			case 'p', 'P':
				if strings.HasPrefix(p[i+1:], "{Is") {
					return "", fmt.Errorf("pattern %q: Unicode block escapes are not supported", p)
				}
				b.WriteByte('\\')
				b.WriteByte(next)
			default:
				b.WriteByte('\\')
				b.WriteByte(next)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case c == '[' && inClass:
			return "", fmt.Errorf("pattern %q: character class subtraction is not supported", p)
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		case (c == '^' || c == '$') && !inClass:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return `^(?:` + b.String() + `)$`, nil
}

func classOrBare(inClass bool, ranges string) string {
	if inClass {
		return ranges
	}
	return "[" + ranges + "]"
}

func compileXSDRegexp(p string) (*regexp.Regexp, error) {
	goRE, err := translateXSDRegexp(p)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(goRE)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", p, err)
	}
	return re, nil
}

// fromPattern builds a string the pattern matches: the first alternative of
// every choice, rep repetitions of every open-ended repeat (within bounds).
func fromPattern(p string, rep int) (string, error) {
	goRE, err := translateXSDRegexp(p)
	if err != nil {
		return "", err
	}
	re, err := syntax.Parse(goRE, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("pattern %q: %w", p, err)
	}
	var b strings.Builder
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			b.WriteRune(pickRune(r.Rune))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('x')
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			walk(r.Sub[0])
		case syntax.OpQuest:
			if rep > 0 {
				walk(r.Sub[0])
			}
		case syntax.OpStar:
			for range rep {
				walk(r.Sub[0])
			}
		case syntax.OpPlus:
			for range max(rep, 1) {
				walk(r.Sub[0])
			}
		case syntax.OpRepeat:
			n := r.Min
			if rep > n && (r.Max < 0 || rep <= r.Max) {
				n = rep
			}
			for range n {
				walk(r.Sub[0])
			}
		}
	}
	walk(re)
	return b.String(), nil
}

// pickRune picks a readable rune from a class given as [lo, hi] pairs:
// a digit or letter when the class has one.
func pickRune(ranges []rune) rune {
	for _, want := range []func(rune) bool{unicode.IsDigit, unicode.IsLetter, unicode.IsGraphic} {
		for i := 0; i+1 < len(ranges); i += 2 {
			lo, hi := max(ranges[i], 0x21), ranges[i+1]
			for r := lo; r <= hi && r < lo+256; r++ {
				if want(r) {
					return r
				}
			}
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'x'
}
