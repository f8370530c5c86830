package exchangelog

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestZerologFieldNames: the time and message fields are zerolog's own
// names (the gateway writes the rest with this package's constants).
func TestZerologFieldNames(t *testing.T) {
	if zerolog.TimestampFieldName != FieldTime || zerolog.MessageFieldName != FieldMessage {
		t.Errorf("zerolog writes %q and %q, the reader wants %q and %q", zerolog.TimestampFieldName, zerolog.MessageFieldName, FieldTime, FieldMessage)
	}
}

// line writes one exchange line as the gateway's zerolog logger does (its
// timestamp field given, rather than zerolog's clock).
func line(b *strings.Builder, at time.Time, kind, corr, sender, receiver, contract, code string, platform bool) {
	l := zerolog.New(b).With().Time(zerolog.TimestampFieldName, at).Str("instance", "rivgate").Logger()
	ev := l.Info().Str(FieldKind, kind).Str(FieldCorrelationID, corr).Str(FieldSender, sender).Str(FieldReceiver, receiver).
		Str(FieldContract, contract).Int(FieldStatus, 500).Str(FieldVPCode, code).Float64(FieldTotalMS, 1500).
		Str(FieldRoutingTrace, receiver+",(parent),SE").Str(FieldAuthTrace, receiver)
	if platform {
		ev = ev.Bool(FieldPlatform, true)
	}
	ev.Msg(MessageExchange)
}

const ns = "urn:riv:test:GetThingsResponder:1"

