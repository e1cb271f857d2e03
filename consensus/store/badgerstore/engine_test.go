package badgerstore_test

import (
	"errors"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/consensus/store/badgerstore"
)

// engineChain is a datadir written by a real engine: genesis, a1, a2 (alice
// pays bob with "pay"), a3; built but not yet given: a4 (spends pay:0) and a
// fork b3, b4 on a2.
type engineChain struct {
	dir string
	h   *consensustest.Harness
}

func newEngineChain(t *testing.T) *engineChain {
	t.Helper()
	h := consensustest.New(t, consensustest.Options{})
	h.NewTx("pay", consensustest.Spend("genesis.cb:0"), consensustest.Pay("bob", 30*chain.UnitsPerCoin), consensustest.ChangeTo("alice"))
	h.NewTx("spend-pay", consensustest.Spend("pay:0"), consensustest.Pay("carol", 30*chain.UnitsPerCoin))
	h.NewBlock("a1", consensustest.GenesisName)
	h.NewBlock("a2", "a1", consensustest.Txs("pay"))
	h.NewBlock("a3", "a2")
	h.NewBlock("a4", "a3", consensustest.Txs("spend-pay"))
	h.NewBlock("b3", "a2")
	h.NewBlock("b4", "b3")
	c := &engineChain{dir: t.TempDir(), h: h}
	s, e, err := c.open()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a1", "a2", "a3"} {
		c.mustProcess(t, e, name)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return c
}

// open opens the datadir's store and an engine on it; the store is open
// (and must be closed) even when the engine fails.
func (c *engineChain) open() (store.Store, *consensus.Engine, error) {
	s, err := badgerstore.Open(c.dir, badgerstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	e, err := consensus.New(consensus.Config{Params: c.h.Params, Store: s})
	return s, e, err
}

func (c *engineChain) process(e *consensus.Engine, name string) error {
	_, err := e.ProcessBlock(c.h.Block(name), c.h.Now())
	return err
}

func (c *engineChain) mustProcess(t *testing.T, e *consensus.Engine, name string) {
	t.Helper()
	if err := c.process(e, name); err != nil {
		t.Fatalf("block %s: %v", name, err)
	}
}

// wantStoreFailure fails unless err reports a corrupt store and is not a
// consensus verdict on a block.
func wantStoreFailure(t *testing.T, err error) {
	t.Helper()
	var re *consensus.RuleError
	if !errors.Is(err, store.ErrCorrupt) || errors.As(err, &re) {
		t.Fatalf("got %v, want a store error wrapping ErrCorrupt and no rule error", err)
	}
}

// TestEngineOnCorruptStore damages a datadir the engine wrote and checks
// that the engine reports it as an error, at start or when it reads the
// damaged value, without panicking and without judging any block invalid.
func TestEngineOnCorruptStore(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(c *engineChain) (key, value []byte) // a nil value deletes the key
		atStart bool                                     // consensus.New fails
		then    func(t *testing.T, c *engineChain, e *consensus.Engine)
	}{
		{name: "tip truncated", damage: fixed(badgerstore.KeyTip, []byte{1, 2, 3}), atStart: true},
		{name: "genesis hash truncated", damage: fixed(badgerstore.KeyGenesis, []byte{1}), atStart: true},
		{name: "tip names no known block", damage: fixed(badgerstore.KeyTip, make([]byte, 32)), atStart: true},
		{name: "tip deleted", damage: fixed(badgerstore.KeyTip, nil), atStart: true},
		{name: "record of a1 deleted", damage: record("a1", nil), atStart: true},
		{name: "record of a2 truncated", damage: record("a2", []byte("short")), atStart: true},
		{name: "record of a2 zeroed", damage: record("a2", make([]byte, 85)), atStart: true},
		{name: "record of a3 moved to height 0", damage: recordAtHeight("a3", 0), atStart: true},
		{name: "record of a3 moved to height 7", damage: recordAtHeight("a3", 7), atStart: true},
		{
			name: "output spent by the next block truncated",
			damage: func(c *engineChain) ([]byte, []byte) {
				return badgerstore.UTXOKey(c.h.OutPoint("pay:0")), []byte{1, 2}
			},
			then: func(t *testing.T, c *engineChain, e *consensus.Engine) {
				wantStoreFailure(t, c.process(e, "a4"))
				if info, ok := e.BlockInfo(c.hash("a4")); ok && info.Invalid {
					t.Fatal("a4 was judged invalid for a store failure")
				}
			},
		},
		{
			name: "undo data of the tip truncated",
			damage: func(c *engineChain) ([]byte, []byte) {
				return badgerstore.UndoKey(c.hash("a3")), []byte{1, 0, 0, 0, 9}
			},
			then: func(t *testing.T, c *engineChain, e *consensus.Engine) {
				c.mustProcess(t, e, "b3")
				wantStoreFailure(t, c.process(e, "b4")) // the reorg disconnects a3
			},
		},
		{
			name: "block data of the tip garbage",
			damage: func(c *engineChain) ([]byte, []byte) {
				return badgerstore.BlockKey(c.hash("a3")), []byte("not a block")
			},
			then: func(t *testing.T, c *engineChain, e *consensus.Engine) {
				wantStoreFailure(t, e.VerifyChain())
				_, err := e.Block(c.hash("a3"))
				wantStoreFailure(t, err)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newEngineChain(t)
			key, value := tt.damage(c)
			rawWrite(t, c.dir, key, value)
			s, e, err := c.open()
			if s != nil {
				defer s.Close()
			}
			if tt.atStart {
				wantStoreFailure(t, err)
				return
			}
			if err != nil {
				t.Fatalf("consensus.New: %v", err)
			}
			tt.then(t, c, e)
		})
	}
}

func (c *engineChain) hash(name string) chain.Hash { return c.h.Block(name).Hash() }

// fixed damages a fixed key.
func fixed(key, value []byte) func(*engineChain) ([]byte, []byte) {
	return func(*engineChain) ([]byte, []byte) { return key, value }
}

// record replaces (nil: deletes) a block's index record.
func record(name string, value []byte) func(*engineChain) ([]byte, []byte) {
	return func(c *engineChain) ([]byte, []byte) { return badgerstore.RecordKey(c.hash(name)), value }
}

// recordAtHeight rewrites a block's index record, well formed, at another
// height.
func recordAtHeight(name string, height uint32) func(*engineChain) ([]byte, []byte) {
	return func(c *engineChain) ([]byte, []byte) {
		rec := store.BlockRecord{Header: c.h.Block(name).Header, Height: height, Status: store.StatusHaveData | store.StatusValid}
		return badgerstore.RecordKey(c.hash(name)), badgerstore.EncodeRecord(rec)
	}
}
