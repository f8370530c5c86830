package check

import (
	"fmt"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// RetryStorm judges how the consumer repeated a request after a fault:
// first is when the faulted request arrived, repeats when each repeat did.
// More than rule.Repeats() repeats, or any two attempts closer than
// rule.MinSpacing, is a storm.
func RetryStorm(first time.Time, repeats []time.Time, rule scenario.Retry) (result.Status, string) {
	return judgeRepeats(first, repeats, rule, "the fault")
}

// Repeats judges a step's repeats of its request (RIV-BEH-01): after a
// fault answer always (RetryStorm), after any other answer only when
// repeats came (a retry storm after an OK answer, by the same rule). ok is
// false when there is nothing to judge.
func Repeats(fault bool, first time.Time, repeats []time.Time, rule scenario.Retry) (status result.Status, msg string, ok bool) {
	switch {
	case fault:
		status, msg = RetryStorm(first, repeats, rule)
		return status, msg, true
	case len(repeats) > 0:
		status, msg = judgeRepeats(first, repeats, rule, "the answer")
		return status, msg, true
	}
	return "", "", false
}

// judgeRepeats applies rule to the repeats after an answer (what names it).
func judgeRepeats(first time.Time, repeats []time.Time, rule scenario.Retry, what string) (result.Status, string) {
	maxRepeats := rule.Repeats()
	minSpacing := rule.MinSpacing.Or(time.Second)
	if len(repeats) == 0 {
		return result.Pass, "no repeat of the faulted request"
	}
	prev, closest := first, time.Duration(-1)
	for _, at := range repeats {
		gap := at.Sub(prev)
		if closest < 0 || gap < closest {
			closest = gap
		}
		prev = at
	}
	switch {
	case len(repeats) > maxRepeats:
		return result.Fail, fmt.Sprintf("retry storm: %d repeats after %s within %s (allowed %d), closest spacing %s (required at least %s)",
			len(repeats), what, prev.Sub(first).Round(time.Millisecond), maxRepeats, closest.Round(time.Millisecond), minSpacing)
	case closest < minSpacing:
		return result.Fail, fmt.Sprintf("repeated %s after the previous attempt (required at least %s)", closest.Round(time.Millisecond), minSpacing)
	}
	return result.Pass, fmt.Sprintf("%d repeat(s), closest spacing %s (allowed %d, at least %s)", len(repeats), closest.Round(time.Millisecond), maxRepeats, minSpacing)
}

// TimeoutHonoured judges a step that never answered: the consumer must
// give up (close the connection) within limit of sending the request.
// gone is zero when the consumer never gave up; heldFor is how long the
// harness held the request in that case.
func TimeoutHonoured(received, gone time.Time, limit, heldFor time.Duration) (result.Status, string) {
	if gone.IsZero() {
		return result.Fail, fmt.Sprintf("the consumer still waited after %s without an answer (limit %s): it has no timeout, or a longer one", heldFor.Round(time.Millisecond), limit)
	}
	waited := gone.Sub(received)
	if waited > limit {
		return result.Fail, fmt.Sprintf("the consumer gave up after %s, limit %s", waited.Round(time.Millisecond), limit)
	}
	return result.Pass, fmt.Sprintf("the consumer gave up after %s (limit %s)", waited.Round(time.Millisecond), limit)
}

// KeepsWorking judges whether the request after a fault arrived.
func KeepsWorking(arrived bool, faultStep, answer string, waited time.Duration) (result.Status, string) {
	if arrived {
		return result.Pass, fmt.Sprintf("the next request arrived after the fault in step %s (%s)", faultStep, answer)
	}
	return result.Fail, fmt.Sprintf("no request within %s after the fault in step %s (%s): the consumer stopped working", waited, faultStep, answer)
}
