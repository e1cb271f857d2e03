package mempool

import (
	"maps"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// benchSet is a supply of signed one-input, one-output transactions over
// coins of one env, grown on demand and shared by every run of a benchmark
// (each run uses a fresh pool).
type benchSet struct {
	e   *env
	txs []*chain.Transaction
	fee func(i int) int64
}

var benchSets = map[string]*benchSet{}

func benchTxs(b *testing.B, name string, n int, fee func(i int) int64) (*env, []*chain.Transaction) {
	s := benchSets[name]
	if s == nil {
		s = &benchSet{e: newEnv(b), fee: fee}
		benchSets[name] = s
	}
	s.e.t = b
	for i := len(s.txs); i < n; i++ {
		s.txs = append(s.txs, s.e.spend1(s.e.coin(coin), s.fee(i)))
	}
	return s.e, s.txs[:n]
}

// BenchmarkAccept measures admission of independent one-input transactions,
// signature verification included.
func BenchmarkAccept(b *testing.B) {
	e, txs := benchTxs(b, "accept", b.N, func(i int) int64 { return 1000 + int64(i%1000) })
	p := New(Config{Params: e.params})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Accept(txs[i], e.view, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkAcceptFullPool measures admission into a pool at its byte bound:
// each transaction pays more than the last and evicts the lowest.
func BenchmarkAcceptFullPool(b *testing.B) {
	const capacity = 1000
	e, txs := benchTxs(b, "full", b.N+capacity, func(i int) int64 { return int64(txSize * (2 + i)) })
	p := New(Config{Params: e.params, MaxBytes: capacity * txSize})
	for _, tx := range txs[:capacity] {
		if _, err := p.Accept(tx, e.view, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Accept(txs[capacity+i], e.view, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	if p.Info().Size != capacity {
		b.Fatalf("size %d", p.Info().Size)
	}
}

// poolSet is a pool's worth of signed transactions in chains of three, fee
// rates varying, built once per size.
type poolSet struct {
	e   *env
	txs []*chain.Transaction
}

var poolSets = map[int]*poolSet{}

func benchPoolTxs(b *testing.B, n int) *poolSet {
	if s := poolSets[n]; s != nil {
		return s
	}
	e := newEnv(b)
	var txs []*chain.Transaction
	for len(txs) < n {
		i := int64(len(txs))
		tx := e.spend1(e.coin(coin), txSize*(1+i*7%50))
		txs = append(txs, tx)
		for k := int64(1); k < 3 && len(txs) < n; k++ {
			tx = e.spend1(op(tx, 0), txSize*(1+(i+k)*13%60))
			txs = append(txs, tx)
		}
	}
	s := &poolSet{e: e, txs: txs}
	poolSets[n] = s
	return s
}

// fill admits txs without checking signatures (setup, not what is
// measured).
func fill(b *testing.B, p *Pool, txs []*chain.Transaction, view ChainView) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tx := range txs {
		if _, err := p.admit(tx, tx.TxID(), view, t0, admitOptions{reorg: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTemplate selects a half-megabyte block from a pool of 5000
// transactions (about 0.9 MB, in chains of three).
func BenchmarkTemplate(b *testing.B) {
	s := benchPoolTxs(b, 5000)
	p := New(Config{Params: s.e.params})
	fill(b, p, s.txs, s.e.view)
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		txs, _ := p.Template(500_000)
		n = len(txs)
	}
	b.ReportMetric(float64(n), "txs/template")
}

// BenchmarkBlocksChanged confirms a block of 999 of a pool's 3000
// transactions (333 whole chains of three).
func BenchmarkBlocksChanged(b *testing.B) {
	s := benchPoolTxs(b, 3000)
	before := &testView{utxos: maps.Clone(s.e.view.utxos), height: s.e.view.height}
	after := newEnv(b)
	after.view.utxos = maps.Clone(s.e.view.utxos)
	after.view.height = s.e.view.height
	blk := after.block(s.txs[:999]...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := New(Config{Params: s.e.params})
		fill(b, p, s.txs, before)
		b.StartTimer()
		ch := p.BlocksChanged(nil, []*chain.Block{blk}, after.view, t0)
		if len(ch.Removed) != 999 {
			b.Fatalf("removed %d", len(ch.Removed))
		}
	}
}

// BenchmarkBlocksChangedEmptyBlock connects an empty block to an empty pool:
// the mempool's share of generatetoaddress and of syncing empty blocks.
func BenchmarkBlocksChangedEmptyBlock(b *testing.B) {
	e := newEnv(b)
	blocks := make([]*chain.Block, 1000)
	for i := range blocks {
		blocks[i] = e.block()
	}
	p := New(Config{Params: e.params})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.BlocksChanged(nil, blocks[i%len(blocks):i%len(blocks)+1], e.view, t0)
	}
}

// BenchmarkBlocksChangedEmptyPools measures what a simulated node pays per
// block while no transaction flows: a thousand empty pools (their memory
// cold, as in the fork laboratory) each connect every block, a coinbase
// alone, on a view that names its chain's blocks as the engine does.
func BenchmarkBlocksChangedEmptyPools(b *testing.B) {
	const pools = 1000
	params := testParams()
	ps := make([]*Pool, pools)
	for i := range ps {
		ps[i] = New(Config{Params: params})
	}
	view := &hashedChain{}
	view.extend()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%pools == 0 {
			view.extend()
		}
		ps[i%pools].BlocksChanged(nil, view.tip, view, t0)
		i++
	}
}

// hashedChain is a chain of coinbase-only blocks as a ChainView that also
// names its blocks by height.
type hashedChain struct {
	hashes []chain.Hash
	tip    []*chain.Block // the last block, alone
}

func (c *hashedChain) UTXO(chain.OutPoint) (consensus.UTXO, bool, error) {
	return consensus.UTXO{}, false, nil
}
func (c *hashedChain) Height() uint32 { return uint32(len(c.hashes) - 1) }
func (c *hashedChain) MainChainHash(h uint32) (chain.Hash, bool) {
	if int(h) >= len(c.hashes) {
		return chain.Hash{}, false
	}
	return c.hashes[h], true
}

func (c *hashedChain) extend() {
	height := uint32(len(c.hashes))
	var prev chain.Hash
	if height > 0 {
		prev = c.hashes[height-1]
	}
	cb := chain.NewCoinbase(height, nil, chain.TxOut{Amount: 50 * coin})
	blk := &chain.Block{Header: chain.BlockHeader{PrevBlock: prev}, Transactions: []*chain.Transaction{cb}}
	c.hashes = append(c.hashes, blk.Hash())
	c.tip = []*chain.Block{blk}
}
