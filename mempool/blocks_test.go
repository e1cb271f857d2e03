package mempool

import (
	"fmt"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	ct "github.com/devchain/devchain/consensus/consensustest"
)

// sync gives the pool the engine's result of accepting a block.
func syncBlock(t *testing.T, h *ct.Harness, p *Pool, name string) Changes {
	t.Helper()
	res := h.Accept(name)
	ch := p.BlocksChanged(res.Disconnected, res.Connected, h.Engine, h.Now())
	checkInvariants(t, p)
	return ch
}

func TestBlocksChangedConfirmedAndConflicts(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000))
	t2 := h.NewTx("t2", ct.Spend("t1:1"), ct.ChangeTo("alice"), ct.Fee(1000))
	c := h.NewTx("c", ct.Spend("genesis.cb:1"), ct.Pay("carol", coin), ct.ChangeTo("bob"), ct.Fee(1000))
	c2 := h.NewTx("c2", ct.Spend("c:0"), ct.ChangeTo("carol"), ct.Fee(1000))
	c3 := h.NewTx("c3", ct.Spend("c2:0", "t1:0"), ct.ChangeTo("carol"), ct.Fee(1000))
	for _, tx := range []*chain.Transaction{t1, t2, c, c2, c3} {
		mustAccept(t, p, tx, h.Engine, h.Now())
	}
	// x double-spends c's input; a block confirms t1 and x.
	x := h.NewTx("x", ct.Spend("genesis.cb:1"), ct.Pay("mallory", coin), ct.ChangeTo("bob"), ct.Fee(1000))
	h.NewBlock("b1", ct.GenesisName, ct.Txs("t1", "x"))
	ch := syncBlock(t, h, p, "b1")

	wantIDs(t, "confirmed", removalIDs(ch.Removed, RemovedConfirmed), txids(t1))
	wantIDs(t, "conflicts", removalIDs(ch.Removed, RemovedConflict), txids(c, c2, c3))
	if len(ch.Added) != 0 {
		t.Fatalf("added %v", entryIDs(ch.Added))
	}
	wantIDs(t, "pool", p.TxIDs(), txids(t2))
	e2, _ := p.Get(t2.TxID())
	if len(e2.Depends) != 0 || e2.AncestorCount != 1 {
		t.Fatalf("t2's parent is confirmed: depends %v, ancestors %d", e2.Depends, e2.AncestorCount)
	}
	if _, ok := p.SpentBy(h.OutPoint("genesis.cb:1")); ok {
		t.Fatal("the conflict's outpoint is still marked spent")
	}
	_ = x
}

