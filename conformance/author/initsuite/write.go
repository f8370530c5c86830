package initsuite

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/sample"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// Defaults the written suite starts from; comments in it say what each is
// for and when to change it.
const (
	defaultWait            = "60s"
	defaultStartTimeout    = "2m"
	defaultConsumerTimeout = "30s"
	slowDelay              = "2s" // a slow but working producer
	platformTimeoutDelay   = "3s" // the platform waits for the producer, then answers VP009
	defaultInstance        = "rivgate"
)

// Suite-wide requirement ids (error handling is one behaviour of the
// consumer, whichever operation failed).
const (
	reqProducerFault = "FAULT-01"
	reqPlatformFault = "FAULT-02"
	reqNetwork       = "NET-01"
)

// Consumer functions the fault scenarios exercise (risk profiles name them).
const (
	fnErrors  = "error-handling"
	fnNetwork = "network"
)

// operation is one covered operation with the names the suite gives it.
type operation struct {
	contracts.Operation
	key      string // file names: the operation name, with -vN when two versions are covered
	prefix   string // requirement and scenario ids: the name's capitals, e.g. GCC
	function string // risk-profile function id: the name in lower case

	request, rich, least []byte // sample envelopes; least is nil when it equals rich
	match                *matchExample
	// OtherProfiles are the profiles of the contract's other WSDLs for
	// the operation (the suite expects Profile, as the harness judges).
	OtherProfiles []string
}

// matchExample is a matcher the scenario shows, commented out, as a start.
type matchExample struct {
	XPath, Condition, Description string
}

type writer struct {
	opt          Options
	ops          []*operation
	namespaces   map[string]string // prefix -> namespace, for suite.yaml
	contractsRel string
	written      []string
	warnings     []string
}

func newWriter(opt Options, set *contracts.Set, ops []contracts.Operation) (*writer, error) {
	rel, err := relPath(opt.Out, opt.Contracts)
	if err != nil {
		return nil, fmt.Errorf("contracts directory relative to the suite: %w", err)
	}
	w := &writer{opt: opt, contractsRel: rel, namespaces: map[string]string{}}
	names := map[string]int{}
	for _, op := range ops {
		names[op.Name]++
	}
	usedPrefix := map[string]bool{"FAULT": true, "NET": true}
	v := xsd.New(set)
	for _, op := range ops {
		o := &operation{Operation: op, key: op.Name, function: strings.ToLower(op.Name)}
		if names[op.Name] > 1 {
			o.key = fmt.Sprintf("%s-v%d", op.Name, op.Major)
			o.function = fmt.Sprintf("%s-v%d", o.function, op.Major)
		}
		o.prefix = uniquePrefix(initials(op.Name), op.Major, usedPrefix)
		// The contract namespace's XPath prefix is the operation's (gcc),
		// claimed before the matcher example names other namespaces.
		w.prefixFor(op.Namespace, strings.ToLower(o.prefix))
		for _, other := range set.OperationsFor(op.Namespace) {
			if other.Name == op.Name && other.Profile != op.Profile && other.Profile != "" {
				o.OtherProfiles = append(o.OtherProfiles, string(other.Profile))
				w.warnings = append(w.warnings, fmt.Sprintf("%s %s also has a %s WSDL (%s): the suite expects %s, the profile the harness checks calls against",
					op.Name, version(op), other.Profile, other.WSDL, op.Profile))
			}
		}
		if err := w.samples(o, v); err != nil {
			return nil, err
		}
		w.ops = append(w.ops, o)
	}
	return w, nil
}

