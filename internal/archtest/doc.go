// Package archtest keeps rivgate's import directions (docs/architecture.md)
// true: its test parses the import lines of every Go file in the module,
// tests and build-tagged files included, and fails naming the file and line
// of any import that goes the wrong way. It has no code of its own.
//
// The directions: cmd wires gateway and conformance; gateway and
// conformance never import each other; both build on contracts, and
// everything on internal; tools are programs beside cmd. Nothing but cmd
// imports cmd, nothing but tools imports tools.
package archtest
