package cluster

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// markRE is the comment that marks a code block of docs/operations.md as
// one the cluster test runs (or checks): <!-- cluster-test: NAME -->.
var markRE = regexp.MustCompile(`^<!--\s*cluster-test:\s*([a-z0-9-]+)\s*-->$`)

// docBlocks returns the marked code blocks of the Markdown file at path, by
// name, without their fences.
func docBlocks(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blocks := map[string]string{}
	sc := bufio.NewScanner(f)
	name, inBlock, indent := "", false, ""
	var body strings.Builder
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.HasPrefix(strings.TrimSpace(line), "```")
		switch {
		case inBlock && fence:
			blocks[name] = body.String()
			name, inBlock = "", false
			body.Reset()
		case inBlock:
			// A block in a list item is indented like its fence.
			body.WriteString(strings.TrimPrefix(line, indent))
			body.WriteByte('\n')
		case name != "" && fence:
			inBlock = true
			indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
		case name != "":
			t.Fatalf("%s:%d: the cluster-test mark %q is not followed by a code block", path, n, name)
		default:
			if m := markRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
				if _, dup := blocks[m[1]]; dup {
					t.Fatalf("%s:%d: cluster-test block %q marked twice", path, n, m[1])
				}
				name = m[1]
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if inBlock || name != "" {
		t.Fatalf("%s: cluster-test block %q not closed", path, name)
	}
	return blocks
}

// exportedNames returns the variables a shell block sets with export or as
// NAME=value at the start of a line, sorted.
func exportedNames(block string) []string {
	var names []string
	for line := range strings.Lines(block) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		for field := range strings.FieldsSeq(line) {
			name, _, ok := strings.Cut(field, "=")
			if !ok || !regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(name) {
				break
			}
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// operationsDoc is docs/operations.md of this checkout.
func operationsDoc(t *testing.T) string {
	return filepath.Join(repoRoot(t), "docs", "operations.md")
}

// TestDocBlocks checks what the cluster test does not run itself against
// what it does: the settings block of docs/operations.md names exactly the
// variables the test sets for every block, and the node environment file
// names only variables the test gives its kyso nodes.
func TestDocBlocks(t *testing.T) {
	blocks := docBlocks(t, operationsDoc(t))
	for _, name := range []string{"settings", "vault-node", "vault-config", "vault-server", "vault-init", "vault-unseal",
		"vault-setup", "postgres-setup", "kyso-env", "kyso-init"} {
		if blocks[name] == "" {
			t.Errorf("docs/operations.md has no cluster-test block %q", name)
		}
	}
	if got, want := exportedNames(blocks["settings"]), settingNames; !slices.Equal(got, want) {
		t.Errorf("the settings block of docs/operations.md sets %v; the cluster test sets %v", got, want)
	}
	var nodeVars []string
	for _, kv := range testVaultNode().env {
		name, _, _ := strings.Cut(kv, "=")
		nodeVars = append(nodeVars, name)
	}
	sort.Strings(nodeVars)
	if got := exportedNames(blocks["vault-node"]); !slices.Equal(got, nodeVars) {
		t.Errorf("the vault-node block of docs/operations.md sets %v; the cluster test sets %v for each Vault node", got, nodeVars)
	}
	for _, name := range exportedNames(blocks["kyso-env"]) {
		if !slices.Contains(nodeEnvNames, name) {
			t.Errorf("the kyso-env block of docs/operations.md sets %s, which the cluster test's nodes do not get", name)
		}
	}
}

// TestOnePolicy holds the docs to one copy of kyso's Vault policy,
// deploy/vault/kyso-policy.hcl: a Markdown file of the repository may
// quote a policy on Transit (a code block with a path "transit/…" stanza)
// only as that file's content.
func TestOnePolicy(t *testing.T) {
	root := repoRoot(t)
	policy, err := os.ReadFile(filepath.Join(root, "deploy", "vault", "kyso-policy.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	stanza := regexp.MustCompile(`(?m)^\s*path\s+"transit/`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(b), "```")
		for i := 1; i < len(parts); i += 2 { // the insides of fences
			_, body, _ := strings.Cut(parts[i], "\n")
			if stanza.MatchString(body) && strings.TrimSpace(body) != strings.TrimSpace(string(policy)) {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s quotes a Vault policy that is not deploy/vault/kyso-policy.hcl:\n%s", rel, body)
			}
		}
	}
}
