package takformat

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// VagvalsinfoNS is the namespace of the entries in VP's cache file and in
// SokVagvalsInfo v2 answers.
const VagvalsinfoNS = "urn:skl:tp:vagvalsinfo:v2"

// Element local names. The reader matches local names only, as lenient as
// JAXB: the cache file has unqualified entries with qualified children, a
// SOAP answer has everything qualified.
const (
	elemRoute      = "virtualiseringsInfo"
	elemPermission = "anropsBehorighetsInfo"
	elemFilter     = "filterInfo"
)

type cacheField int

const (
	fNone cacheField = iota
	fID
	fReceiver
	fSender
	fProfile
	fContract
	fFrom
	fTo
	fAddress
	fServiceDomain
	fCategorization
)

func fieldOf(local string, inFilter bool) cacheField {
	if inFilter {
		switch local {
		case "serviceDomain":
			return fServiceDomain
		case "categorization":
			return fCategorization
		}
		return fNone
	}
	switch local {
	case "virtualiseringsInfoId", "anropsBehorighetsInfoId":
		return fID
	case "receiverId":
		return fReceiver
	case "senderId":
		return fSender
	case "rivProfil":
		return fProfile
	case "tjansteKontrakt":
		return fContract
	case "fromTidpunkt":
		return fFrom
	case "tomTidpunkt":
		return fTo
	case "adress":
		return fAddress
	}
	return fNone
}

// cacheEntry collects one entry's fields while reading.
type cacheEntry struct {
	line    int
	vals    [fCategorization + 1]string
	has     [fCategorization + 1]bool
	lines   [fCategorization + 1]int
	filters []takdata.Filter
}

// ReadCache reads VP's local cache file (or a saved SokVagvalsInfo answer).
// Values are taken as JAXB takes them: xs:string fields (receiverId,
// senderId, adress, ids) exactly as written, xs:NCName and xs:dateTime
// fields (tjansteKontrakt, rivProfil, from/tom) with whitespace collapsed.
func ReadCache(name string, r io.Reader, opt Options) (*takdata.Data, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return readCacheBytes(name, b, opt)
}

// readCacheBytes tries the fast scanner first; anything it does not handle
// (a DOCTYPE, an unusual entity, any malformed input) goes to the
// encoding/xml reader, which also words the errors.
func readCacheBytes(name string, b []byte, opt Options) (*takdata.Data, error) {
	if d, ok := scanCache(name, b, opt); ok {
		return d, nil
	}
	return readCacheXML(name, b, opt)
}

// cacheBuilder turns element events into entries; both tokenizers feed it.
type cacheBuilder struct {
	name      string
	d         *takdata.Data
	depth     int
	kind      string // elemRoute, elemPermission or "" outside an entry
	entryAt   int    // depth of the entry element
	e         cacheEntry
	field     cacheField
	fieldAt   int
	fieldName string
	text      []byte
	inFilter  bool
	filter    takdata.Filter
	intern    map[string]string
	bounds    *takdata.Bounds
}

func newCacheBuilder(name string, opt Options) *cacheBuilder {
	return &cacheBuilder{name: name, d: &takdata.Data{Source: name},
		intern: map[string]string{}, bounds: takdata.NewBounds(opt.loc(), takdata.ExactZoned)}
}

func (c *cacheBuilder) fail(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", c.name, line, fmt.Sprintf(format, args...))
}

// start handles a start tag with the given local name, ending on line.
func (c *cacheBuilder) start(local []byte, line int) error {
	c.depth++
	switch {
	case c.kind == "" && (string(local) == elemRoute || string(local) == elemPermission):
		c.kind, c.entryAt = elemRoute, c.depth
		if string(local) == elemPermission {
			c.kind = elemPermission
		}
		c.e = cacheEntry{line: line}
	case c.kind != "" && !c.inFilter && c.depth == c.entryAt+1 && string(local) == elemFilter:
		c.inFilter, c.filter = true, takdata.Filter{}
	case c.kind != "" && c.field == fNone && (c.depth == c.entryAt+1 || c.inFilter && c.depth == c.entryAt+2):
		if f := fieldOf(string(local), c.inFilter); f != fNone {
			c.field, c.fieldAt, c.text = f, c.depth, c.text[:0]
			c.fieldName = fieldNames[f]
		}
	case c.field != fNone:
		return c.fail(line, "<%s> inside <%s>: want text only", local, c.fieldName)
	}
	return nil
}

// chars handles character data.
func (c *cacheBuilder) chars(t []byte) {
	if c.field != fNone {
		c.text = append(c.text, t...)
	}
}

