// Package benchkit holds the parts of scripts/bench.sh that are not the
// gateway: a fast keep-alive SOAP producer (2 KB, 1 MB and 100 MB answers),
// an mTLS keep-alive load generator (closed-loop max rate and open-loop
// fixed rate, the same connections and request bytes for every target),
// /proc readers for CPU time and peak RSS, a generated TAK catalogue and
// the nginx reference configuration. None of it is in the rivgate binary.
package benchkit
