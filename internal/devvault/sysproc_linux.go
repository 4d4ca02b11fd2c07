//go:build linux

package devvault

import "syscall"

// sysProcAttr puts Vault in its own process group, so a terminal's Ctrl-C
// reaches kyso (which then calls Stop) rather than Vault directly, and asks
// the kernel to send Vault SIGTERM if kyso dies without calling Stop.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