// end handles an end tag (the tokenizer has checked it matches), ending on
// line.
func (c *cacheBuilder) end(line int) error {
	depth := c.depth
	c.depth--
	switch {
	case c.field != fNone && depth == c.fieldAt:
		if c.field == fCategorization {
			c.filter.Categorizations = append(c.filter.Categorizations, string(c.text))
		} else {
			c.e.vals[c.field], c.e.has[c.field], c.e.lines[c.field] = c.str(c.field, c.text), true, line
		}
		c.field = fNone
	case c.inFilter && depth == c.entryAt+1:
		c.inFilter = false
		c.filter.ServiceDomain = collapse(c.e.vals[fServiceDomain])
		c.e.vals[fServiceDomain], c.e.has[fServiceDomain] = "", false
		c.e.filters = append(c.e.filters, c.filter)
	case c.kind != "" && depth == c.entryAt:
		if err := c.add(); err != nil {
			return err
		}
		c.kind = ""
	}
	return nil
}

// str makes the string for a field value. Values that repeat across entries
// (contract, profile, dates, sender) are interned: less memory, and a map
// hit with a []byte key does not allocate.
func (c *cacheBuilder) str(f cacheField, b []byte) string {
	switch f {
	case fContract, fProfile, fFrom, fTo, fSender:
		if s, ok := c.intern[string(b)]; ok {
			return s
		}
		s := string(b)
		c.intern[s] = s
		return s
	}
	return string(b)
}

var fieldNames = [...]string{
	fID: "id", fReceiver: "receiverId", fSender: "senderId", fProfile: "rivProfil",
	fContract: "tjansteKontrakt", fFrom: "fromTidpunkt", fTo: "tomTidpunkt", fAddress: "adress",
	fServiceDomain: "serviceDomain", fCategorization: "categorization",
}

func (c *cacheBuilder) add() error {
	e := &c.e
	// In schema order, so the first missing one is named.
	need := []cacheField{fReceiver, fProfile, fContract, fFrom, fTo}
	if c.kind == elemPermission {
		need = []cacheField{fReceiver, fSender, fContract, fFrom, fTo}
	}
	for _, f := range need {
		if !e.has[f] {
			return fmt.Errorf("%s:%d: %s: missing <%s>", c.name, e.line, c.kind, fieldNames[f])
		}
	}
	var v takdata.Validity
	v.FromText = collapse(e.vals[fFrom])
	v.ToText = collapse(e.vals[fTo])
	var err error
	if v.From, err = c.bounds.Parse(v.FromText, false); err != nil {
		return fmt.Errorf("%s:%d: %s: fromTidpunkt: %w", c.name, e.lines[fFrom], c.kind, err)
	}
	if v.To, err = c.bounds.Parse(v.ToText, true); err != nil {
		return fmt.Errorf("%s:%d: %s: tomTidpunkt: %w", c.name, e.lines[fTo], c.kind, err)
	}
	origin := c.name + ":" + strconv.Itoa(e.line)
	if c.kind == elemRoute {
		c.d.Routes = append(c.d.Routes, takdata.Route{
			ID:       e.vals[fID],
			Receiver: e.vals[fReceiver],
			Contract: collapse(e.vals[fContract]),
			Profile:  rivta.Profile(collapse(e.vals[fProfile])),
			Address:  e.vals[fAddress],
			Validity: v,
			Origin:   origin,
		})
		return nil
	}
	c.d.Permissions = append(c.d.Permissions, takdata.Permission{
		ID:       e.vals[fID],
		Sender:   e.vals[fSender],
		Receiver: e.vals[fReceiver],
		Contract: collapse(e.vals[fContract]),
		Validity: v,
		Filters:  e.filters,
		Origin:   origin,
	})
	return nil
}

func (c *cacheBuilder) finish() (*takdata.Data, error) {
	if c.d.Empty() {
		return nil, fmt.Errorf("%s: no %s or %s elements: not a TAK cache file or SokVagvalsInfo answer", c.name, elemRoute, elemPermission)
	}
	return c.d, nil
}

