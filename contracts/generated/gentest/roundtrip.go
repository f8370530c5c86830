package gentest

import (
	"errors"
	"reflect"
	"testing"
)

// RoundTrip is the published-sample test of one contract package: every
// sample whose body is in NS is validated as published, parsed with the
// package's types, written again with them, validated again with xmllint and
// parsed again, which must give the same value.
type RoundTrip struct {
	NS      string
	Schemas Schemas
	// Invalid names the samples that do not validate as published, with why.
	Invalid map[string]string
	// Parse decodes the body element of an envelope.
	Parse func(msg []byte) (any, error)
	// Marshal writes an envelope for a value from Parse, with the receiver
	// header of the sample (wsaTo: RIVTABP20's wsa:To) when it had one.
	Marshal func(body any, receiver string, wsaTo, hasReceiver bool) ([]byte, error)
}

// Run runs one subtest per sample and returns the samples' names.
func (rt RoundTrip) Run(t *testing.T) []string {
	t.Helper()
	samples := Samples(t, RivtaDir(t), rt.NS)
	if len(samples) == 0 {
		t.Fatalf("no published samples in %s found", rt.NS)
	}
	var names []string
	found := map[string]bool{}
	for _, s := range samples {
		found[s.Name] = true
		names = append(names, s.Name)
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			err := Validate(t, s.Msg, rt.Schemas)
			reason, knownBad := rt.Invalid[s.Name]
			switch {
			case knownBad && err == nil:
				t.Errorf("listed as invalid upstream (%s) but validates", reason)
			case knownBad && !errors.Is(err, ErrInvalid):
				t.Errorf("listed as invalid upstream: %v", err)
			case knownBad:
				t.Logf("invalid as published (%s); template=%v", reason, s.Template)
			case err != nil:
				t.Errorf("published sample does not validate and is not listed as invalid: %v", err)
			}
			first, err := rt.Parse(s.Msg)
			if err != nil {
				t.Fatalf("parse published sample: %v", err)
			}
			receiver, wsaTo, has := Receiver(s.Msg)
			out, err := rt.Marshal(first, receiver, wsaTo, has)
			if err != nil {
				t.Fatalf("marshal again: %v", err)
			}
			if err := Validate(t, out, rt.Schemas); err != nil {
				t.Errorf("re-marshalled message does not validate: %v\n%s", err, out)
			}
			if got := BodyNamespace(out); got != rt.NS {
				t.Errorf("re-marshalled body element namespace %q, want %q", got, rt.NS)
			}
			second, err := rt.Parse(out)
			if err != nil {
				t.Fatalf("parse re-marshalled message: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(first, second) {
				t.Errorf("value changed in the round trip:\nfirst  %+v\nsecond %+v\n%s", first, second, out)
			}
		})
	}
	for name, reason := range rt.Invalid {
		if !found[name] {
			t.Errorf("sample %s listed as invalid (%s) was not found", name, reason)
		}
	}
	return names
}
