// Package takformat reads and writes the TAK catalogue formats rivgate
// accepts, detected from content:
//
//   - rivgate's own YAML, written by people (see docs/tak.md);
//   - VP's local TAK cache file (<persistentCache>, urn:skl:tp:vagvalsinfo:v2),
//     read and written as VP's JAXB writes it, so files move between VP and
//     rivgate; the same reader takes a saved SokVagvalsInfo SOAP answer;
//   - TAK's JSON export (/tak-services/export/pv, relationships by natural
//     key) and the PubVersion snapshot (relationships by numeric id), also
//     inside a zip such as TAK's nightly dump.
package takformat

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// Format is a TAK file format.
type Format string

// The formats.
const (
	YAML  Format = "yaml"  // rivgate's own
	Cache Format = "cache" // VP's local cache XML (also a SokVagvalsInfo answer)
	JSON  Format = "json"  // TAK export / PubVersion snapshot
	Zip   Format = "zip"   // a zip holding files of the formats above
)

// ParseFormat reads a format name as the CLI takes it.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case YAML, Cache, JSON:
		return f, nil
	case "xml":
		return Cache, nil
	}
	return "", fmt.Errorf("format %q: want yaml, cache or json", s)
}

// Options control reading and writing.
type Options struct {
	// Location is the zone zone-less dates are read and written in. Nil
	// means Europe/Stockholm.
	Location *time.Location
}

func (o Options) loc() *time.Location {
	if o.Location != nil {
		return o.Location
	}
	loc, err := takdata.LoadZone("")
	if err != nil {
		return time.UTC // unreachable: time/tzdata is linked in
	}
	return loc
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Detect tells the format of b from its first significant bytes.
func Detect(b []byte) Format {
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return Zip
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	b = bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) > 0 && b[0] == '<':
		return Cache
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return JSON
	}
	return YAML
}

// ReadFile reads a file of any supported format.
func ReadFile(path string, opt Options) (*takdata.Data, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read TAK %s: %w", path, err)
	}
	return Read(path, b, opt)
}

// Read parses b (named name in messages) in the format it holds.
func Read(name string, b []byte, opt Options) (*takdata.Data, error) {
	var d *takdata.Data
	var err error
	switch Detect(b) {
	case Zip:
		d, err = readZip(name, b, opt)
	case Cache:
		d, err = readCacheBytes(name, b, opt)
	case JSON:
		d, err = ReadJSON(name, b, opt)
	default:
		d, err = ReadYAML(name, b, opt)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// maxZipEntry bounds what one zip entry may expand to (the 2016 national
// dump is 1.5 MB).
const maxZipEntry = 1 << 30

func readZip(name string, b []byte, opt Options) (*takdata.Data, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: zip: %w", name, err)
	}
	out := &takdata.Data{Source: name}
	n := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(filepath.Base(f.Name), ".") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, f.Name, err)
		}
		eb, err := io.ReadAll(io.LimitReader(rc, maxZipEntry+1))
		_ = rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, f.Name, err)
		}
		if len(eb) > maxZipEntry {
			return nil, fmt.Errorf("%s: %s: larger than %d bytes", name, f.Name, maxZipEntry)
		}
		inner := name + "!" + f.Name
		if Detect(eb) == Zip {
			return nil, fmt.Errorf("%s: zip inside zip is not read", inner)
		}
		d, err := Read(inner, eb, opt)
		if err != nil {
			return nil, err
		}
		out.Append(d)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: %w", name, errEmptyZip)
	}
	return out, nil
}

var errEmptyZip = errors.New("zip holds no files")

// Write writes d in format f.
func Write(w io.Writer, f Format, d *takdata.Data, opt Options) error {
	switch f {
	case Cache:
		return WriteCache(w, d, opt)
	case JSON:
		return WriteJSON(w, d, opt)
	case YAML:
		return WriteYAML(w, d, opt)
	}
	return fmt.Errorf("write TAK: format %q cannot be written", f)
}
