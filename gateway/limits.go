package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/rivgate/rivgate/contracts/vpfault"
)

// consumerLimit counts the calls each sender has in flight, so one consumer
// (a loop, a flood) cannot take every connection and file descriptor the
// gateway and its producers have. Senders with no call in flight are
// forgotten: the map holds only those calling now.
type consumerLimit struct {
	max int // <= 0: no cap
	mu  sync.Mutex
	n   map[string]int
}

func newConsumerLimit(max int) *consumerLimit {
	return &consumerLimit{max: max, n: map[string]int{}}
}

// acquire counts a call for sender, or reports false when sender already
// has max in flight.
func (l *consumerLimit) acquire(sender string) bool {
	if l.max <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[sender] >= l.max {
		return false
	}
	l.n[sender]++
	return true
}

// release ends a call acquire counted.
func (l *consumerLimit) release(sender string) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[sender] <= 1 {
		delete(l.n, sender)
		return
	}
	l.n[sender]--
}

// BusyCode is the faultstring code of the gateway's answer to a consumer
// over limits.max_calls_per_consumer. VP has no fault for this (it has no
// such limit), so it is not a VP code; it follows VP's faultstring form.
const BusyCode = "RG001"

// busyText is the faultstring text, in Swedish as VP's own.
const busyText = "Tjänsteplattformen tar inte emot fler samtidiga anrop från tjänstekonsumenten just nu. Försök igen senare."

// errBusy is logged for a call refused by the limit.
var errBusy = errors.New("consumer over limits.max_calls_per_consumer")

// admit counts the call against its sender's limit; over it, the call is
// answered at once with HTTP 503 and the RG001 fault, before its body is
// read or a producer contacted.
func (g *Gateway) admit(c *call) *vpfault.Fault {
	if g.consumers.acquire(c.sender) {
		c.admitted = true
		return nil
	}
	faultString := BusyCode + " [" + g.cfg.Instance.Name + "] " + busyText
	if g.cfg.Instance.Name == "" {
		faultString = BusyCode + " " + busyText
	}
	detail := fmt.Sprintf("Too many concurrent calls from %s: limits.max_calls_per_consumer (%d) are in progress", c.sender, g.consumers.max)
	c.reply = vpfault.RenderFault(string(vpfault.Server), faultString, detail)
	c.status, c.replied, c.err = http.StatusServiceUnavailable, true, errBusy
	return nil
}

// release ends what admit counted.
func (g *Gateway) release(c *call) {
	if c.admitted {
		g.consumers.release(c.sender)
	}
}
