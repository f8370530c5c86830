package sample

import (
	"fmt"
	"math/big"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivgate/rivgate/contracts/internal/xsdmodel"
)

// value returns a value of built-in type base that satisfies f, preferring
// a plausible one for the element named hint.
func value(base string, f *xsdmodel.Facets, hint []string) (string, error) {
	if f.Fixed != "" {
		return f.Fixed, nil
	}
	if len(f.Enums) > 0 {
		for _, e := range f.Enums {
			if ok, _ := f.Matches(e); ok {
				return e, nil
			}
		}
		return f.Enums[0], nil
	}
	var cands []string
	if len(f.Patterns) > 0 {
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
		if ok, err := f.Matches(c); err != nil {
			return "", err
		} else if ok {
			return c, nil
		}
	}
	// Nothing ready-made fits: build one from the pattern or the lengths.
	if len(f.Patterns) > 0 {
		want := max(f.Length, f.MinLen, 0)
		for _, rep := range []int{1, 0, want, 2} {
			s, err := fromPattern(f.Patterns[0], rep)
			if err != nil {
				return "", err
			}
			if ok, _ := f.Matches(s); ok {
				return s, nil
			}
		}
		return "", fmt.Errorf("no value found for pattern %q with the other facets", f.Patterns[0])
	}
	s := cands[len(cands)-1]
	if n := max(f.Length, f.MinLen); n > utf8.RuneCountInString(s) {
		s += strings.Repeat("x", n-utf8.RuneCountInString(s))
	}
	if f.Length >= 0 || f.MaxLen >= 0 {
		n := f.MaxLen
		if f.Length >= 0 {
			n = f.Length
		}
		if r := []rune(s); len(r) > n {
			s = string(r[:n])
		}
	}
	if ok, err := f.Matches(s); err != nil || !ok {
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

func number(base string, f *xsdmodel.Facets) (string, error) {
	v := big.NewRat(1, 1)
	switch base {
	case "negativeInteger":
		v.SetInt64(-1)
	case "nonPositiveInteger":
		v.SetInt64(0)
	}
	if f.MinInc != "" {
		if r, ok := new(big.Rat).SetString(f.MinInc); ok && v.Cmp(r) < 0 {
			v = r
		}
	}
	if f.MinExc != "" {
		if r, ok := new(big.Rat).SetString(f.MinExc); ok && v.Cmp(r) <= 0 {
			v = r.Add(r, big.NewRat(1, 1))
		}
	}
	if f.MaxInc != "" {
		if r, ok := new(big.Rat).SetString(f.MaxInc); ok && v.Cmp(r) > 0 {
			v = r
		}
	}
	if f.MaxExc != "" {
		if r, ok := new(big.Rat).SetString(f.MaxExc); ok && v.Cmp(r) >= 0 {
			v = r.Sub(r, big.NewRat(1, 1))
		}
	}
	if v.IsInt() {
		return v.Num().String(), nil
	}
	return v.FloatString(max(f.FractionDigits, 1)), nil
}

// fromPattern builds a string the pattern matches: the first alternative of
// every choice, rep repetitions of every open-ended repeat (within bounds).
func fromPattern(p string, rep int) (string, error) {
	goRE, err := xsdmodel.TranslateRegexp(p)
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