// samples makes the operation's request and answers and checks them
// against the contract: a problem is a warning (the user must know), not
// an error (the suite is still useful).
func (w *writer) samples(o *operation, v xsd.Validator) error {
	var err error
	if o.request, err = sample.Request(o.Operation, sample.Options{Receiver: w.opt.Receiver, Rich: true}); err != nil {
		return fmt.Errorf("%s: sample request: %w", o.Name, err)
	}
	if o.rich, err = sample.Response(o.Operation, sample.Options{Rich: true}); err != nil {
		return fmt.Errorf("%s: sample response: %w", o.Name, err)
	}
	least, err := sample.Response(o.Operation, sample.Options{})
	if err != nil {
		return fmt.Errorf("%s: least response: %w", o.Name, err)
	}
	if !bytes.Equal(least, o.rich) {
		o.least = least
	}
	for _, m := range []struct {
		what string
		env  []byte
	}{{"request", o.request}, {"full answer", o.rich}, {"least answer", o.least}} {
		if m.env == nil {
			continue
		}
		_, probs, err := xsd.ValidateMessage(v, m.env)
		switch {
		case err != nil:
			w.warnings = append(w.warnings, fmt.Sprintf("%s: the sample %s could not be validated: %v", o.Name, m.what, err))
		case len(probs) > 0:
			w.warnings = append(w.warnings, fmt.Sprintf("%s: the sample %s does not validate against the contract (first problem %s); edit it before the run", o.Name, m.what, probs[0]))
		}
	}
	o.match = w.matchExample(o)
	return nil
}

// initials are the capitals and digits of an operation name: GCC for
// GetCareContacts.
func initials(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsUpper(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return strings.ToUpper(name)
	}
	return b.String()
}

// uniquePrefix returns p, or p with the major version, or with a number,
// whichever is not used yet, and marks it used.
func uniquePrefix(p string, major int, used map[string]bool) string {
	cand := p
	for n := 0; used[cand]; n++ {
		if n == 0 {
			cand = fmt.Sprintf("%s%d", p, major)
		} else {
			cand = fmt.Sprintf("%s%d-%d", p, major, n+1)
		}
	}
	used[cand] = true
	return cand
}

var nsWord = regexp.MustCompile(`[A-Za-z]+`)

// prefixFor returns the XPath prefix of namespace ns in the suite, giving
// it want (or a name made from the namespace) when it has none yet.
func (w *writer) prefixFor(ns, want string) string {
	for p, u := range w.namespaces {
		if u == ns {
			return p
		}
	}
	if want == "" {
		// urn:riv:clinicalprocess:logistics:logistics:2 -> logistics2
		parts := strings.Split(ns, ":")
		last := parts[len(parts)-1]
		words := nsWord.FindAllString(ns, -1)
		want = "ns"
		if len(words) > 0 {
			want = strings.ToLower(words[len(words)-1])
		}
		if _, err := strconv.Atoi(last); err == nil {
			want += last
		}
	}
	p := want
	for n := 2; w.namespaces[p] != "" || slices.Contains([]string{"soap", "wsa", "itr"}, p); n++ {
		p = want + strconv.Itoa(n)
	}
	w.namespaces[p] = ns
	return p
}

// matchExample makes a matcher on the request, for the scenario to show
// as a start: on the patient's personnummer when the request holds one,
// else on its first element with text.
func (w *writer) matchExample(o *operation) *matchExample {
	leaves := textLeaves(o.request, o.Request.Space, o.Request.Local)
	if len(leaves) == 0 {
		return nil
	}
	pick := leaves[0]
	for _, l := range leaves {
		if personnummer.MatchString(l.text) {
			pick = l
			break
		}
	}
	var steps []string
	for _, n := range pick.path {
		steps = append(steps, w.prefixFor(n.Space, "")+":"+n.Local)
	}
	m := &matchExample{XPath: "//" + strings.Join(steps, "/"), Condition: "present: true", Description: "the request names " + pick.path[len(pick.path)-1].Local}
	if personnummer.MatchString(pick.text) {
		m.Condition = `regex: '^(19|20)\d{10}$'`
		m.Description = "a 12-digit personnummer"
	}
	return m
}

var personnummer = regexp.MustCompile(`^(19|20)\d{10}$`)

