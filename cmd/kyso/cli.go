package main

// exitUsage is the exit status of a command line kyso cannot follow: an
// unknown command or flag, a missing argument (sysexits.h's EX_USAGE). It
// differs from every status of kyso verify (0 to 3), so that a script
// tells "you called me wrong" from "this document is unreadable" (3).
const exitUsage = 64

// usageErr marks err as a usage error: kyso exits with exitUsage.
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }
