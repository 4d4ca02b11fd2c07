//go:build unix && !linux

package devvault

import "syscall"

// sysProcAttr puts Vault in its own process group, so a terminal's Ctrl-C
// reaches kyso (which then calls Stop) rather than Vault directly.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
