// Package config holds what the sections of kyso's config file share: the
// Duration type their fields are written in. Each package declares its own
// section (keys.Section is the "vault" section, for example) with its
// defaults and checks; cmd/kyso composes the file from them and is the only
// place that reads it.
//
// It imports nothing from kyso.
package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in JSON as "720h", "90m" or "30d".
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string or whole days ("30d").
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"720h\" or \"30d\"")
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return fmt.Errorf("bad duration %q: whole days such as \"30d\", or a Go duration such as \"720h\"", s)
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }
