package exchangelog

import (
	"encoding/json"
	"errors"
	"fmt"
)

// fieldSink receives the top-level members of an object. typ is '"' for a
// string (val is its decoded text), '0' for a number (its text), 't' or 'f'
// for a boolean, 'n' for null, '{' or '[' for a nested value (not passed).
type fieldSink interface {
	field(key, val []byte, typ byte)
}

var errSyntax = errors.New("not a JSON object")

// scanObject reads one JSON object, line, and passes its top-level members to
// sink, in order (a repeated key is passed again: the last one wins, as in
// encoding/json). Plain ASCII strings are passed as views into line; others
// are decoded by encoding/json, so escapes and invalid UTF-8 read exactly as
// a full decode would read them.
func scanObject(line []byte, sink fieldSink) error {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return errSyntax
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return trailing(line, i+1)
	}
	for {
		if i >= len(line) || line[i] != '"' {
			return syntaxAt(i)
		}
		key, next, err := readString(line, i)
		if err != nil {
			return err
		}
		i = skipSpace(line, next)
		if i >= len(line) || line[i] != ':' {
			return syntaxAt(i)
		}
		i = skipSpace(line, i+1)
		if i >= len(line) {
			return syntaxAt(i)
		}
		switch c := line[i]; {
		case c == '"':
			val, next, err := readString(line, i)
			if err != nil {
				return err
			}
			sink.field(key, val, '"')
			i = next
		case c == '{' || c == '[':
			next, err := skipNested(line, i)
			if err != nil {
				return err
			}
			sink.field(key, nil, c)
			i = next
		case c == 't' || c == 'f' || c == 'n':
			word := "null"
			switch c {
			case 't':
				word = "true"
			case 'f':
				word = "false"
			}
			if len(line)-i < len(word) || string(line[i:i+len(word)]) != word {
				return syntaxAt(i)
			}
			sink.field(key, nil, c)
			i += len(word)
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(line) && isNumberByte(line[j]) {
				j++
			}
			if !validNumber(line[i:j]) {
				return syntaxAt(i)
			}
			sink.field(key, line[i:j], '0')
			i = j
		default:
			return syntaxAt(i)
		}
		i = skipSpace(line, i)
		if i >= len(line) {
			return syntaxAt(i)
		}
		switch line[i] {
		case ',':
			i = skipSpace(line, i+1)
		case '}':
			return trailing(line, i+1)
		default:
			return syntaxAt(i)
		}
	}
}

func syntaxAt(i int) error { return fmt.Errorf("%w (at byte %d)", errSyntax, i) }

func trailing(line []byte, i int) error {
	if skipSpace(line, i) != len(line) {
		return syntaxAt(i)
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// readString reads the string starting at b[i] == '"' and returns its text
// and the index after the closing quote.
func readString(b []byte, i int) (val []byte, next int, err error) {
	plain := true
	j := i + 1
	for ; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			if plain {
				return b[i+1 : j], j + 1, nil
			}
			var s string
			if err := json.Unmarshal(b[i:j+1], &s); err != nil {
				return nil, 0, fmt.Errorf("%w (string at byte %d): %w", errSyntax, i, err)
			}
			return []byte(s), j + 1, nil
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, 0, syntaxAt(j)
		case c >= 0x80:
			plain = false
		}
	}
	return nil, 0, syntaxAt(j)
}

// skipNested passes over the object or array at b[i] and returns the index
// after it. Its content is checked only as far as strings and brackets go;
// the fields read never come from inside it.
func skipNested(b []byte, i int) (int, error) {
	var stack []byte
	for j := i; j < len(b); j++ {
		switch c := b[j]; c {
		case '{', '[':
			stack = append(stack, c)
		case '}', ']':
			if len(stack) == 0 || (c == '}') != (stack[len(stack)-1] == '{') {
				return 0, syntaxAt(j)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return j + 1, nil
			}
		case '"':
			_, next, err := readString(b, j)
			if err != nil {
				return 0, err
			}
			j = next - 1
		}
	}
	return 0, syntaxAt(len(b))
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// validNumber checks JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func validNumber(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
