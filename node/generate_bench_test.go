package node

import (
	"context"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/rpcclient"
)

// regtestParams is a regtest-like chain (no retarget) whose blocks may run
// far ahead of the clock: mining 100,000 blocks in seconds needs timestamps
// about 100,000/6 s ahead (each second of median time past takes 6 blocks),
// beyond the default max_future_block_seconds of 2 hours.
func regtestParams(tb testing.TB) *consensus.Params {
	tb.Helper()
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	g.MaxFutureBlockSeconds = 1 << 30
	p, err := consensus.NewParams(g)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// benchRPCNode starts one node with its RPC server on a regtest-like chain.
func benchRPCNode(b *testing.B) (*Node, *rpcclient.Client) {
	b.Helper()
	dir := b.TempDir()
	n, err := New(Config{DataDir: dir, Params: regtestParams(b), Logger: testLogger(b, "gen")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	c, err := rpcclient.FromDatadir(dir)
	if err != nil {
		b.Fatal(err)
	}
	return n, c
}

// generateRPC mines count blocks with one generatetoaddress call and
// returns the time per block.
func generateRPC(b *testing.B, c *rpcclient.Client, count int) time.Duration {
	b.Helper()
	addr := consensustest.Address("miner").Encode("test")
	var hashes []string
	start := time.Now()
	if err := c.Call(context.Background(), "generatetoaddress", []any{count, addr}, &hashes); err != nil {
		b.Fatal(err)
	}
	if len(hashes) != count {
		b.Fatalf("%d hashes, want %d", len(hashes), count)
	}
	return time.Since(start) / time.Duration(count)
}

// BenchmarkGenerateToAddress measures the per-block cost of
// generatetoaddress through the RPC (empty blocks, regtest-like chain) in
// calls of 1,000 blocks: the median of 5 calls from height 1,000, then, in
// the same run, b.N blocks from height 100,000, and reports the ratio
// (flat: about 1). One op is one block at height 100,000. The ceiling for
// this figure is btcd's generate, which `bench --btcd` (cmd/bench) measures side
// by side.
//
//	go test ./node -run '^$' -bench GenerateToAddress -benchtime 5000x
func BenchmarkGenerateToAddress(b *testing.B) {
	_, c := benchRPCNode(b)
	const chunk = 1000
	generateRPC(b, c, chunk) // to height 1,000
	var low []time.Duration
	for range 5 {
		low = append(low, generateRPC(b, c, chunk))
	}
	for h := 6 * chunk; h < 100_000; h += 10 * chunk {
		generateRPC(b, c, min(10*chunk, 100_000-h))
	}
	b.ResetTimer()
	high := generateRPC(b, c, b.N)
	b.StopTimer()
	lowMed := median(low)
	b.ReportMetric(float64(lowMed.Nanoseconds())/1e6, "ms/block@1k")
	b.ReportMetric(float64(high.Nanoseconds())/1e6, "ms/block@100k")
	b.ReportMetric(float64(high)/float64(lowMed), "ratio-100k/1k")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