func TestReorgReturnsTransactions(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("carol", 10*coin), ct.ChangeTo("alice"), ct.Fee(1000))
	t2 := h.NewTx("t2", ct.Spend("genesis.cb:1"), ct.Pay("carol", 10*coin), ct.ChangeTo("bob"), ct.Fee(1000))
	both := h.NewTx("both", ct.Spend("t1:1"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000)) // on both branches
	for _, tx := range []*chain.Transaction{t1, t2, both} {
		mustAccept(t, p, tx, h.Engine, h.Now())
	}
	// Branch a confirms t1, t2 and both.
	h.NewBlock("a1", ct.GenesisName, ct.Txs("t1", "t2", "both"))
	ch := syncBlock(t, h, p, "a1")
	wantIDs(t, "confirmed in a1", removalIDs(ch.Removed, RemovedConfirmed), txids(t1, t2, both))

	// On top of a1, the pool takes p1 (spending t1's output to carol) and
	// p2, its child.
	p1 := h.NewTx("p1", ct.Spend("t1:0"), ct.Pay("mallory", coin), ct.ChangeTo("carol"), ct.Fee(1000))
	p2 := h.NewTx("p2", ct.Spend("p1:1"), ct.ChangeTo("carol"), ct.Fee(1000))
	mustAccept(t, p, p1, h.Engine, h.Now())
	mustAccept(t, p, p2, h.Engine, h.Now())

	// Branch b, with more work, confirms t1 and both again but spends bob's
	// allocation differently (t2x), so t2 cannot come back.
	t2x := h.NewTx("t2x", ct.Spend("genesis.cb:1"), ct.Pay("mallory", 10*coin), ct.ChangeTo("bob"), ct.Fee(1000))
	h.NewBlock("b1", ct.GenesisName, ct.Txs("t2x"))
	h.NewBlock("b2", "b1")
	if ch := syncBlock(t, h, p, "b1"); len(ch.Added)+len(ch.Removed) != 0 {
		t.Fatal("a side branch changed the pool")
	}
	ch = syncBlock(t, h, p, "b2")
	h.AssertTip("b2")
	wantIDs(t, "back from a1", entryIDs(ch.Added), txids(t1, both))
	wantIDs(t, "spent differently", removalIDs(ch.Removed, RemovedConflict), txids(t2))
	if len(ch.Removed) != 1 {
		t.Fatalf("removed %v", ch.Removed)
	}
	// p1 and p2 were taken out and judged again after t1: still there,
	// with their original arrival.
	wantIDs(t, "pool", p.TxIDs(), txids(p1, p2, t1, both))
	e1, _ := p.Get(p1.TxID())
	wantIDs(t, "p1 depends", e1.Depends, txids(t1))
	// Parents first; p1 with p2 (one output, smaller) pays more per byte
	// than both.
	txs, _ := p.Template(1 << 20)
	wantIDs(t, "template", txids(txs...), txids(t1, p1, p2, both))

	// And back to branch a, longer now: t1 and both are confirmed again,
	// t2x (from b1) conflicts with a1's t2; p1 and p2 stay, their parent
	// confirmed.
	h.NewBlock("a2", "a1")
	h.NewBlock("a3", "a2")
	syncBlock(t, h, p, "a2")
	ch = syncBlock(t, h, p, "a3")
	h.AssertTip("a3")
	wantIDs(t, "confirmed", removalIDs(ch.Removed, RemovedConfirmed), txids(t1, both))
	wantIDs(t, "conflicts", removalIDs(ch.Removed, RemovedConflict), txids(t2x))
	wantIDs(t, "pool", p.TxIDs(), txids(p1, p2))
	if e1, _ := p.Get(p1.TxID()); len(e1.Depends) != 0 {
		t.Fatal("p1's parent is confirmed")
	}
}

func TestReorgDropsSpendsOfVanishedCoinbase(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	parent := ct.GenesisName
	for i := 1; i <= 11; i++ {
		name := fmt.Sprintf("a%d", i)
		opts := []ct.BlockOption{}
		if i == 1 {
			opts = append(opts, ct.CoinbaseTo("alice"))
		}
		h.NewBlock(name, parent, opts...)
		syncBlock(t, h, p, name)
		parent = name
	}
	// Tip a11: a1's coinbase is mature; a spend and its child enter.
	s := h.NewTx("s", ct.Spend("a1.cb:0"), ct.ChangeTo("bob"), ct.Fee(1000))
	s2 := h.NewTx("s2", ct.Spend("s:0"), ct.ChangeTo("carol"), ct.Fee(1000))
	mustAccept(t, p, s, h.Engine, h.Now())
	mustAccept(t, p, s2, h.Engine, h.Now())

	// invalidateblock a10: the tip drops to a9 and a1's coinbase is
	// immature again for the next block (10 - 1 < 10).
	res, err := h.Engine.InvalidateBlock(h.Block("a10").Hash())
	if err != nil {
		t.Fatal(err)
	}
	ch := p.BlocksChanged(res.Disconnected, res.Connected, h.Engine, h.Now())
	checkInvariants(t, p)
	wantIDs(t, "immature", removalIDs(ch.Removed, RemovedReorg), txids(s, s2))
	if p.Info().Size != 0 {
		t.Fatal("pool should be empty")
	}

	// A branch from genesis with more work takes a1 away altogether: its
	// coinbase is gone and so are spends of it.
	h2, p2 := newHarnessPool(t, Config{})
	parent = ct.GenesisName
	for i := 1; i <= 10; i++ {
		name := fmt.Sprintf("a%d", i)
		opts := []ct.BlockOption{}
		if i == 1 {
			opts = append(opts, ct.CoinbaseTo("alice"))
		}
		h2.NewBlock(name, parent, opts...)
		syncBlock(t, h2, p2, name)
		parent = name
	}
	s = h2.NewTx("s", ct.Spend("a1.cb:0"), ct.ChangeTo("bob"), ct.Fee(1000))
	mustAccept(t, p2, s, h2.Engine, h2.Now())
	parent = ct.GenesisName
	var ch2 Changes
	for i := 1; i <= 11; i++ {
		name := fmt.Sprintf("b%d", i)
		h2.NewBlock(name, parent)
		ch2 = syncBlock(t, h2, p2, name)
		parent = name
	}
	h2.AssertTip("b11")
	wantIDs(t, "coinbase gone", removalIDs(ch2.Removed, RemovedReorg), txids(s))
	if p2.Info().Size != 0 {
		t.Fatal("pool should be empty")
	}
}

