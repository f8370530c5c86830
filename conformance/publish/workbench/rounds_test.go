package workbench_test

import (
	"html"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// TestCompareRounds: a second round that fixed one failure and broke one
// passing check shows each in its group, reachable from the runs list and
// from the later run's page.
func TestCompareRounds(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "round1", "round2")
	dir2 := filepath.Join(runs, "round2")
	run, err := result.Read(dir2)
	if err != nil {
		t.Fatal(err)
	}
	run.Started = run.Started.Add(24 * time.Hour)
	var fixed, broken string
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for k := range st.Checks {
				c := &st.Checks[k]
				key := sc.ID + "/" + st.ID + " " + c.ID
				switch {
				case fixed == "" && c.Status == result.Fail && strings.Count(keysOf(st), "|"+c.ID+"|") == 1:
					c.Status, fixed = result.Pass, key
				case broken == "" && c.Status == result.Pass && strings.Count(keysOf(st), "|"+c.ID+"|") == 1:
					c.Status, c.Message, broken = result.Fail, "broken in round 2", key
				}
			}
		}
	}
	if fixed == "" || broken == "" {
		t.Fatalf("fixture run lacks a failing or passing check to change (fixed %q, broken %q)", fixed, broken)
	}
	run.Recompute()
	if err := result.Write(dir2, run); err != nil {
		t.Fatal(err)
	}

	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	c.Login("Tove", "")
	if _, body := c.Get("/"); !strings.Contains(body, `href="/compare"`) {
		t.Errorf("runs list does not lead to the comparison")
	}
	_, body := c.Get("/compare")
	if !strings.Contains(body, `name="old"`) || !strings.Contains(body, `value="round1"`) || !strings.Contains(body, `value="round2"`) {
		t.Errorf("comparison page does not offer both runs:\n%s", body)
	}
	_, body = c.Get("/runs/round2/")
	if !strings.Contains(body, `id="compare-earlier"`) || !strings.Contains(body, `<option value="round1">`) {
		t.Errorf("the later run's page does not offer the earlier run")
	}
	if _, body := c.Get("/runs/round1/"); strings.Contains(body, `id="compare-earlier"`) {
		t.Errorf("the first run's page offers a comparison with a later run")
	}

	resp, body := c.Get("/compare?old=round1&new=round2")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("compare: %s\n%s", resp.Status, body)
	}
	body = html.UnescapeString(body)
	for _, tc := range []struct{ group, key string }{{"fixed", fixed}, {"new-failures", broken}} {
		sec := section(body, tc.group)
		if !strings.Contains(sec, "<td>"+tc.key+"</td>") {
			t.Errorf("%q is not under %s:\n%s", tc.key, tc.group, sec)
		}
	}
	if strings.Contains(section(body, "still-failing"), "<td>"+fixed+"</td>") {
		t.Errorf("%q is still failing", fixed)
	}
	if !strings.Contains(body, "broken in round 2") {
		t.Errorf("the new failure's message is missing")
	}
	if strings.Contains(body, runs) {
		t.Errorf("the page shows server paths")
	}
	for _, p := range []string{"/compare?old=round1&new=nope", "/compare?old=..&new=round2", "/compare?old=round1%2f..&new=round2"} {
		if resp, _ := c.Get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s, want 404", p, resp.Status)
		}
	}
}

// keysOf lists a step's check ids, so a test changes only checks whose id
// is unique on the step (rundiff keeps the worst of repeats).
func keysOf(st *result.Step) string {
	var ids []string
	for _, c := range st.Checks {
		ids = append(ids, "|"+c.ID+"|")
	}
	return strings.Join(ids, "")
}

// section is the HTML of the <section id=id> of page.
func section(page, id string) string {
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}
