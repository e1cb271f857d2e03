package lab

import (
	"fmt"
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
