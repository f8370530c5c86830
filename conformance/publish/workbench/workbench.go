// Package workbench is the certifier's workbench: a server-rendered web
// application over a directory of runs (each the output directory of
// 'conform run'). Every action goes through the same library calls as the
// CLI's judge, declare, decide, report, bundle and verify and so leaves the
// same files: CLI and browser can be mixed on one certification.
//
// Pages need no JavaScript and load nothing from elsewhere; a strict
// Content-Security-Policy forbids scripts altogether. Who acts is the user
// logged in with a users file, or on loopback without one the name the
// person gives once.
package workbench

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/results/result"
)

//go:embed assets
var assets embed.FS

// DefaultMaxUpload bounds one attachment (or bundle) upload.
const DefaultMaxUpload = 32 << 20

// Options configure a workbench.
type Options struct {
	// RunsDir holds the runs: each subdirectory with a results.json.
	RunsDir string
	// Users, when set, requires a login; nil means the person gives a name
	// (for loopback only: see CheckListen).
	Users *Users
	// Signer signs evidence bundles; nil disables the bundle action.
	Signer *evidence.Signer
	// MaxUpload bounds a request with uploads (default DefaultMaxUpload).
	MaxUpload int64
	// Now is the clock for recorded times (default time.Now).
	Now func() time.Time
}

// Server is the workbench's http.Handler.
type Server struct {
	runsDir   string
	users     *Users
	signer    *evidence.Signer
	maxUpload int64
	now       func() time.Time
	secret    []byte
	sessions  sessions
	tmpl      map[string]*template.Template
	mux       *http.ServeMux
}

