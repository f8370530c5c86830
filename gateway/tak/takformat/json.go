package takformat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// TAK's JSON comes in two shapes with the same sections:
//
//   - the export served by tak-services at /export/pv: relationships name the
//     related row by natural key (vagval -> logiskAdress: hsaId, anropsadress:
//     url, tjanstekontrakt: namnrymd);
//   - the PubVersion snapshot TAK stores (and TakExport dumps nightly):
//     relationships are numeric row ids.
//
// A relationship value that is a JSON number is an id, a string is a natural
// key; both shapes, and mixtures, read the same way. Relationship keys are
// matched case-insensitively (the exports spell logiskAdress and
// logiskadress), and a permission's consumer may be called tjanstekonsument
// (current TAK) or tjanstekomponent (older snapshots).
//
// from/tom are SQL dates written as zoned midnights; they are read as calendar
// dates (takdata.CalendarZoned), like the zone-less values VP gets over SOAP.

type jsonDoc struct {
	FormatVersion json.RawMessage `json:"formatVersion"`
	Version       json.RawMessage `json:"version"`
	Tidpunkt      string          `json:"tidpunkt"`
	Utforare      string          `json:"utforare"`
	Kommentar     string          `json:"kommentar"`
	Data          *jsonData       `json:"data"`
}

type jsonData struct {
	Rivtaprofil          []jsonRow `json:"rivtaprofil"`
	Tjanstekontrakt      []jsonRow `json:"tjanstekontrakt"`
	Logiskadress         []jsonRow `json:"logiskadress"`
	Tjanstekomponent     []jsonRow `json:"tjanstekomponent"`
	Anropsadress         []jsonRow `json:"anropsadress"`
	Vagval               []jsonRow `json:"vagval"`
	Anropsbehorighet     []jsonRow `json:"anropsbehorighet"`
	Filter               []jsonRow `json:"filter"`
	Filtercategorization []jsonRow `json:"filtercategorization"`
}

// jsonRow holds the union of the fields rivgate reads from any section
// (descriptions, versions and the like are skipped).
type jsonRow struct {
	ID            json.RawMessage `json:"id"`
	Namn          string          `json:"namn"`
	Namnrymd      string          `json:"namnrymd"`
	HsaID         string          `json:"hsaId"`
	Adress        string          `json:"adress"`
	FromTidpunkt  string          `json:"fromTidpunkt"`
	TomTidpunkt   string          `json:"tomTidpunkt"`
	Servicedomain string          `json:"servicedomain"`
	Category      string          `json:"category"`
	Deleted       bool            `json:"deleted"`
	Relationships *jsonRels       `json:"relationships"`
}

// jsonRels holds every relationship any section has. encoding/json matches
// keys case-insensitively, which covers logiskAdress/logiskadress; a struct
// rather than a map keeps the reader fast on national-size exports.
type jsonRels struct {
	Rivtaprofil      json.RawMessage `json:"rivtaprofil,omitempty"`
	Tjanstekomponent json.RawMessage `json:"tjanstekomponent,omitempty"`
	Tjanstekonsument json.RawMessage `json:"tjanstekonsument,omitempty"`
	Tjanstekontrakt  json.RawMessage `json:"tjanstekontrakt,omitempty"`
	LogiskAdress     json.RawMessage `json:"logiskAdress,omitempty"`
	Anropsadress     json.RawMessage `json:"anropsadress,omitempty"`
	Anropsbehorighet json.RawMessage `json:"anropsbehorighet,omitempty"`
	Filter           json.RawMessage `json:"filter,omitempty"`
}

