package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"strings"
	"testing"
)

func TestListenDebugLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"localhost:0", true},
		{"0.0.0.0:0", false},
		{":0", false},
		{"192.0.2.1:0", false},
		{"example.com:0", false},
		{"127.0.0.1", false}, // no port
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ln, err := listenDebug(tc.addr)
			if ln != nil {
				ln.Close()
			}
			if (err == nil) != tc.ok {
				t.Errorf("listenDebug(%q) = %v, want ok %v", tc.addr, err, tc.ok)
			}
		})
	}
}

func TestDebugHandler(t *testing.T) {
	srv := httptest.NewServer(debugHandler())
	defer srv.Close()

	runtimeFigures := func(query string) map[string]any {
		t.Helper()
		resp, err := http.Get(srv.URL + "/debug/runtime" + query)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET /debug/runtime%s: %v", query, err)
		}
		return got
	}
	got := runtimeFigures("")
	if gc := runtimeFigures("?gc=1")["gc_cycles"].(float64); gc <= got["gc_cycles"].(float64) {
		t.Errorf("GET /debug/runtime?gc=1: gc_cycles %v, want more than the %v before", gc, got["gc_cycles"])
	}
	if classes, _ := got["memory_classes"].(map[string]any); classes["heap/objects"] == nil || classes["os-stacks"] == nil {
		t.Errorf("GET /debug/runtime: memory_classes = %v, want heap/objects, os-stacks, …", got["memory_classes"])
	}
	for _, m := range append(debugMetrics, struct{ json, name string }{"goroutines", ""}) {
		if _, ok := got[m.json]; !ok {
			t.Errorf("GET /debug/runtime: no %q in %v", m.json, got)
		}
	}
	if got["goroutines"] == 0.0 || got["go_total_bytes"] == 0.0 {
		t.Errorf("GET /debug/runtime = %v, want goroutines and go_total_bytes > 0", got)
	}

	resp, err := http.Get(srv.URL + "/debug/goroutines")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(body), "goroutine profile: total ") {
		t.Errorf("GET /debug/goroutines starts %.40q, want a goroutine profile", body)
	}

	resp, err = http.Get(srv.URL + "/debug/heap")
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		t.Errorf("GET /debug/heap = %d bytes starting %x, want a gzipped profile", len(body), body[:min(len(body), 2)])
	}

	for _, tc := range []struct{ method, path string }{{"POST", "/debug/runtime"}, {"GET", "/debug/pprof/"}, {"GET", "/v1/sign/pdf"}} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("%s %s = %d, want an error status", tc.method, tc.path, resp.StatusCode)
		}
	}
}

func TestDebugCPUProfile(t *testing.T) {
	srv := httptest.NewServer(debugHandler())
	defer srv.Close()
	get := func(query string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/debug/cpu" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	if code, body := get("?seconds=1"); code != 200 || len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		t.Errorf("GET /debug/cpu?seconds=1 = %d, %d bytes starting %x, want a gzipped profile", code, len(body), body[:min(len(body), 2)])
	}
	for _, q := range []string{"?seconds=0", "?seconds=121", "?seconds=x", "?seconds=-1"} {
		if code, body := get(q); code != http.StatusBadRequest || !strings.Contains(string(body), "from 1 to 120") {
			t.Errorf("GET /debug/cpu%s = %d %q, want 400 naming the range", q, code, body)
		}
	}
	// The profiler is the process's: while one is taken, another is refused.
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Fatal(err)
	}
	code, body := get("?seconds=1")
	pprof.StopCPUProfile()
	if code != http.StatusConflict {
		t.Errorf("GET /debug/cpu while profiling = %d %q, want 409", code, body)
	}
}
