package main

import (
	"context"
	"fmt"
	"io"
)

// cmdTrustMore is kyso trust's subcommands but list.
func cmdTrustMore(ctx context.Context, w io.Writer, args []string) error {
	switch args[0] {
	case "bundle":
		return cmdTrustBundle(ctx, w, args[1:])
	}
	return usageErr(fmt.Errorf("trust: unknown subcommand %q (want list, bundle, refresh, import-tsl or export-tsl)", args[0]))
}
