package takformat

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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
	loc := opt.loc()
	dec := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	d := &takdata.Data{Source: name}
	var (
		stack    []xml.Name // open elements, to check nesting (RawToken does not)
		kind     string     // elemRoute, elemPermission or "" outside an entry
		entryAt  int        // stack depth of the entry element
		e        cacheEntry
		field    cacheField
		fieldAt  int
		text     []byte
		inFilter bool
		filter   takdata.Filter
		sawRoot  bool
	)
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
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
					return nil, fail(line, "second root element <%s>", t.Name.Local)
				}
				sawRoot = true
			}
			stack = append(stack, t.Name)
			switch {
			case kind == "" && (t.Name.Local == elemRoute || t.Name.Local == elemPermission):
				kind, entryAt = t.Name.Local, len(stack)
				e = cacheEntry{line: line}
			case kind != "" && !inFilter && len(stack) == entryAt+1 && t.Name.Local == elemFilter:
				inFilter, filter = true, takdata.Filter{}
			case kind != "" && field == fNone && (len(stack) == entryAt+1 || inFilter && len(stack) == entryAt+2):
				if f := fieldOf(t.Name.Local, inFilter); f != fNone {
					field, fieldAt, text = f, len(stack), text[:0]
				}
			case field != fNone:
				return nil, fail(line, "<%s> inside <%s>: want text only", t.Name.Local, stack[fieldAt-1].Local)
			}
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != t.Name {
				return nil, fail(line, "unexpected end tag </%s>", qname(t.Name))
			}
			depth := len(stack)
			stack = stack[:depth-1]
			switch {
			case field != fNone && depth == fieldAt:
				v := string(text)
				if field == fCategorization {
					filter.Categorizations = append(filter.Categorizations, v)
				} else {
					e.vals[field], e.has[field], e.lines[field] = v, true, line
				}
				field = fNone
			case inFilter && depth == entryAt+1:
				inFilter = false
				filter.ServiceDomain = collapse(e.vals[fServiceDomain])
				e.vals[fServiceDomain], e.has[fServiceDomain] = "", false
				e.filters = append(e.filters, filter)
			case kind != "" && depth == entryAt:
				if err := addCacheEntry(d, name, kind, &e, loc); err != nil {
					return nil, err
				}
				kind = ""
			}
		case xml.CharData:
			if field != fNone {
				text = append(text, t...)
			}
		}
	}
	if !sawRoot {
		return nil, fmt.Errorf("%s: no XML element", name)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%s: unexpected end of file inside <%s>", name, qname(stack[len(stack)-1]))
	}
	if d.Empty() {
		return nil, fmt.Errorf("%s: no %s or %s elements: not a TAK cache file or SokVagvalsInfo answer", name, elemRoute, elemPermission)
	}
	return d, nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

var fieldNames = [...]string{
	fID: "id", fReceiver: "receiverId", fSender: "senderId", fProfile: "rivProfil",
	fContract: "tjansteKontrakt", fFrom: "fromTidpunkt", fTo: "tomTidpunkt", fAddress: "adress",
}

func addCacheEntry(d *takdata.Data, name, kind string, e *cacheEntry, loc *time.Location) error {
	// In schema order, so the first missing one is named.
	need := []cacheField{fReceiver, fProfile, fContract, fFrom, fTo}
	if kind == elemPermission {
		need = []cacheField{fReceiver, fSender, fContract, fFrom, fTo}
	}
	for _, f := range need {
		if !e.has[f] {
			return fmt.Errorf("%s:%d: %s: missing <%s>", name, e.line, kind, fieldNames[f])
		}
	}
	var v takdata.Validity
	v.FromText = collapse(e.vals[fFrom])
	v.ToText = collapse(e.vals[fTo])
	var err error
	if v.From, err = takdata.ParseBound(v.FromText, false, loc, takdata.ExactZoned); err != nil {
		return fmt.Errorf("%s:%d: %s: fromTidpunkt: %w", name, e.lines[fFrom], kind, err)
	}
	if v.To, err = takdata.ParseBound(v.ToText, true, loc, takdata.ExactZoned); err != nil {
		return fmt.Errorf("%s:%d: %s: tomTidpunkt: %w", name, e.lines[fTo], kind, err)
	}
	origin := name + ":" + strconv.Itoa(e.line)
	if kind == elemRoute {
		d.Routes = append(d.Routes, takdata.Route{
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
	d.Permissions = append(d.Permissions, takdata.Permission{
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
