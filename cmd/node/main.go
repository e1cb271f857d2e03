// Command node runs a devchain full node, talks to one over JSON-RPC, or
// starts a local devnet.
//
//	node run --datadir DIR [--genesis FILE] [--listen MULTIADDR] [--rpc HOST:PORT] [--peer MULTIADDR]...
//	         [--mdns=BOOL] [--mine] [--miner-address ADDR] [--mine-threads N] [--log-level LEVEL]
//	         [--metrics HOST:PORT] [--rpc-allow-remote]
//	node rpc [--datadir DIR | --rpc-url URL --rpc-cookie FILE] METHOD [PARAMS...]
//	node devnet [--nodes 3] [--dir ./devnet] [--miners 1]
//	node lab run --config FILE --out DIR [--seed N]
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  node run --datadir DIR [--genesis FILE] [--listen MULTIADDR] [--rpc HOST:PORT] [--peer MULTIADDR]...
           [--mdns=BOOL] [--mine] [--miner-address ADDR] [--mine-threads N] [--log-level LEVEL]
           [--metrics HOST:PORT] [--rpc-allow-remote]
  node rpc [--datadir DIR | --rpc-url URL --rpc-cookie FILE] METHOD [PARAMS...]
  node devnet [--nodes 3] [--dir ./devnet] [--miners 1]
  node lab run --config FILE --out DIR [--seed N] (node lab help for more)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runNode(rest, stderr)
	case "rpc":
		return runRPC(rest, stdout, stderr)
	case "devnet":
		return runDevnet(rest, stdout, stderr)
	case "lab":
		return runLab(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "node: unknown command %q\n%s", cmd, usage)
	return 2
}
