package main

import (
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit checks that the soft memory limit follows
// http.memory_bytes (its default when 0) and that GOMEMLIMIT in the
// environment wins.
func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	for _, tc := range []struct {
		name   string
		env    string
		memory int64
		want   int64
	}{
		{"configured", "", 64 << 20, 64<<20 + memoryLimitBase},
		{"default", "", 0, defaultMemoryBytes + memoryLimitBase},
		{"GOMEMLIMIT set", "1GiB", 64 << 20, 12345 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tc.env)
			debug.SetMemoryLimit(12345 << 20)
			setMemoryLimit(tc.memory)
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Errorf("setMemoryLimit(%d) with GOMEMLIMIT=%q: limit %d, want %d", tc.memory, tc.env, got, tc.want)
			}
		})
	}
}
