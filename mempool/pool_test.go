package mempool

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	ct "github.com/devchain/devchain/consensus/consensustest"
)

func newHarnessPool(t *testing.T, cfg Config) (*ct.Harness, *Pool) {
	h := ct.New(t, ct.Options{})
	cfg.Params = h.Params
	return h, New(cfg)
}

func TestAcceptValid(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	tx := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", 10*coin), ct.ChangeTo("alice"), ct.Fee(1000))

	fee, err := p.Check(tx, h.Engine)
	if err != nil || fee != 1000 {
		t.Fatalf("Check: fee %d, err %v", fee, err)
	}
	if p.Has(tx.TxID()) {
		t.Fatal("Check changed the pool")
	}
	added := mustAccept(t, p, tx, h.Engine, t0)
	wantIDs(t, "added", entryIDs(added), txids(tx))
	e, ok := p.Get(tx.TxID())
	if !ok {
		t.Fatal("accepted tx not in the pool")
	}
	size := int64(tx.SerializeSize())
	if e.Fee != 1000 || e.Size != size || !e.Time.Equal(t0) || e.Height != 0 || len(e.Depends) != 0 {
		t.Fatalf("entry %+v", e)
	}
	if e.FeeRate() != 1000/size {
		t.Fatalf("fee rate %d", e.FeeRate())
	}
	if id, ok := p.SpentBy(h.OutPoint("genesis.cb:0")); !ok || id != tx.TxID() {
		t.Fatalf("SpentBy: %v %v", id, ok)
	}
	if out, ok := p.Output(op(tx, 0)); !ok || out.Amount != 10*coin {
		t.Fatalf("Output: %v %v", out, ok)
	}
	info := p.Info()
	want := Info{Size: 1, Bytes: size, TotalFee: 1000, MaxBytes: DefaultMaxBytes, MinFeeRate: 1, MinRelayFeeRate: 1}
	if info != want {
		t.Fatalf("Info %+v, want %+v", info, want)
	}
}

func TestAcceptChainOfThree(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", 10*coin), ct.ChangeTo("alice"), ct.Fee(1000))
	t2 := h.NewTx("t2", ct.Spend("t1:1"), ct.Pay("carol", 5*coin), ct.ChangeTo("alice"), ct.Fee(2000))
	t3 := h.NewTx("t3", ct.Spend("t2:1", "t2:0"), ct.Pay("bob", 1*coin), ct.ChangeTo("alice"), ct.Fee(3000))
	for _, tx := range []*chain.Transaction{t1, t2, t3} {
		mustAccept(t, p, tx, h.Engine, t0)
	}
	wantIDs(t, "entries", entryIDs(p.Entries()), txids(t1, t2, t3))
	wantIDs(t, "getrawmempool", p.TxIDs(), txids(t1, t2, t3))
	e3, _ := p.Get(t3.TxID())
	wantIDs(t, "t3 depends", e3.Depends, txids(t2))
	if e3.AncestorCount != 3 || e3.AncestorFees != 6000 {
		t.Fatalf("t3 ancestors: %d, fees %d", e3.AncestorCount, e3.AncestorFees)
	}
	e1, _ := p.Get(t1.TxID())
	wantIDs(t, "t1 spent by", e1.SpentBy, txids(t2))
	if e1.DescendantCount != 3 || e1.DescendantFees != 6000 {
		t.Fatalf("t1 descendants: %d, fees %d", e1.DescendantCount, e1.DescendantFees)
	}
	txs, fees := p.Template(1 << 20)
	wantIDs(t, "template", txids(txs...), txids(t1, t2, t3))
	if fees != 6000 {
		t.Fatalf("template fees %d", fees)
	}
}

