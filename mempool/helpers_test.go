package mempool

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

const coin = chain.UnitsPerCoin

// t0 is the tests' clock origin; no test reads the real clock.
var t0 = time.Unix(1_800_000_000, 0)

var testParams = sync.OnceValue(func() *consensus.Params {
	p, err := consensus.NewParams(consensustest.TestGenesis())
	if err != nil {
		panic(err)
	}
	return p
})

// testView is a ChainView over a map, for tests that need many coins or
// chain states the engine would take long to build.
type testView struct {
	utxos  map[chain.OutPoint]consensus.UTXO
	height uint32
}

func (v *testView) UTXO(op chain.OutPoint) (consensus.UTXO, bool, error) {
	u, ok := v.utxos[op]
	return u, ok, nil
}

func (v *testView) Height() uint32 { return v.height }

// env builds signed transactions over synthetic confirmed coins owned by
// alice, and blocks that it applies to its view as the engine would.
type env struct {
	t      testing.TB
	params *consensus.Params
	view   *testView
	outs   map[chain.OutPoint]chain.TxOut // every output built
	key    *btcec.PrivateKey
	addr   chain.Address
	coins  uint32
	blocks uint32
}

func newEnv(t testing.TB) *env {
	return &env{
		t:      t,
		params: testParams(),
		view:   &testView{utxos: map[chain.OutPoint]consensus.UTXO{}, height: 100},
		outs:   map[chain.OutPoint]chain.TxOut{},
		key:    consensustest.Key("alice"),
		addr:   consensustest.Address("alice"),
	}
}

// coin adds a confirmed output of amount paying alice.
func (e *env) coin(amount int64) chain.OutPoint {
	return e.coinAt(amount, 1, false)
}

func (e *env) coinAt(amount int64, height uint32, coinbase bool) chain.OutPoint {
	e.coins++
	var seed [8]byte
	binary.LittleEndian.PutUint32(seed[:], e.coins)
	op := chain.OutPoint{TxID: sha256.Sum256(append([]byte("mempool-test-coin"), seed[:]...))}
	e.view.utxos[op] = consensus.UTXO{Amount: amount, Address: e.addr, Height: height, Coinbase: coinbase}
	e.outs[op] = chain.TxOut{Amount: amount, Address: e.addr}
	return op
}

// spend builds a transaction spending ins, paying fee, with nOut equal
// outputs to alice.
func (e *env) spend(ins []chain.OutPoint, fee int64, nOut int) *chain.Transaction {
	e.t.Helper()
	tx := &chain.Transaction{Version: 1}
	var in int64
	var spent []chain.TxOut
	var keys []*btcec.PrivateKey
	for _, op := range ins {
		out, ok := e.outs[op]
		if !ok {
			e.t.Fatalf("spend of unknown output %s:%d", op.TxID, op.Index)
		}
		tx.Inputs = append(tx.Inputs, chain.TxIn{PrevOut: op})
		spent = append(spent, out)
		keys = append(keys, e.key)
		in += out.Amount
	}
	left := in - fee
	for k := range nOut {
		amount := left / int64(nOut)
		if k == 0 {
			amount += left % int64(nOut)
		}
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: amount, Address: e.addr})
	}
	if err := chain.SignTransaction(tx, spent, keys, e.params.GenesisHash); err != nil {
		e.t.Fatal(err)
	}
	txid := tx.TxID()
	for k, out := range tx.Outputs {
		e.outs[chain.OutPoint{TxID: txid, Index: uint32(k)}] = out
	}
	return tx
}

// spend1 spends one output into one output (178 bytes).
func (e *env) spend1(op chain.OutPoint, fee int64) *chain.Transaction {
	return e.spend([]chain.OutPoint{op}, fee, 1)
}

// block builds a block of txs (after a coinbase) and applies it to the
// view: the tip moves one block up.
func (e *env) block(txs ...*chain.Transaction) *chain.Block {
	e.blocks++
	e.view.height++
	cb := chain.NewCoinbase(e.view.height, fmt.Appendf(nil, "block %d", e.blocks), chain.TxOut{Amount: 50 * coin, Address: e.addr})
	b := &chain.Block{Header: chain.BlockHeader{Version: 1, Nonce: e.blocks}, Transactions: append([]*chain.Transaction{cb}, txs...)}
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	for i, tx := range b.Transactions {
		txid := tx.TxID()
		if i > 0 {
			for _, in := range tx.Inputs {
				delete(e.view.utxos, in.PrevOut)
			}
		}
		for k, out := range tx.Outputs {
			op := chain.OutPoint{TxID: txid, Index: uint32(k)}
			e.view.utxos[op] = consensus.UTXO{Amount: out.Amount, Address: out.Address, Height: e.view.height, Coinbase: i == 0}
			e.outs[op] = out
		}
	}
	return b
}

// unblock undoes the block at the tip (which must be b) on the view.
func (e *env) unblock(b *chain.Block, restore map[chain.OutPoint]consensus.UTXO) {
	for i := len(b.Transactions) - 1; i >= 0; i-- {
		tx := b.Transactions[i]
		txid := tx.TxID()
		for k := range tx.Outputs {
			delete(e.view.utxos, chain.OutPoint{TxID: txid, Index: uint32(k)})
		}
		if i > 0 {
			for _, in := range tx.Inputs {
				e.view.utxos[in.PrevOut] = restore[in.PrevOut]
			}
		}
	}
	e.view.height--
}

