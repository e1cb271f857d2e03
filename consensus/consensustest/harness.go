package consensustest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
)

// GenesisName is the name of the genesis block in every harness.
const GenesisName = "genesis"

// Key returns the private key of a named participant ("alice", "miner"):
// derived from the name, so every run and every harness agrees on it.
func Key(name string) *btcec.PrivateKey {
	seed := sha256.Sum256([]byte("consensustest/key/" + name))
	key, _ := btcec.PrivKeyFromBytes(seed[:])
	return key
}

// Address returns the address of a named participant.
func Address(name string) chain.Address {
	return chain.AddressFromPubKey(Key(name).PubKey())
}

// TestGenesis returns the devnet's parameters (5 s blocks, retarget every 20
// blocks, maturity 10, halving every 150 blocks) on a chain of its own, with
// 100 coins each allocated to "alice" and "bob".
func TestGenesis() *chain.Genesis {
	const prefix = "test"
	return &chain.Genesis{
		ChainID:                "consensustest",
		AddressPrefix:          prefix,
		Timestamp:              1767225600,
		Bits:                   0x207fffff,
		PowLimitBits:           0x207fffff,
		TargetSpacingSeconds:   5,
		RetargetIntervalBlocks: 20,
		MaxAdjustFactor:        4,
		InitialSubsidy:         50 * chain.UnitsPerCoin,
		HalvingIntervalBlocks:  150,
		CoinbaseMaturity:       10,
		MaxBlockBytes:          1_000_000,
		MaxFutureBlockSeconds:  7200,
		Alloc: []chain.Alloc{
			{Address: Address("alice").Encode(prefix), Amount: 100 * chain.UnitsPerCoin},
			{Address: Address("bob").Encode(prefix), Amount: 100 * chain.UnitsPerCoin},
		},
	}
}

// Options configures a Harness.
type Options struct {
	// Genesis of the chain; nil means TestGenesis().
	Genesis *chain.Genesis
	// Store opens the store; nil means MemoryStore().
	Store StoreOpener
	// Indexers are the engine's optional indexes; nil means the default
	// ones (consensus.Config.Indexers).
	Indexers []consensus.Indexer
}

// Harness builds named blocks and transactions and feeds them to a real
// engine. Methods fail the test on misuse (unknown names) and on store
// errors, never on consensus verdicts unless asked to (Accept, Reject).
type Harness struct {
	t        testing.TB
	Params   *consensus.Params
	Engine   *consensus.Engine
	open     StoreOpener
	store    store.Store
	indexers []consensus.Indexer

	clock      time.Time
	fixedClock bool

	blocks     map[string]*chain.Block
	heights    map[chain.Hash]uint32
	byHash     map[chain.Hash]*chain.Block // first block built with each hash
	blockNames map[chain.Hash]string
	txs        map[string]*chain.Transaction
	txNames    map[chain.Hash]string
	outputs    map[chain.OutPoint]chain.TxOut // every output built, on any branch
	keyNames   map[chain.Address]string
	lastBuilt  string
}

// New starts a harness on a fresh chain.
func New(t testing.TB, opts Options) *Harness {
	t.Helper()
	g := opts.Genesis
	if g == nil {
		g = TestGenesis()
	}
	params, err := consensus.NewParams(g)
	if err != nil {
		t.Fatalf("consensustest: genesis: %v", err)
	}
	open := opts.Store
	if open == nil {
		open = MemoryStore()
	}
	h := &Harness{
		t:          t,
		Params:     params,
		open:       open,
		indexers:   opts.Indexers,
		clock:      time.Unix(int64(g.Timestamp), 0),
		blocks:     map[string]*chain.Block{},
		heights:    map[chain.Hash]uint32{},
		byHash:     map[chain.Hash]*chain.Block{},
		blockNames: map[chain.Hash]string{},
		txs:        map[string]*chain.Transaction{},
		txNames:    map[chain.Hash]string{},
		outputs:    map[chain.OutPoint]chain.TxOut{},
		keyNames:   map[chain.Address]string{},
	}
	for _, name := range []string{"alice", "bob", "carol", "miner", "mallory"} {
		h.keyNames[Address(name)] = name
	}
	h.register(GenesisName, params.GenesisBlock, 0)
	h.startEngine()
	t.Cleanup(func() {
		if err := h.store.Close(); err != nil {
			t.Errorf("consensustest: close store: %v", err)
		}
	})
	return h
}

