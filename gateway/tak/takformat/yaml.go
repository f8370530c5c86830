package takformat

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// yamlFile is rivgate's TAK catalogue format, documented in docs/tak.md
// ("TAK catalogue") with an example in fixtures/tak/.
type yamlFile struct {
	Routes      []yamlRoute      `yaml:"routes,omitempty"`
	Permissions []yamlPermission `yaml:"permissions,omitempty"`
}

type yamlRoute struct {
	ID       string `yaml:"id,omitempty"`
	Receiver string `yaml:"receiver"`
	Contract string `yaml:"contract"`
	Profile  string `yaml:"profile"`
	Address  string `yaml:"address"`
	From     string `yaml:"from,omitempty"`
	To       string `yaml:"to,omitempty"`
}

type yamlPermission struct {
	ID       string       `yaml:"id,omitempty"`
	Sender   string       `yaml:"sender"`
	Receiver string       `yaml:"receiver"`
	Contract string       `yaml:"contract"`
	From     string       `yaml:"from,omitempty"`
	To       string       `yaml:"to,omitempty"`
	Filters  []yamlFilter `yaml:"filters,omitempty"`
}

type yamlFilter struct {
	ServiceDomain   string   `yaml:"serviceDomain"`
	Categorizations []string `yaml:"categorizations,omitempty"`
}