// rel returns the first of the named relationships the row has.
func (r *jsonRow) rel(names ...string) (json.RawMessage, bool) {
	if r.Relationships == nil {
		return nil, false
	}
	x := r.Relationships
	for _, n := range names {
		var v json.RawMessage
		switch n {
		case "rivtaprofil":
			v = x.Rivtaprofil
		case "tjanstekomponent":
			v = x.Tjanstekomponent
		case "tjanstekonsument":
			v = x.Tjanstekonsument
		case "tjanstekontrakt":
			v = x.Tjanstekontrakt
		case "logiskAdress":
			v = x.LogiskAdress
		case "anropsadress":
			v = x.Anropsadress
		case "anropsbehorighet":
			v = x.Anropsbehorighet
		case "filter":
			v = x.Filter
		}
		if len(v) > 0 {
			return v, true
		}
	}
	return nil, false
}

// ref is a relationship value: a numeric id or a natural key.
type ref struct {
	id      string // numeric id, as text
	natural string
}

func parseRef(raw json.RawMessage) (ref, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ref{}, err
		}
		return ref{natural: s}, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return ref{}, fmt.Errorf("want a number (id) or a string (natural key), got %s", raw)
	}
	return ref{id: n.String()}, nil
}

func idText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// ReadJSON reads TAK's JSON export or PubVersion snapshot.
func ReadJSON(name string, b []byte, opt Options) (*takdata.Data, error) {
	var doc jsonDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, jsonErr(name, b, err)
	}
	if doc.Data == nil {
		return nil, fmt.Errorf("%s: no \"data\" object: not a TAK export or PubVersion snapshot", name)
	}
	r := jsonReader{name: name, data: doc.Data, out: &takdata.Data{Source: name}, bounds: takdata.NewBounds(opt.loc(), takdata.CalendarZoned)}
	if err := r.read(); err != nil {
		return nil, err
	}
	return r.out, nil
}

