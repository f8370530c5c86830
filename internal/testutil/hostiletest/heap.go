package hostiletest

import (
	rtmetrics "runtime/metrics"
	"sync/atomic"
	"time"
)

const heapMetric = "/memory/classes/heap/objects:bytes"

// HeapNow is the process's live heap objects in bytes.
func HeapNow() uint64 {
	s := []rtmetrics.Sample{{Name: heapMetric}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// HeapSampler records the peak of live heap objects while it runs
// (runtime/metrics: no stop-the-world per sample).
type HeapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak atomic.Uint64
}

// StartHeapSampler samples the live heap every millisecond until Stop.
func StartHeapSampler() *HeapSampler {
	h := &HeapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(HeapNow())
	go func() {
		defer close(h.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-tick.C:
				if v := HeapNow(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	}()
	return h
}

// Stop ends the sampling and returns the peak.
func (h *HeapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}
