package consensus_test

import (
	"cmp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/sigverify"
	"github.com/devchain/devchain/consensus/store/badgerstore"
	"github.com/devchain/devchain/mempool"
)

// blockValidationTxs is the size of the blocks BenchmarkBlockValidation
// connects: one-input transactions.
const blockValidationTxs = 2000

// BenchmarkBlockValidation measures, in one run and block by block:
//
//   - the ceiling: the block's 2,000 signatures verified by 2 goroutines
//     (BIP340 with key and signature parsing, as the engine does), as
//     signatures per second (sig/s-ceiling);
//   - cold: the block validated and connected (Badger store) by an engine
//     with the parallel verifier over every core, as transactions per second
//     (tx/s-cold), and its ratio to the ceiling (ratio-vs-ceiling, the goal
//     is at least 0.85);
//   - warm: the same block connected by a second engine whose mempool had
//     accepted its transactions first, so their signatures are in the
//     signature cache (acceptance is not timed), and how many times faster
//     that is than cold (x-warm-vs-cold, the goal is at least 5).
//
// Cold and warm times run until the store has applied the block's write
// (Badger's writer works on after ProcessBlock returns; ms-warm-returned is
// the time until ProcessBlock returns, when the engine can take the next
// block).
//
// One op is one block connected cold; the per-block medians are reported.
//
//	go test ./consensus -run '^$' -bench BlockValidation -benchtime 10x
func BenchmarkBlockValidation(b *testing.B) {
	blocks, p := prepareValidation(b, blockValidationTxs, b.N)
	pool := sigverify.NewPool(0)
	defer pool.Close()
	cold, coldStore := badgerEngine(b, p, pool, nil)
	cache := sigverify.NewCache(0)
	warm, warmStore := badgerEngine(b, p, pool, cache)
	mp := mempool.New(mempool.Config{Params: p, SigCache: cache, SigVerifier: pool, MaxBytes: 1 << 30, MinFeeRate: -1})
	now := time.Unix(int64(blocks[len(blocks)-1].Header.Timestamp), 0)

	var ceil, coldT, warmT, warmReturned []time.Duration
	b.ResetTimer()
	for _, blk := range blocks {
		b.StopTimer()
		checks := blockChecks(b, p, blk)
		t0 := time.Now()
		verifyOn2Goroutines(b, checks)
		ceil = append(ceil, time.Since(t0))
		b.StartTimer()

		t0 = time.Now()
		if _, err := cold.ProcessBlock(blk, now); err != nil {
			b.Fatal(err)
		}
		if err := coldStore.Flush(); err != nil { // written, not only queued
			b.Fatal(err)
		}
		coldT = append(coldT, time.Since(t0))

		b.StopTimer()
		for _, tx := range blk.Transactions[1:] {
			if _, err := mp.Accept(tx, warm, now); err != nil {
				b.Fatal(err)
			}
		}
		if err := warmStore.Flush(); err != nil { // the mempool's reads are done
			b.Fatal(err)
		}
		t0 = time.Now()
		res, err := warm.ProcessBlock(blk, now)
		if err != nil {
			b.Fatal(err)
		}
		warmReturned = append(warmReturned, time.Since(t0))
		if err := warmStore.Flush(); err != nil {
			b.Fatal(err)
		}
		warmT = append(warmT, time.Since(t0))
		mp.BlocksChanged(res.Disconnected, res.Connected, warm, now)
		b.StartTimer()
	}
	b.StopTimer()
	// Ratios are taken block by block, between measurements made moments
	// apart, so that load from other processes weighs on both sides alike;
	// the medians are reported.
	var ratio, speedup []float64
	for i := range ceil {
		ratio = append(ratio, ceil[i].Seconds()/coldT[i].Seconds())
		speedup = append(speedup, coldT[i].Seconds()/warmT[i].Seconds())
	}
	n := float64(blockValidationTxs)
	b.ReportMetric(n/median(ceil).Seconds(), "sig/s-ceiling")
	b.ReportMetric(n/median(coldT).Seconds(), "tx/s-cold")
	b.ReportMetric(median(ratio), "ratio-vs-ceiling")
	b.ReportMetric(float64(median(warmT).Microseconds())/1000, "ms-warm")
	b.ReportMetric(float64(median(warmReturned).Microseconds())/1000, "ms-warm-returned")
	b.ReportMetric(median(speedup), "x-warm-vs-cold")
}

func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// prepareValidation returns n blocks of txs one-input transactions in chain
// order, and the parameters of a genesis allocating what they spend.
func prepareValidation(b *testing.B, txs, n int) ([]*chain.Block, *consensus.Params) {
	b.Helper()
	blocks, e := prepareConnect(b, txs, n)
	return blocks, e.Params()
}

func badgerEngine(b *testing.B, p *consensus.Params, v consensus.SigVerifier, cache consensus.SigCache) (*consensus.Engine, *badgerstore.Store) {
	b.Helper()
	s, err := badgerstore.Open(b.TempDir(), badgerstore.Options{MaxBlockBytes: p.MaxBlockBytes})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	e, err := consensus.New(consensus.Config{Params: p, Store: s, SigVerifier: v, SigCache: cache})
	if err != nil {
		b.Fatal(err)
	}
	return e, s
}

// blockChecks returns the signature checks of a block of transactions
// spending genesis allocations of benchAlloc units.
func blockChecks(b *testing.B, p *consensus.Params, blk *chain.Block) []consensus.SigCheck {
	b.Helper()
	var checks []consensus.SigCheck
	for _, tx := range blk.Transactions[1:] {
		spent := []consensus.UTXO{{Amount: benchAlloc, Address: tx.Inputs[0].PubKey}}
		var err error
		if checks, err = consensus.TxSigChecks(checks, tx, spent, p.GenesisHash); err != nil {
			b.Fatal(err)
		}
	}
	return checks
}

// verifyOn2Goroutines is the ceiling: two goroutines each verify half of
// the checks (parsing included), nothing else.
func verifyOn2Goroutines(b *testing.B, checks []consensus.SigCheck) {
	var wg sync.WaitGroup
	half := len(checks) / 2
	for _, part := range [][]consensus.SigCheck{checks[:half], checks[half:]} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				if err := part[i].Verify(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
