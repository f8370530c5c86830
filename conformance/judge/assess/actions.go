package assess

import (
	"errors"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// The functions in this file are a person's actions on a run directory,
// read-change-write in one call, so that every front end (the CLI's judge,
// declare and decide, the workbench's forms) leaves the same files.

// WriteError is a failure to write the run's files: not the input's fault.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// ErrNoNote is a verdict without a note: a pass must say what was seen, a
// fail is not recorded without its justification.
var ErrNoNote = errors.New("a note is required: say what you saw (a fail needs its justification)")

// JudgeStep records j on a manual step of the run in dir, copies files in
// as the verdict's attachments (only once the verdict is valid, so a
// refused one leaves nothing) and rewrites results.json. It returns the
// run and the judged step.
func JudgeStep(dir string, j result.Judgement, files []string) (*result.Run, *result.Step, error) {
	if strings.TrimSpace(j.Note) == "" {
		return nil, nil, ErrNoNote
	}
	run, err := result.Read(dir)
	if err != nil {
		return nil, nil, err
	}
	st, err := run.Judge(j)
	if err != nil {
		return nil, nil, err
	}
	att, err := Attach(dir, "manual-"+j.Scenario+"-"+st.ID, files)
	if err != nil {
		return nil, nil, err
	}
	st.Manual.Attachments = append(st.Manual.Attachments, att...)
	if err := result.Write(dir, run); err != nil {
		return nil, nil, &WriteError{err}
	}
	return run, st, nil
}

// ReviewItem records a verdict on a document-review item of suite's
// activities in dir/assessment.json, with files attached.
func ReviewItem(dir string, suite *scenario.Suite, o ReviewOptions) (*Review, error) {
	acts, err := SuiteActivities(suite)
	if err != nil {
		return nil, err
	}
	rec, err := ReadRecord(dir)
	if err != nil {
		return nil, err
	}
	rv, err := rec.AddReview(dir, acts, o)
	if err != nil {
		return nil, err
	}
	if err := WriteRecord(dir, rec); err != nil {
		return nil, &WriteError{err}
	}
	return rv, nil
}

// DeclareIn records the supplier's declaration in dir/assessment.json.
func DeclareIn(dir string, o DeclarationOptions) error {
	rec, err := ReadRecord(dir)
	if err != nil {
		return err
	}
	if err := rec.Declare(dir, o); err != nil {
		return err
	}
	if err := WriteRecord(dir, rec); err != nil {
		return &WriteError{err}
	}
	return nil
}

// Decide records a certifier's decision on the run in dir (which must hold
// results.json) in dir/assessment.json.
func Decide(dir string, o decision.Outcome, reason, by string, at time.Time) error {
	return updateRecord(dir, func(rec *Record) error { return rec.AddOverride(o, reason, by, at) })
}

// EditDeviation records a certifier's edit of a deviation (or one added)
// on the run in dir in dir/assessment.json; current are the run's
// deviations as the report gives them now (report.Deviations).
func EditDeviation(dir string, current []decision.Deviation, e decision.DeviationEdit) error {
	return updateRecord(dir, func(rec *Record) error { return rec.EditDeviation(current, e) })
}

// updateRecord applies change to the record of the run in dir (which must
// hold results.json) and writes it back, unless change refuses.
func updateRecord(dir string, change func(*Record) error) error {
	if _, err := result.Read(dir); err != nil {
		return err
	}
	rec, err := ReadRecord(dir)
	if err != nil {
		return err
	}
	if err := change(rec); err != nil {
		return err
	}
	if err := WriteRecord(dir, rec); err != nil {
		return &WriteError{err}
	}
	return nil
}
