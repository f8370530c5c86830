package conformcmd

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
)

// bundledReport reads report.json from the evidence bundle at p (nil, nil
// when the bundle holds none).
func bundledReport(p string) (*report.Report, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != report.JSONFile {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		if err != nil {
			return nil, err
		}
		return report.Decode(p+"!"+report.JSONFile, b)
	}
	return nil, nil
}

// staleBundleNote says that OUT/evidence.zip still carries an earlier
// report than r, the one just written ("" when there is no bundle, or it
// holds this very decision and generation time).
func staleBundleNote(out string, r *report.Report, lang string) string {
	p := filepath.Join(out, evidence.BundleFile)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	old, err := bundledReport(p)
	if err != nil || old == nil {
		return fmt.Sprintf("%s could not be read to compare (%v): bundle again with 'rivgate conform bundle --out %s --key KEY'", p, err, out)
	}
	if old.Generated.Equal(r.Generated) {
		return ""
	}
	return fmt.Sprintf("%s is now older than this report: it holds the report of %s (decision %s), this one says %s; run 'rivgate conform bundle --out %s --key KEY' to bundle it",
		p, old.Generated.UTC().Format(time.RFC3339), old.Decision.Outcome.Label(lang), r.Decision.Outcome.Label(lang), out)
}
