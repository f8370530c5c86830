package cliutil

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/internal/hostport"
)

// Need is a flag a command cannot run without.
type Need struct {
	// Flag is how the message names it: "--suite", "--contracts DIR",
	// "--scenario ID or --item ID".
	Flag string
	// Given: the flag has a value (the command decides what counts).
	Given bool
	// For says what it is for, after "required": "say what you saw"; ""
	// for nothing.
	For string
}

// RequireFlags names every Need not given in one bad-input error (exit 2),
// so a command run without its flags says at once all it wants, instead
// of one flag per attempt: "--out is required", "--note is required: say
// what you saw", "--suite, --out, --cert and --key are required (--cert
// and --key: e.g. from `rivgate pki issue --server`)". Nil when all are
// given.
func RequireFlags(needs ...Need) error {
	var missing []Need
	for _, n := range needs {
		if !n.Given {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, len(missing))
	for i, n := range missing {
		names[i] = n.Flag
	}
	verb := "are"
	if len(missing) == 1 {
		verb = "is"
	}
	msg := fmt.Sprintf("%s %s required", andList(names), verb)
	// What each is for, the flags that share it named together.
	var fors []string
	byFor := map[string][]string{}
	for _, n := range missing {
		if n.For == "" {
			continue
		}
		if _, ok := byFor[n.For]; !ok {
			fors = append(fors, n.For)
		}
		byFor[n.For] = append(byFor[n.For], n.Flag)
	}
	switch {
	case len(fors) == 1 && len(byFor[fors[0]]) == len(missing):
		msg += ": " + fors[0]
	case len(fors) > 0:
		parts := make([]string, len(fors))
		for i, f := range fors {
			parts[i] = andList(byFor[f]) + ": " + f
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	return BadInput("%s", msg)
}

// andList is "a", "a and b", "a, b and c".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// CheckListen refuses a --listen value that is not host:port with a port
// of 0-65535 before anything starts, naming the flag (the listener's own
// error comes later and names neither).
func CheckListen(flag, addr string) error {
	if err := hostport.CheckListen(addr); err != nil {
		return BadInput("%s %w", flag, err)
	}
	return nil
}
