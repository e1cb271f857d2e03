package miner

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

func TestTargetFromBits(t *testing.T) {
	for _, bits := range []uint32{devnetBits, bits1in256, hardBits, 0x1d00ffff, 0x1b0404cb, 0x013a0000, 0x02123400, 0x04123456} {
		tgt, ok := targetFromBits(bits)
		if !ok {
			t.Fatalf("%08x: not ok", bits)
		}
		var le [32]byte
		for i := range 4 {
			for j := range 8 {
				le[8*i+j] = byte(tgt[i] >> (8 * j))
			}
		}
		if got, want := consensus.HashToBig(le), consensus.CompactToBig(bits); got.Cmp(want) != 0 {
			t.Fatalf("%08x: target %x, want %x", bits, got, want)
		}
	}
	for _, bits := range []uint32{0, 0x00800000, 0x04923456, 0x01003456} { // zero, negative, negative, rounds to 0
		if _, ok := targetFromBits(bits); ok {
			t.Errorf("%08x: a target that is not positive must not be ok", bits)
		}
	}
	if tgt, ok := targetFromBits(0x23000001); !ok || tgt != (target{math.MaxUint64, math.MaxUint64, math.MaxUint64, math.MaxUint64}) {
		t.Error("a target over 256 bits should clamp to the maximum")
	}
}

// TestTargetMeets compares the word-wise comparison with big.Int on random
// hashes and on hashes equal to the target or next to it in every word.
func TestTargetMeets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randHash := func() (h [32]byte) {
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		return h
	}
	check := func(h [32]byte, tgt target, tb *big.Int) {
		t.Helper()
		if got, want := tgt.meets(&h), consensus.HashToBig(h).Cmp(tb) <= 0; got != want {
			t.Fatalf("meets(%x) = %v, big.Int says %v (target %x)", h, got, want, tb)
		}
	}
	for _, bits := range []uint32{devnetBits, bits1in256, hardBits, 0x1d00ffff, 0x1f00ffff, 0x2100ffff} {
		tgt, _ := targetFromBits(bits)
		tb := consensus.CompactToBig(bits)
		var exact [32]byte
		tb.FillBytes(exact[:]) // big-endian
		for i, j := 0, 31; i < j; i, j = i+1, j-1 {
			exact[i], exact[j] = exact[j], exact[i]
		}
		check(exact, tgt, tb)
		for i := range 32 { // one byte above and below the target
			for _, d := range []int{-1, 1} {
				h := exact
				h[i] = byte(int(h[i]) + d)
				check(h, tgt, tb)
			}
		}
		for range 2000 {
			h := randHash()
			check(h, tgt, tb)
			h[31] = exact[31] // force the top word to tie more often
			h[30] = exact[30]
			check(h, tgt, tb)
		}
	}
}

func TestSearcherHashIsBlockHash(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, devnetBits))
	s := newSearcher()
	s.reset(&b.Header)
	for _, n := range []uint32{0, 1, 2, 255, 256, 1 << 16, 0xdeadbeef, math.MaxUint32} {
		if got, want := chain.Hash(s.hash(n)), hashWithNonce(b.Header, n); got != want {
			t.Fatalf("nonce %d: midstate hash %s, header hash %s", n, got, want)
		}
	}
}

func TestSolveDevnetLimit(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, devnetBits))
	want := naiveFirst(t, b.Header, 0, 1)
	found, hashes := Solve(&b.Header, 0, 1, nil)
	if !found {
		t.Fatal("no nonce found at the pow limit")
	}
	if b.Header.Nonce != want || hashes != uint64(want)+1 {
		t.Fatalf("nonce %d after %d hashes, the naive search finds %d", b.Header.Nonce, hashes, want)
	}
	if err := consensus.CheckProofOfWork(&b.Header, p.PowLimit); err != nil {
		t.Fatal(err)
	}
}