// ReadYAML reads rivgate's YAML catalogue strictly: unknown fields (with
// "did you mean" for a near miss), duplicate keys, wrong types, missing
// required fields and bad dates are errors naming the file, line and
// field, all of them in one run (the first maxProblems, in document
// order). from/to may be left out (unbounded); a bare date means the whole
// day in the configured zone.
func ReadYAML(name string, b []byte, opt Options) (*takdata.Data, error) {
	// One parse: the tree gives both the values (decoded strictly) and the
	// lines that name entries in messages.
	var f yamlFile
	file, probs := yamlstrict.DecodeProblems(b, &f)
	if file != nil && len(file.Docs) > 1 {
		return nil, fmt.Errorf("%s: %d YAML documents: want one", name, len(file.Docs))
	}
	// A TAK message names the place and says what is wrong; the
	// unknown-field message names the field already.
	bad := map[[2]int]bool{}
	for i := range probs {
		probs[i].Field = ""
		bad[[2]int{probs[i].Line, probs[i].Column}] = true
	}
	if !yamlstrict.Complete(probs) {
		return nil, yamlstrict.Join(name, probs)
	}
	var body ast.Node
	if len(file.Docs) > 0 {
		body = file.Docs[0].Body
	}
	if len(f.Routes) == 0 && len(f.Permissions) == 0 {
		if len(probs) > 0 {
			return nil, yamlstrict.Join(name, probs)
		}
		return nil, fmt.Errorf("%s:1: no routes and no permissions: want a mapping with 'routes:' and/or 'permissions:'", name)
	}
	loc := opt.loc()
	lines := entryLines(body)
	origin := func(list string, i int) string {
		if l := lines[list]; i < len(l) {
			return name + ":" + strconv.Itoa(l[i])
		}
		return name
	}
	// problem records what is wrong with the value at path, placed at it,
	// or at its entry's line when the field is left out; a value the
	// decoder refused already is not reported twice.
	problem := func(path string, format string, args ...any) {
		line, col, found := yamlstrict.Place(file, path)
		if !found {
			col = 0
		} else if bad[[2]int{line, col}] {
			return
		}
		probs = append(probs, yamlstrict.Problem{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
	}
	d := &takdata.Data{Source: name}
	for i, r := range f.Routes {
		base := fmt.Sprintf("$.routes[%d]", i)
		ok := true
		for _, req := range []struct{ field, val string }{{"receiver", r.Receiver}, {"contract", r.Contract}, {"profile", r.Profile}} {
			if strings.TrimSpace(req.val) == "" {
				problem(base+"."+req.field, "routes[%d].%s: required", i, req.field)
				ok = false
			}
		}
		v, err := yamlValidity(r.From, r.To, loc)
		if err != nil {
			problem(base+"."+err.field, "routes[%d].%s: %v", i, err.field, err.err)
			ok = false
		}
		if ok {
			d.Routes = append(d.Routes, takdata.Route{
				ID: r.ID, Receiver: r.Receiver, Contract: r.Contract, Profile: rivta.Profile(r.Profile),
				Address: r.Address, Validity: v, Origin: origin("routes", i),
			})
		}
	}
	for i, p := range f.Permissions {
		base := fmt.Sprintf("$.permissions[%d]", i)
		ok := true
		for _, req := range []struct{ field, val string }{{"sender", p.Sender}, {"receiver", p.Receiver}, {"contract", p.Contract}} {
			if strings.TrimSpace(req.val) == "" {
				problem(base+"."+req.field, "permissions[%d].%s: required", i, req.field)
				ok = false
			}
		}
		v, err := yamlValidity(p.From, p.To, loc)
		if err != nil {
			problem(base+"."+err.field, "permissions[%d].%s: %v", i, err.field, err.err)
			ok = false
		}
		var filters []takdata.Filter
		for j, fl := range p.Filters {
			if strings.TrimSpace(fl.ServiceDomain) == "" {
				problem(fmt.Sprintf("%s.filters[%d].serviceDomain", base, j), "permissions[%d].filters[%d].serviceDomain: required", i, j)
				ok = false
			}
			filters = append(filters, takdata.Filter{ServiceDomain: fl.ServiceDomain, Categorizations: fl.Categorizations})
		}
		if ok {
			d.Permissions = append(d.Permissions, takdata.Permission{
				ID: p.ID, Sender: p.Sender, Receiver: p.Receiver, Contract: p.Contract,
				Validity: v, Filters: filters, Origin: origin("permissions", i),
			})
		}
	}
	if len(probs) > 0 {
		return nil, yamlstrict.Join(name, firstProblems(probs))
	}
	return d, nil
}

// maxProblems bounds the problems one catalogue reports: a national dump
// with one mistake made throughout would otherwise print it per entry.
const maxProblems = 20

// firstProblems is the first maxProblems of probs in document order, and a
// last one saying how many more there are.
func firstProblems(probs []yamlstrict.Problem) []yamlstrict.Problem {
	yamlstrict.SortByPlace(probs)
	if len(probs) <= maxProblems {
		return probs
	}
	return append(probs[:maxProblems:maxProblems], yamlstrict.Problem{Msg: fmt.Sprintf("%d more problems not shown", len(probs)-maxProblems)})
}

// entryLines finds the line of each entry of the top-level routes and
// permissions lists.
func entryLines(body ast.Node) map[string][]int {
	out := map[string][]int{}
	m, ok := body.(*ast.MappingNode)
	if !ok {
		return out
	}
	for _, mv := range m.Values {
		seq, ok := mv.Value.(*ast.SequenceNode)
		if !ok {
			continue
		}
		key := mv.Key.GetToken().Value
		for _, v := range seq.Values {
			out[key] = append(out[key], v.GetToken().Position.Line)
		}
	}
	return out
}

type fieldErr struct {
	field string
	err   error
}

func yamlValidity(from, to string, l *time.Location) (takdata.Validity, *fieldErr) {
	v := takdata.Validity{FromText: strings.TrimSpace(from), ToText: strings.TrimSpace(to)}
	var err error
	if v.FromText != "" {
		if v.From, err = takdata.ParseBound(v.FromText, false, l, takdata.ExactZoned); err != nil {
			return v, &fieldErr{"from", err}
		}
	}
	if v.ToText != "" {
		if v.To, err = takdata.ParseBound(v.ToText, true, l, takdata.ExactZoned); err != nil {
			return v, &fieldErr{"to", err}
		}
	}
	if !v.From.IsZero() && !v.To.IsZero() && v.To.Before(v.From) {
		return v, &fieldErr{"to", fmt.Errorf("%s is before from %s", v.ToText, v.FromText)}
	}
	return v, nil
}

// WriteYAML writes d in rivgate's YAML format. It writes the text itself
// rather than through go-yaml's encoder, which turns "x\r\n" into a literal
// block and loses the \r; values are quoted unless plainly safe.
func WriteYAML(w io.Writer, d *takdata.Data, opt Options) error {
	loc := opt.loc()
	var b bytes.Buffer
	b.WriteString("# rivgate TAK catalogue (docs/tak.md)\n")
	if d.Source != "" {
		fmt.Fprintf(&b, "# converted from %s\n", strings.NewReplacer("\n", " ", "\r", " ").Replace(d.Source))
	}
	fmt.Fprintf(&b, "# bare dates are calendar days in %s\n", loc)
	field := func(indent, key, val string, omitEmpty bool) {
		if omitEmpty && val == "" {
			return
		}
		b.WriteString(indent)
		b.WriteString(key)
		b.WriteString(": ")
		b.WriteString(yamlScalar(val))
		b.WriteByte('\n')
	}
	if len(d.Routes) > 0 {
		b.WriteString("routes:\n")
	}
	for i := range d.Routes {
		r := &d.Routes[i]
		b.WriteString("  - receiver: " + yamlScalar(r.Receiver) + "\n")
		field("    ", "contract", r.Contract, false)
		field("    ", "profile", string(r.Profile), false)
		field("    ", "address", r.Address, false)
		field("    ", "from", takdata.YAMLText(r.FromText, r.From, false, loc), true)
		field("    ", "to", takdata.YAMLText(r.ToText, r.To, true, loc), true)
		field("    ", "id", r.ID, true)
	}
	if len(d.Permissions) > 0 {
		b.WriteString("permissions:\n")
	}
	for i := range d.Permissions {
		p := &d.Permissions[i]
		b.WriteString("  - sender: " + yamlScalar(p.Sender) + "\n")
		field("    ", "receiver", p.Receiver, false)
		field("    ", "contract", p.Contract, false)
		field("    ", "from", takdata.YAMLText(p.FromText, p.From, false, loc), true)
		field("    ", "to", takdata.YAMLText(p.ToText, p.To, true, loc), true)
		field("    ", "id", p.ID, true)
		if len(p.Filters) > 0 {
			b.WriteString("    filters:\n")
		}
		for _, f := range p.Filters {
			b.WriteString("      - serviceDomain: " + yamlScalar(f.ServiceDomain) + "\n")
			if len(f.Categorizations) > 0 {
				b.WriteString("        categorizations:\n")
			}
			for _, c := range f.Categorizations {
				b.WriteString("          - " + yamlScalar(c) + "\n")
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

var (
	yamlPlain = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:/?&=+%~-]*$`)
	yamlDate  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9:]+)?)?$`)
)

// yamlScalar writes s plain when YAML reads it back as the same string, and
// double-quoted (with YAML's escapes, a subset Go's %q shares) otherwise.
func yamlScalar(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return strconv.Quote(s)
	}
	// A colon ending the value would make it a mapping key (fuzz finding:
	// address "A0000:" was written plain and did not read back).
	if yamlDate.MatchString(s) || (yamlPlain.MatchString(s) && !strings.Contains(s, ": ") && !strings.HasSuffix(s, ":")) {
		return s
	}
	return strconv.Quote(s)
}
