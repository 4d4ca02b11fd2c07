package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lastSeqRE finds the last record's number in kyso audit verify's output.
var lastSeqRE = regexp.MustCompile(`last seq (\d+)`)

// auditVerify runs kyso audit verify with env and returns the last
// record's number.
func (e *env) auditVerify(t *testing.T, env []string) string {
	t.Helper()
	out, err := e.sh.run(context.Background(), "", "kyso audit verify", "", env...)
	if err != nil {
		t.Fatalf("kyso audit verify: %v", err)
	}
	m := lastSeqRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("kyso audit verify said %q, want its last seq", out)
	}
	return m[1]
}

// restoreDrill is docs/operations.md's backup and restore, run on the
// cluster: the backup token, a PostgreSQL dump and a Vault snapshot by the
// doc's blocks; more signatures; then both restored into a fresh
// single-node Vault and a fresh PostgreSQL by the doc's blocks, the doc's
// checks (the audit chain ends at the backup's record, doctor clean), a
// kyso node on them that verifies documents signed before the backup and
// signs a new one.
func (e *env) restoreDrill(t *testing.T, l *load, s signer) {
	dir := filepath.Join(e.work, "backup")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	clusterEnv := e.nodes[0].env
	before := e.auditVerify(t, clusterEnv)

	e.phase("backup: the backup token, a PostgreSQL dump, then a Vault snapshot (audit chain at record %s)", before)
	if _, err := e.sh.run(t.Context(), dir, e.blocks["vault-backup-setup"], "", append(e.setting, "VAULT_TOKEN="+e.vault.root)...); err != nil {
		t.Fatalf("vault-backup-setup block: %v", err)
	}
	if _, err := e.sh.run(t.Context(), dir, e.blocks["backup"], "", append(e.setting, "KYSO_DATABASE_DSN="+e.pg.dsn(e.pgPass, "kyso"))...); err != nil {
		t.Fatalf("backup block: %v", err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "vault-*.snap"))
	dumps, _ := filepath.Glob(filepath.Join(dir, "kyso-*.dump"))
	if len(snaps) != 1 || len(dumps) != 1 {
		t.Fatalf("the backup block made snapshots %v and dumps %v, want one of each", snaps, dumps)
	}
	stamp := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(snaps[0]), "vault-"), ".snap")
	if filepath.Base(dumps[0]) != "kyso-"+stamp+".dump" {
		t.Fatalf("snapshot %s and dump %s are not a pair", snaps[0], dumps[0])
	}

	e.phase("backup: sign more after it")
	for i := range 5 {
		if a := e.sign(context.Background(), e.nodes[i%3], s, document(2_000_000+i), ""); a.status != http.StatusOK {
			t.Fatalf("sign after the backup = %v", a)
		}
	}
	if after := e.auditVerify(t, clusterEnv); after == before {
		t.Fatalf("the audit chain is at record %s after five more signatures, as at the backup", after)
	}

	e.phase("restore: a fresh Vault node, initialised and unsealed with its own shares, then the snapshot")
	fresh := newVaultCluster(t, e.sh, e.root, e.tools.vault, e.blocks, e.pool, e.tlsDir, 1, "restore")
	t.Cleanup(fresh.stopAll)
	fresh.settings = append(fresh.settings, "KYSO_NODE_CIDRS=127.0.0.1/32", "KYSO_DB_PASSWORD="+e.pgPass)
	fresh.start(0)
	fresh.init()
	fresh.unseal(0)
	fresh.waitHealth(0, "active", 200)
	if _, err := e.sh.run(t.Context(), dir, e.blocks["restore-vault"], "", append(fresh.settings, "VAULT_TOKEN="+fresh.root, "stamp="+stamp)...); err != nil {
		t.Fatalf("restore-vault block: %v", err)
	}
	// The doc: from now on the old shares unseal it. Restart to prove it.
	fresh.stop(0)
	fresh.start(0)
	fresh.unsealWith(0, e.vault.shares)
	fresh.waitHealth(0, "active with the old shares", 200)

	e.phase("restore: a fresh PostgreSQL with kyso's role and database, then the dump")
	pg := startPostgres(t, e.tools.pg)
	if _, err := e.sh.run(t.Context(), "", e.blocks["postgres-setup"], "", append(fresh.settings, pg.adminEnv()...)...); err != nil {
		t.Fatalf("postgres-setup block on the fresh server: %v", err)
	}
	dsn := pg.dsn(e.pgPass, "kyso")
	if _, err := e.sh.run(t.Context(), dir, e.blocks["restore-postgres"], "", "KYSO_DATABASE_DSN="+dsn, "stamp="+stamp); err != nil {
		t.Fatalf("restore-postgres block: %v", err)
	}

	e.phase("restore: the doc's checks, then a kyso node")
	n := &kysoNode{name: "kyso-restored", listen: freeAddr(t), metrics: freeAddr(t), bin: e.tools.kyso, dir: e.work,
		log: filepath.Join(e.work, "kyso-restored.log")}
	for _, kv := range e.base {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "KYSO_DATABASE_DSN":
			kv = "KYSO_DATABASE_DSN=" + dsn
		case "KYSO_VAULT_ADDRS":
			kv = "KYSO_VAULT_ADDRS=" + fresh.nodes[0].api
		}
		n.env = append(n.env, kv)
	}
	n.env = append(n.env, "KYSO_LISTEN="+n.listen, "KYSO_METRICS_LISTEN="+n.metrics)
	out, err := e.sh.run(t.Context(), "", e.blocks["restore-check"], "", n.env...)
	if err != nil {
		t.Fatalf("restore-check block (kyso audit verify, kyso doctor): %v", err)
	}
	if m := lastSeqRE.FindStringSubmatch(out); m == nil || m[1] != before {
		t.Errorf("restored audit chain: %q, want its last record %s, the backup's", out, before)
	}
	n.start(t)
	t.Cleanup(func() { _ = n.proc().signal(syscall.SIGTERM, 30*time.Second) })
	n.waitReady(t, e.client, 2*time.Minute)

	checked := 0
	for i := 0; i < len(l.done) && checked < 5; i += max(1, len(l.done)/5) {
		if v := e.verify(t, n, l.done[i].output); !v {
			t.Errorf("document %s, signed before the backup, does not verify on the restored node", l.done[i].key)
		}
		checked++
	}
	if a := e.sign(context.Background(), n, s, document(3_000_000), ""); a.status != http.StatusOK {
		t.Errorf("sign on the restored node = %v, want 200", a)
	} else if !e.verify(t, n, a.body) {
		t.Error("the restored node's new signature does not verify")
	}
	e.phase("restore: %d documents of before the backup verify; the restored node signs", checked)
}

// verify asks node n's POST /v1/verify/pdf about doc and returns the
// report's valid.
func (e *env) verify(t *testing.T, n *kysoNode, doc []byte) bool {
	t.Helper()
	resp, err := e.client.Post(n.url()+"/v1/verify/pdf", "application/pdf", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Valid *bool `json:"valid"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &r) != nil || r.Valid == nil {
		t.Fatalf("POST /v1/verify/pdf = %d %s", resp.StatusCode, truncate(raw))
	}
	if !*r.Valid {
		t.Logf("verify: %s", truncate(raw))
	}
	return *r.Valid
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return fmt.Sprintf("%s…", b[:600])
	}
	return string(b)
}