func (h *Harness) startEngine() {
	h.t.Helper()
	s, err := h.open()
	if err != nil {
		h.t.Fatalf("consensustest: open store: %v", err)
	}
	h.store = s
	h.Engine, err = consensus.New(consensus.Config{Params: h.Params, Store: s, Indexers: h.indexers})
	if err != nil {
		h.t.Fatalf("consensustest: start engine: %v", err)
	}
}

// Restart closes the store and the engine and opens them again, as a node
// restarting on its datadir.
func (h *Harness) Restart() {
	h.t.Helper()
	if err := h.store.Close(); err != nil {
		h.t.Fatalf("consensustest: close store: %v", err)
	}
	h.startEngine()
}

// Now returns the harness clock: fixed by SetClock, otherwise the latest
// timestamp of any block built so far.
func (h *Harness) Now() time.Time { return h.clock }

// SetClock fixes the clock at now; a zero time returns it to following the
// blocks built.
func (h *Harness) SetClock(now time.Time) {
	h.fixedClock = !now.IsZero()
	if h.fixedClock {
		h.clock = now
	}
}

// Key registers a participant name so outputs print with it, and returns
// its address. alice, bob, carol, miner and mallory are known from the start.
func (h *Harness) Key(name string) chain.Address {
	addr := Address(name)
	h.keyNames[addr] = name
	return addr
}

func (h *Harness) register(name string, b *chain.Block, height uint32) {
	hash := b.Hash()
	h.blocks[name] = b
	if _, ok := h.byHash[hash]; !ok {
		h.byHash[hash] = b
		h.blockNames[hash] = name
		h.heights[hash] = height
	}
	for i, tx := range b.Transactions {
		txid := tx.TxID()
		if i == 0 {
			if _, ok := h.txNames[txid]; !ok {
				h.txNames[txid] = name + ".cb"
			}
		}
		for k, out := range tx.Outputs {
			h.outputs[chain.OutPoint{TxID: txid, Index: uint32(k)}] = out
		}
	}
}

// Block returns a block built earlier.
func (h *Harness) Block(name string) *chain.Block {
	h.t.Helper()
	b, ok := h.blocks[name]
	if !ok {
		h.t.Fatalf("consensustest: no block named %q", name)
	}
	return b
}

// Height returns the height of a block built earlier.
func (h *Harness) Height(name string) uint32 {
	return h.heights[h.Block(name).Hash()]
}

// Tx returns a transaction built earlier.
func (h *Harness) Tx(name string) *chain.Transaction {
	h.t.Helper()
	tx, ok := h.txs[name]
	if !ok {
		h.t.Fatalf("consensustest: no transaction named %q", name)
	}
	return tx
}

// BlockName returns the name of the block with hash, or a short hex form.
func (h *Harness) BlockName(hash chain.Hash) string {
	if name, ok := h.blockNames[hash]; ok {
		return name
	}
	return "block:" + hash.String()[:12]
}

// KeyName returns the participant paid by addr, or a short hex form.
func (h *Harness) KeyName(addr chain.Address) string {
	if name, ok := h.keyNames[addr]; ok {
		return name
	}
	return fmt.Sprintf("addr:%x", addr[:6])
}

// OutPointName returns "b1.cb:0" or "t1:1" for an output the harness built.
func (h *Harness) OutPointName(op chain.OutPoint) string {
	name, ok := h.txNames[op.TxID]
	if !ok {
		name = "tx:" + op.TxID.String()[:12]
	}
	return fmt.Sprintf("%s:%d", name, op.Index)
}

