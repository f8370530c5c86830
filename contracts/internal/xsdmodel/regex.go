package xsdmodel

import (
	"fmt"
	"regexp"
	"strings"
)

// RegexAnchors reports whether an XSD pattern facet value is written
// ^...$ as in other regular-expression dialects, and returns it without
// them. In XSD a pattern always matches the whole value and ^ and $ are
// ordinary characters, so such a pattern literally requires them; several
// published RIV-TA contracts write their personnummer pattern this way and
// mean the anchors. A final $ escaped with a backslash is a literal and
// does not count.
func RegexAnchors(p string) (string, bool) {
	if len(p) < 2 || p[0] != '^' || p[len(p)-1] != '$' {
		return p, false
	}
	backslashes := 0
	for i := len(p) - 2; i >= 0 && p[i] == '\\'; i-- {
		backslashes++
	}
	if backslashes%2 == 1 {
		return p, false
	}
	return p[1 : len(p)-1], true
}

// TranslateRegexp rewrites an XML Schema regular expression as a Go one:
// XSD patterns are anchored as a whole, '^' and '$' are ordinary characters
// outside classes, and \i \c are name-character classes.
func TranslateRegexp(p string) (string, error) {
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

// CompileRegexp compiles an XML Schema regular expression (TranslateRegexp).
func CompileRegexp(p string) (*regexp.Regexp, error) {
	goRE, err := TranslateRegexp(p)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(goRE)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", p, err)
	}
	return re, nil
}
