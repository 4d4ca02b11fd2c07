package web

import (
	"regexp"
	"strings"
	"sync"
)

// warnVI is the page's table of Vietnamese warning sentences (WARN_VI in
// app.js, one per code of verifier.WarningCodes), read once from the
// embedded app.js so that the page and kyso verify say each warning in
// the same words, written in one place.
var warnVI = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	js, err := files.ReadFile("app.js")
	if err != nil {
		return out
	}
	s := string(js)
	start := strings.Index(s, "var WARN_VI = {")
	if start < 0 {
		return out
	}
	s = s[start:]
	if end := strings.Index(s, "\n  };"); end >= 0 {
		s = s[:end]
	}
	entry := regexp.MustCompile(`(?m)^\s*(\w+): '((?:[^'\\]|\\.)*)',?\s*$`)
	for _, m := range entry.FindAllStringSubmatch(s, -1) {
		out[m[1]] = strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(m[2])
	}
	return out
})

// Warning is what WarningVI needs of a coded warning (verifier.Warning).
type Warning struct {
	Code   string
	Params map[string]string
	Inner  *Warning
}

var param = regexp.MustCompile(`\{(\w+)\}`)

// WarningVI says w in Vietnamese as the page does, and reports whether
// the page has a sentence for its code (false: say the English text).
func WarningVI(w Warning) (string, bool) {
	tpl, ok := warnVI()[w.Code]
	if !ok {
		return "", false
	}
	return param.ReplaceAllStringFunc(tpl, func(m string) string {
		name := m[1 : len(m)-1]
		switch name {
		case "inner":
			if w.Inner != nil {
				if s, ok := WarningVI(*w.Inner); ok {
					return s
				}
			}
			return ""
		case "sub":
			return w.Params["sub_indication"]
		}
		return w.Params[name]
	}), true
}
