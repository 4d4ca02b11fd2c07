package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// The debug listener of `kyso dev --debug-listen ADDR` serves read-only
// views of the Go runtime, for `make soak` (bench/soak.go) and for a
// developer chasing a leak:
//
//	GET /debug/runtime     JSON: goroutines, live heap, Go memory by class (runtime/metrics);
//	                       ?gc=1 first collects garbage and returns the freed memory
//	                       to the OS (debug.FreeOSMemory): the live heap is now's,
//	                       and the process's RSS what it holds, not what it held
//	GET /debug/goroutines  the goroutine profile as text (runtime/pprof, debug=1)
//	GET /debug/heap        the heap profile, for `go tool pprof` (runtime/pprof)
//	GET /debug/cpu?seconds=N  a CPU profile of the next N seconds (1–120, default
//	                       10), for `go tool pprof`; 409 while another is taken
//
// It is a separate listener, never the API's router, it exists only in
// kyso dev, and it binds loopback addresses only: a goroutine dump names
// code paths and the figures help an attacker time a denial of service.
// It deliberately does not import net/http/pprof or expvar, whose init
// functions register handlers on http.DefaultServeMux.

// debugMetrics are the runtime/metrics samples /debug/runtime reports, by
// their JSON name; "goroutines" is runtime.NumGoroutine (the count of the
// goroutine profile; /sched/goroutines also counts the runtime's own).
var debugMetrics = []struct{ json, name string }{
	{"heap_live_bytes", "/gc/heap/live:bytes"},
	{"heap_objects_bytes", "/memory/classes/heap/objects:bytes"},
	{"heap_released_bytes", "/memory/classes/heap/released:bytes"},
	{"go_total_bytes", "/memory/classes/total:bytes"},
	{"gc_cycles", "/gc/cycles/total:gc-cycles"},
}

// listenDebug listens on addr, which must name a loopback address
// (127.0.0.0/8, ::1 or localhost).
func listenDebug(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--debug-listen %q: the debug listener binds only a loopback address (127.0.0.1, ::1, localhost)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// localhost could resolve to anything; check what was bound.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("--debug-listen %q bound %s, not a loopback address", addr, ln.Addr())
	}
	return ln, nil
}

// maxCPUProfile bounds /debug/cpu's seconds.
const maxCPUProfile = 120

// debugHandler serves /debug/runtime, /debug/goroutines, /debug/heap and
// /debug/cpu.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/runtime", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") == "1" {
			debug.FreeOSMemory()
		}
		samples := make([]metrics.Sample, len(debugMetrics))
		for i, m := range debugMetrics {
			samples[i].Name = m.name
		}
		// Every class of /memory/classes/, the runtime's memory by use.
		var classes []metrics.Sample
		for _, d := range metrics.All() {
			if strings.HasPrefix(d.Name, "/memory/classes/") && d.Kind == metrics.KindUint64 {
				classes = append(classes, metrics.Sample{Name: d.Name})
			}
		}
		metrics.Read(samples)
		metrics.Read(classes)
		out := map[string]any{"goroutines": runtime.NumGoroutine()}
		for i, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				out[debugMetrics[i].json] = s.Value.Uint64()
			}
		}
		byClass := map[string]uint64{}
		for _, s := range classes {
			byClass[strings.TrimSuffix(strings.TrimPrefix(s.Name, "/memory/classes/"), ":bytes")] = s.Value.Uint64()
		}
		out["memory_classes"] = byClass
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /debug/goroutines", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = pprof.Lookup("goroutine").WriteTo(w, 1)
	})
	mux.HandleFunc("GET /debug/heap", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="heap.pb.gz"`)
		_ = pprof.Lookup("heap").WriteTo(w, 0)
	})
	mux.HandleFunc("GET /debug/cpu", func(w http.ResponseWriter, r *http.Request) {
		secs := 10
		if q := r.URL.Query().Get("seconds"); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 1 || n > maxCPUProfile {
				http.Error(w, fmt.Sprintf("seconds must be a whole number from 1 to %d", maxCPUProfile), http.StatusBadRequest)
				return
			}
			secs = n
		}
		// The profile is buffered: once the 200 is sent, a failure could
		// no longer be told.
		var buf bytes.Buffer
		if err := pprof.StartCPUProfile(&buf); err != nil {
			http.Error(w, "a CPU profile is already being taken: "+err.Error(), http.StatusConflict)
			return
		}
		t := time.NewTimer(time.Duration(secs) * time.Second)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
		pprof.StopCPUProfile()
		if r.Context().Err() != nil {
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="cpu.pb.gz"`)
		_, _ = w.Write(buf.Bytes())
	})
	return mux
}

// serveDebug serves debugHandler on ln until ctx is done.
func serveDebug(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
