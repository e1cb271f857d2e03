package mempool

import (
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	ct "github.com/devchain/devchain/consensus/consensustest"
)

func TestOrphanAdmittedWhenParentArrives(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000))
	t2 := h.NewTx("t2", ct.Spend("t1:1"), ct.Pay("carol", coin), ct.ChangeTo("alice"), ct.Fee(1000))
	t3 := h.NewTx("t3", ct.Spend("t2:1"), ct.ChangeTo("alice"), ct.Fee(1000))
	side := h.NewTx("side", ct.Spend("t1:0"), ct.ChangeTo("bob"), ct.Fee(1000))

	for i, tx := range []*chain.Transaction{t3, t2, side} {
		_, err := p.Accept(tx, h.Engine, t0)
		wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")
		if Misbehaving(err) {
			t.Fatal("an orphan is not misbehaviour")
		}
		if got := p.Info().Orphans; got != i+1 {
			t.Fatalf("orphans %d, want %d", got, i+1)
		}
	}
	if !p.HasOrphan(t2.TxID()) || p.Has(t2.TxID()) {
		t.Fatal("t2 should wait in the orphan pool")
	}
	// Sent again, an orphan is still an orphan, kept once.
	_, err := p.Accept(t2, h.Engine, t0)
	wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")

	added := mustAccept(t, p, t1, h.Engine, t0)
	// t1 first, then its orphans in arrival order (t2, side), then t3 that t2
	// made valid.
	wantIDs(t, "added", entryIDs(added), txids(t1, t2, side, t3))
	if info := p.Info(); info.Orphans != 0 || info.OrphanBytes != 0 || info.Size != 4 {
		t.Fatalf("info %+v", info)
	}
}

func TestInvalidOrphanDropped(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000))
	bad := h.NewTx("bad", ct.Spend("t1:1"), ct.ChangeTo("alice"), ct.Fee(1000), ct.CorruptSignature())
	cheap := h.NewTx("cheap", ct.Spend("t1:0"), ct.ChangeTo("bob"))
	for _, tx := range []*chain.Transaction{bad, cheap} {
		_, err := p.Accept(tx, h.Engine, t0)
		wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")
	}
	added := mustAccept(t, p, t1, h.Engine, t0)
	wantIDs(t, "added", entryIDs(added), txids(t1))
	if p.Info().Orphans != 0 || p.HasOrphan(bad.TxID()) || p.HasOrphan(cheap.TxID()) {
		t.Fatal("orphans refused on retry must be dropped")
	}
}

