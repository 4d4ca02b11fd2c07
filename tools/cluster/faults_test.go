package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCluster is issue #15's cluster test: the cluster of
// docs/operations.md on loopback (three kyso serve nodes, PostgreSQL, three
// Vault nodes with Raft and AppRole), under bounded signing load with
// Idempotency-Keys, while in turn a kyso node is killed (-9) and
// restarted, the Vault leader is stopped and later restarted, and
// PostgreSQL restarts. It asserts:
//
//   - every key gets its document, a replay of every key on another node
//     returns the same document, and every document has exactly one audit
//     record (none lost, none duplicated);
//   - the audit chain verifies and kyso doctor finds nothing;
//   - readiness says whether a node can sign, within the probe's cache
//     window (readinessWindow): probes poll /readyz and sign on each node
//     throughout; every node turns unready while PostgreSQL is down;
//   - the nodes recover from the Vault and PostgreSQL faults without a
//     restart (their processes are the same).
func TestCluster(t *testing.T) {
	e := bringUp(t)
	loadSigner := e.newSigner("e-office Hà Nội (load)")
	probeSigner := e.newSigner("health probe")

	ctx, stopWatch := context.WithCancel(context.Background())
	watchers := e.watch(ctx, probeSigner, 300*time.Millisecond)
	l := e.startLoad(loadSigner, 8, 6)
	e.phase("load: 8 clients, about 6 signatures a second")
	l.waitAnswered(30, "steady load")

	// A kyso node killed and restarted.
	e.phase("fault 1: kill -9 %s", e.nodes[1].name)
	if err := e.nodes[1].proc().signal(syscall.SIGKILL, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	l.waitAnswered(30, "the other nodes sign while kyso-2 is dead")
	e.phase("fault 1: restart %s", e.nodes[1].name)
	e.nodes[1].start(t)
	e.nodes[1].waitReady(t, e.client, 2*time.Minute)
	l.waitAnswered(30, "after kyso-2's restart")

	// The Vault leader stopped, then restarted and unsealed.
	procs := []*proc{e.nodes[0].proc(), e.nodes[1].proc(), e.nodes[2].proc()}
	var leader int
	waitFor(t, "a Vault leader", time.Minute, func() (err error) { leader, err = e.vault.leader(); return err })
	e.phase("fault 2: stop the Vault leader %s", e.vault.nodes[leader].id)
	e.vault.stop(leader)
	waitFor(t, "a new Vault leader", 2*time.Minute, func() error {
		i, err := e.vault.leader()
		if err == nil && i == leader {
			return fmt.Errorf("%s still leads", e.vault.nodes[i].id)
		}
		return err
	})
	for _, n := range e.nodes {
		n.waitReady(t, e.client, 2*time.Minute)
	}
	l.waitAnswered(30, "with two Vault nodes")
	e.phase("fault 2: restart and unseal %s", e.vault.nodes[leader].id)
	e.vault.start(leader)
	e.vault.unseal(leader)
	e.vault.waitHealth(leader, "standby again", 429)
	l.waitAnswered(30, "with the old leader back as a standby")

	// PostgreSQL stopped and started again.
	e.phase("fault 3: stop PostgreSQL")
	type seen struct{ unready, failed int }
	before := make([]seen, len(watchers))
	for i, w := range watchers {
		before[i].unready, before[i].failed = w.counts()
	}
	e.pg.stop()
	for _, n := range e.nodes {
		waitFor(t, n.name+" unready without its database", time.Minute, func() error {
			if code := n.readyz(e.client); code != http.StatusServiceUnavailable {
				return fmt.Errorf("/readyz = %d, want 503", code)
			}
			return nil
		})
	}
	// The database stays down until each node's probes have seen it
	// unready and a probe signature fail: on a fast host PostgreSQL
	// stopped and started again between two of the probes' rounds
	// (300 ms apart), and the check of the probes below failed.
	for i, w := range watchers {
		waitFor(t, w.node.name+"'s probes to see the database down", time.Minute, func() error {
			if unready, failed := w.counts(); unready == before[i].unready || failed == before[i].failed {
				return fmt.Errorf("%d new unready answers and %d new failed probe signatures, want both", unready-before[i].unready, failed-before[i].failed)
			}
			return nil
		})
	}
	e.phase("fault 3: start PostgreSQL")
	e.pg.start()
	for _, n := range e.nodes {
		n.waitReady(t, e.client, 2*time.Minute)
	}
	l.waitAnswered(30, "after PostgreSQL's restart")

	e.phase("load: stop, let the keys in progress finish")
	l.finish()
	stopWatch()
	for i, n := range e.nodes {
		if n.proc() != procs[i] {
			t.Errorf("%s was restarted during the Vault and PostgreSQL faults", n.name)
		}
		if n.proc().exited() {
			t.Errorf("%s exited: %v\n%s", n.name, n.proc().err, tail(n.log, 30))
		}
	}
	for _, lost := range l.lost {
		t.Errorf("lost: %s", lost)
	}
	retried := 0
	for _, s := range l.done {
		if len(s.attempts) > 0 {
			retried++
		}
	}
	e.phase("load: %d documents signed, %d of them after a retry on another node", len(l.done), retried)

	e.checkReplays(l)
	e.checkAudit(l, loadSigner)
	e.checkTools()
	t.Run("alert series", func(t *testing.T) { e.checkAlertSeries(t, e.nodes[0]) })
	t.Run("restore drill", func(t *testing.T) { e.restoreDrill(t, l, probeSigner) })
	for _, w := range watchers {
		v, readyz, signs := w.violations(readinessWindow)
		unready, failed := w.counts()
		e.phase("readiness of %s: %d answers (%d not ready) and %d probe signatures (%d failed) judged, %d disagreements",
			w.node.name, readyz, unready, signs, failed, len(v))
		if unready == 0 || failed == 0 {
			t.Errorf("readiness of %s: the probes saw no fault (%d not ready, %d failed)", w.node.name, unready, failed)
		}
		for _, s := range v {
			t.Errorf("readiness: %s", s)
		}
	}
}

// checkReplays asks every key again, on another node than the one that
// answered first: the same document, marked replayed.
func (e *env) checkReplays(l *load) {
	e.phase("replay: %d Idempotency-Keys again", len(l.done))
	for i, s := range l.done {
		a := e.sign(context.Background(), e.nodes[(i+1)%len(e.nodes)], l.s, s.input, s.key)
		switch {
		case a.status != http.StatusOK:
			e.t.Errorf("replay of %s = %v, want 200", s.key, a)
		case !bytes.Equal(a.body, s.output):
			e.t.Errorf("replay of %s returned another document (%d bytes, first %d bytes)", s.key, len(a.body), len(s.output))
		case !a.replayed:
			e.t.Errorf("replay of %s: no Idempotent-Replayed: true", s.key)
		}
	}
}

// checkAudit reads the audit log from PostgreSQL: the load's client has
// exactly one sign.pdf record per key, and each document (its input or
// output hash, whichever the record names) exactly one.
func (e *env) checkAudit(l *load, s signer) {
	e.phase("audit: one record per signed document")
	out, err := e.sh.run(context.Background(), "", `psql -At -v ON_ERROR_STOP=1 "$KYSO_DATABASE_DSN" -c "SELECT actor, details FROM audit_log WHERE action = 'sign.pdf'"`,
		"", "KYSO_DATABASE_DSN="+e.pg.dsn(e.pgPass, "kyso"))
	if err != nil {
		e.t.Fatal(err)
	}
	byHash := map[string]int{}
	records := 0
	for line := range strings.Lines(out) {
		actor, details, ok := strings.Cut(strings.TrimSpace(line), "|")
		if !ok || !strings.Contains(actor, s.clientID) {
			continue
		}
		records++
		var d struct {
			DocumentSHA256 string `json:"document_sha256"`
		}
		if err := json.Unmarshal([]byte(details), &d); err != nil {
			e.t.Fatalf("audit details %q: %v", details, err)
		}
		byHash[d.DocumentSHA256]++
	}
	if records != len(l.done) {
		e.t.Errorf("the load's client has %d sign.pdf audit records for %d signed documents", records, len(l.done))
	}
	for _, sg := range l.done {
		in, outH := sha256.Sum256(sg.input), sha256.Sum256(sg.output)
		if n := byHash[hex.EncodeToString(in[:])] + byHash[hex.EncodeToString(outH[:])]; n != 1 {
			e.t.Errorf("%s: %d audit records of its document, want 1 (attempts before it: %v)", sg.key, n, sg.attempts)
		}
	}
}

// checkTools runs kyso audit verify and kyso doctor on the cluster.
func (e *env) checkTools() {
	for _, args := range [][]string{{"audit", "verify"}, {"doctor"}} {
		e.phase("kyso %s", strings.Join(args, " "))
		cmd := exec.Command(e.nodes[0].bin, args...)
		cmd.Env = e.nodes[0].env
		cmd.Dir = e.work
		out, err := cmd.CombinedOutput()
		if err != nil {
			e.t.Errorf("kyso %s: %v\n%s", strings.Join(args, " "), err, out)
		} else {
			e.t.Logf("kyso %s: %s", strings.Join(args, " "), lastLine(out))
		}
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