// leaf is an element with text, and its path from the request element.
type leaf struct {
	path []xml.Name
	text string
}

// textLeaves returns the elements with text below the request element
// (space, local) of an envelope, in document order.
func textLeaves(env []byte, space, local string) []leaf {
	d := xml.NewDecoder(bytes.NewReader(env))
	var path []xml.Name
	var out []leaf
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return out // io.EOF, or a sample we wrote ourselves that does not parse: no example
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) > 0 || (t.Name.Space == space && t.Name.Local == local) {
				path = append(path, t.Name)
				text.Reset()
			}
		case xml.CharData:
			if len(path) > 0 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(path) == 0 {
				continue
			}
			if s := strings.TrimSpace(text.String()); s != "" && len(path) > 1 {
				out = append(out, leaf{path: slices.Clone(path), text: s})
			}
			text.Reset()
			path = path[:len(path)-1]
			if len(path) == 0 {
				return out
			}
		}
	}
}

// put writes one file of the suite.
func (w *writer) put(rel string, data []byte) error {
	p := filepath.Join(w.opt.Out, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write suite: %w", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("write suite: %w", err)
	}
	w.written = append(w.written, rel)
	return nil
}

func (w *writer) files() []string { return slices.Sorted(slices.Values(w.written)) }

func (w *writer) write() error {
	var scenarioFiles []string
	var reqs []requirement
	for _, o := range w.ops {
		files := map[string][]byte{o.requestFile(): o.request, o.fullFile(): o.rich}
		if o.least != nil {
			files[o.leastFile()] = o.least
		}
		for rel, data := range files {
			if err := w.put(rel, data); err != nil {
				return err
			}
		}
		reqs = append(reqs, o.requirements()...)
		for _, sc := range w.scenarios(o) {
			var b bytes.Buffer
			if err := scenarioTemplate.Execute(&b, sc); err != nil {
				return fmt.Errorf("write scenario %s: %w", sc.ID, err)
			}
			if err := w.put(sc.File, b.Bytes()); err != nil {
				return err
			}
			scenarioFiles = append(scenarioFiles, sc.File)
		}
	}
	reqs = append(reqs,
		requirement{ID: reqProducerFault, Impact: 3, Text: "The consumer handles a producer's SOAP fault: it shows the user an understandable error, keeps the user's context (the patient, what was entered) and does not retry in a loop."},
		requirement{ID: reqPlatformFault, Impact: 3, Text: "The consumer handles the platform's faults (VP004 no route to the receiver, VP007 not authorised, VP009 the producer failed or timed out): an understandable error for the user, the user's context kept, the fault logged for operations, no retry loop."},
		requirement{ID: reqNetwork, Impact: 3, Text: "The consumer copes with a slow producer, one that never answers, and broken connections and answers: it gives up within its own timeout, shows an error, keeps the user's context and works again afterwards."},
	)
	data := suiteData{Options: w.opt, Ops: w.ops, ContractsRel: w.contractsRel, Requirements: reqs, Scenarios: scenarioFiles,
		Wait: defaultWait, StartTimeout: defaultStartTimeout, ConsumerTimeout: defaultConsumerTimeout, Instance: defaultInstance}
	for _, p := range slices.Sorted(maps.Keys(w.namespaces)) {
		data.Namespaces = append(data.Namespaces, [2]string{p, w.namespaces[p]})
	}
	var b bytes.Buffer
	if err := suiteTemplate.Execute(&b, data); err != nil {
		return fmt.Errorf("write suite.yaml: %w", err)
	}
	return w.put(scenario.SuiteFile, b.Bytes())
}

func (o *operation) requestFile() string { return "requests/" + o.key + ".xml" }
func (o *operation) fullFile() string    { return "responses/" + o.key + "-full.xml" }
func (o *operation) leastFile() string   { return "responses/" + o.key + "-least.xml" }
func (o *operation) title() string       { return o.Name + " " + version(o.Operation) }
func (o *operation) reqCall() string     { return o.prefix + "-01" }
func (o *operation) reqLeast() string    { return o.prefix + "-02" }

