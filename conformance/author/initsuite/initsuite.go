// Package initsuite writes a consumer conformance suite from a RIV-TA
// service contract alone (`rivgate conform init`): for every chosen
// operation a happy path answered with a rich sample response, the least
// answer the schema allows, a producer SOAP fault, the platform faults a
// consumer must handle (VP004, VP007, VP009 and VP009 after a producer
// timeout), a producer that is slow or never answers, and broken
// connections, each fault followed by a manual step where a person judges
// what the user saw. Requirements, likelihoods, impacts and tags are filled
// with defaults, and comments in the written YAML say what to change.
//
// The suite is written to a new directory, then loaded back with the suite
// loader, so what Write returns has been proven to load.
package initsuite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// Options say what to write and where.
type Options struct {
	// Contracts is the contract directory (WSDL and XSD files), as
	// published: a ServiceContracts folder or its schemas folder.
	Contracts string
	// Operations names the operations to cover: NAME, or NAME:VERSION
	// (VERSION major or major.minor) where the directory holds several
	// versions of NAME. At least one.
	Operations []string
	// Receiver is the logical address (HSA-id) the consumer calls.
	Receiver string
	// Consumer is the HSA-id in the consumer's client certificate.
	Consumer string
	// Trigger is the command (argv) that makes the consumer send one
	// request; when given, every step that awaits a request runs it.
	Trigger []string
	// Out is the suite directory to write: new, or empty.
	Out string
}

// Result is what Write wrote.
type Result struct {
	// Dir is the suite directory.
	Dir string
	// Suite is the written suite as loaded back.
	Suite *scenario.Suite
	// Operations are the operations covered, in the order given.
	Operations []contracts.Operation
	// Files are the files written, relative to Dir, sorted.
	Files []string
	// Warnings are things the user should know: WSDLs of the directory
	// that did not load, answers that do not validate against the
	// contract (and why).
	Warnings []string
}

// AmbiguousError is an operation name the contract directory holds in
// several versions: Choices are the NAME:VERSION forms to choose from.
type AmbiguousError struct {
	Name    string
	Choices []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("operation %s is in the contracts in more than one version; choose one as NAME:VERSION:\n  %s",
		e.Name, strings.Join(e.Choices, "\n  "))
}

// NotServiceContractError is a directory (or an operation in it) that is
// not a RIV-TA service contract: no RIV-TA receiver header, or a namespace
// that is not urn:riv:...Responder:N.
type NotServiceContractError struct {
	Dir string
	// Operations are examples of what the directory holds (a few, then
	// how many more).
	Operations []string
}

func (e *NotServiceContractError) Error() string {
	return fmt.Sprintf("%s is not a RIV-TA service contract: none of its operations (%s) has a RIV-TA receiver header "+
		"(LogicalAddress for RIVTABP21, wsa:To for RIVTABP20) and a urn:riv:<domain>:<Interaction>Responder:<major> namespace, "+
		"so no consumer calls it through the platform; give a service contract's folder (the schemas folder of a ServiceContracts release)",
		e.Dir, strings.Join(e.Operations, ", "))
}

// Write writes the suite Options describe and returns what it wrote.
func Write(opt Options) (*Result, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	set, loadErr := contracts.LoadDir(opt.Contracts)
	if set == nil {
		return nil, fmt.Errorf("contracts: %w", loadErr)
	}
	var warnings []string
	if loadErr != nil {
		warnings = append(warnings, fmt.Sprintf("some WSDLs in %s did not load (the suite uses the others): %v", opt.Contracts, loadErr))
	}
	ops, err := pick(set, opt.Contracts, opt.Operations)
	if err != nil {
		return nil, err
	}
	if err := newDir(opt.Out); err != nil {
		return nil, err
	}
	w, err := newWriter(opt, set, ops)
	if err != nil {
		return nil, err
	}
	if err := w.write(); err != nil {
		// The directory was new or empty: leave it so, not half written.
		return nil, errors.Join(err, emptyDir(opt.Out))
	}
	suite, err := scenario.LoadDir(opt.Out)
	if err != nil {
		return nil, fmt.Errorf("the written suite does not load (a rivgate bug, please report it): %w", err)
	}
	return &Result{Dir: opt.Out, Suite: suite, Operations: ops, Files: w.files(), Warnings: append(warnings, w.warnings...)}, nil
}