// TestSolveMatchesNaive checks harder targets (1 in 256, 1 in 65536) and a
// strided search against the big.Int search.
func TestSolveMatchesNaive(t *testing.T) {
	p := testParams(t)
	for _, tc := range []struct {
		bits        uint32
		start, step uint32
	}{
		{bits1in256, 0, 1},
		{bits1in256, 2, 3},
		{0x1f00ffff, 0, 1},
		{0x1f00ffff, 1, 2},
	} {
		b := NewBlock(testInput(p, 9, tc.bits))
		want := naiveFirst(t, b.Header, tc.start, tc.step)
		found, hashes := Solve(&b.Header, tc.start, tc.step, nil)
		if !found || b.Header.Nonce != want || hashes != uint64((want-tc.start)/tc.step)+1 {
			t.Fatalf("bits %08x start %d step %d: found %v nonce %d hashes %d, want nonce %d", tc.bits, tc.start, tc.step, found, b.Header.Nonce, hashes, want)
		}
		if err := consensus.CheckProofOfWork(&b.Header, p.PowLimit); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSolveExhausted(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, hardBits))
	b.Header.Nonce = 77
	for _, tc := range []struct {
		start, step uint32
		hashes      uint64
	}{
		{math.MaxUint32 - 9, 1, 10},
		{math.MaxUint32, 1, 1},
		{math.MaxUint32, 0, 1}, // step 0 counts as 1
		{0, 1 << 30, 4},
		{5, math.MaxUint32, 1},
		{0, math.MaxUint32, 2},
	} {
		found, hashes := Solve(&b.Header, tc.start, tc.step, nil)
		if found || hashes != tc.hashes {
			t.Errorf("start %d step %d: found %v after %d hashes, want false after %d", tc.start, tc.step, found, hashes, tc.hashes)
		}
		if b.Header.Nonce != 77 {
			t.Fatal("an exhausted search changed the header")
		}
	}
}

func TestSolveNoPositiveTarget(t *testing.T) {
	h := chain.BlockHeader{Bits: 0}
	if found, hashes := Solve(&h, 0, 1, nil); found || hashes != 0 {
		t.Fatalf("bits 0: found %v, %d hashes", found, hashes)
	}
}

func TestSolveStop(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, hardBits))

	var stop atomic.Bool
	stop.Store(true)
	if found, hashes := Solve(&b.Header, 0, 1, &stop); found || hashes != 0 {
		t.Fatalf("stop already set: found %v after %d hashes", found, hashes)
	}

	// Stop a search of the whole nonce space (minutes of work) while it runs.
	stop.Store(false)
	type result struct {
		found  bool
		hashes uint64
	}
	done := make(chan result, 1)
	go func() {
		found, hashes := Solve(&b.Header, 0, 1, &stop)
		done <- result{found, hashes}
	}()
	timer := time.AfterFunc(20*time.Millisecond, func() { stop.Store(true) })
	defer timer.Stop()
	select {
	case r := <-done:
		if r.found || r.hashes >= 1<<32 {
			t.Fatalf("found %v after %d hashes", r.found, r.hashes)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Solve did not honour stop")
	}
}

// TestSearchChecksEveryInterval pins down how often the stop condition is
// looked at: exactly every checkInterval nonces.
func TestSearchChecksEveryInterval(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, hardBits))
	s := newSearcher()
	s.reset(&b.Header)
	var calls []uint64
	found, _, hashes := s.search(0, 1, func(done uint64) bool {
		calls = append(calls, done)
		return len(calls) == 3
	})
	if found || hashes != 3*checkInterval || len(calls) != 3 || calls[0] != checkInterval || calls[2] != 3*checkInterval {
		t.Fatalf("found %v hashes %d checks %v", found, hashes, calls)
	}
}

// TestSolveAllocationFree checks that trying a nonce allocates nothing: a
// search of 20,000 nonces with a prepared searcher allocates zero times, and
// Solve's own setup is a handful of allocations whatever the range.
func TestSolveAllocationFree(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, hardBits))
	s := newSearcher()
	s.reset(&b.Header)
	check := func(uint64) bool { return false }
	if allocs := testing.AllocsPerRun(5, func() {
		if found, _, hashes := s.search(math.MaxUint32-19_999, 1, check); found || hashes != 20_000 {
			t.Fatalf("found %v, %d hashes", found, hashes)
		}
	}); allocs != 0 {
		t.Fatalf("search allocates %v times per 20,000 nonces, want 0", allocs)
	}
	var stop atomic.Bool
	small := testing.AllocsPerRun(5, func() { Solve(&b.Header, math.MaxUint32-9, 1, &stop) })
	large := testing.AllocsPerRun(5, func() { Solve(&b.Header, math.MaxUint32-99_999, 1, &stop) })
	if large != small || small > 20 {
		t.Fatalf("Solve allocates %v times for 10 nonces and %v for 100,000: per-nonce allocation", small, large)
	}
}