type requirement struct {
	ID     string
	Text   string
	Impact int
}

func (o *operation) requirements() []requirement {
	out := []requirement{{ID: o.reqCall(), Impact: 4,
		Text: fmt.Sprintf("The consumer calls %s (%s) with a request the contract accepts, addressed to the receiver, and takes a full answer (every optional element, repeated entries).", o.title(), o.Namespace)}}
	if o.least != nil {
		out = append(out, requirement{ID: o.reqLeast(), Impact: 2,
			Text: fmt.Sprintf("The consumer shows an answer of %s that holds only what the contract requires (nothing found) as such: not as an error, and without data left from an earlier answer.", o.Name)})
	}
	return out
}

// suiteData fills suiteTemplate.
type suiteData struct {
	Options
	Ops                                           []*operation
	ContractsRel                                  string
	Namespaces                                    [][2]string
	Requirements                                  []requirement
	Scenarios                                     []string
	Wait, StartTimeout, ConsumerTimeout, Instance string
}

// SuiteID names the suite after its operation, or the contract domain
// its operations share.
func (d suiteData) SuiteID() string {
	if len(d.Ops) == 1 {
		return strings.ToLower(fmt.Sprintf("%s-%d-consumer", d.Ops[0].Name, d.Ops[0].Major))
	}
	domain := ""
	for i, o := range d.Ops {
		c, err := rivta.ParseContract(o.Namespace)
		if err != nil {
			return "consumer"
		}
		dom := strings.ToLower(strings.Join(c.Domain, "-"))
		if i > 0 && dom != domain {
			return "consumer"
		}
		domain = dom
	}
	return domain + "-consumer"
}

// SuiteTitle lists the operations.
func (d suiteData) SuiteTitle() string {
	var names []string
	for _, o := range d.Ops {
		names = append(names, o.title())
	}
	return strings.Join(names, ", ") + " consumer suite (from the contract, rivgate conform init)"
}

// Description says who plays whom.
func (d suiteData) Description() string {
	return fmt.Sprintf("The consumer %s calls the receiver %s; rivgate plays the national platform and the producer. Written by rivgate conform init from the contract %s.",
		d.Consumer, d.Receiver, contractName(d.ContractsRel))
}

// contractName is the contract directory's name as people know it: the
// release folder, also when the schemas folder inside it was given.
func contractName(dir string) string {
	base := path.Base(dir)
	if strings.EqualFold(base, "schemas") {
		return path.Base(path.Dir(dir)) + "/" + base
	}
	return base
}

// scenarioData fills scenarioTemplate.
type scenarioData struct {
	File         string
	Head         []string
	ID, Title    string
	Requirements []string
	Likelihood   int
	Tags         []string
	Functions    []string
	Steps        []stepData
	// Tail are comment lines after the steps.
	Tail []string
}

type stepData struct {
	ID, Title string
	Comment   []string
	Manual    string
	// Expect: the step awaits the operation's request.
	Expect    bool
	Contract  string
	Operation string
	Trigger   []string
	Match     *matchExample
	Request   string
	Respond   string // a YAML flow mapping
}

// plainSafe are texts YAML reads as the same string when written plain,
// in block and flow context alike; yamlWords are plain words YAML reads as
// something else.
var (
	plainSafe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)
	yamlWords = regexp.MustCompile(`(?i)^(y|n|yes|no|true|false|on|off|null)$`)
)

// quote writes s as a YAML scalar: plain when that is safe, else
// double-quoted (JSON's string syntax, which YAML reads).
func quote(s string) string {
	if plainSafe.MatchString(s) && !yamlWords.MatchString(s) {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func quoteList(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

var funcs = template.FuncMap{"q": quote, "list": quoteList, "version": func(o *operation) string { return version(o.Operation) }}
