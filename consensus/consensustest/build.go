package consensustest

import (
	"errors"
	"slices"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// BlockOption changes how NewBlock builds a block.
type BlockOption func(*blockSpec)

type blockSpec struct {
	txs            []string
	coinbaseTo     string
	coinbaseExtra  int64
	time           func(parentTime, mtp uint32) uint32
	bits           *uint32
	coinbaseHeight *uint32
	highHash       bool
	merkleRoot     *chain.Hash
}

// Txs includes the named transactions, in order, after the coinbase.
func Txs(names ...string) BlockOption {
	return func(s *blockSpec) { s.txs = append(s.txs, names...) }
}

// CoinbaseTo pays the coinbase to a participant (default "miner").
func CoinbaseTo(key string) BlockOption { return func(s *blockSpec) { s.coinbaseTo = key } }

// CoinbaseExtra makes the coinbase pay units more (or, negative, less) than
// subsidy plus fees.
func CoinbaseExtra(units int64) BlockOption { return func(s *blockSpec) { s.coinbaseExtra = units } }

// Time sets the block timestamp.
func Time(unix uint32) BlockOption {
	return func(s *blockSpec) { s.time = func(uint32, uint32) uint32 { return unix } }
}

// TimeAfterParent sets the timestamp seconds after the parent's (default:
// the target spacing).
func TimeAfterParent(seconds int64) BlockOption {
	return func(s *blockSpec) {
		s.time = func(parent, _ uint32) uint32 { return uint32(int64(parent) + seconds) }
	}
}

// TimeAfterMTP sets the timestamp seconds after the parent's median time
// past: 0 is one second too old, 1 the earliest valid time.
func TimeAfterMTP(seconds int64) BlockOption {
	return func(s *blockSpec) {
		s.time = func(_, mtp uint32) uint32 { return uint32(int64(mtp) + seconds) }
	}
}

// Bits sets the header bits instead of the required ones.
func Bits(bits uint32) BlockOption { return func(s *blockSpec) { s.bits = &bits } }

// CoinbaseHeight makes the coinbase commit to another height.
func CoinbaseHeight(height uint32) BlockOption {
	return func(s *blockSpec) { s.coinbaseHeight = &height }
}

// HighHash mines a nonce whose hash is above the target.
func HighHash() BlockOption { return func(s *blockSpec) { s.highHash = true } }

// WrongMerkleRoot makes the header commit to root instead of the
// transactions' Merkle root.
func WrongMerkleRoot(root chain.Hash) BlockOption {
	return func(s *blockSpec) { s.merkleRoot = &root }
}

// NewBlock builds (and mines) a block named name on the named parent. The
// coinbase pays subsidy plus the fees of the included transactions.
func (h *Harness) NewBlock(name, parent string, opts ...BlockOption) *chain.Block {
	h.t.Helper()
	if _, dup := h.blocks[name]; dup {
		h.t.Fatalf("consensustest: block %q already built", name)
	}
	spec := blockSpec{coinbaseTo: "miner"}
	for _, o := range opts {
		o(&spec)
	}
	p := h.Block(parent)
	height := h.heights[p.Hash()] + 1
	var txs []*chain.Transaction
	var fees int64
	for _, n := range spec.txs {
		tx := h.Tx(n)
		txs = append(txs, tx)
		fees += h.fee(tx)
	}
	cbHeight := height
	if spec.coinbaseHeight != nil {
		cbHeight = *spec.coinbaseHeight
	}
	coinbase := chain.NewCoinbase(cbHeight, []byte(name), chain.TxOut{
		Amount:  h.Params.Subsidy(height) + fees + spec.coinbaseExtra,
		Address: h.Key(spec.coinbaseTo),
	})
	b := &chain.Block{
		Header: chain.BlockHeader{
			Version:   1,
			PrevBlock: p.Hash(),
			Timestamp: p.Header.Timestamp + uint32(h.Params.TargetSpacingSeconds),
			Bits:      h.requiredBits(p),
		},
		Transactions: append([]*chain.Transaction{coinbase}, txs...),
	}
	if spec.time != nil {
		b.Header.Timestamp = spec.time(p.Header.Timestamp, h.medianTimePast(p))
	}
	if spec.bits != nil {
		b.Header.Bits = *spec.bits
	}
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	if spec.merkleRoot != nil {
		b.Header.MerkleRoot = *spec.merkleRoot
	}
	h.mine(&b.Header, spec.highHash)
	h.register(name, b, height)
	h.lastBuilt = name
	if !h.fixedClock && int64(b.Header.Timestamp) > h.clock.Unix() {
		h.clock = time.Unix(int64(b.Header.Timestamp), 0)
	}
	return b
}

// mine searches nonces from 0 until the hash meets the target (or, for
// highHash, until it misses it). At the pow limit that takes a few tries.
func (h *Harness) mine(hdr *chain.BlockHeader, highHash bool) {
	for {
		err := consensus.CheckProofOfWork(hdr, h.Params.PowLimit)
		switch {
		case errors.Is(err, consensus.ErrBadTarget),
			err == nil && !highHash,
			errors.Is(err, consensus.ErrHighHash) && highHash:
			return
		}
		hdr.Nonce++
	}
}

// ancestors returns b and up to n-1 of its ancestors known to the harness.
func (h *Harness) ancestors(b *chain.Block, n int) []*chain.Block {
	var out []*chain.Block
	for b != nil && len(out) < n {
		out = append(out, b)
		b = h.byHash[b.Header.PrevBlock]
	}
	return out
}

func (h *Harness) medianTimePast(b *chain.Block) uint32 {
	var times []uint32
	for _, a := range h.ancestors(b, consensus.MedianTimeBlocks) {
		times = append(times, a.Header.Timestamp)
	}
	return consensus.MedianTime(times)
}

// requiredBits computes the bits of parent's child from the blocks the
// harness built, so blocks can be built on parents the engine has not seen
// yet (orphans).
func (h *Harness) requiredBits(parent *chain.Block) uint32 {
	height := h.heights[parent.Hash()]
	return consensus.NextRequiredBits(h.Params, &parent.Header, height, func(at uint32) uint32 {
		chainBack := h.ancestors(parent, int(height-at)+1)
		return chainBack[len(chainBack)-1].Header.Timestamp
	})
}

// Mutate registers under name a copy of block from, changed by fn, without
// mining again: the copy keeps the header (and hash) unless fn changes it.
func (h *Harness) Mutate(name, from string, fn func(b *chain.Block)) *chain.Block {
	h.t.Helper()
	src := h.Block(from)
	b := &chain.Block{Header: src.Header, Transactions: slices.Clone(src.Transactions)}
	fn(b)
	h.register(name, b, h.heights[src.Hash()])
	return b
}

// Remine registers under name a copy of block from, changed by fn, with the
// header committing to the new transactions' Merkle root and mined again:
// a different block (and hash) whose header is consistent with its body.
func (h *Harness) Remine(name, from string, fn func(b *chain.Block)) *chain.Block {
	h.t.Helper()
	src := h.Block(from)
	b := &chain.Block{Header: src.Header, Transactions: slices.Clone(src.Transactions)}
	fn(b)
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	b.Header.Nonce = 0
	h.mine(&b.Header, false)
	h.register(name, b, h.heights[src.Hash()])
	return b
}

// TxOption changes how NewTx builds a transaction.
type TxOption func(*txSpec)

type txSpec struct {
	spends   []string
	pays     []payment
	changeTo string
	fee      int64
	signWith string
	badSig   bool
}

type payment struct {
	key   string
	units int64
}

// Spend adds inputs spending the referenced outputs ("b1.cb:0", "t1:1").
func Spend(refs ...string) TxOption {
	return func(s *txSpec) { s.spends = append(s.spends, refs...) }
}

// Pay adds an output paying units to a participant.
func Pay(key string, units int64) TxOption {
	return func(s *txSpec) { s.pays = append(s.pays, payment{key, units}) }
}

// ChangeTo adds an output returning what is left after payments and fee.
func ChangeTo(key string) TxOption { return func(s *txSpec) { s.changeTo = key } }

// Fee sets the fee left when ChangeTo is used (default 0).
func Fee(units int64) TxOption { return func(s *txSpec) { s.fee = units } }

// SignWith signs every input with this participant's key instead of the
// owner's.
func SignWith(key string) TxOption { return func(s *txSpec) { s.signWith = key } }

// CorruptSignature flips a bit of the first input's signature.
func CorruptSignature() TxOption { return func(s *txSpec) { s.badSig = true } }

// NewTx builds and signs a transaction named name. Inputs are signed by the
// participant owning each spent output.
func (h *Harness) NewTx(name string, opts ...TxOption) *chain.Transaction {
	h.t.Helper()
	if _, dup := h.txs[name]; dup {
		h.t.Fatalf("consensustest: transaction %q already built", name)
	}
	var spec txSpec
	for _, o := range opts {
		o(&spec)
	}
	tx := &chain.Transaction{Version: 1}
	var spent []chain.TxOut
	var keys []*btcec.PrivateKey
	var in, out int64
	for _, ref := range spec.spends {
		op := h.OutPoint(ref)
		prev, ok := h.outputs[op]
		if !ok {
			h.t.Fatalf("consensustest: transaction %s spends unknown output %s", name, ref)
		}
		tx.Inputs = append(tx.Inputs, chain.TxIn{PrevOut: op})
		spent = append(spent, prev)
		owner := spec.signWith
		if owner == "" {
			owner = h.KeyName(prev.Address)
		}
		keys = append(keys, Key(owner))
		in += prev.Amount
	}
	for _, p := range spec.pays {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: p.units, Address: h.Key(p.key)})
		out += p.units
	}
	if spec.changeTo != "" {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: in - out - spec.fee, Address: h.Key(spec.changeTo)})
	}
	if err := chain.SignTransaction(tx, spent, keys, h.Params.GenesisHash); err != nil {
		h.t.Fatalf("consensustest: sign %s: %v", name, err)
	}
	if spec.badSig && len(tx.Inputs) > 0 {
		tx.Inputs[0].Signature[0] ^= 1
	}
	txid := tx.TxID()
	h.txs[name] = tx
	h.txNames[txid] = name
	for k, o := range tx.Outputs {
		h.outputs[chain.OutPoint{TxID: txid, Index: uint32(k)}] = o
	}
	return tx
}
