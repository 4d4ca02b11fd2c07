package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kyso-vn/kyso/api/web"
	"github.com/kyso-vn/kyso/verifier"
)

// cliLang is the language kyso verify speaks to people: vi (default) or
// en. --json output is the API's report, whatever the language.
type cliLang string

const (
	langVI cliLang = "vi"
	langEN cliLang = "en"
)

func parseLang(s string) (cliLang, error) {
	switch cliLang(s) {
	case langVI, langEN:
		return cliLang(s), nil
	}
	return "", fmt.Errorf("--lang %q: want vi or en", s)
}

// verdict names an exit status of kyso verify.
func (l cliLang) verdict(code int) string {
	vi := l == langVI
	switch code {
	case exitPassed:
		return pick(vi, "HỢP LỆ", "VALID")
	case exitFailed:
		return pick(vi, "KHÔNG HỢP LỆ", "NOT VALID")
	case exitIndeterminate:
		return pick(vi, "KHÔNG XÁC ĐỊNH", "INDETERMINATE")
	}
	return pick(vi, "KHÔNG ĐỌC ĐƯỢC", "CANNOT READ")
}

func (l cliLang) warningLabel() string { return pick(l == langVI, "lưu ý", "warning") }

// field writes one "    label: value" line of a signature in a report,
// the label in l's language, the values aligned.
func (l cliLang) field(w io.Writer, vi, en, value string) {
	label := pick(l == langVI, vi, en) + ":"
	pad := 14 - utf8.RuneCountInString(label)
	if pad < 1 {
		pad = 1
	}
	fmt.Fprintf(w, "    %s%s%s\n", label, strings.Repeat(" ", pad), value)
}

// warnings says a report's warnings: in English their own text; in
// Vietnamese the page's sentence of each one's code (api/web.WarningVI),
// or the English text for a code the page has no sentence for.
func (l cliLang) warnings(texts []string, coded []verifier.Warning) []string {
	if l != langVI || len(coded) != len(texts) {
		return texts
	}
	out := make([]string, 0, len(texts))
	seen := map[string]bool{}
	for i, w := range coded {
		s, ok := web.WarningVI(webWarning(w))
		if !ok {
			s = texts[i]
		}
		// A sentence whose English parameter is left out in Vietnamese
		// (another check's reason, an error) can render the same for
		// several warnings: say it once.
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func webWarning(w verifier.Warning) web.Warning {
	out := web.Warning{Code: w.Code, Params: w.Params}
	if w.Inner != nil {
		in := webWarning(*w.Inner)
		out.Inner = &in
	}
	return out
}

func pick(vi bool, a, b string) string {
	if vi {
		return a
	}
	return b
}

// verifyTally counts the files of one kyso verify by outcome.
type verifyTally struct{ passed, failed, indeterminate, unreadable int }

func (t *verifyTally) add(code int) {
	switch code {
	case exitPassed:
		t.passed++
	case exitFailed:
		t.failed++
	case exitIndeterminate:
		t.indeterminate++
	default:
		t.unreadable++
	}
}

// line is the summary printed after several files: "12 tệp: 10 hợp lệ,
// 1 không hợp lệ, 1 không xác định" (and "… không đọc được" when some
// could not be read).
func (t verifyTally) line(l cliLang) string {
	n := t.passed + t.failed + t.indeterminate + t.unreadable
	if l == langVI {
		s := fmt.Sprintf("%d tệp: %d hợp lệ, %d không hợp lệ, %d không xác định", n, t.passed, t.failed, t.indeterminate)
		if t.unreadable > 0 {
			s += fmt.Sprintf(", %d không đọc được", t.unreadable)
		}
		return s
	}
	s := fmt.Sprintf("%d files: %d valid, %d not valid, %d indeterminate", n, t.passed, t.failed, t.indeterminate)
	if t.unreadable > 0 {
		s += fmt.Sprintf(", %d unreadable", t.unreadable)
	}
	return s
}