// TestReorgImmatureWithFakeView checks the immature rule on a view that
// lowers the tip without the engine.
func TestReorgImmatureWithFakeView(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params})
	b := e.block() // tip 101
	cb := e.coinAt(50*coin, 92, true)
	s := e.spend1(cb, 1000)
	s2 := e.spend1(op(s, 0), 1000)
	other := e.spend1(e.coinAt(50*coin, 91, true), 1000)
	for _, tx := range []*chain.Transaction{s, s2, other} {
		mustAccept(t, p, tx, e.view, t0)
	}
	e.unblock(b, map[chain.OutPoint]consensus.UTXO{}) // tip 100: a spend at 101 of height 92 is immature
	ch := p.BlocksChanged([]*chain.Block{b}, nil, e.view, t0)
	wantIDs(t, "immature", removalIDs(ch.Removed, RemovedReorg), txids(s, s2))
	wantIDs(t, "pool", p.TxIDs(), txids(other))
	checkInvariants(t, p)
}

// TestTxIndexTellsSpentFromUnknown: a pool that never saw the block
// confirming a spend (a node just restarted) still refuses a double spend
// of that output as spent, not as an orphan, because the engine's
// transaction index knows the spent output's transaction is confirmed.
func TestTxIndexTellsSpentFromUnknown(t *testing.T) {
	h, _ := newHarnessPool(t, Config{})
	// pay has one output, spent by onward: no output of pay is left in the
	// UTXO set for the pool to probe.
	h.NewTx("pay", ct.Spend("genesis.cb:0"), ct.Pay("carol", 100*coin-1000), ct.Fee(1000))
	h.NewTx("onward", ct.Spend("pay:0"), ct.Pay("bob", 100*coin-2000), ct.Fee(1000))
	h.NewBlock("a1", ct.GenesisName, ct.Txs("pay", "onward"))
	h.Accept("a1")
	fresh := New(Config{Params: h.Params})
	again := h.NewTx("again", ct.Spend("pay:0"), ct.Pay("mallory", coin), ct.ChangeTo("carol"), ct.Fee(1000))
	_, err := fresh.Accept(again, h.Engine, h.Now())
	wantReject(t, err, RejectMissingInputs, ReasonMissingInputs)
	if fresh.Info().Orphans != 0 {
		t.Fatal("the double spend was kept as an orphan")
	}
	// Confirmed with every output spent: known, not an orphan either.
	_, err = fresh.Accept(h.Tx("onward"), h.Engine, h.Now())
	if err == nil {
		t.Fatal("onward accepted again")
	}
	_, err = fresh.Accept(h.Tx("pay"), h.Engine, h.Now())
	wantReject(t, err, RejectDuplicate, ReasonAlreadyKnown)
}

// withoutTxIndex is the engine as a node without a transaction index
// offers it: the pool has only the blocks it saw connected to tell an
// output spent on the chain from an unknown one.
type withoutTxIndex struct{ e *consensus.Engine }

