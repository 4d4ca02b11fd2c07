//go:build unix && !linux

package pgtest

import "syscall"

// sysProcAttr runs initdb and postgres as owner (nil: the current user), in
// their own process group so a terminal's Ctrl-C reaches the test binary
// only.
func sysProcAttr(owner *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: owner}
}
