package consensus_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/consensus/store/badgerstore"
)

// chainState is what a restart must keep: the tip, the chain tips and the
// whole UTXO set.
type chainState struct {
	Tip   chain.Hash
	Work  string
	Tips  []consensus.ChainTip
	UTXOs []store.Output
}

func readChainState(t *testing.T, e *consensus.Engine, s store.Store) chainState {
	t.Helper()
	tip := e.Tip()
	st := chainState{Tip: tip.Hash, Work: tip.ChainWork.String(), Tips: e.ChainTips()}
	if err := s.ForEachUTXO(func(o store.Output) error { st.UTXOs = append(st.UTXOs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return st
}

func openBadgerEngine(t *testing.T, dir string, p *consensus.Params) (store.Store, *consensus.Engine, error) {
	t.Helper()
	s, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := consensus.New(consensus.Config{Params: p, Store: s})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, e, nil
}

// TestBadgerReopenRestoresChain runs a chain with a payment, a fork and a
// reorg on a Badger datadir, closes it and opens it again: the tip, the
// chain tips and the UTXO set are the same, and a replay agrees with them.
func TestBadgerReopenRestoresChain(t *testing.T) {
	h := consensustest.New(t, consensustest.Options{})
	h.NewTx("pay", consensustest.Spend("genesis.cb:0"), consensustest.Pay("bob", 25*chain.UnitsPerCoin), consensustest.ChangeTo("carol"), consensustest.Fee(1000))
	order := []string{"a1", "a2", "b1", "b2", "b3"}
	h.NewBlock("a1", consensustest.GenesisName)
	h.NewBlock("a2", "a1")
	h.NewBlock("b1", consensustest.GenesisName, consensustest.Txs("pay"))
	h.NewBlock("b2", "b1")
	h.NewBlock("b3", "b2")

	dir := t.TempDir()
	s, e, err := openBadgerEngine(t, dir, h.Params)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range order {
		if _, err := e.ProcessBlock(h.Block(name), h.Now()); err != nil {
			t.Fatalf("block %s: %v", name, err)
		}
	}
	if got := e.Tip().Hash; got != h.Block("b3").Hash() {
		t.Fatalf("tip %s, want b3 after the reorg", h.BlockName(got))
	}
	before := readChainState(t, e, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, e, err = openBadgerEngine(t, dir, h.Params)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if after := readChainState(t, e, s); !reflect.DeepEqual(after, before) {
		t.Fatalf("after reopening:\n got %+v\nwant %+v", after, before)
	}
	if err := e.VerifyChain(); err != nil {
		t.Fatal(err)
	}
}

// TestWrongChainRefused opens a store written for one genesis with the
// parameters of another: the engine refuses it with ErrWrongChain, on
// Badger and in memory, and leaves the store as it was.
func TestWrongChainRefused(t *testing.T) {
	mine := devnetParams(t)
	g := consensustest.TestGenesis()
	g.ChainID = "another-chain"
	other, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	if other.GenesisHash == mine.GenesisHash {
		t.Fatal("both chains have the same genesis")
	}
	t.Run("badger", func(t *testing.T) {
		dir := t.TempDir()
		s, _, err := openBadgerEngine(t, dir, mine)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, _, err := openBadgerEngine(t, dir, other); !errors.Is(err, consensus.ErrWrongChain) {
			t.Fatalf("consensus.New with another genesis: %v, want ErrWrongChain", err)
		}
		s, e, err := openBadgerEngine(t, dir, mine)
		if err != nil {
			t.Fatalf("reopening with the right genesis: %v", err)
		}
		defer s.Close()
		if e.Tip().Hash != mine.GenesisHash {
			t.Fatalf("tip %s, want the genesis", e.Tip().Hash)
		}
	})
	t.Run("memory", func(t *testing.T) {
		m := store.NewMemory()
		if _, err := consensus.New(consensus.Config{Params: mine, Store: m}); err != nil {
			t.Fatal(err)
		}
		if _, err := consensus.New(consensus.Config{Params: other, Store: m}); !errors.Is(err, consensus.ErrWrongChain) {
			t.Fatalf("consensus.New with another genesis: %v, want ErrWrongChain", err)
		}
	})
}
