//go:build race

package tak_test

const raceEnabled = true
