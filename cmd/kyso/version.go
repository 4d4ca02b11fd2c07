package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is kyso's release name. A release build sets it with
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/kyso
//
// (make build does, from KYSO_VERSION); otherwise it is the main module's
// version as the go command recorded it ("(devel)" in a checkout).
var version = ""

// buildVersion is what kyso --version prints and the start-up log line
// names: the release, the source revision (vcs.revision, "-modified" when
// the tree had uncommitted changes) and the Go toolchain, from the build
// information the go command embeds in the binary.
type buildVersion struct {
	Version  string
	Revision string // empty when built outside a repository or with -buildvcs=false
	Time     string // vcs.time, the commit's time
	Modified bool
	Go       string
}

func readVersion() buildVersion {
	v := buildVersion{Version: version, Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if v.Version == "" {
			v.Version = "unknown"
		}
		return v
	}
	if v.Version == "" {
		v.Version = bi.Main.Version
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one-line form: "v1.2.3 (revision 3d200ab…, modified) go1.27.4".
func (v buildVersion) String() string {
	s := v.Version
	if v.Revision != "" {
		s += " (revision " + v.Revision
		if v.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + v.Go
}

// logAttrs are the version's attributes for a log line.
func (v buildVersion) logAttrs() []any {
	attrs := []any{"version", v.Version, "go", v.Go}
	if v.Revision != "" {
		attrs = append(attrs, "revision", v.Revision, "modified", v.Modified)
	}
	return attrs
}

func cmdVersion(w io.Writer) error {
	_, err := fmt.Fprintln(w, "kyso", readVersion())
	return err
}
