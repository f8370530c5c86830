package risk

import "testing"

func TestDefaultMatrix(t *testing.T) {
	t.Parallel()
	// rows impact 4..1, columns likelihood 1..4: the documented grid.
	want := [4][4]Class{
		{Medium, High, High, High},
		{Low, Medium, High, High},
		{Low, Medium, Medium, High},
		{Low, Low, Low, Medium},
	}
	m := DefaultMatrix()
	for row := range 4 {
		impact := 4 - row
		for col := range 4 {
			like := col + 1
			r := m.Rate(impact, like)
			if r.Class != want[row][col] || r.Score != impact*like {
				t.Errorf("impact %d likelihood %d: got %v, want class %s", impact, like, r, want[row][col])
			}
		}
	}
}

func TestQuadrantAndClamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		impact, like     int
		quadrant         string
		clampedI, clampL int
	}{
		{name: "high high", impact: 4, like: 3, quadrant: "I", clampedI: 4, clampL: 3},
		{name: "high impact low likelihood", impact: 3, like: 2, quadrant: "II", clampedI: 3, clampL: 2},
		{name: "low impact high likelihood", impact: 2, like: 4, quadrant: "III", clampedI: 2, clampL: 4},
		{name: "low low", impact: 1, like: 1, quadrant: "IV", clampedI: 1, clampL: 1},
		{name: "missing values count as lowest", impact: 0, like: 9, quadrant: "III", clampedI: 1, clampL: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := DefaultMatrix().Rate(tt.impact, tt.like)
			if r.Quadrant != tt.quadrant || r.Impact != tt.clampedI || r.Likelihood != tt.clampL {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func TestMatrixValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		m    Matrix
		ok   bool
	}{
		{name: "default", m: DefaultMatrix(), ok: true},
		{name: "inverted", m: Matrix{High: 4, Medium: 8}},
		{name: "zero", m: Matrix{}},
		{name: "too high", m: Matrix{High: 17, Medium: 3}},
	} {
		if err := tt.m.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
