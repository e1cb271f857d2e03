// Command bench measures devchain's end-to-end performance figures with
// real `node run` processes on loopback, optionally side by side with btcd,
// as docs/PERFORMANCE.md reports them. It is a tool of its own: the node
// binary it measures does not carry it.
//
//	bench [--node PATH] [--quick] [--json FILE] [--svg FILE] [--btcd PATH] ...
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/devchain/devchain/internal/bench"
)

const benchUsage = `usage: bench [--node PATH] [--quick] [--json FILE] [--svg FILE] [--btcd PATH] [--dir DIR] [--height N] ...

Runs the end-to-end performance figures on loopback with real nodes: child
processes of the node binary ("node run"), each on its own datadir, driven
only through their JSON-RPC, one experiment after another. Without --node
the binary is the "node" next to this one, else ./cmd/node built with
"go build" into the run's directory (run from inside the module):

  generate     generatetoaddress cost per empty block: calls of --chunk blocks
               at height 1,000 and at --height (median of --reps calls each),
               and every call on the way up (the series --svg plots)
  sync         a fresh node syncing 1,000 empty blocks (median of --reps
               syncs, run with generate), --sync-blocks empty blocks, and
               --tx-blocks blocks of 1,000 transactions, from a peer
  admission    sendrawtransaction rate while those transactions are submitted
  propagation  a block and a transaction from the first to the last node of
               a line of 5 (--samples of each; median and 90th percentile)
  memory       RSS of a fresh idle node, of the idle line, and of the node at
               --height restarted and idle

With --btcd, a btcd binary (regtest, loopback only) is measured in the same
run: its generate per empty block interleaved call by call with ours, and
fresh btcds syncing 1,000 blocks from another, alternated sync by sync with
ours; the ratios are printed.

--indexers=false runs every node with "--txindex=false --addrindex=false";
--only generate,sync runs just those experiments (the btcd comparisons are
in generate).

The chain is regtest-like (no retarget, 1 MB blocks) with a large
max_future_block_seconds: blocks mined faster than the clock run ahead of it
(6 blocks per second of median time past), and 100,000 blocks in seconds
would break a 2-hour limit. --quick takes about half a minute, the full run
a few minutes.

flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	quick := fs.Bool("quick", false, "small sizes (height 10,000, 2,000-block sync, 2 blocks of 1,000 tx, 10 samples): well under a minute")
	jsonPath := fs.String("json", "", "also write the figures as JSON to FILE")
	svgPath := fs.String("svg", "", "also plot ms per block against height as SVG to FILE")
	btcdPath := fs.String("btcd", "", "btcd binary to measure side by side (regtest, loopback)")
	nodePath := fs.String("node", "", "the node binary to measure (default: the \"node\" next to this binary, else ./cmd/node built)")
	dir := fs.String("dir", "", "directory for the datadirs (default: a new temporary one, removed afterwards)")
	height := fs.Int("height", 0, "height of the second generatetoaddress measurement (default 100,000; quick 10,000)")
	chunk := fs.Int("chunk", 0, "blocks per measured generatetoaddress call (default 1,000)")
	reps := fs.Int("reps", 0, "calls per generate figure, the median is reported (default 5; quick 3)")
	syncBlocks := fs.Int("sync-blocks", 0, "empty blocks of the long sync (default 20,000; quick 2,000)")
	txBlocks := fs.Int("tx-blocks", 0, "blocks of 1,000 transactions to sync (default 10; quick 2)")
	samples := fs.Int("samples", 0, "blocks and transactions timed across the 5-node line (default 40; quick 10)")
	indexers := fs.Bool("indexers", true, "run the nodes with their transaction index and address history (false passes --txindex=false --addrindex=false to node run)")
	only := fs.String("only", "", "comma-separated experiments to run (generate, sync, transactions, propagation; default all)")
	fromJSON := fs.String("from-json", "", "measure nothing: print the table (and --svg) of a run saved with --json")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := bench.Full()
	if *quick {
		cfg = bench.Quick()
	}
	for _, o := range []struct {
		flag int
		dst  *int
	}{{*height, &cfg.Height}, {*chunk, &cfg.Chunk}, {*reps, &cfg.Reps}, {*syncBlocks, &cfg.SyncBlocks}, {*txBlocks, &cfg.TxBlocks}, {*samples, &cfg.Samples}} {
		if o.flag < 0 {
			fmt.Fprintln(stderr, "bench: sizes must be positive")
			return 2
		}
		if o.flag > 0 {
			*o.dst = o.flag
		}
	}
	if cfg.Height < 2000+cfg.Reps*cfg.Chunk {
		fmt.Fprintf(stderr, "bench: --height must be at least %d\n", 2000+cfg.Reps*cfg.Chunk)
		return 2
	}
	cfg.Btcd = *btcdPath
	if !*indexers {
		cfg.NodeArgs = []string{"--txindex=false", "--addrindex=false"}
	}
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			if !slices.Contains(bench.StepNames, name) {
				fmt.Fprintf(stderr, "bench: --only: unknown experiment %q (want %s)\n", name, strings.Join(bench.StepNames, ", "))
				return 2
			}
			cfg.Steps = append(cfg.Steps, name)
		}
	}
	cfg.Log = stderr
	cfg.Dir = *dir
	if cfg.Dir == "" {
		tmp, err := os.MkdirTemp("", "devchain-bench-")
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		cfg.Dir = tmp
	} else if abs, err := filepath.Abs(cfg.Dir); err == nil {
		cfg.Dir = abs
	}
	var res *bench.Result
	if *fromJSON == "" {
		exe, err := nodeBinary(*nodePath, cfg.Dir, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		cfg.Exe = exe
	}
	if *fromJSON != "" {
		data, err := os.ReadFile(*fromJSON)
		if err == nil {
			res = new(bench.Result)
			err = json.Unmarshal(data, res)
		}
		if err != nil {
			fmt.Fprintf(stderr, "bench: --from-json: %v\n", err)
			return 1
		}
	} else {
		ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer cancel()
		var err error
		if res, err = bench.Run(ctx, cfg); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "machine: %s\n", res.Machine)
	if len(res.Config.NodeArgs) > 0 {
		fmt.Fprintf(stdout, "node run %s\n", strings.Join(res.Config.NodeArgs, " "))
	}
	if err := bench.WriteTable(stdout, res); err != nil {
		return 1
	}
	if *jsonPath != "" {
		data, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonPath, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	}
	if *svgPath != "" {
		f, err := os.Create(*svgPath)
		if err == nil {
			err = bench.WriteSVG(f, res, "generatetoaddress cost per empty block against chain height ("+res.Machine+")")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	}
	return 0
}

// nodeBinary returns the node binary to measure: path when given, the
// "node" next to the running binary when there is one, else ./cmd/node
// built into dir.
func nodeBinary(path, dir string, log io.Writer) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("--node: %w", err)
		}
		return filepath.Abs(path)
	}
	if self, err := os.Executable(); err == nil {
		sibling := filepath.Join(filepath.Dir(self), "node")
		if st, err := os.Stat(sibling); err == nil && st.Mode().IsRegular() {
			return sibling, nil
		}
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	root := filepath.Dir(string(bytes.TrimSpace(gomod)))
	if err != nil || len(bytes.TrimSpace(gomod)) == 0 || root == "." {
		return "", fmt.Errorf("no node binary next to this one and not inside the module to build one: pass --node PATH")
	}
	out := filepath.Join(dir, "node")
	fmt.Fprintf(log, "building ./cmd/node into %s\n", out)
	cmd := exec.Command("go", "build", "-o", out, "./cmd/node")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/node (run bench from inside the module, or pass --node PATH): %w", err)
	}
	return out, nil
}
