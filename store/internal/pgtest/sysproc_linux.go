//go:build linux

package pgtest

import "syscall"

// sysProcAttr runs initdb and postgres as owner (nil: the current user), in
// their own process group so a terminal's Ctrl-C reaches the test binary
// only, and asks the kernel for an immediate shutdown (SIGQUIT) of the
// server if the test binary dies without stopping it.
func sysProcAttr(owner *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT, Credential: owner}
}
