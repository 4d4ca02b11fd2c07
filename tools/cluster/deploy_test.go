package cluster

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one instruction of a Containerfile.
type instruction struct {
	cmd, args string
}

// parseContainerfile reads a Containerfile into its stages' instructions
// (comments dropped, continuation lines joined).
func parseContainerfile(t *testing.T, path string) [][]instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %s before the first FROM", path, in.cmd)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

// TestContainerfile checks deploy/container/Containerfile for what the
// image must be (docker, podman and buildah are not on the test machines
// to build it): a build stage on the Go release go.mod names that builds
// ./cmd/kyso statically, and a final stage on an empty base — no shell, no
// RUN — that runs kyso serve as a non-root user, with what it reads at run
// time (CA certificates, time zones, the trust anchors, a /tmp).
func TestContainerfile(t *testing.T) {
	root := repoRoot(t)
	stages := parseContainerfile(t, filepath.Join(root, "deploy", "container", "Containerfile"))
	if len(stages) < 2 {
		t.Fatalf("Containerfile has %d stages, want a build and a run stage", len(stages))
	}
	build, run := stages[0], stages[len(stages)-1]

	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(gomod))
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	if from := build[0].args; !strings.HasPrefix(from, "golang:"+goVersion[1]) {
		t.Errorf("build stage FROM %s, want golang:%s (go.mod's)", from, goVersion[1])
	}
	var builds, copies string
	for _, in := range build {
		switch in.cmd {
		case "RUN":
			builds += in.args + "\n"
		case "COPY":
			copies += in.args + "\n"
			src := strings.Fields(in.args)
			for _, s := range src[:len(src)-1] {
				if s == "." || strings.HasPrefix(s, "--") {
					continue
				}
				if _, err := os.Stat(filepath.Join(root, s)); err != nil {
					t.Errorf("build stage copies %s, which the repository lacks", s)
				}
			}
		case "ENV":
			builds += in.args + "\n"
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "go build", "./cmd/kyso", "-trimpath", "main.version", "trust/vn"} {
		if !strings.Contains(builds, want) {
			t.Errorf("build stage does not have %q", want)
		}
	}
	// kyso's module replaces github.com/digitorus/pdf with third_party:
	// the module download needs it before the sources.
	if !strings.Contains(copies, "third_party/") {
		t.Error("build stage does not copy third_party/ (go.mod's replace) before go mod download")
	}

	if run[0].args != "scratch" {
		t.Errorf("run stage FROM %s, want scratch (no shell, no package manager)", run[0].args)
	}
	var user, entry, cmd string
	var copied []string
	for _, in := range run {
		switch in.cmd {
		case "RUN":
			t.Errorf("run stage has RUN %s: the image has no shell", in.args)
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = in.args
		case "CMD":
			cmd = in.args
		case "COPY":
			copied = append(copied, in.args)
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("run stage USER %q, want a numeric non-root user (no /etc/passwd in scratch)", user)
	}
	var argv []string
	if err := json.Unmarshal([]byte(entry+""), &argv); err != nil || len(argv) == 0 || argv[0] != "/usr/local/bin/kyso" {
		t.Errorf("ENTRYPOINT %s, want the exec form of /usr/local/bin/kyso", entry)
	}
	if cmd != `["serve"]` {
		t.Errorf("CMD %s, want [\"serve\"]", cmd)
	}
	all := strings.Join(copied, "\n")
	for _, want := range []string{"ca-certificates.crt", "zoneinfo", "/out/"} {
		if !strings.Contains(all, want) {
			t.Errorf("run stage copies no %s", want)
		}
	}
}

// TestSystemdUnit checks deploy/systemd/kyso.service for its essentials:
// kyso serve as its own user with secrets from an EnvironmentFile,
// restarted on failure, given more time to stop than kyso's 15 s drain,
// and confined. (systemd-analyze verify accepts every directive of it;
// it is not run here because it wants the binary installed.)
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join(repoRoot(t), "deploy", "systemd", "kyso.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
			sections[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("kyso.service: line %q", line)
			}
			sections[section][k] = append(sections[section][k], v)
		}
	}
	svc := sections["Service"]
	want := map[string]string{
		"ExecStart":               "/usr/local/bin/kyso serve",
		"EnvironmentFile":         "/etc/kyso/kyso.env",
		"Restart":                 "on-failure",
		"User":                    "kyso",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	}
	for k, v := range want {
		if got := svc[k]; len(got) != 1 || got[0] != v {
			t.Errorf("[Service] %s = %q, want %q", k, got, v)
		}
	}
	if got := svc["TimeoutStopSec"]; len(got) != 1 || !(strings.HasSuffix(got[0], "s") && atoiPrefix(got[0]) > 15) {
		t.Errorf("[Service] TimeoutStopSec = %q, want more than kyso's 15 s drain", got)
	}
	if sections["Install"]["WantedBy"] == nil {
		t.Error("no [Install] WantedBy")
	}
}

func atoiPrefix(s string) int {
	n, _ := strconv.Atoi(strings.TrimRight(s, "s"))
	return n
}
