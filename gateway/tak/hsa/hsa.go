// Package hsa is the HSA organisation tree VP climbs when a call's receiver has
// no route or permission of its own ("trädklättring").
//
// The tree is read from FileGetHsaUnitsResponse files (namespace
// urn:riv:hsa:HsaWsResponder:3, units with hsaIdentity, DN and name). The
// first file is the master; later files complement it: a unit with a DN
// already seen replaces the earlier one. A unit's parent is the unit at the
// nearest ancestor DN that exists in the files; a unit without one, and any
// HSA-id not in the tree, has parent SE.
//
// Lookups are by exact HSA-id, case-sensitive, as in VP's hsa-cache (a plain
// HashMap). TAK's own keys are case-insensitive, so a receiver written in
// lower case finds its routes but not its place in the tree; rivgate keeps
// VP's behaviour so decisions match the platform, and `rivgate tak lint`
// warns when a TAK receiver matches an HSA unit only case-insensitively.
package hsa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Root is the HSA-id at the top of every walk (VP's DEFAULT_ROOTNODE).
const Root = "SE"

// Unit is one hsaUnit as read from a file.
type Unit struct {
	HSAID string
	DN    string
	Name  string
	// Line is the line of the hsaUnit start tag, for messages.
	Line int
	File string
}

// Tree maps HSA-ids to their parents. The zero value is an empty tree in which
// every id has parent SE. A Tree is immutable once built and safe for
// concurrent use.
type Tree struct {
	parent map[string]string // hsaId -> parent hsaId, only for units with a parent
	known  map[string]bool   // every hsaId in the files
	files  []string
}

// Parent returns the parent of id and whether it came from the tree. When
// fromTree is false, parent is Root: id is unknown or has no ancestor in the
// files. VP stops its walk exactly then: it compares the returned string with
// its SE constant by reference, so a walk that reaches the tree's own SE unit
// takes one more step (SE -> SE) before it ends; Walk reproduces that.
func (t *Tree) Parent(id string) (parent string, fromTree bool) {
	if t != nil {
		if p, ok := t.parent[id]; ok {
			return p, true
		}
	}
	return Root, false
}

// Contains reports whether id is a unit in the tree (exact match).
func (t *Tree) Contains(id string) bool { return t != nil && t.known[id] }

// Len is the number of distinct HSA-ids in the tree.
func (t *Tree) Len() int {
	if t == nil {
		return 0
	}
	return len(t.known)
}

// Files lists the files the tree was built from.
func (t *Tree) Files() []string {
	if t == nil {
		return nil
	}
	return t.files
}

// IDs returns every HSA-id in the tree, in no particular order.
func (t *Tree) IDs() []string {
	if t == nil {
		return nil
	}
	ids := make([]string, 0, len(t.known))
	for id := range t.known {
		ids = append(ids, id)
	}
	return ids
}

// maxWalk bounds a walk. Parents come from strictly shorter DNs, but two units
// may share an HSA-id, which can make the id graph loop; VP would spin there.
const maxWalk = 256

// Walk calls visit with each ancestor of id in VP's order, starting with the
// parent, until visit returns true or the walk ends (at SE as VP ends it). It
// reports whether visit returned true.
func (t *Tree) Walk(id string, visit func(ancestor string) bool) bool {
	cur := id
	for range maxWalk {
		p, fromTree := t.Parent(cur)
		if visit(p) {
			return true
		}
		if !fromTree {
			return false
		}
		cur = p
	}
	return false
}

// Load reads the master file and its complements and builds the tree.
func Load(files ...string) (*Tree, error) {
	var all []Unit
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("load HSA tree: %w", err)
		}
		units, err := Parse(bytes.NewReader(b), f)
		if err != nil {
			return nil, fmt.Errorf("load HSA tree: %w", err)
		}
		all = append(all, units...)
	}
	t := Build(all)
	t.files = append([]string(nil), files...)
	return t, nil
}

// Build makes a tree from units in file order: a later unit with the same DN
// replaces an earlier one (complement files override the master).
func Build(units []Unit) *Tree {
	byDN := make(map[string]int, len(units)) // normalised DN -> index in units
	order := make([]string, 0, len(units))
	for i, u := range units {
		k := normDN(u.DN)
		if _, seen := byDN[k]; !seen {
			order = append(order, k)
		}
		byDN[k] = i
	}
	t := &Tree{parent: make(map[string]string, len(order)), known: make(map[string]bool, len(order))}
	for _, k := range order {
		u := units[byDN[k]]
		t.known[u.HSAID] = true
		for p := parentDN(k); p != ""; p = parentDN(p) {
			if j, ok := byDN[p]; ok {
				// Two units with one HSA-id: the last one in file order wins,
				// deterministically (VP's HashMap order is arbitrary).
				t.parent[u.HSAID] = units[j].HSAID
				break
			}
		}
	}
	return t
}

// normDN splits on commas and trims each part, as VP's Dn does; comparison
// stays case-sensitive.
func normDN(dn string) string {
	parts := strings.Split(dn, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}

func parentDN(dn string) string {
	i := strings.IndexByte(dn, ',')
	if i < 0 {
		return ""
	}
	return dn[i+1:]
}

// Namespace is the namespace of the HSA unit file.
const Namespace = "urn:riv:hsa:HsaWsResponder:3"

// ErrNoUnits is returned for a well-formed file without any hsaUnit.
var ErrNoUnits = errors.New("no hsaUnit elements")

// Parse reads the hsaUnit elements of one file. Elements are matched by local
// name, as VP's parser does; a unit needs both hsaIdentity and DN, and a DN
// may appear only once per file.
func Parse(r io.Reader, name string) ([]Unit, error) {
	dec := xml.NewDecoder(r)
	var units []Unit
	var cur *Unit
	var field string
	var text strings.Builder
	seen := map[string]int{}
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s:%d: %s", name, se.Line, se.Msg)
			}
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch tk.Name.Local {
			case "hsaUnit":
				cur = &Unit{File: name, Line: line}
			case "hsaIdentity", "DN", "name":
				if cur != nil {
					field = tk.Name.Local
					text.Reset()
				}
			}
		case xml.CharData:
			if field != "" {
				text.Write(tk)
			}
		case xml.EndElement:
			switch {
			case tk.Name.Local == field:
				switch field {
				case "hsaIdentity":
					cur.HSAID = strings.TrimSpace(text.String())
				case "DN":
					cur.DN = text.String()
				case "name":
					cur.Name = text.String()
				}
				field = ""
			case tk.Name.Local == "hsaUnit" && cur != nil:
				if cur.HSAID == "" || strings.TrimSpace(cur.DN) == "" {
					return nil, fmt.Errorf("%s:%d: hsaUnit: hsaIdentity and DN are required", name, cur.Line)
				}
				k := normDN(cur.DN)
				if prev, dup := seen[k]; dup {
					return nil, fmt.Errorf("%s:%d: hsaUnit: DN %q already at line %d", name, cur.Line, cur.DN, prev)
				}
				seen[k] = cur.Line
				units = append(units, *cur)
				cur = nil
			}
		}
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoUnits)
	}
	return units, nil
}
