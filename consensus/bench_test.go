package consensus_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store/badgerstore"
)

// benchAlloc is the amount of each output the benchmarks spend.
const benchAlloc = chain.UnitsPerCoin

// BenchmarkConnectBlock measures ProcessBlock on a Badger store: proof of
// work, block rules, UTXO lookups, every signature and the atomic write of
// the block, its undo data, UTXO set and address index changes. Each block
// holds a coinbase and txs one-input transactions (alternately one and two
// outputs) spending outputs allocated in the genesis block; building and
// signing the blocks is done before the timer starts.
func BenchmarkConnectBlock(b *testing.B) {
	for _, txs := range []int{1, 100, 2000} {
		b.Run(fmt.Sprintf("txs=%d", txs), func(b *testing.B) {
			blocks, e := prepareConnect(b, txs, b.N)
			now := time.Unix(int64(blocks[len(blocks)-1].Header.Timestamp), 0)
			b.ResetTimer()
			for _, blk := range blocks {
				if _, err := e.ProcessBlock(blk, now); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "blocks/s")
			b.ReportMetric(float64(b.N*txs)/secs, "tx/s")
		})
	}
}

// prepareConnect returns n blocks of txs transactions each, in chain order,
// and an engine on a fresh Badger store holding only the genesis block,
// which allocates one output per transaction to come.
func prepareConnect(b *testing.B, txs, n int) ([]*chain.Block, *consensus.Engine) {
	b.Helper()
	key := consensustest.Key("alice")
	addr := chain.AddressFromPubKey(key.PubKey())
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	g.MaxBlockBytes = 2_000_000
	g.Alloc = make([]chain.Alloc, txs*n)
	for i := range g.Alloc {
		g.Alloc[i] = chain.Alloc{Address: addr.Encode(g.AddressPrefix), Amount: benchAlloc}
	}
	p, err := consensus.NewParams(g)
	if err != nil {
		b.Fatal(err)
	}
	s, err := badgerstore.Open(b.TempDir(), badgerstore.Options{MaxBlockBytes: p.MaxBlockBytes})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	e, err := consensus.New(consensus.Config{Params: p, Store: s})
	if err != nil {
		b.Fatal(err)
	}
	allocTx := p.GenesisBlock.Transactions[0].TxID()
	blocks := make([]*chain.Block, n)
	parent := p.GenesisBlock
	for i := range blocks {
		spends := make([]*chain.Transaction, txs)
		for j := range spends {
			spends[j] = spendAlloc(b, p, key, chain.OutPoint{TxID: allocTx, Index: uint32(i*txs + j)}, j%2 == 1)
		}
		blocks[i] = mineBlock(b, p, parent, uint32(i+1), spends)
		parent = blocks[i]
	}
	return blocks, e
}

// spendAlloc returns a signed transaction spending one allocation of
// benchAlloc units back to its owner, in one output or two.
func spendAlloc(tb testing.TB, p *consensus.Params, key *btcec.PrivateKey, op chain.OutPoint, split bool) *chain.Transaction {
	tb.Helper()
	addr := chain.AddressFromPubKey(key.PubKey())
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: op}}}
	if split {
		tx.Outputs = []chain.TxOut{{Amount: benchAlloc / 2, Address: addr}, {Amount: benchAlloc / 2, Address: addr}}
	} else {
		tx.Outputs = []chain.TxOut{{Amount: benchAlloc, Address: addr}}
	}
	spent := []chain.TxOut{{Amount: benchAlloc, Address: addr}}
	if err := chain.SignTransaction(tx, spent, []*btcec.PrivateKey{key}, p.GenesisHash); err != nil {
		tb.Fatal(err)
	}
	return tx
}

// mineBlock builds the block at height on parent with a coinbase and txs
// (which pay no fee), 5 s after its parent, and mines it at the pow limit.
func mineBlock(tb testing.TB, p *consensus.Params, parent *chain.Block, height uint32, txs []*chain.Transaction) *chain.Block {
	tb.Helper()
	coinbase := chain.NewCoinbase(height, []byte("bench"), chain.TxOut{Amount: p.Subsidy(height), Address: consensustest.Address("miner")})
	blk := &chain.Block{
		Header: chain.BlockHeader{
			Version:   1,
			PrevBlock: parent.Hash(),
			Timestamp: parent.Header.Timestamp + uint32(p.TargetSpacingSeconds),
			Bits:      parent.Header.Bits,
		},
		Transactions: append([]*chain.Transaction{coinbase}, txs...),
	}
	blk.Header.MerkleRoot = chain.MerkleRoot(blk.TxIDs())
	for {
		err := consensus.CheckProofOfWork(&blk.Header, p.PowLimit)
		if err == nil {
			return blk
		}
		if !errors.Is(err, consensus.ErrHighHash) {
			tb.Fatal(err)
		}
		blk.Header.Nonce++
	}
}

// BenchmarkValidateTx measures the checks a one-input transaction goes
// through outside any block: its own rules, its inputs against the outputs
// they spend, and its signature.
func BenchmarkValidateTx(b *testing.B) {
	p := devnetParams(b)
	key := consensustest.Key("alice")
	op := chain.OutPoint{TxID: chain.DoubleSHA256([]byte("funding")), Index: 0}
	tx := spendAlloc(b, p, key, op, true)
	spent := []consensus.UTXO{{Amount: benchAlloc, Address: chain.AddressFromPubKey(key.PubKey()), Height: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := consensus.CheckTransactionSanity(tx, p); err != nil {
			b.Fatal(err)
		}
		if _, err := consensus.CheckTransactionInputs(tx, 2, spent, p); err != nil {
			b.Fatal(err)
		}
		if err := consensus.VerifySignatures(tx, spent, p.GenesisHash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSchnorrVerify is one BIP340 verification, parsing included: the
// ceiling for BenchmarkValidateTx and for tx/s in BenchmarkConnectBlock.
func BenchmarkSchnorrVerify(b *testing.B) {
	key := consensustest.Key("alice")
	digest := chain.DoubleSHA256([]byte("message"))
	sig, err := schnorr.Sign(key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	pubBytes := schnorr.SerializePubKey(key.PubKey())
	sigBytes := sig.Serialize()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pub, err := schnorr.ParsePubKey(pubBytes)
		if err != nil {
			b.Fatal(err)
		}
		s, err := schnorr.ParseSignature(sigBytes)
		if err != nil {
			b.Fatal(err)
		}
		if !s.Verify(digest[:], pub) {
			b.Fatal("signature does not verify")
		}
	}
}
