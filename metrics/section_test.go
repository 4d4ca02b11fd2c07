package metrics_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/metrics"
)

// TestSectionListener: metrics.listen defaults to 127.0.0.1:9464, "off"
// binds nothing, and stopping the listener frees its address at once, so
// that a kyso restarted in place binds it again.
func TestSectionListener(t *testing.T) {
	if got := (metrics.Section{}).Addr(); got != "127.0.0.1:9464" {
		t.Errorf("default metrics.listen = %q, want 127.0.0.1:9464", got)
	}
	var s metrics.Section
	s.Defaults()
	if s.Listen != metrics.DefaultListen {
		t.Errorf("Defaults() set metrics.listen to %q, want %q", s.Listen, metrics.DefaultListen)
	}
	s = metrics.Section{Listen: "off"}
	s.Defaults()
	if ln, err := s.Bind(); ln != nil || err != nil {
		t.Errorf("Bind(off) = %v, %v; want no listener", ln, err)
	}
	if _, err := (metrics.Section{Listen: "not an address"}).Bind(); err == nil || !strings.Contains(err.Error(), "metrics.listen") {
		t.Errorf("Bind(bad address) = %v, want an error naming metrics.listen", err)
	}
	reg := metrics.New()
	reg.Signature("pdf", "B-B", "seal")
	ln, err := (metrics.Section{Listen: "127.0.0.1:0"}).Bind()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	stop := reg.Serve(ln, slog.New(slog.DiscardHandler))
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `kyso_signatures_total{format="pdf",level="B-B",profile="seal"} 1`; resp.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Errorf("scrape of the operator listener = %d, lacks %s", resp.StatusCode, want)
	}
	if resp, err := http.Post("http://"+addr+"/metrics", "text/plain", nil); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
		}
	}
	stop()
	again, err := (metrics.Section{Listen: addr}).Bind()
	if err != nil {
		t.Fatalf("bind %s again after stop: %v", addr, err)
	}
	again.Close()
}

// TestSectionValidate: metrics.listen is "off", empty (the default) or
// host:port with a numeric port, checked when the configuration loads.
func TestSectionValidate(t *testing.T) {
	for _, ok := range []string{"", "off", "127.0.0.1:9464", ":9464", "[::1]:0", "metrics.internal:9464"} {
		if err := (metrics.Section{Listen: ok}).Validate(); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"9464", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1:-1", "on"} {
		err := (metrics.Section{Listen: bad}).Validate()
		if err == nil || !strings.Contains(err.Error(), "metrics.listen") || !strings.Contains(err.Error(), bad) {
			t.Errorf("Validate(%q) = %v, want an error naming metrics.listen and the value", bad, err)
		}
	}
}
