package lab

import (
	"os"
	"strconv"
	"testing"
)

func BenchmarkTmpLong(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("TMP_BLOCKS"))
	if n == 0 {
		b.Skip()
	}
	for b.Loop() {
		c := &Config{Nodes: 1000, Topology: Topology{Kind: TopoRandomRegular, Degree: 8}, LatencyMS: Latency{Value: 100}, Stop: Stop{Blocks: n}}
		l, err := New(c, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000*float64(n)*float64(b.N)/b.Elapsed().Seconds(), "node-blocks/s")
}
