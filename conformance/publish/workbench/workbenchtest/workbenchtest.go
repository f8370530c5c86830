// Package workbenchtest drives a workbench over HTTP as a browser without
// JavaScript would: cookies, a form's CSRF token read from its page, posts
// (with uploads) that follow the redirect back.
package workbenchtest

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/publish/workbench"
)

// RunsDir makes a runs directory holding one copy of the report fixture's
// real run (R03's manual step pending) per name, and returns it.
func RunsDir(t testing.TB, names ...string) string {
	t.Helper()
	src := reporttest.RealRun(t)
	runs := t.TempDir()
	for _, n := range names {
		if err := os.CopyFS(filepath.Join(runs, n), os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	return runs
}

// Client is one browser session against a workbench.
type Client struct {
	t    testing.TB
	Base string
	HC   *http.Client
}

// Start serves a workbench with o on loopback for the test and returns a
// client of it (no name given yet).
func Start(t testing.TB, o workbench.Options) *Client {
	t.Helper()
	wb, err := workbench.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wb)
	t.Cleanup(srv.Close)
	return NewClient(t, srv.URL)
}

// NewClient is a fresh browser session (own cookies) against base.
func NewClient(t testing.TB, base string) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{t: t, Base: base, HC: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// Get fetches path and returns the response (body read) and its body.
func (c *Client) Get(path string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// do sends req and reads the answer.
func (c *Client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.HC.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// CSRF reads the form token from the page at path.
func (c *Client) CSRF(path string) string {
	c.t.Helper()
	_, body := c.Get(path)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("%s has no form with a CSRF token:\n%s", path, body)
	}
	return m[1]
}

// Login gives name (and secret, with users) on the login page.
func (c *Client) Login(name, secret string) string {
	c.t.Helper()
	_, body := c.Post("/login", "/login", map[string]string{"name": name, "secret": secret}, nil)
	return body
}

// File is an upload: its name and content.
type File struct{ Name, Content string }

// Post submits a form to action with the CSRF token of page (none when
// page is ""), as multipart when there are files, and follows the redirect.
// It returns the final response and body.
func (c *Client) Post(page, action string, fields map[string]string, files map[string][]File) (*http.Response, string) {
	c.t.Helper()
	f := map[string]string{}
	for k, v := range fields {
		f[k] = v
	}
	if page != "" {
		f["csrf"] = c.CSRF(page)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range f {
		if err := mw.WriteField(k, v); err != nil {
			c.t.Fatal(err)
		}
	}
	for k, fs := range files {
		for _, file := range fs {
			w, err := mw.CreateFormFile(k, file.Name)
			if err != nil {
				c.t.Fatal(err)
			}
			if _, err := io.WriteString(w, file.Content); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.Base+action, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var flash = regexp.MustCompile(`(?s)<p class="(flash|error)" id="(?:flash|error)" role="\w+">(.*?)</p>`)

// Outcome is the flash or error message on a page after an action: kind
// "flash" or "error", "" when there is none.
func Outcome(body string) (kind, msg string) {
	m := flash.FindStringSubmatch(body)
	if m == nil {
		return "", ""
	}
	return m[1], html.UnescapeString(strings.TrimSpace(m[2]))
}
