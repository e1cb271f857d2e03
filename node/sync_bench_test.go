package node

import (
	"context"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

// syncTxBlocks is the number of blocks of BenchmarkSyncTxBlocks.
const (
	syncTxBlocks   = 8
	syncTxPerBlock = 1000
)

// BenchmarkSyncTxBlocks: a new node fetches and validates a chain of
// blocks of 1,000 one-input transactions each (every signature verified:
// the new node's mempool never saw them). It reports blocks/s and tx/s.
//
//	go test ./node -run '^$' -bench SyncTxBlocks -benchtime 3x
func BenchmarkSyncTxBlocks(b *testing.B) {
	key := consensustest.Key("alice")
	addr := chain.AddressFromPubKey(key.PubKey())
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	g.MaxFutureBlockSeconds = 1 << 30
	g.Alloc = make([]chain.Alloc, syncTxBlocks*syncTxPerBlock)
	for i := range g.Alloc {
		g.Alloc[i] = chain.Alloc{Address: addr.Encode(g.AddressPrefix), Amount: chain.UnitsPerCoin}
	}
	p, err := consensus.NewParams(g)
	if err != nil {
		b.Fatal(err)
	}
	c := newCluster(b, p)
	src := c.add()
	allocTx := p.GenesisBlock.Transactions[0].TxID()
	for blk := range syncTxBlocks {
		for i := range syncTxPerBlock {
			op := chain.OutPoint{TxID: allocTx, Index: uint32(blk*syncTxPerBlock + i)}
			tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: op}},
				Outputs: []chain.TxOut{{Amount: chain.UnitsPerCoin - 1000, Address: addr}}}
			if err := chain.SignTransaction(tx, []chain.TxOut{{Amount: chain.UnitsPerCoin, Address: addr}}, []*btcec.PrivateKey{key}, p.GenesisHash); err != nil {
				b.Fatal(err)
			}
			if _, err := src.acceptTx(tx, fromLocal); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := src.GenerateToAddress(context.Background(), 1, addr); err != nil {
			b.Fatal(err)
		}
	}
	height := src.Tip().Height
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		late := c.add(0)
		for late.Tip().Height < height {
			time.Sleep(200 * time.Microsecond)
		}
		b.StopTimer()
		late.Close()
		c.nodes = c.nodes[:1]
		b.StartTimer()
	}
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(syncTxBlocks)/secs, "blocks/s")
	b.ReportMetric(float64(syncTxBlocks*syncTxPerBlock)/secs, "tx/s")
}

// syncEmptyBlocks is the chain length of BenchmarkSyncEmptyBlocks.
const syncEmptyBlocks = 5000

// BenchmarkSyncEmptyBlocks: a new node without the optional indexers (as
// `node run --txindex=false --addrindex=false`) fetches a chain of empty
// blocks from a peer over libp2p: headers first, then batches of blocks.
// It is the path the bench command's sync figures time, without process
// start, for a CPU profile:
//
//	go test ./node -run '^$' -bench SyncEmptyBlocks -benchtime 3x -cpuprofile cpu.out
func BenchmarkSyncEmptyBlocks(b *testing.B) {
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	g.MaxFutureBlockSeconds = 1 << 30
	p, err := consensus.NewParams(g)
	if err != nil {
		b.Fatal(err)
	}
	addr := chain.AddressFromPubKey(consensustest.Key("alice").PubKey())
	c := newCluster(b, p)
	c.noIndexers = true
	src := c.add()
	if _, err := src.GenerateToAddress(context.Background(), syncEmptyBlocks, addr); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		late := c.add(0)
		for late.Tip().Height < syncEmptyBlocks {
			time.Sleep(200 * time.Microsecond)
		}
		b.StopTimer()
		late.Close()
		c.nodes = c.nodes[:1]
		c.dirs = c.dirs[:1]
		b.StartTimer()
	}
	b.ReportMetric(syncEmptyBlocks/(b.Elapsed().Seconds()/float64(b.N)), "blocks/s")
}
