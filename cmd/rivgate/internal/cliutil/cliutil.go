// Package cliutil holds what the rivgate command groups share: the
// exit-code contract, small helpers for returning it from cobra commands,
// and the TLS file flags of the commands that serve or call peers.
//
// Exit codes (DESIGN.md): 0 success; 1 the run worked and found failures
// (conformance verdict not approved, lint errors, invalid documents, a VP
// fault from a lookup); 2 bad usage or bad input.
package cliutil

import (
	"errors"
	"fmt"
)

// Exit codes shared by all subcommands.
const (
	ExitOK       = 0
	ExitFailures = 1
	ExitBadInput = 2
)

// ExitError carries an exit code out of a cobra RunE. Err may be nil when the
// command has already printed what it found and only the code matters.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit code %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Failures returns the error for "the command ran and found failures" (exit
// 1). The command is expected to have printed the findings already; msg may be
// empty.
func Failures(format string, args ...any) error {
	if format == "" {
		return &ExitError{Code: ExitFailures}
	}
	return &ExitError{Code: ExitFailures, Err: fmt.Errorf(format, args...)}
}

// BadInput returns the error for bad usage or bad input (exit 2), wrapping the
// cause so the message names the file, line and field.
func BadInput(format string, args ...any) error {
	return &ExitError{Code: ExitBadInput, Err: fmt.Errorf(format, args...)}
}

// Silent is an exit code with nothing more to print.
func Silent(code int) error { return &ExitError{Code: code} }

// Code maps an error returned by a command to the process exit code. Errors
// that carry no code are treated as bad input: the command could not do its
// job with what it was given.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitBadInput
}

// Message returns the text to print for err, or "" when there is nothing to
// say beyond the exit code.
func Message(err error) string {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return ""
	}
	return err.Error()
}

// StrictXSDFlag is the help of --strict-xsd, the same on every command that
// validates against a contract's XSD.
const StrictXSDFlag = "read XSD pattern facets literally, as XML Schema defines them (as the suite key strict_xsd: true does): a pattern written ^...$ then requires the characters ^ and $ (default: read as anchors, with a warning per contract)"
