package workbench_test

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
	"github.com/rivgate/rivgate/conformance/results/result"
)

func TestCheckListen(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		users bool
		ok    bool
	}{
		{"127.0.0.1:8088", false, true},
		{"[::1]:0", false, true},
		{"localhost:8088", false, true},
		{"127.0.0.2:8088", false, true},
		{"0.0.0.0:8088", false, false},
		{":8088", false, false},
		{"192.0.2.10:8088", false, false},
		{"wb.example:8088", false, false},
		{"0.0.0.0:8088", true, true},
		{"no-port", true, false},
	} {
		err := workbench.CheckListen(tc.addr, tc.users)
		if (err == nil) != tc.ok {
			t.Errorf("CheckListen(%q, users=%v) = %v, want ok=%v", tc.addr, tc.users, err, tc.ok)
		}
		if !tc.ok && tc.addr != "no-port" && !errors.Is(err, workbench.ErrNeedUsers) {
			t.Errorf("CheckListen(%q): %v does not say --users is needed", tc.addr, err)
		}
	}
}

// TestPagesAreSafe: every page carries the strict headers, loads nothing
// from elsewhere and has no script; reading needs no name only for the
// login page.
func TestPagesAreSafe(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "r1")
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	_, body := c.Get("/")
	if !strings.Contains(body, `action="/login"`) {
		t.Fatalf("a first visit is not asked for a name:\n%s", body)
	}
	c.Login("Tove Testare", "")
	run, _ := result.Read(filepath.Join(runs, "r1"))
	ex := run.Scenarios[0].Steps[0].Exchanges[0]
	for _, p := range []string{"/", "/runs/r1/", "/runs/r1/exchange?id=" + ex, "/verify", "/login", "/?q=consumer"} {
		resp, body := c.Get(p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s\n%s", p, resp.Status, body)
		}
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", p, h)
		}
		for _, bad := range []string{"<script", `src="http`, `href="http`, `href="//`, `src="//`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
	}
	_, body = c.Get("/runs/r1/")
	for _, want := range []string{"Decision: <span id=\"outcome\">incomplete</span>", "R03 / shows-error", "Awaiting a verdict", "A-1", "RIV-RECV-02"} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	_, body = c.Get("/runs/r1/exchange?id=" + ex)
	if !strings.Contains(body, "GetVisits") || !strings.Contains(body, "Content-Type") {
		t.Errorf("exchange page lacks the body or headers:\n%s", body)
	}
	for _, p := range []string{"/runs/%2e%2e/", "/runs/..%2fr1/", "/runs/nope/", "/runs/r1/exchange?id=results.json", "/runs/r1/exchange?id=../../etc/passwd"} {
		if resp, _ := c.Get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s, want 404", p, resp.Status)
		}
	}
}

// TestActionsNeedCSRF: a form without the page's token, or with another
// browser's, changes nothing.
func TestActionsNeedCSRF(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "r1")
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	c.Login("Tove", "")
	before, _ := os.ReadFile(filepath.Join(runs, "r1", result.FileName))
	other := workbenchtest.NewClient(t, c.Base)
	other.Login("Mallory", "")
	judge := map[string]string{"scenario": "R03", "verdict": "pass", "note": "seen"}
	for name, f := range map[string]func() *http.Response{
		"no token": func() *http.Response {
			resp, _ := c.Post("", "/runs/r1/judge", judge, nil)
			return resp
		},
		"another browser's token": func() *http.Response {
			j := map[string]string{"csrf": other.CSRF("/verify")}
			for k, v := range judge {
				j[k] = v
			}
			resp, _ := c.Post("", "/runs/r1/judge", j, nil)
			return resp
		},
	} {
		if resp := f(); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s, want 403", name, resp.Status)
		}
	}
	after, _ := os.ReadFile(filepath.Join(runs, "r1", result.FileName))
	if string(before) != string(after) {
		t.Fatal("a refused form changed results.json")
	}
	// Nobody named: refused even with a token.
	anon := workbenchtest.NewClient(t, c.Base)
	if resp, _ := anon.Post("/", "/runs/r1/judge", judge, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous: %s, want 403", resp.Status)
	}
}