// TestRejections covers each reason a transaction is refused, with its code
// and whether the sender misbehaved.
func TestRejections(t *testing.T) {
	cases := []struct {
		name      string
		cfg       Config
		build     func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction
		code      RejectCode
		reason    string
		rule      consensus.ErrorCode // 0: no consensus rule
		misbehave bool
	}{
		{
			name: "already in the pool",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				tx := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000))
				mustAccept(t, p, tx, h.Engine, t0)
				return tx
			},
			code: RejectDuplicate, reason: "txn-already-in-mempool",
		},
		{
			name: "double spend of a pool transaction's input",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				mustAccept(t, p, h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000)), h.Engine, t0)
				return h.NewTx("t1b", ct.Spend("genesis.cb:0"), ct.Pay("carol", coin), ct.ChangeTo("alice"), ct.Fee(50000))
			},
			code: RejectConflict, reason: "txn-mempool-conflict",
		},
		{
			name: "bad signature",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000), ct.CorruptSignature())
			},
			code: RejectInvalid, reason: "bad-txns-signature", rule: consensus.ErrBadSignature, misbehave: true,
		},
		{
			name: "signed by the wrong key",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.ChangeTo("mallory"), ct.Fee(1000), ct.SignWith("mallory"))
			},
			code: RejectInvalid, reason: "bad-txns-wrong-pubkey", rule: consensus.ErrWrongPubKey, misbehave: true,
		},
		{
			name: "outputs above inputs",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", 101*coin))
			},
			code: RejectInvalid, reason: "bad-txns-in-belowout", rule: consensus.ErrSpendTooHigh, misbehave: true,
		},
		{
			name: "coinbase",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return chain.NewCoinbase(1, nil, chain.TxOut{Amount: coin, Address: ct.Address("alice")})
			},
			code: RejectInvalid, reason: "coinbase", rule: consensus.ErrCoinbaseTxOutside, misbehave: true,
		},
		{
			name: "no inputs",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return &chain.Transaction{Version: 1, Outputs: []chain.TxOut{{Amount: 1, Address: ct.Address("alice")}}}
			},
			code: RejectInvalid, reason: "bad-txns-vin-empty", rule: consensus.ErrNoTxInputs, misbehave: true,
		},
		{
			name: "the same input twice",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				in := chain.TxIn{PrevOut: h.OutPoint("genesis.cb:0")}
				return &chain.Transaction{Version: 1, Inputs: []chain.TxIn{in, in}, Outputs: []chain.TxOut{{Amount: 1, Address: ct.Address("alice")}}}
			},
			code: RejectInvalid, reason: "bad-txns-inputs-duplicate", rule: consensus.ErrDuplicateTxInput, misbehave: true,
		},
		{
			name: "immature coinbase",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				h.NewBlock("b1", ct.GenesisName, ct.CoinbaseTo("alice"))
				h.Accept("b1")
				return h.NewTx("t1", ct.Spend("b1.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000))
			},
			code: RejectPremature, reason: "bad-txns-premature-spend-of-coinbase", rule: consensus.ErrImmatureSpend,
		},
		{
			name: "no fee",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"))
			},
			code: RejectInsufficientFee, reason: "min relay fee not met",
		},
		{
			name: "one unit short of the minimum fee rate",
			cfg:  Config{MinFeeRate: 10},
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(10*218-1))
			},
			code: RejectInsufficientFee, reason: "min relay fee not met",
		},
		{
			name: "larger than MaxTxBytes",
			cfg:  Config{MaxTxBytes: 200},
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				return h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(1000))
			},
			code: RejectNonStandard, reason: "tx-size",
		},
		{
			name: "too many unconfirmed ancestors",
			cfg:  Config{MaxAncestors: 2},
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				mustAccept(t, p, h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000)), h.Engine, t0)
				mustAccept(t, p, h.NewTx("t2", ct.Spend("t1:0"), ct.ChangeTo("alice"), ct.Fee(1000)), h.Engine, t0)
				return h.NewTx("t3", ct.Spend("t2:0"), ct.ChangeTo("alice"), ct.Fee(1000))
			},
			code: RejectNonStandard, reason: "too-long-mempool-chain",
		},
		{
			name: "too many descendants",
			cfg:  Config{MaxDescendants: 2},
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				mustAccept(t, p, h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("alice", coin), ct.ChangeTo("alice"), ct.Fee(1000)), h.Engine, t0)
				mustAccept(t, p, h.NewTx("t2", ct.Spend("t1:0"), ct.ChangeTo("alice"), ct.Fee(1000)), h.Engine, t0)
				return h.NewTx("t3", ct.Spend("t1:1"), ct.ChangeTo("alice"), ct.Fee(1000))
			},
			code: RejectNonStandard, reason: "too-long-mempool-chain",
		},
		{
			name: "output index beyond a pool transaction's outputs",
			build: func(t *testing.T, h *ct.Harness, p *Pool) *chain.Transaction {
				t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000))
				mustAccept(t, p, t1, h.Engine, t0)
				return &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: op(t1, 5)}},
					Outputs: []chain.TxOut{{Amount: 1, Address: ct.Address("alice")}}}
			},
			code: RejectMissingInputs, reason: "bad-txns-inputs-missingorspent", rule: consensus.ErrMissingTxOut,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, p := newHarnessPool(t, tc.cfg)
			tx := tc.build(t, h, p)
			before := p.Info()
			_, checkErr := p.Check(tx, h.Engine)
			_, err := p.Accept(tx, h.Engine, t0)
			re := wantReject(t, err, tc.code, tc.reason)
			if checkErr == nil || checkErr.Error() != err.Error() {
				t.Fatalf("Check said %v, Accept %v", checkErr, err)
			}
			if tc.rule != 0 && !errors.Is(err, tc.rule) {
				t.Fatalf("errors.Is(%v, %v) is false", err, tc.rule)
			}
			if tc.rule != 0 && tc.reason != tc.rule.Reason() {
				t.Fatalf("reason %q is not the rule's %q", tc.reason, tc.rule.Reason())
			}
			if Misbehaving(err) != tc.misbehave || re.Code.Misbehaving() != tc.misbehave {
				t.Fatalf("Misbehaving(%v) = %v, want %v", err, Misbehaving(err), tc.misbehave)
			}
			if re.TxID != tx.TxID() {
				t.Fatalf("rejection names %s", re.TxID)
			}
			if !strings.HasPrefix(err.Error(), "mempool: "+tc.reason) {
				t.Fatalf("error text %q", err)
			}
			if after := p.Info(); after != before {
				t.Fatalf("a rejection changed the pool: %+v -> %+v", before, after)
			}
			checkInvariants(t, p)
		})
	}
}

