// Package takdifftest makes national-scale inputs for takdiff's tests and
// benchmarks and for tools/bench: a change to a generated catalogue (see
// taktest.Generate) whose effects are known in advance, and an exchange log
// of any length in the gateway's line format.
package takdifftest

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// ChangeOptions say how much to change.
type ChangeOptions struct {
	// Every: one entry in Every gets each kind of change (100 is 1% each).
	Every int
	// At is the moment the change is previewed at: end dates are set
	// relative to it.
	At time.Time
}

// Change returns a copy of d (a taktest.Generate catalogue, where route i
// and permission i share a key and nothing else does) with, for entry i
// by i%Every: 0 the route removed (VP004); 1 the permission ended the day
// before At (VP007); 2 the route's address changed (moved); 3 a second,
// overlapping route added (VP006); 4 the permission ending 10 days after
// At (no effect at At, a lapse in a window); 5 a new receiver with a route
// and a permission (fixed: VP004 to OK).
func Change(d *takdata.Data, opt ChangeOptions) *takdata.Data {
	out := &takdata.Data{Source: d.Source + " (changed)"}
	out.Routes = make([]takdata.Route, 0, len(d.Routes)+len(d.Routes)/opt.Every*2)
	out.Permissions = slices.Clone(d.Permissions)
	dayBefore := opt.At.Add(-24 * time.Hour)
	lapse := opt.At.Add(10 * 24 * time.Hour)
	for i, r := range d.Routes {
		switch i % opt.Every {
		case 0:
			continue
		case 1:
			out.Permissions[i].To, out.Permissions[i].ToText = dayBefore, ""
		case 2:
			r.Address += "/moved"
		case 3:
			extra := r
			extra.ID, extra.Address = r.ID+"b", r.Address+"/second"
			out.Routes = append(out.Routes, extra)
		case 4:
			out.Permissions[i].To, out.Permissions[i].ToText = lapse, ""
		case 5:
			nr, np := r, d.Permissions[i]
			nr.ID, nr.Receiver, nr.Address = r.ID+"n", r.Receiver+"-NEW", r.Address+"/new"
			np.ID, np.Receiver = np.ID+"n", nr.Receiver
			out.Routes = append(out.Routes, nr)
			out.Permissions = append(out.Permissions, np)
		}
		out.Routes = append(out.Routes, r)
	}
	return out
}

// Expected is what a preview of Change(Generate(n), Every) at At finds.
type Expected struct {
	Changes, Broken, Moved, Fixed int
	// Lapsing is the effects at the one boundary within 30 days.
	Lapsing int
}

// Expect gives the counts for a catalogue of n routes (route i and
// permission i sharing a key, one consumer each) and one change of each
// kind in every.
func Expect(n, every int) Expected {
	// How many i in [0, n) have i%every == c.
	k := func(c int) int {
		if c < n%every {
			return n/every + 1
		}
		return n / every
	}
	// Removed routes, ended permissions, moved routes, overlapping routes,
	// permissions ending later, and new routes with new permissions.
	return Expected{
		Changes: k(0) + k(1) + k(2) + k(3) + k(4) + 2*k(5),
		Broken:  k(0) + k(1) + k(3), Moved: k(2), Fixed: k(5), Lapsing: k(4),
	}
}

// Log is a set of distinct exchange lines, repeated to any length.
type Log struct {
	lines [][]byte
}

// NewLog makes distinct exchange lines, one per call of permission
// i*len/distinct of d (a spread over the catalogue, so a Change touches
// some of them), timed one second apart from start, as the gateway writes
// them (gateway/log.go).
func NewLog(d *takdata.Data, distinct int, start time.Time) *Log {
	l := &Log{}
	producers := make(map[[2]string]string, len(d.Routes))
	for _, r := range d.Routes {
		producers[[2]string{r.Receiver, r.Contract}] = r.Address
	}
	step := max(1, len(d.Permissions)/distinct)
	for j := range distinct {
		p := d.Permissions[(j*step)%len(d.Permissions)]
		producer := producers[[2]string{p.Receiver, p.Contract}]
		at := start.Add(time.Duration(j) * time.Second).UTC().Format(time.RFC3339)
		l.lines = append(l.lines, fmt.Appendf(nil, `{"level":"info","instance":"rivgate-1","kind":"service","correlation_id":"%08x-7c1e-4b8a-9f3d-%012d","listener":"https","remote":"10.1.2.3:%d","sender":%q,"receiver":%q,"contract":%q,"riv_profile":"RIVTABP21","route_profile":"RIVTABP21","producer":%q,"status":200,"vp_code":"","total_ms":12.345,"producer_ms":10.987,"routing_trace":%q,"auth_trace":%q,"time":%q,"message":"exchange"}`+"\n",
			j, j, 30000+j%30000, p.Sender, p.Receiver, p.Contract, producer, p.Receiver, p.Receiver, at))
	}
	return l
}

// Size is the byte length of n lines.
func (l *Log) Size(n int) int {
	total := 0
	for i := range n {
		total += len(l.lines[i%len(l.lines)])
	}
	return total
}

// Reader yields n lines, the distinct ones over and over.
func (l *Log) Reader(n int) io.Reader { return &logReader{l: l, left: n} }

type logReader struct {
	l    *Log
	left int
	i    int
	cur  bytes.Reader
}

func (r *logReader) Read(p []byte) (int, error) {
	for r.cur.Len() == 0 {
		if r.left == 0 {
			return 0, io.EOF
		}
		r.cur.Reset(r.l.lines[r.i%len(r.l.lines)])
		r.i++
		r.left--
	}
	return r.cur.Read(p)
}
