package web

import (
	"regexp"

	"github.com/kyso-vn/kyso/internal/warnvi"
)

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
	tpl, ok := warnvi.Sentence(w.Code)
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
