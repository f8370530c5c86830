// Package wsdlserve answers ?wsdl and ?xsd= on the gateway's service
// listeners the way VP does: every WSDL under the contract directory is
// served at vp/<domain>/<subdomains>/<Interaction>/<major>/<rivtabpXX>,
// derived from its targetNamespace, with the soap:address rewritten to the
// base URL the caller gives (the gateway builds it from configuration, not
// from the request's Host header) and schema imports pointing back at
// ?xsd= on the same URL, so a SOAP client (zeep, SoapUI, CXF) can load the
// contract through the gateway.
//
// Only the contract set is served: each WSDL and the XSD and WSDL files it
// imports or includes, transitively, found when the directory is scanned.
// Any other file under the directory (notes, keys, a schema no WSDL uses)
// is not, and every read goes through os.Root, so neither a "../" nor a
// symbolic link leads outside the directory.
package wsdlserve

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Server maps VP's WSDL URLs to files under a directory.
type Server struct {
	root  string
	byKey map[string]*contract // lower-cased URL path (no leading /) -> its WSDL and schemas
	paths []string             // URL paths as derived, sorted
}

// contract is one served WSDL and the files it may serve.
type contract struct {
	wsdl  string          // relative to root, slash-separated
	files map[string]bool // the WSDL and every schema it reaches, relative to root
}

// New scans dir for *.wsdl files and the schemas each reaches. A WSDL
// whose targetNamespace does not follow RIV-TA's
// urn:riv:...:<Interaction>:<major>:<rivtabpXX> is skipped, as is a
// reference that leaves dir, is not a regular .xsd or .wsdl file, or does
// not exist (the contracts loader reports those).
func New(dir string) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("contract directory %s: %w", dir, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("contract directory %s: %w", dir, err)
	}
	defer root.Close()
	s := &Server{root: abs, byKey: map[string]*contract{}}
	refs := map[string][]string{} // file -> the files it references, read once
	err = fs.WalkDir(root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(path.Ext(rel), ".wsdl") || !servable(root, rel) {
			return nil
		}
		tns, err := targetNamespace(root, rel)
		if err != nil {
			return nil // not a WSDL we can serve; the contracts loader reports it
		}
		key, ok := URLPath(tns)
		if !ok {
			return nil
		}
		lk := strings.ToLower(key)
		if _, dup := s.byKey[lk]; dup {
			return nil // first in walk order wins; lexical order makes it stable
		}
		s.byKey[lk] = &contract{wsdl: rel, files: reachable(root, rel, refs)}
		s.paths = append(s.paths, key)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan contract directory %s: %w", dir, err)
	}
	sort.Strings(s.paths)
	return s, nil
}

// servable reports whether rel is a regular .xsd or .wsdl file inside
// root (a symbolic link is followed only while it stays inside).
func servable(root *os.Root, rel string) bool {
	switch strings.ToLower(path.Ext(rel)) {
	case ".xsd", ".wsdl":
	default:
		return false
	}
	fi, err := root.Stat(rel)
	return err == nil && fi.Mode().IsRegular()
}

// reachable is the WSDL at rel and every servable file its imports and
// includes reach, transitively. refs caches each file's references.
func reachable(root *os.Root, rel string, refs map[string][]string) map[string]bool {
	seen := map[string]bool{rel: true}
	todo := []string{rel}
	for len(todo) > 0 {
		cur := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		out, ok := refs[cur]
		if !ok {
			out = references(root, cur)
			refs[cur] = out
		}
		for _, f := range out {
			if !seen[f] {
				seen[f] = true
				todo = append(todo, f)
			}
		}
	}
	return seen
}

// references lists the servable files file imports or includes by a
// relative location, relative to root.
func references(root *os.Root, file string) []string {
	data, err := readServable(root, file)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range schemaLocation.FindAllSubmatch(data, -1) {
		val := string(m[3])
		if len(m[4]) > 0 {
			val = string(m[4])
		}
		if !fileReference(string(m[1]), val) {
			continue
		}
		target := path.Clean(path.Join(path.Dir(file), val))
		if target == ".." || strings.HasPrefix(target, "../") || !servable(root, target) {
			continue
		}
		out = append(out, target)
	}
	return out
}

// fileReference reports whether a schemaLocation/location value names a
// file beside the contract (not a URL, not absolute); location= also
// appears on soap:address, so only .xsd and .wsdl files count there.
func fileReference(attr, val string) bool {
	if val == "" || strings.Contains(val, "://") || strings.HasPrefix(val, "/") || strings.Contains(val, "?") {
		return false
	}
	if attr == "location" {
		l := strings.ToLower(val)
		return strings.HasSuffix(l, ".xsd") || strings.HasSuffix(l, ".wsdl")
	}
	return true
}

// maxFile bounds one served file; contract files are kilobytes.
const maxFile = 16 << 20

// readServable reads a regular file inside root.
func readServable(root *os.Root, rel string) ([]byte, error) {
	f, err := root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", rel, maxFile)
	}
	return data, nil
}