// op names output k of tx.
func op(tx *chain.Transaction, k uint32) chain.OutPoint {
	return chain.OutPoint{TxID: tx.TxID(), Index: k}
}

func mustAccept(t testing.TB, p *Pool, tx *chain.Transaction, view ChainView, now time.Time) []*Entry {
	t.Helper()
	added, err := p.Accept(tx, view, now)
	if err != nil {
		t.Fatalf("accept %s: %v", tx.TxID(), err)
	}
	checkInvariants(t, p)
	return added
}

// wantReject fails unless err is a *RejectError with code and reason.
func wantReject(t testing.TB, err error, code RejectCode, reason string) *RejectError {
	t.Helper()
	var re *RejectError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a rejection %v %q", err, code, reason)
	}
	if re.Code != code || re.Reason != reason {
		t.Fatalf("got rejection %v %q (%v), want %v %q", re.Code, re.Reason, err, code, reason)
	}
	if !errors.Is(err, code) {
		t.Fatalf("errors.Is(%v, %v) is false", err, code)
	}
	return re
}

func txids(txs ...*chain.Transaction) []chain.Hash {
	ids := make([]chain.Hash, len(txs))
	for i, tx := range txs {
		ids[i] = tx.TxID()
	}
	return ids
}

func entryIDs(es []*Entry) []chain.Hash {
	ids := make([]chain.Hash, len(es))
	for i, e := range es {
		ids[i] = e.TxID
	}
	return ids
}

func removalIDs(rs []Removal, reason RemovalReason) []chain.Hash {
	var ids []chain.Hash
	for _, r := range rs {
		if r.Reason == reason {
			ids = append(ids, r.TxID)
		}
	}
	return ids
}

func wantIDs(t testing.TB, what string, got, want []chain.Hash) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, shortIDs(got), shortIDs(want))
	}
}

func shortIDs(ids []chain.Hash) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()[:8]
	}
	return out
}

// checkInvariants recomputes the pool's indexes and aggregates from its
// transactions and fails on any difference.
func checkInvariants(t testing.TB, p *Pool) {
	t.Helper()
	p.mu.RLock()
	defer p.mu.RUnlock()
	var bytes, fees int64
	spent := map[chain.OutPoint]*txEntry{}
	for id, e := range p.entries {
		if e.txid != id {
			t.Fatalf("entry %s filed under %s", e.txid, id)
		}
		bytes += e.size
		fees += e.fee
		var parents []*txEntry
		for _, in := range e.tx.Inputs {
			spent[in.PrevOut] = e
			if par, ok := p.entries[in.PrevOut.TxID]; ok && !slices.Contains(parents, par) {
				parents = append(parents, par)
			}
		}
		if !slices.Equal(parents, e.parents) {
			t.Fatalf("entry %s: parents %d, want %d", e.txid, len(e.parents), len(parents))
		}
		for _, par := range parents {
			if !slices.Contains(par.children, e) {
				t.Fatalf("entry %s missing from its parent's children", e.txid)
			}
		}
		anc := ancestorsOf(e.parents)
		wantAnc := [3]int64{1, e.size, e.fee}
		for _, a := range anc {
			wantAnc[0]++
			wantAnc[1] += a.size
			wantAnc[2] += a.fee
		}
		if got := [3]int64{e.ancCount, e.ancSize, e.ancFee}; got != wantAnc {
			t.Fatalf("entry %s: ancestor stats %v, want %v", e.txid, got, wantAnc)
		}
		desc := withDescendants(e.children)
		wantDesc := [3]int64{1, e.size, e.fee}
		for _, d := range desc {
			wantDesc[0]++
			wantDesc[1] += d.size
			wantDesc[2] += d.fee
		}
		if got := [3]int64{e.descCount, e.descSize, e.descFee}; got != wantDesc {
			t.Fatalf("entry %s: descendant stats %v, want %v", e.txid, got, wantDesc)
		}
		if e.heapIdx < 0 || e.heapIdx >= len(p.evict) || p.evict[e.heapIdx] != e {
			t.Fatalf("entry %s: heap index %d wrong", e.txid, e.heapIdx)
		}
		_, inCB := p.cbSpenders[e]
		if inCB != (e.cbHeight >= 0) {
			t.Fatalf("entry %s: coinbase spender index wrong", e.txid)
		}
	}
	if len(p.evict) != len(p.entries) {
		t.Fatalf("heap has %d entries, pool %d", len(p.evict), len(p.entries))
	}
	for i := range p.evict {
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(p.evict) && p.evict.Less(c, i) {
				t.Fatalf("eviction heap order broken at %d", i)
			}
		}
	}
	if bytes != p.bytes || fees != p.totalFee {
		t.Fatalf("bytes %d fees %d, counted %d %d", p.bytes, p.totalFee, bytes, fees)
	}
	if len(spent) != len(p.spent) {
		t.Fatalf("spent index has %d outpoints, want %d", len(p.spent), len(spent))
	}
	for op, e := range spent {
		if p.spent[op] != e {
			t.Fatalf("spent index wrong for %s:%d", op.TxID, op.Index)
		}
	}
	if len(p.cbSpenders) > len(p.entries) {
		t.Fatalf("coinbase spender index has stale entries")
	}
	var obytes int64
	for _, o := range p.orphans.byID {
		obytes += o.size
	}
	if obytes != p.orphans.bytes || p.orphans.order.Len() != len(p.orphans.byID) {
		t.Fatalf("orphan pool accounting wrong")
	}
}
