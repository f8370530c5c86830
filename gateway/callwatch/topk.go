package callwatch

// triple is what the counter counts.
type triple struct {
	sender, contract, receiver string
	platform                   bool
}

type slot struct {
	key   triple
	hash  uint64
	count uint64
}

// topK is a space-saving counter (Metwally et al.): at most cap triples,
// and a new triple takes the place of the least counted one, inheriting
// its count. The least counted is the top of a min-heap of slot ids, and
// triples are found through an open-addressing table of slot ids, so an
// add is a hash probe and a short heap walk with no allocation.
type topK struct {
	slots []slot  // len grows to cap, then stays
	heap  []int32 // slot ids, a min-heap by count
	pos   []int32 // slot id -> index in heap
	tab   []int32 // hash table of slot ids, -1 empty; linear probing
	mask  uint64
	total uint64 // calls added
}

func newTopK(n int) *topK {
	size := 1
	for size < 2*n {
		size <<= 1
	}
	t := &topK{slots: make([]slot, 0, n), heap: make([]int32, 0, n), pos: make([]int32, n), tab: make([]int32, size), mask: uint64(size - 1)}
	t.reset()
	return t
}

func (t *topK) reset() {
	clear(t.slots[:cap(t.slots)]) // drop the strings
	t.slots, t.heap, t.total = t.slots[:0], t.heap[:0], 0
	for i := range t.tab {
		t.tab[i] = -1
	}
}

func (t *topK) add(k triple, h uint64) {
	t.total++
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		id := t.tab[i]
		if id < 0 {
			break
		}
		if s := &t.slots[id]; s.hash == h && s.key == k {
			s.count++
			t.down(int(t.pos[id]))
			return
		}
	}
	if len(t.slots) < cap(t.slots) {
		id := int32(len(t.slots))
		t.slots = append(t.slots, slot{key: k, hash: h, count: 1})
		t.index(id)
		t.pos[id] = int32(len(t.heap))
		t.heap = append(t.heap, id)
		t.up(len(t.heap) - 1)
		return
	}
	id := t.heap[0]
	t.unindex(id)
	s := &t.slots[id]
	s.key, s.hash = k, h
	s.count++
	t.index(id)
	t.down(0)
}

// index puts slot id in the table at the first free place of its probe.
func (t *topK) index(id int32) {
	i := t.slots[id].hash & t.mask
	for t.tab[i] >= 0 {
		i = (i + 1) & t.mask
	}
	t.tab[i] = id
}

// unindex takes slot id out of the table, moving later entries of the
// probe run back so that every entry stays reachable from its home.
func (t *topK) unindex(id int32) {
	i := t.slots[id].hash & t.mask
	for t.tab[i] != id {
		i = (i + 1) & t.mask
	}
	for j := (i + 1) & t.mask; t.tab[j] >= 0; j = (j + 1) & t.mask {
		home := t.slots[t.tab[j]].hash & t.mask
		// The entry at j may move to i unless its home lies cyclically
		// in (i, j].
		if (i < j && i < home && home <= j) || (i > j && (home > i || home <= j)) {
			continue
		}
		t.tab[i] = t.tab[j]
		i = j
	}
	t.tab[i] = -1
}

func (t *topK) less(a, b int) bool { return t.slots[t.heap[a]].count < t.slots[t.heap[b]].count }

func (t *topK) swap(a, b int) {
	t.heap[a], t.heap[b] = t.heap[b], t.heap[a]
	t.pos[t.heap[a]], t.pos[t.heap[b]] = int32(a), int32(b)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.less(i, p) {
			return
		}
		t.swap(i, p)
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.heap)
	for {
		m := 2*i + 1
		if m >= n {
			return
		}
		if r := m + 1; r < n && t.less(r, m) {
			m = r
		}
		if !t.less(m, i) {
			return
		}
		t.swap(i, m)
		i = m
	}
}
