package yamlstrict

import (
	"encoding/json"
	"testing"
	"time"
)

type timing struct {
	Wait    Duration            `yaml:"wait" json:"wait,omitzero"`
	PerName map[string]Duration `yaml:"per_name" json:"per_name,omitempty"`
}

// TestDurationYAML: good values decode, a bad one is placed at its line
// and key, and a value left out or null is zero.
func TestDurationYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		want       time.Duration
		err        string
	}{
		{name: "go form", data: "wait: 1h2m3.5s\n", want: time.Hour + 2*time.Minute + 3500*time.Millisecond},
		{name: "quoted", data: "wait: \"500ms\"\n", want: 500 * time.Millisecond},
		{name: "null", data: "wait: ~\n"},
		{name: "left out", data: "per_name: {}\n"},
		{name: "no unit", data: "wait: 3\n", err: `t.yaml:1:7: field wait: "3" is not a duration (want e.g. 2s, 500ms, 5m)`},
		{name: "negative", data: "wait: -1s\n", err: `t.yaml:1:7: field wait: "-1s" is not a duration (want e.g. 2s, 500ms, 5m)`},
		{name: "a list", data: "wait: [1s]\n", err: `t.yaml:1:7: field wait: "[1s]" is not a duration (want e.g. 2s, 500ms, 5m)`},
		{name: "in a map", data: "per_name:\n  a: 1s\n  b: soon\n", err: `t.yaml:3:6: field b: "soon" is not a duration (want e.g. 2s, 500ms, 5m)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v timing
			_, err := Decode("t.yaml", []byte(tt.data), &v)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Wait.D() != tt.want {
				t.Errorf("wait %s, want %s", v.Wait, tt.want)
			}
		})
	}
}

// TestDurationJSON: JSON carries the same text form both ways.
func TestDurationJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(timing{Wait: Duration(1500 * time.Millisecond)})
	if err != nil || string(b) != `{"wait":"1.5s"}` {
		t.Fatalf("marshal %s, %v", b, err)
	}
	var v timing
	if err := json.Unmarshal(b, &v); err != nil || v.Wait.D() != 1500*time.Millisecond {
		t.Fatalf("unmarshal %v, %v", v.Wait, err)
	}
	if err := json.Unmarshal([]byte(`{"wait":"-2s"}`), &v); err == nil {
		t.Error("a negative duration was taken")
	}
}

func TestDurationOr(t *testing.T) {
	t.Parallel()
	if got := Duration(0).Or(time.Minute); got != time.Minute {
		t.Errorf("zero.Or = %s", got)
	}
	if got := Duration(time.Second).Or(time.Minute); got != time.Second {
		t.Errorf("1s.Or = %s", got)
	}
}
