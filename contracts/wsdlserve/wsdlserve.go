// Package wsdlserve answers ?wsdl and ?xsd= on the gateway's service
// listeners the way VP does: every WSDL under the contract directory is
// served at vp/<domain>/<subdomains>/<Interaction>/<major>/<rivtabpXX>,
// derived from its targetNamespace, with the soap:address rewritten to the
// URL the caller used and schema imports pointing back at ?xsd= on the same
// URL, so a SOAP client (zeep, SoapUI, CXF) can load the contract through
// the gateway.
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
	byKey map[string]string // lower-cased URL path (no leading /) -> file, relative to root, slash-separated
	paths []string          // URL paths as derived, sorted
}

// New scans dir for *.wsdl files. A WSDL whose targetNamespace does not
// follow RIV-TA's urn:riv:...:<Interaction>:<major>:<rivtabpXX> is skipped.
func New(dir string) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("contract directory %s: %w", dir, err)
	}
	s := &Server{root: abs, byKey: map[string]string{}}
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".wsdl") {
			return nil
		}
		tns, err := targetNamespace(p)
		if err != nil {
			return nil // not a WSDL we can serve; the contracts loader reports it
		}
		key, ok := URLPath(tns)
		if !ok {
			return nil
		}
		rel, _ := filepath.Rel(abs, p)
		lk := strings.ToLower(key)
		if _, dup := s.byKey[lk]; dup {
			return nil // first in walk order wins; lexical order makes it stable
		}
		s.byKey[lk] = filepath.ToSlash(rel)
		s.paths = append(s.paths, key)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan contract directory %s: %w", dir, err)
	}
	sort.Strings(s.paths)
	return s, nil
}

// Paths lists the served WSDL URL paths ("vp/crm/scheduling/...").
func (s *Server) Paths() []string { return append([]string(nil), s.paths...) }

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

func targetNamespace(p string) (string, error) {
	f, err := os.Open(p)
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
	schemaLocation  = regexp.MustCompile(`(schemaLocation|location)\s*=\s*("([^"]*)"|'([^']*)')`)
	soapAddress     = regexp.MustCompile(`(<(?:[A-Za-z0-9_.-]+:)?address\b[^>]*\blocation\s*=\s*)("[^"]*"|'[^']*')`)
	utf8BOM         = []byte{0xEF, 0xBB, 0xBF}
	errOutsideRoots = errors.New("path leaves the contract directory")
)

// ServeHTTP answers GET <path>?wsdl and <path>?xsd=<relative file>. base is
// the external URL of the request without query (scheme://host/path).
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, base string) int {
	key := strings.ToLower(strings.Trim(r.URL.Path, "/"))
	rel, ok := s.byKey[key]
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
	wsdlDir := path.Dir(rel)
	q := r.URL.Query()
	file, fileDir := rel, wsdlDir
	isXSD := q.Has("xsd")
	if isXSD {
		x := q.Get("xsd")
		file = path.Clean(path.Join(wsdlDir, x))
		fileDir = path.Dir(file)
		if strings.HasPrefix(file, "../") || file == ".." || path.IsAbs(x) {
			http.Error(w, errOutsideRoots.Error(), http.StatusNotFound)
			return http.StatusNotFound
		}
	}
	data, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(file)))
	if err != nil {
		http.Error(w, "no such schema: "+q.Get("xsd"), http.StatusNotFound)
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
		if val == "" || strings.Contains(val, "://") || strings.HasPrefix(val, "/") || strings.Contains(val, "?") {
			return m
		}
		// location= also appears on soap:address; only rewrite file references.
		if attr == "location" && !strings.HasSuffix(strings.ToLower(val), ".xsd") && !strings.HasSuffix(strings.ToLower(val), ".wsdl") {
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
