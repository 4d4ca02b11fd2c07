package devvault

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// AllThreadsStopped reports whether every thread of process pid is in the
// stopped state (T) according to /proc, for tests that hang a Vault with
// SIGSTOP: the signal takes effect thread by thread, and a request may
// still be served until the last one stops. False where /proc cannot say.
func AllThreadsStopped(pid int) bool {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false
	}
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			return false
		}
		// pid (comm) state ...: the state follows the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
			return false
		}
	}
	return true
}
