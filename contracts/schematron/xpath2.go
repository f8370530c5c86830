package schematron

import (
	"fmt"
	"strings"
	"unicode"
)

// XPath 2.0 on an XPath 1.0 engine. The published RIV-TA constraints.xml
// files declare queryBinding="xslt2" but their tests are XPath 1.0 plus
// a few XPath 2.0 functions and operators; antchfx/xpath already has
// lower-case, ends-with, matches, replace, reverse and string-join. What it
// lacks is rewritten here, token by token (never inside string literals):
//
//	exists(E)                  -> boolean(E)
//	empty(E)                   -> not(E)
//	upper-case(E)              -> translate(E, 'a..zåäöéü', 'A..ZÅÄÖÉÜ')
//	xs:string(E)               -> string(E)
//	xs:integer/decimal/double/float(E) -> number(E)   (no cast error for non-numbers: NaN)
//	xs:boolean(E)              -> boolean(E)
//	A eq/ne/lt/le/gt/ge B      -> A = / != / < / <= / > / >= B
//	$param (abstract patterns) -> its value, textually (ISO Schematron macro rule)
//	$let                       -> a literal of its evaluated value (see literal)
//
// Everything else of XPath 2.0 (if/then/else, for/some/every, sequences
// "(a, b)", date/time types and functions, instance of, castable, the
// XSLT current() and document() functions) fails to compile, and the rule
// or assertion is reported as not evaluable: it is never dropped silently.

// Supported lists the XPath 2.0 constructs the rewriter handles, for
// reports and docs.
var Supported = []string{
	"exists()", "empty()", "upper-case()", "lower-case()", "ends-with()", "matches()", "replace()",
	"string-join()", "reverse()", "xs:string()", "xs:integer()", "xs:decimal()", "xs:double()",
	"xs:float()", "xs:boolean()", "eq ne lt le gt ge", "let variables", "abstract pattern parameters",
}

type tokKind int

const (
	tokOther  tokKind = iota // punctuation, operators
	tokName                  // NCName or QName (may include ':' and '*')
	tokVar                   // $name
	tokString                // 'x' or "x"
	tokNumber
	tokSpace
	tokOperand // a substituted variable: an operand for operatorPosition
)

type token struct {
	kind tokKind
	text string
}

// tokenize splits an XPath expression into tokens; concatenating the
// texts gives the input back.
func tokenize(expr string) ([]token, error) {
	var out []token
	rs := []rune(expr)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated string literal in %q", expr)
			}
			out = append(out, token{tokString, string(rs[i : j+1])})
			i = j + 1
		case unicode.IsSpace(r):
			j := i
			for j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
			out = append(out, token{tokSpace, string(rs[i:j])})
			i = j
		case r == '$':
			j := i + 1
			for j < len(rs) && isNameRune(rs[j], j == i+1) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("'$' without a variable name in %q", expr)
			}
			out = append(out, token{tokVar, string(rs[i+1 : j])})
			i = j
		case unicode.IsDigit(r) || (r == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			out = append(out, token{tokNumber, string(rs[i:j])})
			i = j
		case isNameRune(r, true):
			j := i
			for j < len(rs) && isNameRune(rs[j], false) {
				j++
			}
			// a QName prefix:local or a prefix:* name test
			if j+1 < len(rs) && rs[j] == ':' && rs[j+1] != ':' {
				switch {
				case rs[j+1] == '*':
					j += 2
				case isNameRune(rs[j+1], true):
					j++
					for j < len(rs) && isNameRune(rs[j], false) {
						j++
					}
				}
			}
			out = append(out, token{tokName, string(rs[i:j])})
			i = j
		default:
			// two-character operators stay together
			if i+1 < len(rs) {
				two := string(rs[i : i+2])
				switch two {
				case "!=", "<=", ">=", "//", "::", "..":
					out = append(out, token{tokOther, two})
					i += 2
					continue
				}
			}
			out = append(out, token{tokOther, string(r)})
			i++
		}
	}
	return out, nil
}

func isNameRune(r rune, first bool) bool {
	if r == '_' || unicode.IsLetter(r) {
		return true
	}
	return !first && (r == '-' || r == '.' || unicode.IsDigit(r))
}

