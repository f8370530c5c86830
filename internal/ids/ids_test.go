package ids

import (
	"regexp"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestNewUUID: every id has the version 4 form and none repeats.
func TestNewUUID(t *testing.T) {
	t.Parallel()
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = NewUUID()
	}
	checkUUIDs(t, ids)
}

// checkUUIDs fails unless every id has the version 4 form and none repeats.
func checkUUIDs(t *testing.T, ids []string) {
	t.Helper()
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !uuidV4.MatchString(id) {
			t.Fatalf("%q is not a lower-case version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("%q repeated", id)
		}
		seen[id] = true
	}
}

// TestNewUUIDAllocatesOnlyItsResult keeps the gateway's per-call cost.
func TestNewUUIDAllocatesOnlyItsResult(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates too; counted without -race")
	}
	if got := testing.AllocsPerRun(100, func() { _ = NewUUID() }); got > 1 {
		t.Errorf("%v allocations per id, want 1", got)
	}
}

// TestUUIDs: ids from batches, over several batches and from several
// goroutines at once, have the version 4 form and none repeats.
func TestUUIDs(t *testing.T) {
	t.Parallel()
	const workers, each = 4, 1000 // 62 batches
	var u UUIDs
	got := make(chan []string, workers)
	for range workers {
		go func() {
			ids := make([]string, 0, each)
			for range each {
				ids = append(ids, u.New())
			}
			got <- ids
		}()
	}
	var all []string
	for range workers {
		all = append(all, <-got...)
	}
	checkUUIDs(t, all)
}

// TestUUIDsAllocateOncePerBatch keeps the gateway's per-call cost.
func TestUUIDsAllocateOncePerBatch(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates too; counted without -race")
	}
	var u UUIDs
	if got := testing.AllocsPerRun(10*batchSize, func() { _ = u.New() }); got >= 1 {
		t.Errorf("%v allocations per id, want less than 1", got)
	}
}
