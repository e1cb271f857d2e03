package miner

import (
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
)

// BenchmarkMinerThreadVsRaw measures, in one run, the hash rate of one
// Miner thread (the real worker: midstate search, extra nonce, stop
// checks) and the raw double SHA-256 header rate (sha256.Sum256 twice over
// the 80 bytes, the pure-Go ceiling), alternating 50 ms of each b.N times
// so that load from other processes weighs on both alike. It reports both
// rates and their ratio (ratio-vs-raw; the goal is at least 0.9).
//
//	go test ./miner -run '^$' -bench MinerThreadVsRaw -benchtime 20x
func BenchmarkMinerThreadVsRaw(b *testing.B) {
	const slice = 50 * time.Millisecond
	p := testParams(b)
	tmpl := NewBlock(testInput(p, 1, hardBits))
	src := &funcSource{template: func() (*chain.Block, error) { return tmpl, nil }}
	m := New(Config{Source: src, Threads: 1, RefreshInterval: time.Hour})
	buf := tmpl.Header.Serialize()
	var minerHashes, rawHashes uint64
	var minerTime, rawTime time.Duration
	b.ResetTimer()
	for range b.N {
		m.Start()
		for h := m.hashes.Load(); m.hashes.Load() == h; { // the worker is on its template
			time.Sleep(100 * time.Microsecond)
		}
		h0, t0 := m.hashes.Load(), time.Now()
		time.Sleep(slice)
		minerHashes += m.hashes.Load() - h0
		minerTime += time.Since(t0)
		m.Stop()

		// The raw loop, alone too.
		t1 := time.Now()
		n := 0
		for time.Since(t1) < slice {
			naiveHashes(buf, 1<<14)
			n += 1 << 14
		}
		rawHashes += uint64(n)
		rawTime += time.Since(t1)
	}
	b.StopTimer()
	minerRate := float64(minerHashes) / minerTime.Seconds()
	rawRate := float64(rawHashes) / rawTime.Seconds()
	b.ReportMetric(minerRate/1e6, "MH/s-thread")
	b.ReportMetric(rawRate/1e6, "MH/s-raw")
	b.ReportMetric(minerRate/rawRate, "ratio-vs-raw")
}