func join(ts []token) string {
	var b strings.Builder
	for _, t := range ts {
		if t.kind == tokVar {
			b.WriteByte('$')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// operatorPosition reports whether a name at index i must be read as an
// operator (XPath 1.0 section 3.7: a preceding token that is not @, ::,
// (, [, ',' or an operator).
func operatorPosition(ts []token, i int) bool {
	for j := i - 1; j >= 0; j-- {
		t := ts[j]
		if t.kind == tokSpace {
			continue
		}
		switch t.kind {
		case tokString, tokNumber, tokVar, tokOperand:
			return true
		case tokName:
			return !isOperatorName(t.text)
		}
		switch t.text {
		case ")", "]", ".", "..", "*":
			return true
		}
		return false
	}
	return false
}

func isOperatorName(s string) bool {
	switch s {
	case "and", "or", "div", "mod", "eq", "ne", "lt", "le", "gt", "ge":
		return true
	}
	return false
}

var valueComparisons = map[string]string{"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}

var functionRenames = map[string]string{
	"exists": "boolean", "empty": "not",
	"xs:string": "string", "xs:boolean": "boolean",
	"xs:integer": "number", "xs:decimal": "number", "xs:double": "number", "xs:float": "number",
}

const (
	lowerLetters = "abcdefghijklmnopqrstuvwxyzåäöéü"
	upperLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ"
)

// nextNonSpace returns the index of the next non-space token after i.
func nextNonSpace(ts []token, i int) int {
	for j := i + 1; j < len(ts); j++ {
		if ts[j].kind != tokSpace {
			return j
		}
	}
	return -1
}

// rewrite turns the XPath 2.0 constructs listed above into XPath 1.0 and
// replaces variables through vars (name -> replacement text). A variable
// vars does not know is an error.
func rewrite(expr string, vars func(name string) (string, bool)) (string, error) {
	ts, err := tokenize(expr)
	if err != nil {
		return "", err
	}
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch t.kind {
		case tokVar:
			v, ok := vars(t.text)
			if !ok {
				return "", fmt.Errorf("variable $%s is not declared (no let or param of that name in scope)", t.text)
			}
			ts[i] = token{tokOperand, v}
		case tokName:
			if op, ok := valueComparisons[t.text]; ok && operatorPosition(ts, i) {
				ts[i] = token{tokOther, op}
				continue
			}
			n := nextNonSpace(ts, i)
			if n < 0 || ts[n].text != "(" {
				continue
			}
			if to, ok := functionRenames[t.text]; ok {
				ts[i].text = to
				continue
			}
			if t.text == "upper-case" {
				closeAt := matchParen(ts, n)
				if closeAt < 0 {
					return "", fmt.Errorf("unbalanced parentheses in %q", expr)
				}
				ts[i].text = "translate"
				ts[closeAt] = token{tokOther, ", '" + lowerLetters + "', '" + upperLetters + "')"}
			}
		}
	}
	return join(ts), nil
}

// matchParen returns the index of the ')' closing the '(' at open.
func matchParen(ts []token, open int) int {
	depth := 0
	for j := open; j < len(ts); j++ {
		switch ts[j].text {
		case "(":
			if ts[j].kind == tokOther {
				depth++
			}
		case ")":
			if ts[j].kind == tokOther {
				depth--
				if depth == 0 {
					return j
				}
			}
		}
	}
	return -1
}

// ToXPath1 rewrites the XPath 2.0 constructs listed above in an
// expression without variables (SoapUI XPath Match assertions).
func ToXPath1(expr string) (string, error) {
	return rewrite(expr, func(string) (string, bool) { return "", false })
}

// substituteParams replaces $name by the abstract pattern's parameter
// values in an expression; variables that are not parameters stay.
func substituteParams(expr string, params map[string]string) (string, error) {
	if len(params) == 0 || !strings.Contains(expr, "$") {
		return expr, nil
	}
	ts, err := tokenize(expr)
	if err != nil {
		return "", err
	}
	for i, t := range ts {
		if t.kind == tokVar {
			if v, ok := params[t.text]; ok {
				ts[i] = token{tokOperand, v}
			}
		}
	}
	return join(ts), nil
}

// substituteParamsText replaces $name in message text (no tokenizing:
// messages are prose), longest names first so $pathX wins over $path.
func substituteParamsText(text string, params map[string]string) string {
	if len(params) == 0 || !strings.Contains(text, "$") {
		return text
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if len(names[j]) > len(names[i]) {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	for _, n := range names {
		text = strings.ReplaceAll(text, "$"+n, params[n])
	}
	return text
}

// splitUnion splits an XSLT match pattern at its top-level '|'.
func splitUnion(pattern string) ([]string, error) {
	ts, err := tokenize(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	depth, start := 0, 0
	for i, t := range ts {
		if t.kind != tokOther {
			continue
		}
		switch t.text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		case "|":
			if depth == 0 {
				out = append(out, join(ts[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, join(ts[start:])), nil
}

// contextSelect turns an XSLT match pattern into an XPath selecting every
// node the pattern matches: relative patterns match at any depth.
func contextSelect(pattern string) (string, error) {
	parts, err := splitUnion(pattern)
	if err != nil {
		return "", err
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return "", fmt.Errorf("empty alternative in rule context %q", pattern)
		case p == "/":
		case strings.HasPrefix(p, "/"):
		default:
			p = "//" + p
		}
		parts[i] = p
	}
	return strings.Join(parts, " | "), nil
}