// highestSolution returns the highest nonce whose hash meets h's target.
func highestSolution(h chain.BlockHeader) uint32 {
	s := newSearcher()
	s.reset(&h)
	for n := uint32(math.MaxUint32); ; n-- {
		if hash := s.hash(n); s.target.meets(&hash) {
			return n
		}
	}
}

// TestMineOneBumpsExtraNonce starts MineOne just past the last solution of
// the nonce space, so it must exhaust it, bump the extra nonce and solve
// the new header.
func TestMineOneBumpsExtraNonce(t *testing.T) {
	p := testParams(t)
	in := testInput(p, 5, bits1in256)
	var b *chain.Block
	var last uint32
	for {
		b = NewBlock(in)
		if last = highestSolution(b.Header); last != math.MaxUint32 {
			break
		}
		in.Now = in.Now.Add(time.Second) // the very last nonce solves this one: try another header
	}
	b.Header.Nonce = last + 1
	tried := math.MaxUint32 - uint64(last)
	if !MineOne(b, nil) {
		t.Fatal("MineOne failed")
	}
	if ExtraNonce(b) != in.ExtraNonce+1 {
		t.Fatalf("extra nonce %d, want %d after %d failed nonces", ExtraNonce(b), in.ExtraNonce+1, tried)
	}
	if err := consensus.CheckProofOfWork(&b.Header, p.PowLimit); err != nil {
		t.Fatal(err)
	}
	if err := consensus.CheckBlockSanity(b, p); err != nil {
		t.Fatal(err)
	}
	// The solution is the first nonce from 0 of the bumped header.
	if want := naiveFirst(t, b.Header, 0, 1); b.Header.Nonce != want {
		t.Fatalf("nonce %d, want %d", b.Header.Nonce, want)
	}
}

func TestMineOneDevnet(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, devnetBits))
	if !MineOne(b, nil) || ExtraNonce(b) != 42 {
		t.Fatal("MineOne at the pow limit should solve without bumping the extra nonce")
	}
	if err := consensus.CheckProofOfWork(&b.Header, p.PowLimit); err != nil {
		t.Fatal(err)
	}
}

func TestMineOneStop(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, hardBits))
	var stop atomic.Bool
	stop.Store(true)
	if MineOne(b, &stop) || ExtraNonce(b) != 42 {
		t.Fatal("MineOne with stop set should return false at once")
	}

	stop.Store(false)
	done := make(chan bool, 1)
	go func() { done <- MineOne(b, &stop) }()
	timer := time.AfterFunc(20*time.Millisecond, func() { stop.Store(true) })
	defer timer.Stop()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("MineOne solved an impossible target")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("MineOne did not honour stop")
	}
}

func TestMineOneNoPositiveTarget(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 5, 0))
	if MineOne(b, nil) {
		t.Fatal("bits 0 cannot be solved")
	}
}

func TestSolvedHeaderFailsWithWrongNonce(t *testing.T) {
	// Guard against a search that "finds" nonces without hashing them: a
	// 1-in-256 solution's neighbours mostly fail the check.
	p := testParams(t)
	b := NewBlock(testInput(p, 5, bits1in256))
	if found, _ := Solve(&b.Header, 0, 1, nil); !found {
		t.Fatal("not found")
	}
	h := b.Header
	fails := 0
	for d := uint32(1); d <= 8; d++ {
		h.Nonce = b.Header.Nonce + d
		if errors.Is(consensus.CheckProofOfWork(&h, p.PowLimit), consensus.ErrHighHash) {
			fails++
		}
	}
	if fails == 0 {
		t.Fatal("eight neighbours of a 1-in-256 solution all pass")
	}
}
