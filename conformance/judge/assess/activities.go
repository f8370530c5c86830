// Package assess holds the certification activities besides the automated
// scenarios and what people recorded about them: activities.yaml in the suite
// directory lists the document-review items grouped by certification appendix
// ("certifieringsbilaga") and the supplier's declaration ("Beställarens
// deklaration"); assessment.json in a run's output directory records review
// verdicts with notes and attached files, the declaration, and decision
// overrides. Attached files are copied into the output directory so the
// evidence bundle carries them.
package assess

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/certfile"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// ActivitiesFile is the activities file in a suite directory.
const ActivitiesFile = "activities.yaml"

// Activities is activities.yaml.
type Activities struct {
	Appendices  []Appendix      `yaml:"appendices" json:"appendices"`
	Declaration DeclarationItem `yaml:"declaration" json:"declaration"`

	File string `yaml:"-" json:"-"`
}

// Appendix is one certification appendix: the requirements whose test
// results belong in its section of the report, and its review items.
type Appendix struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Requirements are requirement ids, or prefixes ending in '*'
	// ("RIV-*"), whose scenarios and checks are reported in this appendix.
	Requirements []string `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Items        []Item   `yaml:"items,omitempty" json:"items,omitempty"`
}

// Item is a document-review item: what the supplier must show and how a
// failure weighs.
type Item struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Requirement the item verifies (optional): its impact is the item's
	// default impact.
	Requirement string `yaml:"requirement,omitempty" json:"requirement,omitempty"`
	// Show says what must be shown (a test report, an architecture
	// description, screenshots of the user interface...).
	Show string `yaml:"show" json:"show"`
	// Impact 1-4; default the requirement's, else 3.
	Impact int `yaml:"impact,omitempty" json:"impact,omitempty"`
	// Likelihood 1-4 that the reviewed shortcoming shows in production;
	// default 2.
	Likelihood int `yaml:"likelihood,omitempty" json:"likelihood,omitempty"`
}

// DeclarationItem is the supplier's declaration that ends every case.
type DeclarationItem struct {
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Text is what the supplier declares.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
}

// Default values.
const (
	DefaultItemImpact     = 3
	DefaultItemLikelihood = 2
	DefaultDeclaration    = "Beställarens deklaration"
)

// LoadActivities reads activities.yaml strictly and checks it against the
// suite (nil: only the file's own rules). Errors name file, line and field.
func LoadActivities(path string, suite *scenario.Suite) (*Activities, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read activities: %w", err)
	}
	return ParseActivities(path, data, suite)
}

// ParseActivities is LoadActivities on bytes.
func ParseActivities(name string, data []byte, suite *scenario.Suite) (*Activities, error) {
	var a Activities
	f, err := certfile.Decode(name, data, &a)
	if err != nil {
		return nil, err
	}
	a.File = name
	a.check(f, suite)
	if err := f.Err(); err != nil {
		return nil, err
	}
	a.fill(suite)
	return &a, nil
}

// SuiteActivities loads the suite's activities.yaml; (nil, nil) when the
// suite has none.
func SuiteActivities(suite *scenario.Suite) (*Activities, error) {
	name := filepath.ToSlash(filepath.Join(suite.Dir, ActivitiesFile))
	data, err := fs.ReadFile(suite.FS, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read activities: %w", err)
	}
	display := name
	if suite.OSDir != "" {
		display = filepath.Join(suite.OSDir, ActivitiesFile)
	}
	return ParseActivities(display, data, suite)
}

func (a *Activities) check(f *certfile.File, suite *scenario.Suite) {
	known := func(id string) bool {
		if suite == nil {
			return true
		}
		_, ok := suite.Requirement(id)
		return ok
	}
	appendices, items := map[string]bool{}, map[string]bool{}
	for i, ap := range a.Appendices {
		field := fmt.Sprintf("$.appendices[%d]", i)
		switch {
		case ap.ID == "":
			f.Errorf(field+".id", "id is required")
		case appendices[ap.ID]:
			f.Errorf(field+".id", "appendix %q listed twice", ap.ID)
		}
		appendices[ap.ID] = true
		if ap.Title == "" {
			f.Errorf(field+".title", "title is required")
		}
		for j, r := range ap.Requirements {
			if !strings.HasSuffix(r, "*") && !known(r) {
				f.Errorf(fmt.Sprintf("%s.requirements[%d]", field, j), "requirement %q is not in suite %s", r, suite.ID)
			}
		}
		for j, it := range ap.Items {
			ifield := fmt.Sprintf("%s.items[%d]", field, j)
			switch {
			case it.ID == "":
				f.Errorf(ifield+".id", "id is required")
			case items[it.ID]:
				f.Errorf(ifield+".id", "item %q listed twice (item ids are unique across appendices)", it.ID)
			}
			items[it.ID] = true
			if it.Title == "" {
				f.Errorf(ifield+".title", "title is required")
			}
			if it.Show == "" {
				f.Errorf(ifield+".show", "say what must be shown")
			}
			if it.Requirement != "" && !known(it.Requirement) {
				f.Errorf(ifield+".requirement", "requirement %q is not in suite %s", it.Requirement, suite.ID)
			}
			if it.Impact != 0 && (it.Impact < 1 || it.Impact > 4) {
				f.Errorf(ifield+".impact", "impact must be 1-4, got %d", it.Impact)
			}
			if it.Likelihood != 0 && (it.Likelihood < 1 || it.Likelihood > 4) {
				f.Errorf(ifield+".likelihood", "likelihood must be 1-4, got %d", it.Likelihood)
			}
		}
	}
}

// fill applies the defaults.
func (a *Activities) fill(suite *scenario.Suite) {
	if a.Declaration.Title == "" {
		a.Declaration.Title = DefaultDeclaration
	}
	for i := range a.Appendices {
		for j := range a.Appendices[i].Items {
			it := &a.Appendices[i].Items[j]
			if it.Impact == 0 {
				it.Impact = DefaultItemImpact
				if suite != nil && it.Requirement != "" {
					if r, ok := suite.Requirement(it.Requirement); ok && r.Impact > 0 {
						it.Impact = r.Impact
					}
				}
			}
			if it.Likelihood == 0 {
				it.Likelihood = DefaultItemLikelihood
			}
		}
	}
}

// Item finds a review item and its appendix.
func (a *Activities) Item(id string) (Item, Appendix, bool) {
	if a == nil {
		return Item{}, Appendix{}, false
	}
	for _, ap := range a.Appendices {
		for _, it := range ap.Items {
			if it.ID == id {
				return it, ap, true
			}
		}
	}
	return Item{}, Appendix{}, false
}

// ItemIDs lists every item id in file order.
func (a *Activities) ItemIDs() []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, ap := range a.Appendices {
		for _, it := range ap.Items {
			out = append(out, it.ID)
		}
	}
	return out
}

// Covers reports whether the appendix holds requirement id (exactly or by
// a "PREFIX*" pattern).
func (ap Appendix) Covers(id string) bool {
	for _, r := range ap.Requirements {
		if r == id || strings.HasSuffix(r, "*") && strings.HasPrefix(id, strings.TrimSuffix(r, "*")) {
			return true
		}
	}
	return false
}