// OutPoint resolves "b1.cb:0" (output 0 of block b1's coinbase), "t1:1"
// (output 1 of transaction t1) or "genesis.cb:1" (the second allocation);
// the ":index" part defaults to 0.
func (h *Harness) OutPoint(ref string) chain.OutPoint {
	h.t.Helper()
	name, idx, hasIdx := strings.Cut(ref, ":")
	var index uint64
	if hasIdx {
		var err error
		if index, err = strconv.ParseUint(idx, 10, 32); err != nil {
			h.t.Fatalf("consensustest: output %q: bad index", ref)
		}
	}
	if block, ok := strings.CutSuffix(name, ".cb"); ok {
		return chain.OutPoint{TxID: h.Block(block).Transactions[0].TxID(), Index: uint32(index)}
	}
	return chain.OutPoint{TxID: h.Tx(name).TxID(), Index: uint32(index)}
}

// fee returns what tx leaves for the miner, by the outputs the harness
// built (inputs it does not know count zero).
func (h *Harness) fee(tx *chain.Transaction) int64 {
	var fee int64
	for _, in := range tx.Inputs {
		fee += h.outputs[in.PrevOut].Amount
	}
	for _, out := range tx.Outputs {
		fee -= out.Amount
	}
	return fee
}

// Submit gives a built block to the engine at the harness clock.
func (h *Harness) Submit(name string) (*consensus.Result, error) {
	h.t.Helper()
	res, err := h.Engine.ProcessBlock(h.Block(name), h.clock)
	var re *consensus.RuleError
	if err != nil && !errors.As(err, &re) {
		h.t.Fatalf("consensustest: submit %s: store failure: %v", name, err)
	}
	return res, err
}

// SubmitHeader gives only a built block's header to the engine.
func (h *Harness) SubmitHeader(name string) error {
	h.t.Helper()
	_, err := h.Engine.ProcessHeader(&h.Block(name).Header, h.clock)
	return err
}

// Accept submits a block and fails the test if it is rejected.
func (h *Harness) Accept(name string) *consensus.Result {
	h.t.Helper()
	res, err := h.Submit(name)
	if err != nil {
		h.t.Fatalf("consensustest: block %s rejected: %v", name, err)
	}
	return res
}

// Reject submits a block and fails the test unless it is rejected for code.
func (h *Harness) Reject(name string, code consensus.ErrorCode) {
	h.t.Helper()
	_, err := h.Submit(name)
	if !errors.Is(err, code) {
		h.t.Fatalf("consensustest: block %s: want rejection %v, got %v", name, code, err)
	}
}

// TipName returns the name of the active tip.
func (h *Harness) TipName() string { return h.BlockName(h.Engine.Tip().Hash) }

// AssertTip fails the test unless the named block is the active tip.
func (h *Harness) AssertTip(name string) {
	h.t.Helper()
	if got := h.TipName(); got != name {
		h.t.Fatalf("consensustest: tip is %s, want %s", got, name)
	}
}

// UTXOs returns the unspent outputs paying a participant on the active chain.
func (h *Harness) UTXOs(key string) []store.Output {
	h.t.Helper()
	outs, err := h.Engine.AddressUTXOs(h.Key(key))
	if err != nil {
		h.t.Fatalf("consensustest: utxos of %s: %v", key, err)
	}
	return outs
}

// Balance returns the units a participant holds on the active chain.
func (h *Harness) Balance(key string) int64 {
	var total int64
	for _, o := range h.UTXOs(key) {
		total += o.UTXO.Amount
	}
	return total
}

// AssertBalance fails the test unless the participant holds units.
func (h *Harness) AssertBalance(key string, units int64) {
	h.t.Helper()
	if got := h.Balance(key); got != units {
		h.t.Fatalf("consensustest: %s holds %s, want %s", key, chain.FormatAmount(got), chain.FormatAmount(units))
	}
}

// Verify replays the active chain into a fresh engine and fails the test
// if the stored UTXO set or address index differ from the replay.
func (h *Harness) Verify() {
	h.t.Helper()
	if err := h.Engine.VerifyChain(); err != nil {
		h.t.Fatalf("consensustest: %v", err)
	}
}