func TestFeeRateBoundary(t *testing.T) {
	h, p := newHarnessPool(t, Config{MinFeeRate: 10})
	// 1 input, 2 outputs: 218 bytes, so 2180 units is exactly 10 units/byte.
	tx := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("bob", coin), ct.ChangeTo("alice"), ct.Fee(2180))
	if size := tx.SerializeSize(); size != 218 {
		t.Fatalf("size %d", size)
	}
	mustAccept(t, p, tx, h.Engine, t0)
}

func TestImmatureCoinbaseMatures(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	h.NewBlock("b1", ct.GenesisName, ct.CoinbaseTo("alice"))
	h.Accept("b1")
	tx := h.NewTx("t1", ct.Spend("b1.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000))
	parent := "b1"
	// Maturity 10: b1's coinbase (height 1) is spendable in block 11, so
	// from tip height 10.
	for height := 2; height <= 10; height++ {
		_, err := p.Accept(tx, h.Engine, t0)
		wantReject(t, err, RejectPremature, "bad-txns-premature-spend-of-coinbase")
		name := fmt.Sprintf("b%d", height)
		h.NewBlock(name, parent)
		h.Accept(name)
		parent = name
	}
	mustAccept(t, p, tx, h.Engine, t0)
}

func TestDoubleSpendOfConfirmedOutput(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	// t1 spends both allocations; once it is mined, nothing of the genesis
	// transaction is left unspent.
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0", "genesis.cb:1"), ct.Pay("carol", 150*coin), ct.ChangeTo("alice"), ct.Fee(1000))
	mustAccept(t, p, t1, h.Engine, t0)
	h.NewBlock("b1", ct.GenesisName, ct.Txs("t1"))
	res := h.Accept("b1")
	ch := p.BlocksChanged(res.Disconnected, res.Connected, h.Engine, t0)
	wantIDs(t, "confirmed", removalIDs(ch.Removed, RemovedConfirmed), txids(t1))

	double := h.NewTx("t1b", ct.Spend("genesis.cb:0"), ct.Pay("mallory", coin), ct.ChangeTo("alice"), ct.Fee(5000))
	_, err := p.Accept(double, h.Engine, t0)
	wantReject(t, err, RejectMissingInputs, "bad-txns-inputs-missingorspent")
	if !errors.Is(err, consensus.ErrMissingTxOut) || p.Info().Orphans != 0 {
		t.Fatalf("double spend of a confirmed output: %v, orphans %d", err, p.Info().Orphans)
	}
	_, err = p.Accept(t1, h.Engine, t0)
	wantReject(t, err, RejectDuplicate, "txn-already-known")

	// A pool that never saw b1 knows the genesis transaction is confirmed
	// only if one of its outputs is unspent: mine a block spending only
	// alice's allocation, keep bob's.
	h2, p2 := newHarnessPool(t, Config{})
	h2.NewTx("t1", ct.Spend("genesis.cb:0"), ct.Pay("carol", coin), ct.ChangeTo("alice"), ct.Fee(1000))
	h2.NewBlock("b1", ct.GenesisName, ct.Txs("t1"))
	h2.Accept("b1")
	double2 := h2.NewTx("t1b", ct.Spend("genesis.cb:0"), ct.Pay("mallory", coin), ct.ChangeTo("alice"), ct.Fee(5000))
	_, err = p2.Accept(double2, h2.Engine, t0)
	wantReject(t, err, RejectMissingInputs, "bad-txns-inputs-missingorspent")
	if p2.Info().Orphans != 0 {
		t.Fatal("a spend of a spent output was kept as an orphan")
	}
}

func TestCheckLeavesPoolAlone(t *testing.T) {
	h, p := newHarnessPool(t, Config{})
	t1 := h.NewTx("t1", ct.Spend("genesis.cb:0"), ct.ChangeTo("alice"), ct.Fee(1000))
	t2 := h.NewTx("t2", ct.Spend("t1:0"), ct.ChangeTo("alice"), ct.Fee(777))
	_, err := p.Check(t2, h.Engine)
	wantReject(t, err, RejectOrphan, "bad-txns-inputs-missingorspent")
	if p.Info().Orphans != 0 {
		t.Fatal("Check kept an orphan")
	}
	mustAccept(t, p, t1, h.Engine, t0)
	fee, err := p.Check(t2, h.Engine)
	if err != nil || fee != 777 {
		t.Fatalf("Check of a child: %d %v", fee, err)
	}
	if p.Info().Size != 1 {
		t.Fatal("Check added a transaction")
	}
}

// TestConcurrentReaders runs readers beside writers; it matters under -race.
func TestConcurrentReaders(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params})
	var txs []*chain.Transaction
	for range 50 {
		txs = append(txs, e.spend1(e.coin(coin), 1000))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = p.Info()
				_ = p.Entries()
				_, _ = p.Template(1 << 20)
				_ = p.Has(txs[0].TxID())
			}
		})
	}
	for _, tx := range txs {
		if _, err := p.Accept(tx, e.view, t0); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if got := p.Info().Size; got != len(txs) {
		t.Fatalf("size %d", got)
	}
	if !slices.Equal(entryIDs(p.Entries()), txids(txs...)) {
		t.Fatal("entries not in arrival order")
	}
}
