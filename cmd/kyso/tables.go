package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kyso-vn/kyso/truststore"
)

// table writes rows under a header, columns aligned (text/tabwriter).
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// day is a time as a date (UTC), "-" when zero.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

// certRow is what kyso cert list shows of a certificate of the API.
type certRow struct {
	ID           string    `json:"id"`
	CredentialID string    `json:"credential_id"`
	Profile      string    `json:"profile"`
	Status       string    `json:"status"`
	Subject      string    `json:"subject"`
	NotAfter     time.Time `json:"not_after"`
	Serial       string    `json:"serial"`
}

// printCertTable is kyso cert list for people.
func printCertTable(w io.Writer, certs []certRow, next string) error {
	rows := make([][]string, 0, len(certs))
	for _, c := range certs {
		rows = append(rows, []string{c.ID, c.Profile, c.Status, day(c.NotAfter), c.Subject})
	}
	if err := table(w, []string{"ID", "PROFILE", "STATUS", "NOT AFTER", "SUBJECT"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d certificate(s)", len(certs))
	if next != "" {
		fmt.Fprintf(w, "; more after %s (--after %s)", next, next)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// issuerRow is what kyso ca issuers shows of an issuer.
type issuerRow struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	External  bool      `json:"external"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Warnings  []string  `json:"warnings"`
}

// printIssuerTable is kyso ca issuers for people.
func printIssuerTable(w io.Writer, issuers []issuerRow) error {
	rows := make([][]string, 0, len(issuers))
	for _, is := range issuers {
		ext := "no"
		if is.External {
			ext = "yes"
		}
		rows = append(rows, []string{is.Name, is.Kind, is.Status, ext, day(is.NotBefore), day(is.NotAfter)})
	}
	if err := table(w, []string{"NAME", "KIND", "STATUS", "EXTERNAL", "NOT BEFORE", "NOT AFTER"}, rows); err != nil {
		return err
	}
	for _, is := range issuers {
		for _, warn := range is.Warnings {
			fmt.Fprintf(w, "warning: %s: %s\n", is.Name, warn)
		}
	}
	_, err := fmt.Fprintf(w, "%d issuer(s)\n", len(issuers))
	return err
}

// trustRow is one certificate of kyso trust list --json.
type trustRow struct {
	Kind      truststore.Kind `json:"kind"`
	Source    string          `json:"source"`
	Subject   string          `json:"subject"`
	Issuer    string          `json:"issuer"`
	NotBefore time.Time       `json:"not_before"`
	NotAfter  time.Time       `json:"not_after"`
	SHA256    string          `json:"sha256"`
}

// printTrustList is kyso trust list: a table for people (kind, source,
// validity, SHA-256, subject) and a count by source, or with asJSON one
// JSON object per line.
func printTrustList(w io.Writer, entries []truststore.Entry, skipped []string, asJSON bool) error {
	var nKyso, nDirs, nPinned, nBundle int
	rows := make([]trustRow, 0, len(entries))
	for _, e := range entries {
		source := "kyso"
		switch e.Origin {
		case truststore.FromKyso:
			nKyso++
		case truststore.FromConfig:
			nPinned++
			source = "ca.external_root"
		case truststore.FromSource:
			nDirs++
			source = e.File
		case truststore.FromBundle:
			nBundle++
			source = "bundle:" + e.File
		}
		c := e.Cert
		rows = append(rows, trustRow{Kind: e.Kind, Source: source, Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), SHA256: certFingerprint(c)})
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	text := make([][]string, 0, len(rows))
	for i, r := range rows {
		cn := entries[i].Cert.Subject.CommonName
		if cn == "" {
			cn = r.Subject
		}
		text = append(text, []string{string(r.Kind), r.Source, day(r.NotBefore) + " → " + day(r.NotAfter), r.SHA256, cn})
	}
	if err := table(w, []string{"KIND", "SOURCE", "VALID", "SHA-256", "SUBJECT CN"}, text); err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(w, "skipped  %s\n", s)
	}
	extra := ""
	if nPinned > 0 {
		extra += fmt.Sprintf(", %d pinned in ca.external_root", nPinned)
	}
	if nBundle > 0 {
		extra += fmt.Sprintf(", %d from the trust bundle", nBundle)
	}
	_, err := fmt.Fprintf(w, "%d kyso CA certificate(s), %d from trust directories%s\n", nKyso, nDirs, extra)
	return err
}