func (v withoutTxIndex) UTXO(op chain.OutPoint) (consensus.UTXO, bool, error) { return v.e.UTXO(op) }
func (v withoutTxIndex) Height() uint32                                       { return v.e.Height() }

// TestRecentBlocksTellSpentWithoutTxIndex: an empty pool that saw a block
// connected remembers what it confirmed, so without a transaction index a
// spend of an output that block spent is refused as spent and the
// confirmed transaction as known; a pool that did not see the block keeps
// the same spend as an orphan.
func TestRecentBlocksTellSpentWithoutTxIndex(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	view := withoutTxIndex{h.Engine}
	// pay has one output, spent by onward: no output of pay is left in the
	// UTXO set for the pool to probe.
	h.NewTx("pay", ct.Spend("genesis.cb:0"), ct.Pay("carol", 100*coin-1000), ct.Fee(1000))
	h.NewTx("onward", ct.Spend("pay:0"), ct.Pay("bob", 100*coin-2000), ct.Fee(1000))
	h.NewBlock("a1", ct.GenesisName, ct.Txs("pay", "onward"))
	res := h.Accept("a1")
	if ch := p.BlocksChanged(res.Disconnected, res.Connected, view, h.Now()); len(ch.Added)+len(ch.Removed) > 0 {
		t.Fatalf("an empty pool changed: %+v", ch)
	}
	again := h.NewTx("again", ct.Spend("pay:0"), ct.Pay("mallory", coin), ct.ChangeTo("carol"), ct.Fee(1000))
	_, err := p.Accept(again, view, h.Now())
	wantReject(t, err, RejectMissingInputs, ReasonMissingInputs)
	_, err = p.Accept(h.Tx("pay"), view, h.Now())
	wantReject(t, err, RejectDuplicate, ReasonAlreadyKnown)
	if p.Info().Orphans != 0 {
		t.Fatal("a spend of a spent output was kept as an orphan")
	}

	fresh := New(Config{Params: h.Params})
	_, err = fresh.Accept(again, view, h.Now())
	wantReject(t, err, RejectOrphan, ReasonMissingInputs)
	if fresh.Info().Orphans != 1 {
		t.Fatal("a pool that did not see the block did not keep the spend as an orphan")
	}
}

// TestRecentBlocksFollowReorg: the window takes the hashes of connected
// blocks from the engine and forgets a disconnected block by its own hash,
// so after a reorg it holds exactly the new chain's blocks, with or
// without a view that names its chain's blocks.
func TestRecentBlocksFollowReorg(t *testing.T) {
	for _, indexed := range []bool{true, false} {
		h, p := newHarnessPool(t, Config{})
		var view ChainView = h.Engine
		if !indexed {
			view = withoutTxIndex{h.Engine}
		}
		connect := func(name string) {
			res := h.Accept(name)
			p.BlocksChanged(res.Disconnected, res.Connected, view, h.Now())
		}
		h.NewBlock("a1", ct.GenesisName)
		pay := h.NewTx("pay", ct.Spend("genesis.cb:0"), ct.Pay("carol", coin), ct.ChangeTo("alice"), ct.Fee(1000))
		h.NewBlock("a2", "a1", ct.Txs("pay"))
		connect("a1")
		connect("a2")
		h.NewBlock("b2", "a1")
		h.NewBlock("b3", "b2")
		if _, err := h.Submit("b2"); err != nil { // a side branch as long as the tip
			t.Fatal(err)
		}
		connect("b3") // a2 leaves, b2 and b3 join
		var got []chain.Hash
		for i := range p.recent.len() {
			got = append(got, p.recent.blocks.at(i).hash)
		}
		wantIDs(t, "remembered blocks", got, []chain.Hash{h.Block("a1").Hash(), h.Block("b2").Hash(), h.Block("b3").Hash()})
		if p.recent.hasTx(pay.TxID()) || p.recent.hasSpent(pay.Inputs[0].PrevOut) {
			t.Fatal("the window did not forget the disconnected block's transaction")
		}
		if !p.Has(pay.TxID()) {
			t.Fatal("the disconnected block's transaction did not come back to the pool")
		}
	}
}