// TestCount: distinct calls with their calls per local day, the lines left
// out by reason, and values with escapes read as a full decode reads them.
func TestCount(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	sthlm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	d1 := time.Date(2025, 6, 1, 21, 0, 0, 0, time.UTC) // 23:00 in Stockholm
	d2 := d1.Add(90 * time.Minute)                     // 00:30 the next day there
	for range 3 {
		line(&b, d1, KindService, "a", "CONS1", "RECV1", ns, "", false)
	}
	line(&b, d2, KindService, "b", "CONS1", "RECV1", ns, "", false)
	line(&b, d2, KindService, "c", "CONS1", "RECV1", ns, "", true) // a platform call is another call
	line(&b, d2, KindService, "d", `CONS"2`, "RÉCV\\2", ns, "VP007", false)
	line(&b, d2, "wsdl", "e", "", "", "", "", false)
	line(&b, d2, KindService, "f", "", "RECV1", ns, "VP002", false)
	line(&b, d2, KindService, "g", "CONS1", "", ns, "VP003", false)
	line(&b, d2, KindService, "h", "CONS1", "", "", "VP015", false)
	b.WriteString("not json at all\n")
	b.WriteString(`{"level":"info","message":"TAK reload: loaded"}` + "\n")
	b.WriteString(`{"message":"exchange","kind":"service","sender":"X",` + "\n") // cut short

	tr := NewTraffic(sthlm)
	if err := tr.Read(strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	tr.Finish()
	if tr.Lines != 13 || tr.Exchanges != 6 || tr.Other != 3 {
		t.Errorf("lines %d, exchanges %d, other %d", tr.Lines, tr.Exchanges, tr.Other)
	}
	wantSkip := map[string]int{SkipNotService: 1, SkipNoSender: 1, SkipNoReceiver: 1, SkipNoContract: 1}
	if !maps.Equal(tr.Skipped, wantSkip) {
		t.Errorf("skipped %v, want %v", tr.Skipped, wantSkip)
	}
	if !slices.Equal(tr.Days, []string{"2025-06-01", "2025-06-02"}) {
		t.Errorf("days %v (Stockholm: 23:00 and 00:30 are two days)", tr.Days)
	}
	var got []string
	for _, c := range tr.Calls {
		days := slices.Sorted(maps.Keys(c.PerDay))
		var per []string
		for _, d := range days {
			per = append(per, d+"="+strconv.Itoa(c.PerDay[d]))
		}
		got = append(got, c.Sender+" "+c.Receiver+" "+strconv.FormatBool(c.Platform)+" "+strconv.Itoa(c.Calls)+" "+strings.Join(per, ","))
	}
	want := []string{
		"CONS1 RECV1 false 4 2025-06-01=3,2025-06-02=1",
		"CONS1 RECV1 true 1 2025-06-02=1",
		`CONS"2 RÉCV\2 false 1 2025-06-02=1`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if !tr.From.Equal(d1) || !tr.To.Equal(d2) || tr.PerDay(tr.Calls[0]) != 2 {
		t.Errorf("span %s..%s, %.1f per day", tr.From, tr.To, tr.PerDay(tr.Calls[0]))
	}
}

// TestFind: every line of one correlation id, with all fields, passed over
// when the id only appears inside another value.
func TestFind(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	line(&b, at, KindService, "corr-1", "CONS1", "RECV1", ns, "VP004", false)
	line(&b, at, KindService, "corr-2", "corr-1", "RECV1", ns, "", false) // the id as another field
	line(&b, at.Add(time.Minute), KindService, "corr-1", "CONS1", "RECV2", ns, "", true)
	line(&b, at, KindService, `id"with\quote`, "CONS1", "RECV3", ns, "", false)
	es, err := Find(strings.NewReader(b.String()), "corr-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("found %d lines: %+v", len(es), es)
	}
	e := es[0]
	if e.Line != 1 || e.Sender != "CONS1" || e.Receiver != "RECV1" || e.Contract != ns || e.VPCode != "VP004" || e.Status != 500 ||
		e.TotalMS != 1500 || e.RoutingTrace != "RECV1,(parent),SE" || e.AuthTrace != "RECV1" || e.Instance != "rivgate" || !e.Time.Equal(at) {
		t.Errorf("entry %+v", e)
	}
	if !e.Start().Equal(at.Add(-1500 * time.Millisecond)) {
		t.Errorf("start %s", e.Start())
	}
	if es[1].Line != 3 || !es[1].Platform || es[1].Receiver != "RECV2" {
		t.Errorf("second %+v", es[1])
	}
	q, err := Find(strings.NewReader(b.String()), `id"with\quote`)
	if err != nil || len(q) != 1 || q[0].Receiver != "RECV3" {
		t.Errorf("escaped id: %+v, %v", q, err)
	}
}

// collect is a fieldSink that keeps every string and number, last wins.
type collect map[string]string

func (c collect) field(key, val []byte, typ byte) {
	if typ == '"' || typ == '0' {
		c[string(key)] = string(val)
	} else {
		delete(c, string(key))
	}
}

// FuzzScanObject: wherever encoding/json reads a line as an object, the
// scanner reads it too, with the same top-level strings and numbers.
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{
		`{"message":"exchange","sender":"A","n":1.5e3,"o":{"x":[1,"}"]},"b":true,"z":null}`,
		`{"a":"\u00e9\ud83d\ude00","b":"\"quoted\"","c":"tab\there"}`,
		` { "a" : "x" , "a" : "y" } `,
		`{"a":"\xff"}`, `{}`, `{"a":-0.0e-1}`, `{"a":01}`, `{"a":"x",}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		jsonErr := dec.Decode(&m)
		if jsonErr == nil && !json.Valid(b) {
			// trailing data ("{}}" decodes, then More and a second Decode
			// both miss the stray "}"): one object per line, nothing after
			jsonErr = errSyntax
		}
		got := collect{}
		err := scanObject(b, got)
		if jsonErr != nil || m == nil {
			return // the scanner may be more lenient inside nested values
		}
		if err != nil {
			t.Fatalf("encoding/json reads %q, the scanner fails: %v", b, err)
		}
		for k, v := range m {
			var want string
			switch v := v.(type) {
			case string:
				want = v
			case json.Number:
				want = string(v)
			default:
				if _, ok := got[k]; ok {
					t.Fatalf("%q: key %q is %T, scanner kept %q", b, k, v, got[k])
				}
				continue
			}
			if got[k] != want {
				t.Fatalf("%q: key %q = %q, encoding/json %q", b, k, got[k], want)
			}
		}
	})
}

// TestParse: one line read whole, another message and a broken line told
// apart.
func TestParse(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	line(&b, at, KindService, "corr-1", "CONS1", "RECV1 ", ns, "VP004", false)
	e, err := Parse([]byte(strings.TrimSuffix(b.String(), "\n")), 7)
	if err != nil || e.Line != 7 || e.VPCode != "VP004" || e.Receiver != "RECV1 " || e.Sender != "CONS1" || !e.Time.Equal(at) {
		t.Fatalf("Parse: %+v, %v", e, err)
	}
	for _, tc := range []struct {
		line    string
		another bool
	}{
		{`{"level":"info","message":"listening"}`, true},
		{`not json`, false},
		{`{"message":"exchange","time":"yesterday"}`, false},
	} {
		_, err := Parse([]byte(tc.line), 1)
		if err == nil || errors.Is(err, ErrNotExchange) != tc.another {
			t.Errorf("%s: %v (another message: %v)", tc.line, err, tc.another)
		}
	}
}
