package lab

import (
	"fmt"
	"os"
	"testing"
)

// BenchmarkNodeBlocks measures the speed scenario at a smaller
// scale: random 8-regular graph, 100 ms links, 10-minute blocks. It reports
// node-blocks per second (nodes x blocks mined / wall time).
func BenchmarkNodeBlocks(b *testing.B) {
	for _, size := range []struct{ nodes, blocks int }{{100, 100}, {1000, 20}} {
		b.Run(fmt.Sprintf("nodes=%d,blocks=%d", size.nodes, size.blocks), func(b *testing.B) {
			for b.Loop() {
				c := &Config{Nodes: size.nodes, Topology: Topology{Kind: TopoRandomRegular, Degree: 8},
					LatencyMS: Latency{Value: 100}, Stop: Stop{Blocks: size.blocks}}
				l, err := New(c, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size.nodes*size.blocks)*float64(b.N)/b.Elapsed().Seconds(), "node-blocks/s")
		})
	}
}

// BenchmarkNodeBlocksLong is the speed scenario at 1,000 nodes and 100
// blocks, for profiling (set LAB_BENCH_LONG=1; it takes seconds per op).
func BenchmarkNodeBlocksLong(b *testing.B) {
	if os.Getenv("LAB_BENCH_LONG") == "" {
		b.Skip("set LAB_BENCH_LONG=1")
	}
	for b.Loop() {
		c := &Config{Nodes: 1000, Topology: Topology{Kind: TopoRandomRegular, Degree: 8},
			LatencyMS: Latency{Value: 100}, Stop: Stop{Blocks: 100}}
		l, err := New(c, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000*100*float64(b.N)/b.Elapsed().Seconds(), "node-blocks/s")
}
