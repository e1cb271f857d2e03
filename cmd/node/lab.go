package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/devchain/devchain/lab"
)

const labUsage = `usage:
  node lab run --config FILE --out DIR [--seed N] [--trace chain|full|off]
  node lab sweep --config FILE --out DIR --param PATH --values V1,V2,... [--seed N] [--jobs N] [--gamma G]

run: simulates the config's nodes (the real consensus engine, protocol core,
mempool and block templates on in-memory stores) on a discrete-event network
in virtual time, and writes DIR/summary.json, DIR/trace.jsonl, DIR/tree.svg.
The same config and seed give the same bytes. Progress and wall-clock
figures go to stderr.

sweep: runs the config once per value of one parameter (PATH in the
config's JSON: latency_ms, block_interval_s, miners.0.share (the other
shares are rescaled to sum to 1), ...), runs in parallel on --jobs cores,
each run in DIR/<value>/, and plots the figure against the parameter in
DIR/sweep.svg (a miner's share: its revenue share with Eyal and Sirer's
curve for --gamma; a latency: the stale rate with 1 - e^(-d/T)); the
figures also go to DIR/sweep.json.
`

func runLab(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, labUsage)
		return 2
	}
	switch args[0] {
	case "run":
		return runLabRun(args[1:], stderr)
	case "sweep":
		return runLabSweep(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, labUsage)
		return 0
	}
	fmt.Fprintf(stderr, "node lab: unknown command %q\n%s", args[0], labUsage)
	return 2
}

func runLabRun(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("node lab run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, labUsage); fs.PrintDefaults() }
	config := fs.String("config", "", "the lab config (JSON, SPEC section 7)")
	out := fs.String("out", "", "directory for summary.json, trace.jsonl and tree.svg")
	seed := fs.String("seed", "", "seed of every random choice (overrides the config's)")
	trace := fs.String("trace", "chain", "trace detail: chain (blocks, tips, reorgs, network changes), full (also every message sent and received), off")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *config == "" || *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "node lab run: --config FILE and --out DIR are required")
		return 2
	}
	cfg, err := lab.LoadConfig(*config)
	if err != nil {
		fmt.Fprintln(stderr, "node lab run:", err)
		return 1
	}
	if *seed != "" {
		v, err := strconv.ParseInt(*seed, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "node lab run: --seed: want an integer, got %q\n", *seed)
			return 2
		}
		cfg.Seed = &v
	}
	opt, ok := traceOptions(*trace, stderr)
	if !ok {
		return 2
	}
	tuneLabGC(cfg)
	start := time.Now()
	opt.Progress = progressPrinter(stderr, start)
	res, err := lab.RunToDir(cfg, *out, opt)
	if err != nil {
		fmt.Fprintln(stderr, "node lab run:", err)
		return 1
	}
	if *trace == "off" {
		os.Remove(filepath.Join(*out, "trace.jsonl"))
	}
	s := res.Summary
	wallS := time.Since(start).Seconds()
	fmt.Fprintf(stderr, "lab: %d nodes, %d blocks mined (%d stale, rate %.4f), %d reorgs, converged %v, %.0f virtual s, %d events in %.2f s wall (%.0f node-blocks/s)\n",
		s.Nodes, s.BlocksMined, s.StaleBlocks, s.StaleRate, s.Reorgs.Count, s.Converged, s.VirtualSeconds, s.Events, wallS,
		float64(s.Nodes)*float64(s.BlocksMined)/wallS)
	fmt.Fprintf(stderr, "lab: wrote %s\n", filepath.Join(*out, "summary.json"))
	return 0
}

func traceOptions(level string, stderr io.Writer) (lab.Options, bool) {
	switch level {
	case "chain", "off":
		return lab.Options{}, true
	case "full":
		return lab.Options{TraceMessages: true}, true
	}
	fmt.Fprintf(stderr, "node lab: --trace: want chain, full or off, got %q\n", level)
	return lab.Options{}, false
}

// progressPrinter prints a line at most every 2 s of wall time.
func progressPrinter(stderr io.Writer, start time.Time) func(lab.Progress) {
	last := start
	return func(p lab.Progress) {
		if time.Since(last) < 2*time.Second {
			return
		}
		last = time.Now()
		goal := ""
		if p.StopBlocks > 0 {
			goal = fmt.Sprintf("/%d", p.StopBlocks)
		}
		fmt.Fprintf(stderr, "lab: %.0f virtual s, %d%s blocks, %d events, %.1f s wall\n",
			p.VirtualSeconds, p.BlocksMined, goal, p.Events, time.Since(start).Seconds())
	}
}

func runLabSweep(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("node lab sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, labUsage); fs.PrintDefaults() }
	config := fs.String("config", "", "the base lab config (JSON)")
	out := fs.String("out", "", "output directory")
	param := fs.String("param", "", "the swept parameter's path in the config (miners.0.share, latency_ms, ...)")
	values := fs.String("values", "", "comma-separated values")
	seed := fs.String("seed", "", "seed of every run (overrides the config's)")
	jobs := fs.Int("jobs", 0, "runs at once (default: the number of CPUs)")
	gamma := fs.Float64("gamma", -1, "for a miner share sweep: draw Eyal and Sirer's R(a, gamma)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *config == "" || *out == "" || *param == "" || *values == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "node lab sweep: --config, --out, --param and --values are required")
		return 2
	}
	base, err := os.ReadFile(*config)
	if err != nil {
		fmt.Fprintln(stderr, "node lab sweep:", err)
		return 1
	}
	var vs []float64
	for _, f := range strings.Split(*values, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			fmt.Fprintf(stderr, "node lab sweep: --values: %q is not a number\n", f)
			return 2
		}
		vs = append(vs, v)
	}
	sw := lab.Sweep{Base: base, Param: *param, Values: vs, Jobs: *jobs, Dir: *out, Gamma: *gamma}
	if *seed != "" {
		v, err := strconv.ParseInt(*seed, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "node lab sweep: --seed: want an integer, got %q\n", *seed)
			return 2
		}
		sw.Seed = &v
	}
	start := time.Now()
	sw.Progress = func(done, total int) {
		fmt.Fprintf(stderr, "lab sweep: %d/%d runs, %.1f s wall\n", done, total, time.Since(start).Seconds())
	}
	points, err := sw.Run()
	if err != nil {
		fmt.Fprintln(stderr, "node lab sweep:", err)
		return 1
	}
	for _, p := range points {
		fmt.Fprintf(stdout, "%s=%g\t%s=%.4f\n", *param, p.X, sw.FigureName(), p.Y)
	}
	fmt.Fprintf(stderr, "lab sweep: wrote %s\n", filepath.Join(*out, "sweep.svg"))
	return 0
}
