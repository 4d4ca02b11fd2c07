package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// DefaultListen is where kyso serve answers Prometheus by default:
// loopback, for an agent on the same host (docs/operations.md).
const DefaultListen = "127.0.0.1:9464"

// Section is the "metrics" section of kyso's config file (see
// docs/configuration.md): the operator listener that serves /metrics.
type Section struct {
	// Listen is the operator listener's address (default 127.0.0.1:9464;
	// "off": none). It is a listener of its own, never the API's: bind it
	// to a network only Prometheus reaches.
	Listen string `json:"listen"`
}

// Defaults sets Listen, left empty, to DefaultListen.
func (s *Section) Defaults() {
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
}

// Validate checks Listen: "off", or an address to bind (host:port; an
// empty host is every interface), so that a mistyped address stops kyso
// when its configuration is loaded, not later when the listener binds.
func (s Section) Validate() error {
	addr := s.Addr()
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if _, perr := strconv.ParseUint(port, 10, 16); perr != nil {
			err = fmt.Errorf("port %q is not a number from 0 to 65535", port)
		}
	}
	if err != nil {
		return fmt.Errorf("config: metrics.listen %q: %w (want host:port, such as %s, or \"off\")", s.Listen, err, DefaultListen)
	}
	return nil
}

// Addr is the address to bind, "" for none. An empty Listen is
// DefaultListen, as after Defaults.
func (s Section) Addr() string {
	switch s.Listen {
	case "":
		return DefaultListen
	case "off":
		return ""
	}
	return s.Listen
}

// Bind binds the operator listener, or returns nil when it is off. A
// failure names metrics.listen: a port already in use stops kyso at start.
func (s Section) Bind() (net.Listener, error) {
	addr := s.Addr()
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %q: %w", addr, err)
	}
	return ln, nil
}

// Serve serves GET /metrics of r on ln until stop is called; stop returns
// once the listener is closed (a kyso started again at once binds the same
// address). log receives the server's errors.
func (r *Registry) Serve(ln net.Listener, log *slog.Logger) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "err", err)
		}
	}()
	return func() {
		_ = srv.Close()
		<-done
	}
}
