// Command pdfsign-cli is pdfsign's command line, as upstream builds it:
// github.com/digitorus/pdfsign v1.0.0-rc2 ships the commands in its cli
// package but no main package. make bench builds it once and runs
// `pdfsign-cli sign` once per document, as a user of pdfsign's command line
// would.
package main

import (
	"fmt"
	"os"

	"github.com/digitorus/pdfsign/cli"
)

func main() {
	if len(os.Args) < 2 {
		cli.Usage()
	}
	switch os.Args[1] {
	case "sign":
		cli.SignCommand()
	case "verify":
		cli.VerifyCommand()
	case "-h", "--help", "help":
		cli.Usage()
	default:
		fmt.Fprintf(os.Stderr, "Unknown command: %s\n", os.Args[1])
		cli.Usage()
	}
}