// Paths lists the served WSDL URL paths ("vp/crm/scheduling/...").
func (s *Server) Paths() []string { return append([]string(nil), s.paths...) }

// Wanted reports whether a GET with this raw query asks for a contract
// file (?wsdl, ?xsd=...), read as url.URL.Query reads it. The gateway and
// the conformance harness both answer such GETs on their service paths.
func Wanted(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	q, _ := url.ParseQuery(rawQuery)
	return q.Has("wsdl") || q.Has("xsd")
}

// URLPath derives VP's WSDL path from a WSDL targetNamespace such as
// urn:riv:crm:scheduling:GetSubjectOfCareSchedule:1:rivtabp21.
func URLPath(tns string) (string, bool) {
	parts := strings.Split(tns, ":")
	if len(parts) < 6 || !strings.EqualFold(parts[0], "urn") || !strings.EqualFold(parts[1], "riv") {
		return "", false
	}
	prof := strings.ToLower(parts[len(parts)-1])
	if !strings.HasPrefix(prof, "rivtabp") {
		return "", false
	}
	major := parts[len(parts)-2]
	if _, err := strconv.Atoi(major); err != nil {
		return "", false
	}
	interaction := parts[len(parts)-3]
	domain := parts[2 : len(parts)-3]
	return "vp/" + strings.Join(domain, "/") + "/" + interaction + "/" + major + "/" + prof, true
}

func targetNamespace(root *os.Root, rel string) (string, error) {
	f, err := root.Open(rel)
	if err != nil {
		return "", err
	}
	defer f.Close()
	dec := xml.NewDecoder(io.LimitReader(f, 1<<20))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "targetNamespace" && a.Name.Space == "" {
					return a.Value, nil
				}
			}
			return "", errors.New("no targetNamespace")
		}
	}
}

var (
	schemaLocation = regexp.MustCompile(`(schemaLocation|location)\s*=\s*("([^"]*)"|'([^']*)')`)
	soapAddress    = regexp.MustCompile(`(<(?:[A-Za-z0-9_.-]+:)?address\b[^>]*\blocation\s*=\s*)("[^"]*"|'[^']*')`)
	utf8BOM        = []byte{0xEF, 0xBB, 0xBF}
)

// ServeHTTP answers GET <path>?wsdl and <path>?xsd=<relative file>. base is
// the external URL of the request without query (scheme://host/path).
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, base string) int {
	key := strings.ToLower(strings.Trim(r.URL.Path, "/"))
	c, ok := s.byKey[key]
	if !ok {
		var b strings.Builder
		b.WriteString("No wsdl found on this path, following wsdl paths is available:\n")
		for _, p := range s.paths {
			b.WriteString(p + "\n")
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, b.String())
		return http.StatusInternalServerError
	}
	wsdlDir := path.Dir(c.wsdl)
	q := r.URL.Query()
	file, fileDir := c.wsdl, wsdlDir
	isXSD := q.Has("xsd")
	if isXSD {
		x := q.Get("xsd")
		file = path.Clean(path.Join(wsdlDir, x))
		fileDir = path.Dir(file)
		if path.IsAbs(x) || !c.files[file] {
			http.Error(w, "no such schema in this contract: "+x, http.StatusNotFound)
			return http.StatusNotFound
		}
	}
	data, err := s.read(file)
	if err != nil {
		http.Error(w, "contract file unreadable: "+q.Get("xsd"), http.StatusNotFound)
		return http.StatusNotFound
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	data = rewriteImports(data, base, wsdlDir, fileDir)
	if !isXSD {
		data = soapAddress.ReplaceAll(data, []byte(`${1}"`+xmlAttrEscape(base)+`"`))
	}
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return http.StatusOK
}

// read reads a file of the contract set through a fresh os.Root: the
// directory may have changed since New, and no path or link may leave it.
func (s *Server) read(rel string) ([]byte, error) {
	root, err := os.OpenRoot(s.root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return readServable(root, rel)
}

// rewriteImports points relative schemaLocation/location attributes of
// imports and includes at base?xsd=<path relative to the WSDL's directory>.
func rewriteImports(data []byte, base, wsdlDir, fileDir string) []byte {
	return schemaLocation.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := schemaLocation.FindSubmatch(m)
		attr := string(sub[1])
		val := string(sub[3])
		if len(sub[4]) > 0 {
			val = string(sub[4])
		}
		if !fileReference(attr, val) {
			return m
		}
		target := path.Clean(path.Join(fileDir, val))
		relToWSDL, err := relPath(wsdlDir, target)
		if err != nil {
			return m
		}
		return []byte(attr + `="` + xmlAttrEscape(base+"?xsd="+url.QueryEscape(relToWSDL)) + `"`)
	})
}

func relPath(from, to string) (string, error) {
	r, err := filepath.Rel(filepath.FromSlash("/"+from), filepath.FromSlash("/"+to))
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(r), nil
}

func xmlAttrEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
