//go:build !unix

package devvault

import "syscall"

// sysProcAttr keeps the default process attributes.
func sysProcAttr() *syscall.SysProcAttr { return nil }
