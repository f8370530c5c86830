package gateway

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rivgate/rivgate/contracts/vpfault"
)

// metrics are registered into the registry passed to New, never a global
// one, so two gateways can run in one process (tests, demo).
type metrics struct {
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	producer        *prometheus.HistogramVec
	inFlight        prometheus.Gauge
	reloads         *prometheus.CounterVec
	lastReloadOK    prometheus.Gauge
	certNotAfter    prometheus.Gauge
	requestBytesMax prometheus.Gauge

	// series holds each call's three series, resolved once per
	// (contract, vp_code, status): a lookup by labels hashes them and
	// takes the vector's lock on every call, and the status label is a
	// string made from an int. The labels are bounded sets (below), so is
	// this map; sync.Map because it is read on every call and written
	// once per new combination.
	series sync.Map // seriesKey -> *callSeries
}

// seriesKey is one combination of a service call's labels; status is 0
// for labelOther.
type seriesKey struct {
	contract, code string
	status         int
}

// callSeries are the series one service call updates.
type callSeries struct {
	requests           prometheus.Counter
	duration, producer prometheus.Observer
}

// seriesFor returns the series for a call's labels, resolved on first use.
func (m *metrics) seriesFor(contract, code string, status int) *callSeries {
	k := seriesKey{contract: contract, code: code, status: status}
	if !knownStatus(status) {
		k.status = 0
	}
	if s, ok := m.series.Load(k); ok {
		return s.(*callSeries)
	}
	s := &callSeries{
		requests: m.requests.WithLabelValues(contract, code, statusLabel(status)),
		duration: m.duration.WithLabelValues(contract),
		producer: m.producer.WithLabelValues(contract),
	}
	got, _ := m.series.LoadOrStore(k, s)
	return got.(*callSeries)
}

// buckets cover a loopback hop (sub-millisecond) up to VP's 29 s timeout.
var buckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rivgate_gateway_requests_total",
			Help: "Service calls by contract namespace, VP fault code (\"\" for none) and HTTP status.",
		}, []string{"contract", "vp_code", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rivgate_gateway_request_duration_seconds", Help: "Total time per service call, by contract.", Buckets: buckets,
		}, []string{"contract"}),
		producer: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rivgate_gateway_producer_duration_seconds", Help: "Producer round trip (to response headers), by contract.", Buckets: buckets,
		}, []string{"contract"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rivgate_gateway_in_flight_requests", Help: "Service calls being handled now.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rivgate_tak_reloads_total", Help: "Catalogue reloads by result (ok, failed).",
		}, []string{"result"}),
		lastReloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rivgate_tak_last_reload_success", Help: "1 when the last catalogue reload succeeded.",
		}),
		certNotAfter: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rivgate_tls_cert_not_after_seconds", Help: "Expiry of the HTTPS listener certificate (Unix time).",
		}),
		requestBytesMax: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rivgate_gateway_max_body_bytes", Help: "Configured limits.max_body.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.producer, m.inFlight, m.reloads, m.lastReloadOK, m.certNotAfter, m.requestBytesMax} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Every label value comes from a bounded set: a value a consumer or a
// producer could vary freely would add a series per variant, kept for the
// life of the process. The contract label is the catalogue's own spelling
// (or labelUnknown), vp_code one of VP001-VP015, status a known HTTP status.
const (
	labelUnknown = "unknown"
	labelOther   = "other"
)

// codeLabel is the vp_code label: "" for no fault.
func codeLabel(f *vpfault.Fault) string {
	switch {
	case f == nil:
		return ""
	case f.Code.Valid():
		return f.Code.String()
	}
	return labelOther
}

// statusLabel is the status label; 499 is the consumer gone (nginx's code).
func statusLabel(status int) string {
	if !knownStatus(status) {
		return labelOther
	}
	return strconv.Itoa(status)
}

func knownStatus(status int) bool { return status == 499 || http.StatusText(status) != "" }