// New checks o and returns the workbench.
func New(o Options) (*Server, error) {
	fi, err := os.Stat(o.RunsDir)
	if err != nil {
		return nil, fmt.Errorf("runs directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("runs directory %s: not a directory", o.RunsDir)
	}
	s := &Server{runsDir: o.RunsDir, users: o.Users, signer: o.Signer, maxUpload: o.MaxUpload, now: o.Now,
		secret: []byte(randomHex(32)), sessions: sessions{names: map[string]string{}}}
	if s.maxUpload <= 0 {
		s.maxUpload = DefaultMaxUpload
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func parseTemplates() (map[string]*template.Template, error) {
	pages, err := fs.Glob(assets, "assets/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(filepath.Base(p), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "assets/layout.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	// checkLink is a check's exchange page, at the mark of what it is
	// about when it says.
	"checkLink": func(c result.Check) string {
		u := "exchange?id=" + url.QueryEscape(c.Exchange)
		if len(c.Where) > 0 {
			u += "#" + anchorID(c.Where[0])
		}
		return u
	},
	// group hands a sub-template a titled list.
	"group": func(id, title string, items any) map[string]any {
		return map[string]any{"ID": id, "Title": title, "Items": items}
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"ms": func(a, b time.Time) string {
		if a.IsZero() || b.IsZero() {
			return ""
		}
		return fmt.Sprintf("%d ms", b.Sub(a).Milliseconds())
	},
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.page(s.runsPage))
	m.HandleFunc("GET /style.css", s.style)
	m.HandleFunc("GET /login", s.page(s.loginPage))
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.action(s.logout))
	m.HandleFunc("GET /runs/{run}/{$}", s.page(s.runPage))
	m.HandleFunc("GET /runs/{run}/exchange", s.page(s.exchangePage))
	m.HandleFunc("GET /runs/{run}/file", s.known(s.file))
	m.HandleFunc("POST /runs/{run}/judge", s.action(s.judge))
	m.HandleFunc("POST /runs/{run}/review", s.action(s.review))
	m.HandleFunc("POST /runs/{run}/declare", s.action(s.declare))
	m.HandleFunc("POST /runs/{run}/decide", s.action(s.decide))
	m.HandleFunc("POST /runs/{run}/deviation", s.action(s.editDeviation))
	m.HandleFunc("POST /runs/{run}/report", s.action(s.rebuildReport))
	m.HandleFunc("POST /runs/{run}/bundle", s.action(s.bundle))
	m.HandleFunc("GET /compare", s.page(s.comparePage))
	m.HandleFunc("GET /verify", s.page(s.verifyPage))
	m.HandleFunc("POST /verify", s.action(s.verify))
	s.mux = m
}

// ServeHTTP sets the security headers every answer carries and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) style(w http.ResponseWriter, _ *http.Request) {
	b, err := assets.ReadFile("assets/style.css")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(b)
}

// view is what every page template gets.
type view struct {
	Title string
	Who   string
	CSRF  string
	Login bool // users configured: show log out
	Flash string
	Error string
	// Refresh, when set, reloads the page after that many seconds (a run
	// in progress); a meta refresh needs no script.
	Refresh int
	Data    any
}

// pageFunc renders one page's data; it returns the template name.
type pageFunc func(r *http.Request, v *view) (string, error)

// page renders a GET page. Without a known person it asks who first.
func (s *Server) page(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sid := s.sid(w, r)
		v := &view{Who: s.who(r), CSRF: s.csrfToken(sid), Login: s.users != nil,
			Flash: r.URL.Query().Get("flash"), Error: r.URL.Query().Get("error")}
		name := "login"
		var err error
		if v.Who != "" || r.URL.Path == "/login" {
			name, err = f(r, v)
		} else {
			v.Title = "Who are you?"
		}
		var nf *notFound
		switch {
		case errors.As(err, &nf):
			http.Error(w, nf.Error(), http.StatusNotFound)
			return
		case err != nil:
			v.Error = err.Error()
			name = "error"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := s.tmpl[name].Execute(w, v); err != nil {
			// Headers are gone; all that is left is to say so in the page.
			fmt.Fprintf(w, "<p>template %s: %s</p>", name, template.HTMLEscapeString(err.Error()))
		}
	}
}

type notFound struct{ what string }

func (e *notFound) Error() string { return e.what + ": not found" }

// runDir is the run the {run} path segment names: a subdirectory of the
// runs directory holding results.json, never a path out of it.
func (s *Server) runDir(r *http.Request) (string, error) {
	return s.runDirNamed(r.PathValue("run"))
}

// runDirNamed is runDir for a run named elsewhere (a query parameter).
func (s *Server) runDirNamed(name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", &notFound{"run " + name}
	}
	dir := filepath.Join(s.runsDir, name)
	if _, err := os.Stat(filepath.Join(dir, result.FileName)); err != nil {
		return "", &notFound{"run " + name}
	}
	return dir, nil
}

// known serves a GET that needs a known person but renders no page.
func (s *Server) known(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.who(r) == "" {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		f(w, r)
	}
}

// actionFunc performs a POST for who; it returns where to go next and
// what to say there.
type actionFunc func(r *http.Request, who string) (to, flash string, err error)

// action checks the size, the CSRF token and the person, then runs f and
// redirects (post/redirect/get) with its message or error.
func (s *Server) action(f actionFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload)
		if err := parseForm(r); err != nil {
			status := http.StatusBadRequest
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				status = http.StatusRequestEntityTooLarge
				err = fmt.Errorf("upload larger than %d bytes", s.maxUpload)
			}
			http.Error(w, err.Error(), status)
			return
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		c, err := r.Cookie(sidCookie)
		if err != nil || !hmacEqual(r.PostFormValue("csrf"), s.csrfToken(c.Value)) {
			http.Error(w, "missing or wrong CSRF token: reload the page and try again", http.StatusForbidden)
			return
		}
		who := s.who(r)
		if who == "" {
			http.Error(w, "who are you? give your name (or log in) first", http.StatusForbidden)
			return
		}
		to, flash, err := f(r, who)
		var nf *notFound
		if errors.As(err, &nf) {
			http.Error(w, nf.Error(), http.StatusNotFound)
			return
		}
		http.Redirect(w, r, withMessage(to, flash, err), http.StatusSeeOther)
	}
}

func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// Files past 1 MiB go to temporary files; the body is bounded above.
		return r.ParseMultipartForm(1 << 20)
	}
	return r.ParseForm()
}
