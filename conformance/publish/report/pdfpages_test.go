package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
)

// TestPDFPages looks at the PDF as pictures (pdftoppm): the summary of a
// passing run and of a failing one fits in 5 A4 pages, the checks follow
// in appendices, and no page but the last of each part is more than half
// blank (a heading is never left alone at a page's foot either: that
// would leave its page's rest empty).
func TestPDFPages(t *testing.T) {
	t.Parallel()
	bin := need(t, "pdftoppm", "poppler-utils")
	passing := certifiedRun(t)
	failing := reporttest.RealRun(t)
	for _, tc := range []struct{ name, dir string }{{"certified", passing}, {"failing", failing}} {
		for _, lang := range []string{LangSV, LangEN} {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				in, err := Load(tc.dir, "", now)
				if err != nil {
					t.Fatal(err)
				}
				r, err := Build(in)
				if err != nil {
					t.Fatal(err)
				}
				pdf, parts, err := renderPDF(r, lang)
				if err != nil {
					t.Fatal(err)
				}
				pages := pageFill(t, bin, pdf)
				t.Logf("parts start %v; page fill %.2f", parts, pages)
				if len(parts) < 2 || parts[1]-1 > 5 {
					t.Errorf("summary pages %v of %d, want at most 5 then the checks", parts, len(pages))
				}
				for i, fill := range pages {
					page := i + 1
					lastOfPart := page == len(pages) || slices.Contains(parts, page+1)
					if fill < 0.5 && !lastOfPart {
						t.Errorf("page %d (parts start %v) is %.0f%% filled", page, parts, fill*100)
					}
				}
			})
		}
	}
}

// pageFill renders pdf in grey and says, per page, how far down its body
// (above the footer) the lowest ink reaches, 0..1.
func pageFill(t *testing.T, bin string, pdf []byte) []float64 {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(src, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-gray", "-r", "20", src, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "p-*.pgm"))
	slices.Sort(files)
	var fill []float64
	for _, f := range files {
		w, h, px := readPGM(t, f)
		body := h * 90 / 100 // the footer is below
		last := 0
		for y := range body {
			for x := range w {
				if px[y*w+x] < 200 {
					last = y
					break
				}
			}
		}
		fill = append(fill, float64(last)/float64(body))
	}
	if len(fill) == 0 {
		t.Fatal("pdftoppm wrote no page")
	}
	return fill
}

// readPGM reads a binary (P5) 8-bit grey map.
func readPGM(t *testing.T, path string) (w, h int, px []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(bytes.NewReader(b))
	var magic string
	var maxv int
	if _, err := fmt.Fscan(rd, &magic, &w, &h, &maxv); err != nil || magic != "P5" || maxv != 255 {
		t.Fatalf("%s: not an 8-bit P5 map (%v)", path, err)
	}
	if _, err := rd.ReadByte(); err != nil { // the one whitespace after the header
		t.Fatal(err)
	}
	px = make([]byte, w*h)
	if _, err := io.ReadFull(rd, px); err != nil {
		t.Fatal(err)
	}
	return w, h, px
}
