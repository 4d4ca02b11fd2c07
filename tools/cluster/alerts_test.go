package cluster

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// alertRules is the part of a Prometheus rule file the tests read.
type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// readAlerts decodes deploy/prometheus/alerts.yml strictly.
func readAlerts(t *testing.T) alertRules {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r alertRules
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	return r
}

// seriesRE finds the series an expression reads: kyso's own and the Go
// client's process_ and go_ series (up is Prometheus's).
var seriesRE = regexp.MustCompile(`\b(?:kyso|process|go)_[a-z0-9_]+\b`)

// TestAlertRules checks deploy/prometheus/alerts.yml's shape (promtool is
// not on the test machines): every rule has a unique Kyso… name, an
// expression with balanced brackets, a severity and a summary; and the
// alerts docs/operations.md lists are the file's.
func TestAlertRules(t *testing.T) {
	r := readAlerts(t)
	var names []string
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			names = append(names, rule.Alert)
			if !strings.HasPrefix(rule.Alert, "Kyso") {
				t.Errorf("alert %q: want a Kyso… name", rule.Alert)
			}
			if sev := rule.Labels["severity"]; sev != "warning" && sev != "critical" {
				t.Errorf("alert %s: severity %q, want warning or critical", rule.Alert, sev)
			}
			if rule.Annotations["summary"] == "" {
				t.Errorf("alert %s: no summary", rule.Alert)
			}
			depth := map[rune]int{}
			for _, c := range rule.Expr {
				switch c {
				case '(', '{', '[':
					depth[c]++
				case ')':
					depth['(']--
				case '}':
					depth['{']--
				case ']':
					depth['[']--
				}
			}
			for c, d := range depth {
				if d != 0 {
					t.Errorf("alert %s: unbalanced %c in %q", rule.Alert, c, rule.Expr)
				}
			}
			if strings.TrimSpace(rule.Expr) == "" {
				t.Errorf("alert %s: no expression", rule.Alert)
			}
		}
	}
	sorted := slices.Sorted(slices.Values(names))
	if len(slices.Compact(slices.Clone(sorted))) != len(sorted) {
		t.Errorf("alert names are not unique: %v", sorted)
	}
	doc, err := os.ReadFile(operationsDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(Kyso[A-Za-z]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		listed = append(listed, m[1])
	}
	sort.Strings(listed)
	if !slices.Equal(listed, sorted) {
		t.Errorf("docs/operations.md lists the alerts %v; deploy/prometheus/alerts.yml has %v", listed, sorted)
	}
}

// checkAlertSeries scrapes node n's metrics listener and checks that every
// series alerts.yml reads is there.
func (e *env) checkAlertSeries(t *testing.T, n *kysoNode) {
	// A rejected key, so that kyso_auth_failures_total has a series.
	req, _ := http.NewRequest(http.MethodPost, n.url()+"/v1/sign/pdf", nil)
	req.Header.Set("Authorization", "Bearer wrong-key")
	if resp, err := e.client.Do(req); err == nil {
		resp.Body.Close()
	}
	// A CRL, so that the CRL series have one (kyso makes the first when
	// it is asked for).
	crl, err := e.client.Get(n.url() + "/pki/crl/issuing-1.crl")
	if err != nil {
		t.Fatal(err)
	}
	crl.Body.Close()
	if crl.StatusCode != http.StatusOK {
		t.Fatalf("GET /pki/crl/issuing-1.crl = %d", crl.StatusCode)
	}
	resp, err := e.client.Get("http://" + n.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	present := map[string]bool{}
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		present[name] = true
	}
	checked := 0
	for _, g := range readAlerts(t).Groups {
		for _, rule := range g.Rules {
			for _, s := range seriesRE.FindAllString(rule.Expr, -1) {
				checked++
				if !present[s] {
					t.Errorf("alert %s reads %s, which %s's /metrics does not serve", rule.Alert, s, n.name)
				}
			}
		}
	}
	e.phase("alerts: the %d series the rules read are all in %s's /metrics", checked, n.name)
}
