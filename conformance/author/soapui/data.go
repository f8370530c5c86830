package soapui

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"

	"github.com/beevik/etree"
)

// Data is a TK suite's data.xml: global values and per-test-case values.
type Data struct {
	Global map[string]string
	Cases  map[string]map[string]string
	// CaseOrder lists the test-case ids in file order.
	CaseOrder []string
}

// ParseDataFile reads data.xml.
func ParseDataFile(path string) (*Data, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data file: %w", err)
	}
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = 64
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, fmt.Errorf("data file %s: %w", path, err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "testsuite" {
		return nil, fmt.Errorf("data file %s: %w", path, errors.New("want a testsuite root element"))
	}
	d := &Data{Global: map[string]string{}, Cases: map[string]map[string]string{}}
	if g := root.SelectElement("globaldata"); g != nil {
		for _, e := range g.ChildElements() {
			d.Global[e.Tag] = e.Text()
		}
	}
	for _, tc := range root.SelectElements("testcase") {
		id := tc.SelectAttrValue("id", "")
		vals := map[string]string{}
		if dd := tc.SelectElement("data"); dd != nil {
			for _, e := range dd.ChildElements() {
				vals[e.Tag] = e.Text()
			}
		}
		d.Cases[id] = vals
		d.CaseOrder = append(d.CaseOrder, id)
	}
	return d, nil
}

// Values are a test case's values: globaldata, overridden by the test
// case's own ("Om en parameter med samma namn definieras både i globaldata
// och specifikt för testfallet, så kommer värdet från testfalls-sektionen
// att användas").
func (d *Data) Values(caseID string) (map[string]string, bool) {
	out := map[string]string{}
	if d == nil {
		return out, false
	}
	for k, v := range d.Global {
		out[k] = v
	}
	c, ok := d.Cases[caseID]
	for k, v := range c {
		out[k] = v
	}
	return out, ok
}

// Defines reports whether the data file names the variable anywhere.
func (d *Data) Defines(name string) bool {
	if d == nil {
		return false
	}
	if _, ok := d.Global[name]; ok {
		return true
	}
	for _, c := range d.Cases {
		if _, ok := c[name]; ok {
			return true
		}
	}
	return false
}

// propertyRef is a SoapUI property expansion: ${name}, ${#Scope#name}.
var propertyRef = regexp.MustCompile(`\$\{(#[A-Za-z]+#)?([^}#]+)\}`)

// expand replaces ${name} (and ${#Scope#name}) with the value in vals.
// Names not in vals become empty, as in SoapUI; they are returned in
// missing (sorted, once each).
func expand(s string, vals map[string]string) (out string, missing []string) {
	seen := map[string]bool{}
	out = propertyRef.ReplaceAllStringFunc(s, func(m string) string {
		name := propertyRef.FindStringSubmatch(m)[2]
		if v, ok := vals[name]; ok {
			return v
		}
		if !seen[name] {
			seen[name] = true
			missing = append(missing, name)
		}
		return ""
	})
	sort.Strings(missing)
	return out, missing
}