func TestOrphanWaitsForEveryParent(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	ta := h.NewTx("ta", ct.Spend("genesis.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000))
	tb := h.NewTx("tb", ct.Spend("genesis.cb:1"), ct.ChangeTo("bob"), ct.Fee(1000))
	both := h.NewTx("both", ct.Spend("ta:0", "tb:0"), ct.ChangeTo("carol"), ct.Fee(1000))
	_, err := p.Accept(both, h.Engine, t0)
	wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")
	wantIDs(t, "after ta", entryIDs(mustAccept(t, p, ta, h.Engine, t0)), txids(ta))
	if !p.HasOrphan(both.TxID()) {
		t.Fatal("orphan with a parent still missing was dropped")
	}
	wantIDs(t, "after tb", entryIDs(mustAccept(t, p, tb, h.Engine, t0)), txids(tb, both))
}

func TestOrphanPoolBounds(t *testing.T) {
	e := newEnv(t)
	// Orphans spend outputs the view has never had; the parents are built
	// but never given to the pool.
	var orphans []*chain.Transaction
	for range 5 {
		parent := e.spend1(e.coin(coin), 1000)
		delete(e.view.utxos, parent.Inputs[0].PrevOut)
		orphans = append(orphans, e.spend1(op(parent, 0), 1000))
	}
	size := int64(orphans[0].SerializeSize())

	t.Run("count", func(t *testing.T) {
		p := New(Config{Params: e.params, MaxOrphans: 3})
		for i, tx := range orphans {
			_, err := p.Accept(tx, e.view, t0.Add(time.Duration(i)*time.Second))
			wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")
		}
		for i, tx := range orphans {
			if want := i >= 2; p.HasOrphan(tx.TxID()) != want {
				t.Fatalf("orphan %d kept: %v, want %v (oldest evicted first)", i, !want, want)
			}
		}
		if info := p.Info(); info.Orphans != 3 || info.OrphanBytes != 3*size {
			t.Fatalf("info %+v", info)
		}
		checkInvariants(t, p)
	})
	t.Run("bytes", func(t *testing.T) {
		p := New(Config{Params: e.params, MaxOrphanBytes: 2*size + 1})
		for _, tx := range orphans {
			_, _ = p.Accept(tx, e.view, t0)
		}
		if got := p.Info().Orphans; got != 2 || !p.HasOrphan(orphans[4].TxID()) || !p.HasOrphan(orphans[3].TxID()) {
			t.Fatalf("orphans %d, want the newest 2", got)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		p := New(Config{Params: e.params, OrphanTTL: time.Minute})
		_, _ = p.Accept(orphans[0], e.view, t0)
		_, _ = p.Accept(orphans[1], e.view, t0.Add(30*time.Second))
		// Any call with a later time expires: BlocksChanged with no blocks.
		p.BlocksChanged(nil, nil, e.view, t0.Add(time.Minute-time.Nanosecond))
		if p.Info().Orphans != 2 {
			t.Fatal("orphan expired early")
		}
		p.BlocksChanged(nil, nil, e.view, t0.Add(time.Minute))
		if p.HasOrphan(orphans[0].TxID()) || !p.HasOrphan(orphans[1].TxID()) {
			t.Fatal("the first orphan should expire after one minute, not the second")
		}
		_, _ = p.Accept(orphans[2], e.view, t0.Add(90*time.Second))
		if p.HasOrphan(orphans[1].TxID()) || !p.HasOrphan(orphans[2].TxID()) {
			t.Fatal("Accept should expire the second orphan")
		}
		checkInvariants(t, p)
	})
}

func TestOrphansFollowBlocks(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000))
	h.NewTx("tb", ct.Spend("genesis.cb:1"), ct.ChangeTo("bob"), ct.Fee(1000))
	h.NewTx("u", ct.Spend("t1:1"), ct.ChangeTo("alice"), ct.Fee(1000)) // never sent
	child := h.NewTx("child", ct.Spend("t1:0"), ct.ChangeTo("bob"), ct.Fee(1000))
	waiting := h.NewTx("waiting", ct.Spend("u:0"), ct.ChangeTo("bob"), ct.Fee(1000))
	doomed := h.NewTx("doomed", ct.Spend("genesis.cb:1", "u:0"), ct.ChangeTo("bob"), ct.Fee(1000))
	for _, tx := range []*chain.Transaction{child, waiting} {
		_, err := p.Accept(tx, h.Engine, t0)
		wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")
	}
	// doomed conflicts with waiting (both spend u:0): orphans are not
	// checked against each other, as in Bitcoin Core.
	_, err := p.Accept(doomed, h.Engine, t0)
	wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")

	h.NewBlock("b1", ct.GenesisName, ct.Txs("t1", "tb"))
	res := h.Accept("b1")
	ch := p.BlocksChanged(res.Disconnected, res.Connected, h.Engine, t0)
	// The block confirms child's parent: child enters. It spends doomed's
	// genesis.cb:1: doomed is dropped. waiting still waits for u.
	wantIDs(t, "added", entryIDs(ch.Added), txids(child))
	if p.HasOrphan(doomed.TxID()) || !p.HasOrphan(waiting.TxID()) || p.Info().Orphans != 1 {
		t.Fatalf("orphans after the block: %d", p.Info().Orphans)
	}
	checkInvariants(t, p)
}