func (opt Options) check() error {
	var problems []string
	if opt.Contracts == "" {
		problems = append(problems, "the contract directory is required")
	}
	if len(opt.Operations) == 0 {
		problems = append(problems, "at least one operation is required")
	}
	for what, id := range map[string]string{"receiver": opt.Receiver, "consumer": opt.Consumer} {
		if err := rivta.CheckHSAID(id); err != nil {
			problems = append(problems, fmt.Sprintf("%s HSA-id: %v", what, err))
		}
	}
	if len(opt.Trigger) > 0 && opt.Trigger[0] == "" {
		problems = append(problems, "the trigger command has no program")
	}
	if opt.Out == "" {
		problems = append(problems, "the suite directory is required")
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// newDir makes dir, which must not exist or be empty: init never
// overwrites a suite.
func newDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("suite directory: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("suite directory %s is not empty: init writes a new suite and overwrites nothing; give a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("suite directory: %w", err)
	}
	return nil
}

// emptyDir removes what is in dir.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("clean up %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("clean up %s: %w", dir, err)
		}
	}
	return nil
}

// isServiceOperation reports whether op is an operation of a RIV-TA
// service contract, one a consumer calls through the platform.
func isServiceOperation(op contracts.Operation) bool {
	if op.Profile == "" {
		return false
	}
	_, err := rivta.ParseContract(op.Namespace)
	return err == nil
}

// version is how an operation's version is written: major.minor.
func version(op contracts.Operation) string { return fmt.Sprintf("%d.%d", op.Major, op.Minor) }

// pick resolves the operation arguments. Operations of one namespace in
// several WSDLs (two profiles of one release) count once, as the one the
// harness judges against (contracts.Set.ByNamespace's choice).
func pick(set *contracts.Set, dir string, args []string) ([]contracts.Operation, error) {
	var service, other []contracts.Operation
	for _, ns := range set.Namespaces() {
		seen := map[string]bool{}
		for _, op := range set.OperationsFor(ns) {
			if seen[op.Name] {
				continue
			}
			seen[op.Name] = true
			if isServiceOperation(op) {
				service = append(service, op)
			} else {
				other = append(other, op)
			}
		}
	}
	if len(service) == 0 {
		var names []string
		for _, op := range other {
			names = append(names, op.Name+" ("+op.Namespace+")")
		}
		slices.Sort(names)
		names = slices.Compact(names)
		if len(names) > 3 {
			names = append(names[:3], fmt.Sprintf("and %d more", len(names)-3))
		}
		return nil, &NotServiceContractError{Dir: dir, Operations: names}
	}
	var out []contracts.Operation
	for _, arg := range args {
		op, err := pickOne(service, other, arg)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o contracts.Operation) bool { return o.Namespace == op.Namespace && o.Name == op.Name }) {
			return nil, fmt.Errorf("operation %s %s is given twice", op.Name, version(op))
		}
		out = append(out, op)
	}
	return out, nil
}

func pickOne(service, other []contracts.Operation, arg string) (contracts.Operation, error) {
	name, ver, versioned := strings.Cut(strings.TrimSpace(arg), ":")
	byName := func(ops []contracts.Operation) []contracts.Operation {
		var out []contracts.Operation
		for _, op := range ops {
			if strings.EqualFold(op.Name, name) {
				out = append(out, op)
			}
		}
		return out
	}
	cands := byName(service)
	if len(cands) == 0 {
		if o := byName(other); len(o) > 0 {
			return contracts.Operation{}, fmt.Errorf("operation %s (%s) is not a RIV-TA service operation: it has no RIV-TA receiver header or its namespace is not urn:riv:...Responder:N", o[0].Name, o[0].Namespace)
		}
		return contracts.Operation{}, fmt.Errorf("no operation %q in the contracts; they hold:\n  %s", name, strings.Join(choices(service), "\n  "))
	}
	if versioned {
		all := cands
		cands = slices.DeleteFunc(slices.Clone(cands), func(op contracts.Operation) bool {
			return ver != version(op) && ver != strconv.Itoa(op.Major)
		})
		if len(cands) == 0 {
			return contracts.Operation{}, fmt.Errorf("no version %q of operation %s; there are:\n  %s", ver, all[0].Name, strings.Join(choices(all), "\n  "))
		}
	}
	if len(cands) > 1 {
		return contracts.Operation{}, &AmbiguousError{Name: cands[0].Name, Choices: choices(cands)}
	}
	return cands[0], nil
}

// choices lists operations as NAME:VERSION with their namespace.
func choices(ops []contracts.Operation) []string {
	var out []string
	for _, op := range ops {
		out = append(out, fmt.Sprintf("%s:%s  (%s, %s)", op.Name, version(op), op.Namespace, op.Profile))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// relPath is target relative to the suite directory, with / separators, as
// suite files name paths.
func relPath(suiteDir, target string) (string, error) {
	from, err := filepath.Abs(suiteDir)
	if err != nil {
		return "", err
	}
	to, err := filepath.Abs(target)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(from, to)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}
