package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/atomicfile"
)

// RecordFile is the record in a run's output directory.
const RecordFile = "assessment.json"

// RecordFormat identifies the record's format and version.
const RecordFormat = "rivgate-assessment/1"

// AttachmentsDir is where attached files are copied, per item.
const AttachmentsDir = "attachments"

// Record is assessment.json: every verdict, the declaration and every
// override, in the order they were recorded (earlier ones are kept; the
// latest per item counts).
type Record struct {
	Format      string              `json:"format"`
	Reviews     []Review            `json:"reviews"`
	Declaration *Declaration        `json:"declaration,omitempty"`
	Overrides   []decision.Override `json:"overrides,omitempty"`
	// Deviations are the certifier's edits of deviations and the ones
	// added, in the order recorded (decision.Decision.ApplyEdits).
	Deviations []decision.DeviationEdit `json:"deviations,omitempty"`
}

// Review is a reviewer's verdict on a document-review item.
type Review struct {
	Item        string              `json:"item"`
	Verdict     string              `json:"verdict"` // pass or fail
	Note        string              `json:"note"`
	By          string              `json:"by"`
	At          time.Time           `json:"at"`
	Attachments []result.Attachment `json:"attachments,omitempty"`
}

// Declaration is the supplier's declaration.
type Declaration struct {
	By          string              `json:"by"`
	Org         string              `json:"org"`
	Statement   string              `json:"statement"`
	At          time.Time           `json:"at"`
	Attachments []result.Attachment `json:"attachments,omitempty"`
}

// ReadRecord reads dir/assessment.json; an empty record when there is none.
func ReadRecord(dir string) (*Record, error) {
	p := filepath.Join(dir, RecordFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &Record{Format: RecordFormat}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read assessment: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if r.Format != RecordFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", p, r.Format, RecordFormat)
	}
	return &r, nil
}

// WriteRecord writes dir/assessment.json atomically.
func WriteRecord(dir string, r *Record) error {
	r.Format = RecordFormat
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode assessment: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, RecordFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write assessment: %w", err)
	}
	return nil
}

// LatestReview is the item's latest verdict (nil when none).
func (r *Record) LatestReview(item string) *Review {
	for i := len(r.Reviews) - 1; i >= 0; i-- {
		if r.Reviews[i].Item == item {
			return &r.Reviews[i]
		}
	}
	return nil
}

// LatestOverride is the override in force (nil when none).
func (r *Record) LatestOverride() *decision.Override {
	if len(r.Overrides) == 0 {
		return nil
	}
	return &r.Overrides[len(r.Overrides)-1]
}

// ReviewOptions is a person's verdict on a document-review item, for
// AddReview.
type ReviewOptions struct {
	Item    string // an item of the suite's activities
	Verdict string // pass or fail
	Note    string // what was reviewed and what was found (required)
	By      string // who reviewed
	Files   []string
	At      time.Time
}

// AddReview validates and records a verdict, copying its files into dir.
func (r *Record) AddReview(dir string, acts *Activities, o ReviewOptions) (*Review, error) {
	item, verdict, note := o.Item, o.Verdict, o.Note
	if _, _, ok := acts.Item(item); !ok {
		if acts == nil {
			return nil, fmt.Errorf("item %q: the suite has no %s", item, ActivitiesFile)
		}
		return nil, fmt.Errorf("item %q is not in %s (items: %v)", item, acts.File, acts.ItemIDs())
	}
	if verdict != "pass" && verdict != "fail" {
		return nil, fmt.Errorf("verdict %q: want pass or fail", verdict)
	}
	if note == "" {
		return nil, errors.New("a note is required: say what was reviewed and what was found")
	}
	att, err := attach(dir, item, o.Files)
	if err != nil {
		return nil, err
	}
	r.Reviews = append(r.Reviews, Review{Item: item, Verdict: verdict, Note: note, By: o.By, At: o.At.UTC(), Attachments: att})
	return &r.Reviews[len(r.Reviews)-1], nil
}

// MissingError is a required field of a declaration or override left
// empty.
type MissingError struct {
	Field string // by, org, statement or reason
	Why   string // what the field says
}

func (e *MissingError) Error() string { return e.Field + " is required: " + e.Why }

// ErrNoDeclaration is why an approval is refused before the supplier's
// declaration is recorded.
var ErrNoDeclaration = errors.New("the supplier's declaration (" + DefaultDeclaration + ") must be recorded first")

