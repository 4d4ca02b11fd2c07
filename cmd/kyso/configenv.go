package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// envPrefix begins the name of every environment variable that overrides
// a config value.
const envPrefix = "KYSO_"

// applyEnv overrides the config's scalar values with environment
// variables, so that one config file serves every node of a deployment:
// the value at JSON path a.b_c is read from KYSO_A_B_C (listen from
// KYSO_LISTEN, database.dsn from KYSO_DATABASE_DSN, vault.addr from
// KYSO_VAULT_ADDR). A variable is written as the value would be in the
// file, without JSON quotes: strings and durations as they are ("30s",
// "30d"), numbers and booleans as JSON; a list of strings is
// comma-separated. Maps (ca.profiles) and lists of sections are the
// file's only. A variable that is set, even empty, overrides; one that
// does not parse is an error naming it. lookup is os.LookupEnv.
func applyEnv(c *Config, lookup func(string) (string, bool)) error {
	_, err := applyEnvStruct(reflect.ValueOf(c).Elem(), envPrefix, lookup)
	return err
}

// applyEnvStruct overrides the fields of the struct v whose variables,
// named prefix+FIELD, are set, and reports whether any was.
func applyEnvStruct(v reflect.Value, prefix string, lookup func(string) (string, bool)) (bool, error) {
	anySet := false
	for f, fv := range envFields(v) {
		name := prefix + strings.ToUpper(f)
		switch {
		case fv.Kind() == reflect.Struct:
			set, err := applyEnvStruct(fv, name+"_", lookup)
			if err != nil {
				return false, err
			}
			anySet = anySet || set
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
			// An optional section (ca.external_root): made when one of
			// its variables is set.
			p := reflect.New(fv.Type().Elem())
			if !fv.IsNil() {
				p.Elem().Set(fv.Elem())
			}
			set, err := applyEnvStruct(p.Elem(), name+"_", lookup)
			if err != nil {
				return false, err
			}
			if set {
				fv.Set(p)
				anySet = true
			}
		case envScalar(fv.Type()):
			s, ok := lookup(name)
			if !ok {
				continue
			}
			if err := setEnvValue(fv, s); err != nil {
				return false, fmt.Errorf("config: environment variable %s: %w", name, err)
			}
			anySet = true
		}
	}
	return anySet, nil
}

// envFields yields the JSON name and value of each field of the struct v.
func envFields(v reflect.Value) func(yield func(string, reflect.Value) bool) {
	return func(yield func(string, reflect.Value) bool) {
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "" || name == "-" {
				continue
			}
			if !yield(name, v.Field(i)) {
				return
			}
		}
	}
}

// envScalar reports whether a field of type t can be set from one
// variable: strings, numbers, booleans (also behind a pointer), the
// config's durations, and lists of strings.
func envScalar(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.String
	}
	return false
}

// setEnvValue sets fv from the text of a variable.
func setEnvValue(fv reflect.Value, s string) error {
	t := fv.Type()
	switch {
	case t.Kind() == reflect.String:
		fv.SetString(s)
		return nil
	case t.Kind() == reflect.Slice:
		var list []string
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				list = append(list, part)
			}
		}
		fv.Set(reflect.ValueOf(list).Convert(t))
		return nil
	}
	// Numbers, booleans and durations: decoded as the file's JSON would
	// be, a duration being a JSON string.
	p := reflect.New(t)
	raw := strings.TrimSpace(s)
	if err := json.Unmarshal([]byte(raw), p.Interface()); err != nil {
		quoted, _ := json.Marshal(raw)
		if json.Unmarshal(quoted, p.Interface()) != nil {
			return fmt.Errorf("%q is not a valid %s", s, envTypeName(t))
		}
	}
	fv.Set(p.Elem())
	return nil
}

// envTypeName names a field's type for an error message.
func envTypeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[Duration]():
		return "duration (e.g. 30s, 90m, 30d)"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	}
	return t.String()
}

// envNames lists the variables that applyEnv reads, for the documentation
// and its test.
func envNames() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f, fv := range envFields(reflect.New(t).Elem()) {
			name := prefix + strings.ToUpper(f)
			ft := fv.Type()
			switch {
			case ft.Kind() == reflect.Struct:
				walk(ft, name+"_")
			case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), name+"_")
			case envScalar(ft):
				out = append(out, name)
			}
		}
	}
	walk(reflect.TypeFor[Config](), envPrefix)
	return out
}
