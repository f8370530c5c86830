package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
)

// Load gathers a report's inputs from a run's output directory dir:
// results.json, assessment.json and risk.yaml (when present) from dir; the
// suite from suiteDir (default: the directory results.json names, when it
// still exists) with its activities.yaml and decision.yaml.
func Load(dir, suiteDir string, now time.Time) (Inputs, error) {
	run, err := result.Read(dir)
	if err != nil {
		return Inputs{}, err
	}
	explicit := suiteDir != ""
	if !explicit {
		suiteDir = run.Suite.Dir
	}
	var suite *scenario.Suite
	var suiteErr error
	if suiteDir != "" {
		s, err := scenario.LoadDir(suiteDir)
		switch {
		case err != nil && explicit:
			return Inputs{}, err
		case err != nil:
			suiteErr = fmt.Errorf("suite %s could not be loaded (%w)", suiteDir, err)
		default:
			suite = s
		}
	}
	return load(dir, run, suite, suiteErr, now)
}

// LoadWithSuite is Load with the suite given, already loaded (an evidence
// bundle loads its own copy).
func LoadWithSuite(dir string, suite *scenario.Suite, now time.Time) (Inputs, error) {
	run, err := result.Read(dir)
	if err != nil {
		return Inputs{}, err
	}
	return load(dir, run, suite, nil, now)
}

// load gathers the inputs besides results.json and the suite.
func load(dir string, run *result.Run, suite *scenario.Suite, suiteErr error, now time.Time) (Inputs, error) {
	in := Inputs{Dir: dir, Run: run, Now: now, Rules: decision.DefaultRules(), Suite: suite, SuiteErr: suiteErr}
	var err error
	if in.Suite != nil {
		if in.Activities, err = assess.SuiteActivities(in.Suite); err != nil {
			return Inputs{}, err
		}
		if in.Rules, err = decision.SuiteRules(in.Suite); err != nil {
			return Inputs{}, err
		}
	}
	if in.Record, err = assess.ReadRecord(dir); err != nil {
		return Inputs{}, err
	}
	rp := filepath.Join(dir, risk.ProfileFile)
	if raw, err := os.ReadFile(rp); err == nil {
		if in.Profile, err = risk.ParseProfile(rp, raw, in.Suite); err != nil {
			return Inputs{}, err
		}
		in.ProfileRaw = raw
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Inputs{}, fmt.Errorf("risk profile: %w", err)
	}
	if in.Suite != nil {
		var set *contracts.Set
		if osDir, ok := in.Suite.ContractsOSDir(); ok {
			set, _ = contracts.LoadDir(osDir) // a partial set still resolves what it has
		}
		in.Plan = risk.NewPlan(in.Suite, in.Profile, set)
	}
	return in, nil
}

// Deviations are the deviations of the run in dir as its report gives them
// now (the rules', then the certifier's edits and additions): what
// assess.EditDeviation checks an edit against.
func Deviations(dir string, now time.Time) ([]decision.Deviation, error) {
	in, err := Load(dir, "", now)
	if err != nil {
		return nil, err
	}
	r, err := Build(in)
	if err != nil {
		return nil, err
	}
	return r.Decision.Deviations, nil
}
