package report

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/rivgate/rivgate/internal/atomicfile"
)

// Render reads dir/report.json and writes report.html, junit.xml and
// report.pdf next to it, in lang (sv or en). The renderings see nothing
// but report.json.
func Render(dir, lang string) error {
	if lang != LangSV && lang != LangEN {
		return fmt.Errorf("language %q: want sv or en", lang)
	}
	r, err := Read(dir)
	if err != nil {
		return err
	}
	html, err := HTML(r, lang)
	if err != nil {
		return err
	}
	junit, err := JUnit(r)
	if err != nil {
		return err
	}
	pdf, err := PDF(r, lang)
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{HTMLFile: html, JUnitFile: junit, PDFFile: pdf} {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// Generate builds the report from in, writes in.Dir/report.json and renders
// it. It returns the report.
func Generate(in Inputs, lang string) (*Report, error) {
	r, err := Build(in)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("report dir: %w", err)
	}
	if err := Write(in.Dir, r); err != nil {
		return nil, err
	}
	if err := Render(in.Dir, lang); err != nil {
		return nil, err
	}
	return r, nil
}
