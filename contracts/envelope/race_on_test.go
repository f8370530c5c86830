//go:build race

package envelope

// raceEnabled: the race detector adds allocations of its own.
const raceEnabled = true
