package miner

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
)

// Hashing benchmarks: one op is one nonce (one double SHA-256 of a header).
// Both report MH/s; BenchmarkSolveMidstate also reports its speed as a
// multiple of the naive loop's (x-naive), timed with the timer stopped in
// alternating chunks of the two.
//
//	go test -run '^$' -bench 'DoubleSHA256Header|SolveMidstate' -benchmem ./miner

// benchHeader is a template header whose target no nonce meets, so a
// search runs to the end of its range.
func benchHeader(b *testing.B) chain.BlockHeader {
	b.Helper()
	return NewBlock(testInput(testParams(b), 1, hardBits)).Header
}

func reportMHs(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s/1e6, "MH/s")
	}
}

var sink byte

// naiveHashes hashes n nonces of header bytes the naive way: the raw
// ceiling of the pure-Go API, two full Sum256 calls.
func naiveHashes(buf []byte, n int) {
	for i := range n {
		binary.LittleEndian.PutUint32(buf[76:], uint32(i))
		first := sha256.Sum256(buf)
		second := sha256.Sum256(first[:])
		sink ^= second[31]
	}
}

// BenchmarkDoubleSHA256Header: sha256.Sum256 twice over the 80 bytes.
func BenchmarkDoubleSHA256Header(b *testing.B) {
	h := benchHeader(b)
	buf := h.Serialize()
	b.ReportAllocs()
	b.ResetTimer()
	naiveHashes(buf, b.N)
	reportMHs(b)
}

// BenchmarkSolveMidstate: Solve over the last b.N nonces of the nonce space
// (per-call setup included, amortised), on one goroutine.
func BenchmarkSolveMidstate(b *testing.B) {
	h := benchHeader(b)
	var stop atomic.Bool
	b.ReportAllocs()
	b.ResetTimer()
	for left := uint64(b.N); left > 0; {
		n := min(left, 1<<32)
		if found, hashes := Solve(&h, uint32(math.MaxUint32-(n-1)), 1, &stop); found || hashes != n {
			b.Fatalf("found %v after %d hashes, want %d", found, hashes, n)
		}
		left -= n
	}
	b.StopTimer()
	reportMHs(b)

	b.ReportMetric(speedup(h), "x-naive")
}

// speedup returns how many times faster the midstate search is than the
// naive loop on h, timing the two in alternating chunks so that load from
// other processes weighs on both alike.
func speedup(h chain.BlockHeader) float64 {
	const rounds, chunk = 16, 1 << 15
	buf := h.Serialize()
	var naive, mid time.Duration
	for range rounds {
		t0 := time.Now()
		naiveHashes(buf, chunk)
		t1 := time.Now()
		Solve(&h, math.MaxUint32-(chunk-1), 1, nil)
		naive += t1.Sub(t0)
		mid += time.Since(t1)
	}
	return naive.Seconds() / mid.Seconds()
}

// BenchmarkSolveMidstateParallel: the midstate loop on every P (one searcher
// per goroutine, like the Miner's threads); MH/s is the total.
func BenchmarkSolveMidstateParallel(b *testing.B) {
	h := benchHeader(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := newSearcher()
		s.reset(&h)
		var n uint32
		for pb.Next() {
			hash := s.hash(n)
			if s.target.meets(&hash) {
				sink ^= hash[0]
			}
			n++
		}
	})
	reportMHs(b)
}
