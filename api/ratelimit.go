package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address a request is limited by: the TCP peer, or, when
// the peer is one of Config.TrustedProxies, the last address in
// X-Forwarded-For that is not a trusted proxy.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !s.trustedProxy(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseAddr(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			break
		}
		if !s.trustedProxy(a) {
			return a
		}
		peer = a
	}
	return peer
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// parseAddr reads "host:port" or a bare address; an unparsable one is the
// zero Addr (all such requests share one bucket).
func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