// readCacheXML reads with encoding/xml: the reference reader, and the one
// that words errors for malformed input.
func readCacheXML(name string, b []byte, opt Options) (*takdata.Data, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	c := newCacheBuilder(name, opt)
	var stack []xml.Name // open elements, to check nesting (RawToken does not)
	sawRoot := false
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		line, _ := dec.InputPos()
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s:%d: %s", name, se.Line, se.Msg)
			}
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if sawRoot {
					return nil, c.fail(line, "second root element <%s>", t.Name.Local)
				}
				sawRoot = true
			}
			stack = append(stack, t.Name)
			if err := c.start([]byte(t.Name.Local), line); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != t.Name {
				return nil, c.fail(line, "unexpected end tag </%s>", qname(t.Name))
			}
			stack = stack[:len(stack)-1]
			if err := c.end(line); err != nil {
				return nil, err
			}
		case xml.CharData:
			c.chars(t)
		}
	}
	if !sawRoot {
		return nil, fmt.Errorf("%s: no XML element", name)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%s: unexpected end of file inside <%s>", name, qname(stack[len(stack)-1]))
	}
	return c.finish()
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// collapse applies XML Schema's whitespace "collapse": trim, and runs of
// whitespace become one space. It returns s itself when nothing changes.
func collapse(s string) string {
	if s == "" {
		return s
	}
	ok := s[0] != ' ' && s[len(s)-1] != ' '
	for i := 0; ok && i < len(s); i++ {
		switch s[i] {
		case '\t', '\n', '\r':
			ok = false
		case ' ':
			ok = s[i+1] != ' ' // s does not end in ' ', so i+1 is in range
		}
	}
	if ok {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, isXMLSpace), " ")
}

func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// WriteCache writes d as VP's takcache writes its local file: JAXB's default
// output, one line, no trailing newline:
//
//	<?xml version="1.0" encoding="UTF-8" standalone="yes"?><persistentCache
//	xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"><virtualiseringsInfo><ns2:...
//
// routes first, then permissions, fields in schema order, text escaped as
// JAXB escapes it (&, <, >). Dates are written as read when they were
// xs:dateTime; see takdata.XSDText.
func WriteCache(w io.Writer, d *takdata.Data, opt Options) error {
	loc := opt.loc()
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><persistentCache xmlns:ns2="` + VagvalsinfoNS + `"`)
	if d.Empty() {
		bw.WriteString(`/>`)
		return bw.Flush()
	}
	bw.WriteByte('>')
	for i := range d.Routes {
		r := &d.Routes[i]
		bw.WriteString(`<virtualiseringsInfo>`)
		leaf(bw, "virtualiseringsInfoId", idOr(r.ID, i))
		leaf(bw, "receiverId", r.Receiver)
		leaf(bw, "rivProfil", string(r.Profile))
		leaf(bw, "tjansteKontrakt", r.Contract)
		leaf(bw, "fromTidpunkt", takdata.XSDText(r.FromText, r.From, false, loc))
		leaf(bw, "tomTidpunkt", takdata.XSDText(r.ToText, r.To, true, loc))
		leaf(bw, "adress", r.Address)
		bw.WriteString(`</virtualiseringsInfo>`)
	}
	for i := range d.Permissions {
		p := &d.Permissions[i]
		bw.WriteString(`<anropsBehorighetsInfo>`)
		leaf(bw, "anropsBehorighetsInfoId", idOr(p.ID, i))
		leaf(bw, "receiverId", p.Receiver)
		leaf(bw, "senderId", p.Sender)
		leaf(bw, "tjansteKontrakt", p.Contract)
		leaf(bw, "fromTidpunkt", takdata.XSDText(p.FromText, p.From, false, loc))
		leaf(bw, "tomTidpunkt", takdata.XSDText(p.ToText, p.To, true, loc))
		for _, f := range p.Filters {
			bw.WriteString(`<ns2:filterInfo>`)
			leaf(bw, "serviceDomain", f.ServiceDomain)
			for _, c := range f.Categorizations {
				leaf(bw, "categorization", c)
			}
			bw.WriteString(`</ns2:filterInfo>`)
		}
		bw.WriteString(`</anropsBehorighetsInfo>`)
	}
	bw.WriteString(`</persistentCache>`)
	return bw.Flush()
}

// idOr returns id, or the 1-based position for entries made without one (the
// schema requires an id; VP never reads it).
func idOr(id string, i int) string {
	if id != "" {
		return id
	}
	return strconv.Itoa(i + 1)
}

func leaf(bw *bufio.Writer, local, text string) {
	bw.WriteString("<ns2:")
	bw.WriteString(local)
	bw.WriteByte('>')
	escapeText(bw, text)
	bw.WriteString("</ns2:")
	bw.WriteString(local)
	bw.WriteByte('>')
}

// escapeText escapes as JAXB's UTF-8 output does for element text: only &, <
// and > (quotes and line breaks stay literal).
func escapeText(bw *bufio.Writer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		bw.WriteString(s[last:i])
		bw.WriteString(rep)
		last = i + 1
	}
	bw.WriteString(s[last:])
}
