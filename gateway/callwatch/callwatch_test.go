package callwatch

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/internal/exchangelog"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func call(corr, sender, receiver string) *exchangelog.Entry {
	return &exchangelog.Entry{Kind: exchangelog.KindService, CorrelationID: corr, Sender: sender, Contract: "urn:c", Receiver: receiver}
}

func counts(tr *exchangelog.Traffic) map[string]int {
	m := map[string]int{}
	for _, c := range tr.Calls {
		m[c.Sender+">"+c.Receiver] = c.Calls
	}
	return m
}

// TestCounterIsExactUnderCapacity: while the distinct triples fit, counts
// are exact and most frequent first; calls without a triple, and wsdl
// calls, are kept for Find but not counted.
func TestCounterIsExactUnderCapacity(t *testing.T) {
	w := New(Options{Tracked: 8})
	for i := range 10 {
		w.Record(call(fmt.Sprint(i), "S1", "R1"), t0)
	}
	for range 3 {
		w.Record(call("x", "S2", "R1"), t0)
	}
	w.Record(call("y", "", "R1"), t0)
	w.Record(&exchangelog.Entry{Kind: "wsdl", CorrelationID: "z", Sender: "S", Contract: "c", Receiver: "r"}, t0)
	tr, since := w.Traffic()
	assert.Equal(t, map[string]int{"S1>R1": 10, "S2>R1": 3}, counts(tr))
	assert.Equal(t, "S1", tr.Calls[0].Sender)
	assert.Equal(t, 13, tr.Exchanges)
	assert.Equal(t, t0, since)
	assert.Len(t, w.Find("x"), 3)
	assert.Len(t, w.Find("z"), 1)
	assert.Equal(t, 15, w.Kept())
}

// TestCounterKeepsHeavyHitters: with far more distinct triples than slots,
// every triple above 1/Tracked of the calls is still counted, at least as
// often as it came (space-saving overestimates, never underestimates, a
// tracked triple), and the table stays consistent through evictions.
func TestCounterKeepsHeavyHitters(t *testing.T) {
	for _, tracked := range []int{4, 16, 64} {
		t.Run(fmt.Sprint(tracked), func(t *testing.T) {
			w := New(Options{Tracked: tracked})
			rng := rand.New(rand.NewPCG(1, uint64(tracked)))
			exact := map[string]int{}
			const n = 20000
			for i := range n {
				s, r := "heavy", fmt.Sprint("R", i%3)
				if rng.IntN(2) == 0 { // half the calls are noise
					s, r = fmt.Sprint("S", rng.IntN(5000)), "noise"
				}
				exact[s+">"+r]++
				w.Record(call("c", s, r), t0)
			}
			got := counts(must(w.Traffic()))
			assert.LessOrEqual(t, len(got), tracked)
			for k, c := range exact {
				if c > n/tracked {
					require.Contains(t, got, k)
					assert.GreaterOrEqual(t, got[k], c, k)
				}
			}
			checkTable(t, w.cur)
		})
	}
}

func must(tr *exchangelog.Traffic, _ time.Time) *exchangelog.Traffic { return tr }

// checkTable: every slot is found from its hash, the heap is a heap.
func checkTable(t *testing.T, k *topK) {
	t.Helper()
	for id := range k.slots {
		found := false
		for i := k.slots[id].hash & k.mask; k.tab[i] >= 0; i = (i + 1) & k.mask {
			if k.tab[i] == int32(id) {
				found = true
				break
			}
		}
		assert.True(t, found, "slot %d unreachable", id)
		assert.Equal(t, int32(id), k.heap[k.pos[id]])
	}
	for i := 1; i < len(k.heap); i++ {
		assert.False(t, k.less(i, (i-1)/2), "heap order at %d", i)
	}
}

// TestWindows: Traffic covers the current and the previous window; a
// window with no calls drops both.
func TestWindows(t *testing.T) {
	w := New(Options{Window: time.Hour})
	w.Record(call("a", "S1", "R"), t0)
	w.Record(call("b", "S2", "R"), t0.Add(70*time.Minute)) // second window
	tr, since := w.Traffic()
	assert.Equal(t, map[string]int{"S1>R": 1, "S2>R": 1}, counts(tr))
	assert.Equal(t, t0.Add(10*time.Minute), since)
	w.Record(call("c", "S3", "R"), t0.Add(140*time.Minute)) // third: the first drops
	assert.Equal(t, map[string]int{"S2>R": 1, "S3>R": 1}, counts(must(w.Traffic())))
	w.Record(call("d", "S4", "R"), t0.Add(400*time.Minute)) // after a quiet spell
	assert.Equal(t, map[string]int{"S4>R": 1}, counts(must(w.Traffic())))
}

// TestRingKeepsTheLatest: Find sees only the last Recent calls, oldest
// first.
func TestRingKeepsTheLatest(t *testing.T) {
	w := New(Options{Recent: 3})
	for i := range 5 {
		e := call("id", "S", "R")
		e.Status = i
		w.Record(e, t0)
	}
	got := w.Find("id")
	require.Len(t, got, 3)
	assert.Equal(t, []int{2, 3, 4}, []int{got[0].Status, got[1].Status, got[2].Status})
	assert.Empty(t, w.Find("other"))
}

// BenchmarkRecord is the cost the gateway pays per call: a national mix of
// triples, more than the counter tracks, so evictions are measured too.
func BenchmarkRecord(b *testing.B) {
	w := New(Options{})
	es := make([]exchangelog.Entry, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range es {
		es[i] = *call(fmt.Sprint("corr-", i), fmt.Sprint("SE16500000-", rng.IntN(200)), fmt.Sprint("SE2321000-", rng.IntN(3000)))
		es[i].RoutingTrace, es[i].AuthTrace = "SE2321000,(parent),SE", "SE2321000"
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Record(&es[i&4095], t0)
		i++
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	w := New(Options{})
	es := make([]exchangelog.Entry, 4096)
	for i := range es {
		es[i] = *call(fmt.Sprint("corr-", i), fmt.Sprint("S", i%50), fmt.Sprint("R", i%700))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			w.Record(&es[i&4095], t0)
			i++
		}
	})
}

// TestConcurrentUse: calls recorded from many goroutines while the admin
// port reads; every call is counted once (run with -race).
func TestConcurrentUse(t *testing.T) {
	w := New(Options{Recent: 64, Tracked: 16})
	const workers, each = 4, 500
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			_ = w.Find("c")
			_, _ = w.Traffic()
		}
	}()
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				w.Record(call("c", fmt.Sprint("S", g), fmt.Sprint("R", i%4)), t0)
			}
		})
	}
	wg.Wait()
	<-done
	tr, _ := w.Traffic()
	assert.Equal(t, workers*each, tr.Exchanges)
	sum := 0
	for _, c := range tr.Calls {
		sum += c.Calls
	}
	assert.Equal(t, workers*each, sum, "16 distinct triples fit: exact")
	assert.Equal(t, 64, w.Kept())
}
