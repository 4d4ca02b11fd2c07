package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// cmdPIN sets or unlocks a citizen credential's PIN through the admin API
// (POST /v1/credentials/{id}/pin and /unlock), as an administrator does
// for a citizen at the counter. Both are enrolment events: they name the
// identity proofing behind them (--evidence cccd_chip|in_person|vneid,
// --reference, --officer), which kyso keeps in the audit record. The PIN
// is read from standard input (one line: typed at the terminal, or
// piped), never from a flag, which would leave it in the shell's history
// and the process list.
func cmdPIN(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		return usageErr(errors.New("pin: want set CREDENTIAL-ID or unlock CREDENTIAL-ID"))
	}
	sub := args[0]
	fs := flag.NewFlagSet("pin "+sub, flag.ContinueOnError)
	mk := clientFlags(fs)
	method := fs.String("evidence", "", "how the citizen's identity was proven: cccd_chip, in_person or vneid (required)")
	reference := fs.String("reference", "", "the reference of that proofing, e.g. the dossier number (required)")
	officer := fs.String("officer", "", "the officer who proved it (required)")
	switch sub {
	case "set", "unlock":
	default:
		return usageErr(fmt.Errorf("pin: unknown subcommand %q (want set or unlock)", sub))
	}
	id, err := parseWithID(fs, args[1:])
	if err != nil {
		return err
	}
	if *method == "" || *reference == "" || *officer == "" {
		return usageErr(fmt.Errorf("pin %s: an enrolment event needs the identity proofing behind it: --evidence cccd_chip|in_person|vneid, --reference and --officer", sub))
	}
	evidence := map[string]string{"method": *method, "reference": *reference, "officer": *officer}
	c, err := mk()
	if err != nil {
		return err
	}
	path := "/v1/credentials/" + url.PathEscape(id) + "/" + map[string]string{"set": "pin", "unlock": "unlock"}[sub]
	body, _ := json.Marshal(map[string]any{"evidence": evidence})
	if sub == "set" {
		fmt.Fprintln(os.Stderr, "PIN (6 to 12 digits), then Enter:")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pin := strings.TrimSpace(line)
		if pin == "" {
			return usageErr(errors.New("pin set: no PIN on standard input"))
		}
		body, _ = json.Marshal(map[string]any{"pin": pin, "evidence": evidence})
	}
	var out map[string]any
	if err := c.do(ctx, http.MethodPost, path, "application/json", body, &out); err != nil {
		return err
	}
	what := map[string]string{"set": "PIN set", "unlock": "unlocked"}[sub]
	_, err = fmt.Fprintf(w, "credential %s: %s\n", id, what)
	return err
}

// cmdSeal uploads an agency's seal image through the admin API (PUT
// /v1/seal-images/{organization}): kyso seal set ORGANIZATION IMAGE.
func cmdSeal(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "set" {
		return usageErr(errors.New("seal: want set ORGANIZATION IMAGE.png|IMAGE.jpg"))
	}
	fs := flag.NewFlagSet("seal set", flag.ContinueOnError)
	mk := clientFlags(fs)
	pos, err := parsePositional(fs, args[1:])
	if err != nil {
		return usageErr(err)
	}
	if len(pos) != 2 {
		return usageErr(errors.New("seal set: want ORGANIZATION (the O of the agency's seal certificates) and the image file"))
	}
	org, file := pos[0], pos[1]
	img, err := readSmallFile(file, 5<<20)
	if err != nil {
		return err
	}
	c, err := mk()
	if err != nil {
		return err
	}
	var out struct {
		Organization string `json:"organization"`
		Bytes        int    `json:"bytes"`
	}
	if err := c.do(ctx, http.MethodPut, "/v1/seal-images/"+url.PathEscape(org), http.DetectContentType(img), img, &out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "seal image of %q stored (%d bytes)\n", out.Organization, out.Bytes)
	return err
}

// parsePositional parses flags that may come before, between or after
// the positional arguments, and returns those.
func parsePositional(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
