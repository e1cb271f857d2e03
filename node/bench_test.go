package node

import (
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/consensustest"
)

// benchCluster starts n nodes in a line (each dials the previous one).
func benchCluster(b *testing.B, n int) *cluster {
	c := newCluster(b, testParams(b))
	for i := 0; i < n; i++ {
		if i == 0 {
			c.add()
		} else {
			c.add(i - 1)
		}
	}
	for i := 1; i < n; i++ {
		c.waitPeers(c.nodes[i], 1)
	}
	return c
}

// reportMedian reports the median and the 90th percentile of samples.
func reportMedian(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(samples[len(samples)*9/10].Microseconds())/1000, "ms-p90")
}

// BenchmarkBlockPropagation: a block mined on the first of 5 nodes in a
// line is accepted by all of them.
func BenchmarkBlockPropagation(b *testing.B) {
	c := benchCluster(b, 5)
	c.mine(0, 1, "miner")
	c.waitConverged(10 * time.Second)
	var samples []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		hash := c.mine(0, 1, "miner")[0]
		for _, n := range c.nodes[1:] {
			for n.Tip().Hash != hash {
				time.Sleep(50 * time.Microsecond)
			}
		}
		samples = append(samples, time.Since(start))
	}
	reportMedian(b, samples)
}

// BenchmarkTxPropagation: a transaction accepted by the first of 5 nodes
// in a line reaches every mempool.
func BenchmarkTxPropagation(b *testing.B) {
	c := benchCluster(b, 5)
	key := consensustest.Key("miner")
	addr := consensustest.Address("miner")
	c.mine(0, b.N+int(c.params.CoinbaseMaturity), "miner")
	c.waitConverged(30 * time.Second)
	coins := c.matureCoinbases(b.N)
	var samples []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx := spendTo(b, c.params.GenesisHash, coins[i], key, addr)
		start := time.Now()
		if _, err := c.nodes[0].acceptTx(tx, fromLocal); err != nil {
			b.Fatal(err)
		}
		txid := tx.TxID()
		for _, n := range c.nodes[1:] {
			for !n.Mempool().Has(txid) {
				time.Sleep(50 * time.Microsecond)
			}
		}
		samples = append(samples, time.Since(start))
	}
	reportMedian(b, samples)
}

// BenchmarkSync2000: a new node fetches a chain of 2,000 blocks.
func BenchmarkSync2000(b *testing.B) {
	c := benchCluster(b, 1)
	c.mine(0, 2000, "miner")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		late := c.add(0)
		for late.Tip().Height < 2000 {
			time.Sleep(100 * time.Microsecond)
		}
		b.StopTimer()
		late.Close()
		c.nodes = c.nodes[:1]
		b.StartTimer()
	}
	b.ReportMetric(2000*float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
}

// coin is a spendable output.
type coin struct {
	op  chain.OutPoint
	out chain.TxOut
}

// matureCoinbases returns the first n coinbase outputs of node 0's chain.
func (c *cluster) matureCoinbases(n int) []coin {
	var coins []coin
	for h := uint32(1); len(coins) < n; h++ {
		var blk *chain.Block
		var err error
		hash, _ := c.nodes[0].engine.MainChainHash(h)
		blk, err = c.nodes[0].engine.Block(hash)
		if err != nil {
			c.t.Fatal(err)
		}
		cb := blk.Transactions[0]
		coins = append(coins, coin{op: chain.OutPoint{TxID: cb.TxID()}, out: cb.Outputs[0]})
	}
	return coins
}

func spendTo(tb testing.TB, genesis chain.Hash, c coin, key *btcec.PrivateKey, to chain.Address) *chain.Transaction {
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: c.op}},
		Outputs: []chain.TxOut{{Amount: c.out.Amount - 1000, Address: to}}}
	if err := chain.SignTransaction(tx, []chain.TxOut{c.out}, []*btcec.PrivateKey{key}, genesis); err != nil {
		tb.Fatal(err)
	}
	return tx
}
