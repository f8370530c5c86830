package yamlstrict

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// maxSuggestLen bounds the keys Suggest compares (a hostile file's key
// may be long; no known key is).
const maxSuggestLen = 64

// Suggest returns the key of known that key is a near miss of, for "did
// you mean": one that differs only in case, '_' and '-' (clientCA,
// client-ca for client_ca), else the nearest within two edits
// (Damerau-Levenshtein: insert, delete, change or swap two neighbours)
// where the edits are at most half the longer key, so a short key is not
// "near" every other short key. Ties go to the first in known; "" when
// none is near.
func Suggest(key string, known []string) string {
	if key == "" || utf8.RuneCountInString(key) > maxSuggestLen || slices.Contains(known, key) {
		return ""
	}
	for _, k := range known {
		if k != key && squash(k) == squash(key) {
			return k
		}
	}
	best, bestD := "", 3
	a := []rune(strings.ToLower(key))
	for _, k := range known {
		b := []rune(strings.ToLower(k))
		d := editDistance(a, b)
		if d == 0 || d >= bestD || 2*d > max(len(a), len(b)) {
			continue
		}
		best, bestD = k, d
	}
	return best
}

// squash is a key without case, '_' and '-'.
func squash(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// editDistance is the optimal string alignment distance between a and b
// (Damerau-Levenshtein where no substring is edited twice).
func editDistance(a, b []rune) int {
	// Three rows: the one before the previous is needed for a swap.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
