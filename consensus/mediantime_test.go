package consensus_test

import (
	"fmt"
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
)

// TestMedianTimeAcrossReorgs: the median time past the engine reads from
// its main chain's timestamps agrees with a walk of the parents, for every
// block, through a chain with timestamps out of order, a reorg to a branch
// with other timestamps, a reorg back and a restart.
func TestMedianTimeAcrossReorgs(t *testing.T) {
	h := consensustest.New(t, consensustest.Options{})
	check := func(when string) {
		t.Helper()
		if err := h.Engine.CheckMedianTimes(); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	build := func(prefix, parent string, n int, offsets ...int64) string {
		for i := 1; i <= n; i++ {
			name := fmt.Sprintf("%s%d", prefix, i)
			h.NewBlock(name, parent, consensustest.TimeAfterMTP(offsets[i%len(offsets)]))
			if _, err := h.Submit(name); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			parent = name
		}
		return parent
	}
	build("a", consensustest.GenesisName, 20, 1, 900, 3, 2000, 7)
	check("main chain")
	build("b", "a5", 17, 5000, 1, 40) // longer than a6..a20: a reorg
	check("after a reorg to b")
	if tip := h.Engine.Tip().Hash; tip != h.Block("b17").Hash() {
		t.Fatalf("tip %s, want b17", tip)
	}
	build("c", "a20", 3, 2, 600) // a6..a20 + c1..c3 outweigh b: back
	check("after a reorg back")
	h.Restart()
	check("after a restart")
}