func jsonErr(name string, b []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
		err = fmt.Errorf("field %s: cannot read %s as %s", e.Field, e.Value, e.Type)
	}
	if off >= 0 && off <= int64(len(b)) {
		line := 1 + bytes.Count(b[:off], []byte("\n"))
		return fmt.Errorf("%s:%d: %w", name, line, err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

type jsonReader struct {
	name   string
	data   *jsonData
	out    *takdata.Data
	bounds *takdata.Bounds // TAK JSON exports write dates as zoned midnights
}

func (r *jsonReader) byID(rows []jsonRow) map[string]*jsonRow {
	m := make(map[string]*jsonRow, len(rows))
	for i := range rows {
		m[idText(rows[i].ID)] = &rows[i]
	}
	return m
}

func (r *jsonReader) errf(section string, row *jsonRow, format string, args ...any) error {
	return fmt.Errorf("%s: %s id=%s: %s", r.name, section, idText(row.ID), fmt.Sprintf(format, args...))
}

// resolve returns the natural key of a relationship, looking numeric ids up in
// rows and taking key from the row found.
func (r *jsonReader) resolve(section string, row *jsonRow, rows map[string]*jsonRow, key func(*jsonRow) string, names ...string) (string, error) {
	raw, ok := row.rel(names...)
	if !ok {
		return "", r.errf(section, row, "relationship %s missing", names[0])
	}
	rf, err := parseRef(raw)
	if err != nil {
		return "", r.errf(section, row, "relationship %s: %v", names[0], err)
	}
	if rf.id == "" {
		return rf.natural, nil
	}
	target, ok := rows[rf.id]
	if !ok {
		return "", r.errf(section, row, "relationship %s: no row with id %s", names[0], rf.id)
	}
	return key(target), nil
}

// parentID is the numeric id by which a filter or categorisation row
// names its parent: they hang off their parents by id only.
func (r *jsonReader) parentID(section string, row *jsonRow, rel string) (string, error) {
	raw, ok := row.rel(rel)
	if !ok {
		return "", r.errf(section, row, "relationship %s missing", rel)
	}
	rf, err := parseRef(raw)
	if err != nil || rf.id == "" {
		return "", r.errf(section, row, "relationship %s: want a numeric id", rel)
	}
	return rf.id, nil
}

func (r *jsonReader) read() error {
	d := r.data
	profiles := r.byID(d.Rivtaprofil)
	contracts := r.byID(d.Tjanstekontrakt)
	addressees := r.byID(d.Logiskadress)
	components := r.byID(d.Tjanstekomponent)
	namn := func(x *jsonRow) string { return x.Namn }
	ns := func(x *jsonRow) string { return x.Namnrymd }
	hsa := func(x *jsonRow) string { return x.HsaID }
	adress := func(x *jsonRow) string { return x.Adress }

	// Each anropsadress: its url and profile; by id, and by url for the
	// natural-key shape.
	type endpoint struct{ url, profile string }
	epByID := map[string]endpoint{}
	epByURL := map[string][]endpoint{}
	for i := range d.Anropsadress {
		row := &d.Anropsadress[i]
		p, err := r.resolve("anropsadress", row, profiles, namn, "rivtaprofil")
		if err != nil {
			return err
		}
		ep := endpoint{url: adress(row), profile: p}
		epByID[idText(row.ID)] = ep
		epByURL[ep.url] = append(epByURL[ep.url], ep)
	}

	for i := range d.Vagval {
		row := &d.Vagval[i]
		if row.Deleted {
			continue
		}
		recv, err := r.resolve("vagval", row, addressees, hsa, "logiskAdress")
		if err != nil {
			return err
		}
		contract, err := r.resolve("vagval", row, contracts, ns, "tjanstekontrakt")
		if err != nil {
			return err
		}
		raw, ok := row.rel("anropsadress")
		if !ok {
			return r.errf("vagval", row, "relationship anropsadress missing")
		}
		rf, err := parseRef(raw)
		if err != nil {
			return r.errf("vagval", row, "relationship anropsadress: %v", err)
		}
		var ep endpoint
		if rf.id != "" {
			if ep, ok = epByID[rf.id]; !ok {
				return r.errf("vagval", row, "relationship anropsadress: no row with id %s", rf.id)
			}
		} else {
			eps := epByURL[rf.natural]
			if len(eps) == 0 {
				return r.errf("vagval", row, "relationship anropsadress: no anropsadress with adress %q", rf.natural)
			}
			ep = eps[0]
			for _, o := range eps[1:] {
				if o.profile != ep.profile {
					r.out.Warnings = append(r.out.Warnings, fmt.Sprintf("%s: vagval id=%s: anropsadress %q exists with profiles %s and %s; the export names it by url only, %s taken",
						r.name, idText(row.ID), rf.natural, ep.profile, o.profile, ep.profile))
					break
				}
			}
		}
		v, err := r.validity("vagval", row)
		if err != nil {
			return err
		}
		r.out.Routes = append(r.out.Routes, takdata.Route{
			ID: idText(row.ID), Receiver: recv, Contract: contract, Profile: rivta.Profile(ep.profile),
			Address: ep.url, Validity: v, Origin: r.name + " vagval id=" + idText(row.ID),
		})
	}

	permIndex := map[string]int{} // anropsbehorighet id -> index in out.Permissions
	for i := range d.Anropsbehorighet {
		row := &d.Anropsbehorighet[i]
		if row.Deleted {
			continue
		}
		recv, err := r.resolve("anropsbehorighet", row, addressees, hsa, "logiskAdress")
		if err != nil {
			return err
		}
		sender, err := r.resolve("anropsbehorighet", row, components, hsa, "tjanstekonsument", "tjanstekomponent")
		if err != nil {
			return err
		}
		contract, err := r.resolve("anropsbehorighet", row, contracts, ns, "tjanstekontrakt")
		if err != nil {
			return err
		}
		v, err := r.validity("anropsbehorighet", row)
		if err != nil {
			return err
		}
		permIndex[idText(row.ID)] = len(r.out.Permissions)
		r.out.Permissions = append(r.out.Permissions, takdata.Permission{
			ID: idText(row.ID), Sender: sender, Receiver: recv, Contract: contract,
			Validity: v, Origin: r.name + " anropsbehorighet id=" + idText(row.ID),
		})
	}

	// Filters hang off permissions by id, categorisations off filters.
	type filterAt struct{ perm, idx int }
	filters := map[string]filterAt{}
	for i := range d.Filter {
		row := &d.Filter[i]
		id, err := r.parentID("filter", row, "anropsbehorighet")
		if err != nil {
			return err
		}
		pi, ok := permIndex[id]
		if !ok {
			r.out.Warnings = append(r.out.Warnings, fmt.Sprintf("%s: filter id=%s: anropsbehorighet %s not found; filter ignored", r.name, idText(row.ID), id))
			continue
		}
		p := &r.out.Permissions[pi]
		filters[idText(row.ID)] = filterAt{pi, len(p.Filters)}
		p.Filters = append(p.Filters, takdata.Filter{ServiceDomain: row.Servicedomain})
	}
	for i := range d.Filtercategorization {
		row := &d.Filtercategorization[i]
		id, err := r.parentID("filtercategorization", row, "filter")
		if err != nil {
			return err
		}
		at, ok := filters[id]
		if !ok {
			r.out.Warnings = append(r.out.Warnings, fmt.Sprintf("%s: filtercategorization id=%s: filter %s not found; ignored", r.name, idText(row.ID), id))
			continue
		}
		f := &r.out.Permissions[at.perm].Filters[at.idx]
		f.Categorizations = append(f.Categorizations, row.Category)
	}
	if r.out.Empty() {
		return fmt.Errorf("%s: no vagval and no anropsbehorighet rows", r.name)
	}
	return nil
}

func (r *jsonReader) validity(section string, row *jsonRow) (takdata.Validity, error) {
	v, err := r.bounds.Validity(strings.TrimSpace(row.FromTidpunkt), strings.TrimSpace(row.TomTidpunkt))
	if err != nil {
		return v, r.errf(section, row, "%v", err)
	}
	return v, nil
}

// WriteJSON writes d as a PubVersion snapshot: TAK's sections with
// relationships by numeric id, the shape TAK stores and dumps. It is the
// lossless choice: the /export/pv shape names an anropsadress by url alone,
// so one url used with two profiles (VP's own test data has several) cannot
// come back. rivgate's model has no producer component behind an
// anropsadress; one is made per address, named producer-N. Row ids are kept
// when a section's ids are unique integers, else rows are numbered from 1.
func WriteJSON(w io.Writer, d *takdata.Data, opt Options) error {
	loc := opt.loc()
	type row = map[string]any
	type table struct {
		rows []row
		ids  map[string]int
	}
	newTable := func() *table { return &table{ids: map[string]int{}} }
	profiles, contracts, addressees, components, endpoints := newTable(), newTable(), newTable(), newTable(), newTable()
	// add returns the id of the row with key, adding it when new.
	add := func(t *table, key string, mk func(id int) row) int {
		if id, ok := t.ids[key]; ok {
			return id
		}
		id := len(t.rows) + 1
		t.ids[key] = id
		t.rows = append(t.rows, mk(id))
		return id
	}
	profile := func(p string) int {
		return add(profiles, p, func(id int) row { return row{"id": id, "namn": p, "beskrivning": "", "pubversion": "1"} })
	}
	contract := func(c string) int {
		return add(contracts, c, func(id int) row {
			major := 1
			if pc, err := rivta.ParseContract(c); err == nil {
				major = pc.Major
			}
			return row{"id": id, "namnrymd": c, "beskrivning": "", "majorVersion": major, "minorVersion": 0, "pubversion": "1"}
		})
	}
	addressee := func(h string) int {
		return add(addressees, h, func(id int) row { return row{"id": id, "hsaId": h, "beskrivning": "", "pubversion": "1"} })
	}
	component := func(h string) int {
		return add(components, h, func(id int) row { return row{"id": id, "hsaId": h, "beskrivning": "", "pubversion": "1"} })
	}
	producers := map[string]string{}
	endpoint := func(url, prof string) int {
		prod, ok := producers[url]
		if !ok {
			prod = "producer-" + strconv.Itoa(len(producers)+1)
			producers[url] = prod
		}
		return add(endpoints, url+"\x00"+prof, func(id int) row {
			return row{"id": id, "adress": url, "pubversion": "1",
				"relationships": row{"rivtaprofil": profile(prof), "tjanstekomponent": component(prod)}}
		})
	}
	routeIDs := rowIDs(len(d.Routes), func(i int) string { return d.Routes[i].ID })
	permIDs := rowIDs(len(d.Permissions), func(i int) string { return d.Permissions[i].ID })
	var vagval, behorighet, filters, cats []row
	for i := range d.Routes {
		r := &d.Routes[i]
		rel := row{"logiskadress": addressee(r.Receiver), "tjanstekontrakt": contract(r.Contract), "anropsadress": endpoint(r.Address, string(r.Profile))}
		vagval = append(vagval, row{"id": routeIDs[i], "pubversion": "1",
			"fromTidpunkt":  takdata.JSONText(r.FromText, r.From, false, loc),
			"tomTidpunkt":   takdata.JSONText(r.ToText, r.To, true, loc),
			"relationships": rel})
	}
	for i := range d.Permissions {
		p := &d.Permissions[i]
		rel := row{"logiskAdress": addressee(p.Receiver), "tjanstekonsument": component(p.Sender), "tjanstekontrakt": contract(p.Contract)}
		behorighet = append(behorighet, row{"id": permIDs[i], "integrationsavtal": "", "pubversion": "1",
			"fromTidpunkt":  takdata.JSONText(p.FromText, p.From, false, loc),
			"tomTidpunkt":   takdata.JSONText(p.ToText, p.To, true, loc),
			"relationships": rel})
		for _, f := range p.Filters {
			fid := len(filters) + 1
			filters = append(filters, row{"id": fid, "servicedomain": f.ServiceDomain, "pubversion": "1", "relationships": row{"anropsbehorighet": permIDs[i]}})
			for _, c := range f.Categorizations {
				cats = append(cats, row{"id": len(cats) + 1, "category": c, "pubversion": "1", "relationships": row{"filter": fid}})
			}
		}
	}
	nonNil := func(rows []row) []row {
		if rows == nil {
			return []row{}
		}
		return rows
	}
	doc := row{
		"formatVersion": "1", "version": "1", "utforare": "rivgate", "kommentar": "converted from " + d.Source,
		"tidpunkt": time.Now().In(loc).Format("2006-01-02T15:04:05-0700"),
		"data": row{
			"rivtaprofil": nonNil(profiles.rows), "tjanstekontrakt": nonNil(contracts.rows), "logiskadress": nonNil(addressees.rows),
			"tjanstekomponent": nonNil(components.rows), "anropsadress": nonNil(endpoints.rows), "vagval": nonNil(vagval),
			"anropsbehorighet": nonNil(behorighet), "filter": nonNil(filters), "filtercategorization": nonNil(cats),
		},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write TAK JSON: %w", err)
	}
	return nil
}

// rowIDs keeps the entries' ids when all are distinct integers, else numbers
// the rows from 1 (VP's cache files repeat ids; filters refer to
// permissions by id, so ids must be unique).
func rowIDs(n int, id func(int) string) []int64 {
	out := make([]int64, n)
	seen := make(map[int64]bool, n)
	for i := range n {
		v, err := strconv.ParseInt(id(i), 10, 64)
		if err != nil || seen[v] {
			for j := range out {
				out[j] = int64(j + 1)
			}
			return out
		}
		seen[v] = true
		out[i] = v
	}
	return out
}
