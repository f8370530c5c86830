package gateway

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/internal/exchangelog"
	"github.com/rivgate/rivgate/internal/redact"
)

// Exchange log field names, one place so log queries stay stable: the
// ones its readers use (tak diff, tak explain, conform --platform-log)
// are internal/exchangelog's.
const (
	fieldCorrelationID    = exchangelog.FieldCorrelationID
	fieldListener         = exchangelog.FieldListener
	fieldRemote           = "remote"
	fieldForwardedFor     = "forwarded_for"
	fieldSender           = exchangelog.FieldSender
	fieldReceiver         = exchangelog.FieldReceiver
	fieldContract         = exchangelog.FieldContract
	fieldProfile          = exchangelog.FieldProfile
	fieldRouteProfile     = exchangelog.FieldRouteProfile
	fieldProducer         = exchangelog.FieldProducer
	fieldProducerTLS      = "producer_tls"         // negotiated version, "TLS 1.3"
	fieldProducerProfile  = "producer_tls_profile" // the TLS settings used (producers.tls_profiles)
	fieldProducerCert     = "producer_cert"        // the producer certificate's subject
	fieldProducerSerial   = "producer_cert_serial" // and its serial number, hex
	fieldStatus           = exchangelog.FieldStatus
	fieldVPCode           = exchangelog.FieldVPCode
	fieldFaultDetail      = exchangelog.FieldFaultDetail
	fieldTotalMS          = exchangelog.FieldTotalMS
	fieldProducerMS       = "producer_ms"
	fieldRoutingTrace     = exchangelog.FieldRoutingTrace
	fieldAuthTrace        = exchangelog.FieldAuthTrace
	fieldOriginalConsumer = exchangelog.FieldOriginalConsumer
	fieldActingOnBehalf   = "acting_on_behalf_of"
	fieldInternal         = exchangelog.FieldInternal
	fieldPlatform         = exchangelog.FieldPlatform
	fieldKind             = exchangelog.FieldKind
	fieldPayloadHead      = "payload_head"
)

// finish writes the one log line and the metrics for an exchange. Only
// selected header values are logged; certificate headers never are.
func (g *Gateway) finish(c *call) {
	total := time.Since(c.start)
	code := ""
	if c.fault != nil {
		code = c.fault.Code.String()
	}
	var ev *zerolog.Event
	switch {
	case c.canceled:
		ev = g.log.Info()
		if c.status == 0 {
			c.status = 499 // consumer went away, as nginx logs it
		}
	case c.fault != nil && c.fault.Code.Side() == "SOAP-ENV:Server":
		ev = g.log.Warn()
	default:
		ev = g.log.Info()
	}
	ev = ev.Str(fieldKind, c.kind).Str(fieldCorrelationID, c.correlationID).Str(fieldListener, c.listener).Str(fieldRemote, c.remote).
		Str(fieldSender, c.sender).Str(fieldReceiver, c.receiver).Str(fieldContract, c.contract).Str(fieldProfile, string(c.profile)).
		Str(fieldRouteProfile, string(c.routeProfile)).Str(fieldProducer, redact.URL(c.producer)).Int(fieldStatus, c.status).Str(fieldVPCode, code).
		Float64(fieldTotalMS, ms(total)).Float64(fieldProducerMS, ms(c.producerTime)).
		Str(fieldRoutingTrace, c.routingTrace).Str(fieldAuthTrace, c.authTrace)
	if x := c.exchange; x != nil && x.TLSProfile != "" {
		ev = ev.Str(fieldProducerProfile, x.TLSProfile)
		if x.TLSVersion != 0 {
			ev = ev.Str(fieldProducerTLS, tls.VersionName(x.TLSVersion))
		}
		if pc := x.ProducerCert; pc != nil {
			ev = ev.Str(fieldProducerCert, pc.Subject.String()).Str(fieldProducerSerial, fmt.Sprintf("%X", pc.SerialNumber))
		}
	}
	if c.forwardedFor != "" {
		ev = ev.Str(fieldForwardedFor, c.forwardedFor)
	}
	if c.originalConsumer != "" {
		ev = ev.Str(fieldOriginalConsumer, c.originalConsumer)
	}
	if c.actingOnBehalfOf != "" {
		ev = ev.Str(fieldActingOnBehalf, c.actingOnBehalfOf)
	}
	if c.internal {
		ev = ev.Bool(fieldInternal, true)
	}
	if c.platform {
		ev = ev.Bool(fieldPlatform, true)
	}
	if c.fault != nil {
		ev = ev.Str(fieldFaultDetail, c.fault.Detail)
	}
	if c.err != nil {
		ev = ev.Err(c.err)
	}
	if g.cfg.Logging.Payloads && c.head != nil {
		ev = ev.Str(fieldPayloadHead, string(c.head))
	}
	ev.Msg("exchange")
	g.remember(c, code, total)

	if c.kind != "service" {
		return
	}
	label := cmp.Or(c.metricContract, labelUnknown)
	s := g.metrics.seriesFor(label, codeLabel(c.fault), c.status)
	s.requests.Inc()
	s.duration.Observe(total.Seconds())
	if c.producerTime > 0 {
		s.producer.Observe(c.producerTime.Seconds())
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
