//go:build race

package gateway

// raceEnabled: the race detector adds allocations of its own.
const raceEnabled = true