// DeclarationOptions is the supplier's declaration, for Declare. By, Org
// and Statement are required.
type DeclarationOptions struct {
	By        string // who declares
	Org       string // for which organisation
	Statement string // what is declared
	Files     []string
	At        time.Time
}

// Missing lists the required fields of o left empty, in order, so a
// command line can name them all at once.
func (o DeclarationOptions) Missing() []*MissingError {
	var out []*MissingError
	for _, f := range []struct {
		v string
		m MissingError
	}{{o.By, MissingError{Field: "by", Why: "who declares"}}, {o.Org, MissingError{Field: "org", Why: "for which organisation"}},
		{o.Statement, MissingError{Field: "statement", Why: "what is declared"}}} {
		if f.v == "" {
			out = append(out, &f.m)
		}
	}
	return out
}

// MissingReason is the error of an override without a reason, nil when
// reason is given.
func MissingReason(reason string) *MissingError {
	if reason != "" {
		return nil
	}
	return &MissingError{Field: "reason", Why: "an override must say why"}
}

// Declare records the supplier's declaration (replacing an earlier one,
// whose attachments stay on disk), copying its files into dir.
func (r *Record) Declare(dir string, o DeclarationOptions) error {
	if m := o.Missing(); len(m) > 0 {
		return m[0]
	}
	att, err := attach(dir, "declaration", o.Files)
	if err != nil {
		return err
	}
	r.Declaration = &Declaration{By: o.By, Org: o.Org, Statement: o.Statement, At: o.At.UTC(), Attachments: att}
	return nil
}

// AddOverride records a certifier's decision. Only the three decisions are
// allowed, a reason is required, and approving needs the declaration.
func (r *Record) AddOverride(o decision.Outcome, reason, by string, at time.Time) error {
	if !slices.Contains(decision.Decisions(), o) {
		return fmt.Errorf("outcome %q: want one of %v", o, decision.Decisions())
	}
	if m := MissingReason(reason); m != nil {
		return m
	}
	if o.IsApproval() && r.Declaration == nil {
		return fmt.Errorf("cannot record %q: %w", o, ErrNoDeclaration)
	}
	r.Overrides = append(r.Overrides, decision.Override{Outcome: o, Reason: reason, By: by, At: at.UTC()})
	return nil
}

// EditDeviation records a certifier's edit of one of current (the run's
// deviations as the report gives them now) or a deviation added; see
// decision.DeviationEdit.Check for what is refused.
func (r *Record) EditDeviation(current []decision.Deviation, e decision.DeviationEdit) error {
	var found, added []string
	for _, d := range current {
		if d.Added {
			added = append(added, d.ID)
		} else {
			found = append(found, d.ID)
		}
	}
	e.At = e.At.UTC()
	if err := e.Check(found, added); err != nil {
		return err
	}
	r.Deviations = append(r.Deviations, e)
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Attach copies files into dir/attachments/<key>/ (key made safe for a
// file name), never overwriting, and describes each copy.
func Attach(dir, key string, files []string) ([]result.Attachment, error) {
	return attach(dir, key, files)
}

// attach copies files into dir/attachments/<item>/, never overwriting.
func attach(dir, item string, files []string) ([]result.Attachment, error) {
	var out []result.Attachment
	for _, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("attach: %w", err)
		}
		base := unsafeName.ReplaceAllString(filepath.Base(src), "_")
		sub := path.Join(AttachmentsDir, unsafeName.ReplaceAllString(item, "_"))
		rel := path.Join(sub, base)
		for n := 2; ; n++ {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); errors.Is(err, fs.ErrNotExist) {
				break
			}
			ext := path.Ext(base)
			rel = path.Join(sub, fmt.Sprintf("%s-%d%s", base[:len(base)-len(ext)], n, ext))
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("attach: %w", err)
		}
		if err := atomicfile.WriteFile(p, b, 0o644); err != nil {
			return nil, fmt.Errorf("attach %s: %w", src, err)
		}
		h := sha256.Sum256(b)
		out = append(out, result.Attachment{Name: filepath.Base(src), Path: rel, SHA256: hex.EncodeToString(h[:]), Size: int64(len(b))})
	}
	return out, nil
}

// CopyFile is a helper for commands that keep an input (risk.yaml) in the
// output directory.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	b, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, b, 0o644)
}
