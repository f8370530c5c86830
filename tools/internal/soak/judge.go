package soak

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Growth is the verdict on one sampled metric.
//
// The criterion: over the second half of the run (after warm-up, pools
// filled, GC settled) the least-squares slope of the metric, projected over
// that half, must stay within a tolerance: goroutines and descriptors
// max(10, 10% of their median), heap max(8 MiB, 25% of its median). A
// leak shows as a steady rise that the slope catches even under the noise
// of in-flight calls and GC cycles. Besides, the last sample (taken after
// the load stopped) must not be above the one at the 1-minute mark by more
// than the same tolerance: what the load took must be given back.
type Growth struct {
	Metric      string  `json:"metric"`
	At1Min      float64 `json:"at_1min"`
	End         float64 `json:"end"`
	Median      float64 `json:"median_second_half"`
	SlopePerMin float64 `json:"slope_per_min"`
	Projected   float64 `json:"projected_growth_second_half"`
	Tolerance   float64 `json:"tolerance"`
	OK          bool    `json:"ok"`
	Detail      string  `json:"detail"`
}

// Judge applies the criterion to samples of a run of length d.
func Judge(samples []Sample, d time.Duration) []Growth {
	metrics := []struct {
		name    string
		get     func(Sample) float64
		floor   float64
		frac    float64
		unit    float64
		unitStr string
	}{
		{"goroutines", func(s Sample) float64 { return float64(s.Goroutines) }, 10, 0.10, 1, ""},
		{"open file descriptors", func(s Sample) float64 { return float64(s.FDs) }, 10, 0.10, 1, ""},
		{"heap", func(s Sample) float64 { return float64(s.HeapBytes) }, 8 << 20, 0.25, 1 << 20, " MiB"},
	}
	var out []Growth
	for _, m := range metrics {
		g := Growth{Metric: m.name, OK: true}
		var xs, ys []float64
		for _, s := range samples {
			if s.At >= d/2 && s.At <= d { // the load window; the sample after it is End
				xs = append(xs, s.At.Seconds())
				ys = append(ys, m.get(s))
			}
		}
		if len(samples) > 0 {
			g.End = m.get(samples[len(samples)-1])
			g.At1Min = m.get(samples[0])
			for _, s := range samples {
				if s.At >= time.Minute {
					g.At1Min = m.get(s)
					break
				}
			}
		}
		if len(xs) < 4 {
			g.OK = false
			g.Detail = fmt.Sprintf("%d samples in the second half: too few to judge (run longer or sample more often)", len(xs))
			out = append(out, g)
			continue
		}
		g.Median = median(ys)
		g.Tolerance = math.Max(m.floor, m.frac*g.Median)
		slope := slopeOf(xs, ys)
		g.SlopePerMin = slope * 60
		g.Projected = slope * (xs[len(xs)-1] - xs[0])
		f := func(v float64) string { return fmt.Sprintf("%.1f%s", v/m.unit, m.unitStr) }
		switch {
		case g.Projected > g.Tolerance:
			g.OK = false
			g.Detail = fmt.Sprintf("rises %s over the second half (slope %s/min), more than the tolerance %s", f(g.Projected), f(g.SlopePerMin), f(g.Tolerance))
		case g.End > g.At1Min+g.Tolerance:
			g.OK = false
			g.Detail = fmt.Sprintf("%s after the load, %s at the 1-minute mark: more than %s not given back", f(g.End), f(g.At1Min), f(g.Tolerance))
		default:
			g.Detail = fmt.Sprintf("second half %s (slope %s/min, tolerance %s); 1 min %s, end %s", f(g.Projected), f(g.SlopePerMin), f(g.Tolerance), f(g.At1Min), f(g.End))
		}
		out = append(out, g)
	}
	return out
}

// slopeOf is the least-squares slope of ys over xs.
func slopeOf(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
