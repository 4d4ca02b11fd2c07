package main

import (
	"errors"
	"flag"
)

// exitUsage is the exit status of a command line kyso cannot follow: an
// unknown command or flag, a missing argument (sysexits.h's EX_USAGE). It
// differs from every status of kyso verify (0 to 3), so that a script
// tells "you called me wrong" from "this document is unreadable" (3).
const exitUsage = 64

// usageErr marks err as a usage error: kyso exits with exitUsage. A
// -h/--help (flag.ErrHelp: the flag package printed the usage) exits 0.
// An error that already carries an exit status keeps it.
func usageErr(err error) error {
	var ee *exitError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return &exitError{code: 0}
	case errors.As(err, &ee):
		return err
	}
	return &exitError{code: exitUsage, err: err}
}