// TestVerdictRules: a verdict without a note (a fail without its
// justification) is refused and leaves nothing; an upload over the limit
// is refused whole.
func TestVerdictRules(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "r1")
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs, MaxUpload: 64 << 10})
	c.Login("Tove", "")
	_, body := c.Post("/runs/r1/", "/runs/r1/judge", map[string]string{"scenario": "R03", "verdict": "fail", "note": "  "},
		map[string][]workbenchtest.File{"attach": {{Name: "shot.png", Content: "png"}}})
	if kind, msg := workbenchtest.Outcome(body); kind != "error" || !strings.Contains(msg, "justification") {
		t.Fatalf("fail without a note: %s %q", kind, msg)
	}
	resp, _ := c.Post("/runs/r1/", "/runs/r1/judge", map[string]string{"scenario": "R03", "verdict": "pass", "note": "big"},
		map[string][]workbenchtest.File{"attach": {{Name: "huge.bin", Content: strings.Repeat("x", 128<<10)}}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized upload: %s, want 413", resp.Status)
	}
	run, err := result.Read(filepath.Join(runs, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if m := run.Scenarios[2].Steps[1].Manual; m.Verdict != "" {
		t.Fatalf("a refused verdict was recorded: %+v", m)
	}
	if _, err := os.Stat(filepath.Join(runs, "r1", assess.AttachmentsDir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused verdict left attachments (%v)", err)
	}
}

// TestAttachmentsAreDownloads: an attachment (even an HTML one) comes as a
// download that no browser renders; nothing else of the run is served.
func TestAttachmentsAreDownloads(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "r1")
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	c.Login("Tove", "")
	_, body := c.Post("/runs/r1/", "/runs/r1/judge", map[string]string{"scenario": "R03", "verdict": "pass", "note": "error shown"},
		map[string][]workbenchtest.File{"attach": {{Name: "<evil>.html", Content: "<script>alert(1)</script>"}}})
	if kind, msg := workbenchtest.Outcome(body); kind != "flash" || !strings.Contains(msg, "1 attachment(s)") {
		t.Fatalf("judge: %s %q", kind, msg)
	}
	resp, got := c.Get("/runs/r1/file?path=attachments/manual-R03-shows-error/_evil_.html")
	if resp.StatusCode != http.StatusOK || got != "<script>alert(1)</script>" {
		t.Fatalf("attachment: %s %q", resp.Status, got)
	}
	h := resp.Header
	if h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("attachment headers: %v", h)
	}
	for _, p := range []string{"results.json", "../r1/results.json", "attachments/../results.json", "exchanges/"} {
		if resp, _ := c.Get("/runs/r1/file?path=" + p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("file %s: %s, want 404", p, resp.Status)
		}
	}
}

// TestUsersLogin: with a users file only a right password gets in, and
// the verdict records the user's name.
func TestUsersLogin(t *testing.T) {
	t.Parallel()
	line, err := workbench.HashSecret("certifierare", "s3cret-token")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(file, []byte("# the team\n"+line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := workbench.LoadUsers(file)
	if err != nil {
		t.Fatal(err)
	}
	runs := workbenchtest.RunsDir(t, "r1")
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs, Users: users})
	if body := c.Login("certifierare", "wrong"); !strings.Contains(body, "wrong password") {
		t.Fatalf("a wrong password got in:\n%s", body)
	}
	if body := c.Login("nobody", "s3cret-token"); !strings.Contains(body, "wrong password") {
		t.Fatalf("an unknown user got in:\n%s", body)
	}
	if resp, _ := c.Post("/login", "/runs/r1/judge", map[string]string{"scenario": "R03", "verdict": "pass", "note": "x"}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("judge before login: %s", resp.Status)
	}
	c.Login("certifierare", "s3cret-token")
	_, body := c.Post("/runs/r1/", "/runs/r1/judge", map[string]string{"scenario": "R03", "verdict": "pass", "note": "error shown"}, nil)
	if kind, msg := workbenchtest.Outcome(body); kind != "flash" {
		t.Fatalf("judge: %s %q", kind, msg)
	}
	run, _ := result.Read(filepath.Join(runs, "r1"))
	if m := run.Scenarios[2].Steps[1].Manual; m.Judge != "certifierare" {
		t.Fatalf("recorded judge %q", m.Judge)
	}
	for _, bad := range []string{"nocolon\n", "x:notahash\n", ""} {
		p := filepath.Join(t.TempDir(), "users")
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := workbench.LoadUsers(p); err == nil {
			t.Errorf("LoadUsers(%q) accepted", bad)
		}
	}
}

// TestExchangeMarksTheFailingNode: on the exchange of R04, whose receiver
// has surrounding spaces, the receiver element's line is marked and the
// failed RIV-RECV-02 links to it; nothing else is marked.
func TestExchangeMarksTheFailingNode(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "r1")
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs})
	c.Login("Tove Testare", "")
	ex := failedExchange(t, filepath.Join(runs, "r1"), "RIV-RECV-02")
	_, body := c.Get("/runs/r1/exchange?id=" + ex)
	marks := regexp.MustCompile(`<mark id="(at[^"]+)">([^<]*)</mark>`).FindAllStringSubmatch(body, -1)
	if len(marks) != 1 || !strings.Contains(html.UnescapeString(marks[0][2]), "<itr:LogicalAddress>  SE2321000016-CLIN </itr:LogicalAddress>") {
		t.Fatalf("marked %q, want the receiver element alone:\n%s", marks, body)
	}
	if !strings.Contains(body, `<a href="#`+marks[0][1]+`">/Envelope/Header/LogicalAddress</a>`) {
		t.Errorf("RIV-RECV-02 does not link to the marked element:\n%s", body)
	}
	// The run page's check links straight to the mark.
	_, body = c.Get("/runs/r1/")
	if !strings.Contains(body, `href="exchange?id=`+url.QueryEscape(ex)+`#`+marks[0][1]+`"`) {
		t.Errorf("the run page does not link RIV-RECV-02 to the mark %s", marks[0][1])
	}
}

// failedExchange is the exchange of the first failed check id in the run
// in dir, which must point somewhere.
func failedExchange(t *testing.T, dir, id string) string {
	t.Helper()
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.ID == id && c.Status == result.Fail && len(c.Where) > 0 {
					return c.Exchange
				}
			}
		}
	}
	t.Fatalf("no failed %s with a location in %s", id, dir)
	return ""
}
