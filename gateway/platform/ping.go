package platform

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/rivgate/rivgate/contracts/envelope"
	ping "github.com/rivgate/rivgate/contracts/generated/pingforconfiguration"
	"github.com/rivgate/rivgate/contracts/generated/soapxml"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// The configuration item names PingForConfiguration reports. "Applikation"
// is the name tak-services uses for the component.
const (
	ItemApplication    = "Applikation"
	ItemVersion        = "Version"
	ItemStartTime      = "StartTime"
	ItemLogicalAddress = "LogicalAddress"
	ItemProfile        = "RivTaProfile"
	ItemTAKStatus      = "TakStatus"
	ItemTAKSource      = "TakSource"
	ItemTAKReloaded    = "TakReloaded"
	ItemTAKLoaded      = "TakLoaded"
	ItemTAKRoutes      = "TakRoutes"
	ItemTAKPermissions = "TakPermissions"
	ItemTAKMessage     = "TakMessage"
)

// relatesTo is WS-Addressing's reply header: a RIVTABP20 request that
// carries wsa:MessageID gets it back as wsa:RelatesTo.
type relatesTo struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/08/addressing RelatesTo"`
	Value   string   `xml:",chardata"`
}

// ping answers PingForConfiguration in the profile it was asked in. VP's own
// test requests send an empty PingForConfiguration element, so the body's
// required elements are not insisted on.
func (s *Service) ping(info *envelope.Info, msg []byte, now time.Time) (int, []byte) {
	if _, err := ping.ParseRequest(msg); err != nil {
		return s.clientFault("PingForConfiguration request: " + err.Error())
	}
	st := s.status()
	items := []struct{ name, value string }{
		{ItemApplication, s.cfg.InstanceName},
		{ItemVersion, s.cfg.Version},
		{ItemStartTime, formatTime(s.cfg.Started)},
		{ItemLogicalAddress, s.cfg.LogicalAddress},
		{ItemProfile, string(info.Profile)},
		{ItemTAKStatus, st.State},
		{ItemTAKSource, st.Source},
		{ItemTAKReloaded, formatTime(st.Time)},
		{ItemTAKLoaded, formatTime(st.Loaded)},
		{ItemTAKRoutes, strconv.Itoa(st.Routes)},
		{ItemTAKPermissions, strconv.Itoa(st.Permissions)},
		{ItemTAKMessage, st.Message},
	}
	resp := &ping.PingForConfigurationResponse{Version: s.cfg.Version, PingDateTime: ping.FormatTS(now)}
	for _, it := range items {
		if it.value != "" {
			resp.Configuration = append(resp.Configuration, &ping.ConfigurationType{Name: it.name, Value: it.value})
		}
	}
	var headers []any
	if info.Profile == rivta.RIVTABP20 {
		for _, h := range info.Headers {
			if h.Name == (envelope.QName{Space: rivta.WSAddressingNS, Local: "MessageID"}) {
				headers = append(headers, relatesTo{Value: h.Text})
			}
		}
	}
	b, err := soapxml.Marshal(resp, headers...)
	if err != nil {
		return s.serverFault(err)
	}
	return http.StatusOK, b
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
