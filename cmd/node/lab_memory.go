package main

import (
	"os"
	"runtime/debug"

	"github.com/devchain/devchain/lab"
)

// A lab run's live heap grows with nodes x blocks (each node keeps its own
// chain) and is mostly long-lived, so Go's default collector pacing (a
// cycle each time the heap doubles, GOGC=100) spends a fifth of the run
// re-marking state that stays. Unless the user set GOGC or GOMEMLIMIT, a
// run lets the heap grow 11x between cycles and caps it with a soft memory
// limit instead: a few cycles while the heap is small, and no more memory
// than the limit near its end (1,000 x 2,016: 1.6 GB at most, 10% less CPU
// than GOGC=400, docs/PERFORMANCE.md). The limit is 3 GiB or, for runs larger
// than the 1,000 nodes x 2,016 blocks, one and a half times their
// estimated live heap.
const (
	labGCPercent      = 1000
	labMinMemoryLimit = 3 << 30
	// labBytesPerNodeBlock bounds the live heap per node and block from
	// above (about 0.7 kB measured, docs/PERFORMANCE.md: a limit too low
	// costs more than one too high), labBytesPerNode a node's fixed cost.
	labBytesPerNodeBlock = 1200
	labBytesPerNode      = 200 << 10
)

func tuneLabGC(cfg *lab.Config) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(labGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(labMemoryLimit(cfg))
	}
}

// labMemoryLimit is the soft memory limit of a run of cfg.
func labMemoryLimit(cfg *lab.Config) int64 {
	blocks := float64(cfg.Stop.Blocks)
	if blocks == 0 {
		interval := cfg.BlockIntervalS
		if interval <= 0 {
			interval = lab.DefaultBlockInterval
		}
		blocks = cfg.Stop.VirtualSeconds / interval
	}
	live := float64(cfg.Nodes) * (labBytesPerNode + blocks*labBytesPerNodeBlock)
	return max(labMinMemoryLimit, int64(1.5*live))
}
