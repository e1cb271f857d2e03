package consensus

import (
	"time"

	"github.com/devchain/devchain/chain"
)

// CheckBlockSanity applies the rules a block can be judged by alone, besides
// proof of work: Merkle root and no repeated txid first (so a mutated copy is
// told apart from an invalid block), then size, coinbase placement and each
// transaction's own rules.
//
// A block with no transactions is first checked against its header's root
// (that of no txids is zero): a real block's header with its transactions
// stripped is a mutated copy, not an invalid block.
func CheckBlockSanity(b *chain.Block, p *Params) error {
	return checkBlockSanity(b, b.TxIDs(), p)
}

// checkBlockSanity is CheckBlockSanity with the block's txids computed.
func checkBlockSanity(b *chain.Block, txids []chain.Hash, p *Params) error {
	if root := chain.MerkleRoot(txids); root != b.Header.MerkleRoot {
		return ruleError(ErrBadMerkleRoot, "header Merkle root %s, transactions give %s", b.Header.MerkleRoot, root)
	}
	if len(b.Transactions) == 0 {
		return ruleError(ErrNoTransactions, "block has no transactions")
	}
	seen := make(map[chain.Hash]struct{}, len(txids))
	for _, id := range txids {
		if _, dup := seen[id]; dup {
			return ruleError(ErrDuplicateTx, "transaction %s appears twice", id)
		}
		seen[id] = struct{}{}
	}
	if size := b.SerializeSize(); int64(size) > p.MaxBlockBytes {
		return ruleError(ErrBlockTooBig, "block is %d bytes, limit %d", size, p.MaxBlockBytes)
	}
	if !b.Transactions[0].IsCoinbase() {
		return ruleError(ErrFirstTxNotCoinbase, "first transaction %s is not a coinbase", txids[0])
	}
	for i, tx := range b.Transactions {
		if i > 0 && tx.IsCoinbase() {
			return ruleError(ErrMultipleCoinbases, "transaction %d (%s) is a second coinbase", i, txids[i])
		}
		if err := CheckTransactionSanity(tx, p); err != nil {
			return err
		}
	}
	return nil
}

// CheckTransactionSanity applies the rules a transaction can be judged by
// alone: inputs and outputs present, amounts in range, no input twice, and no
// coinbase-style input outside a coinbase.
func CheckTransactionSanity(tx *chain.Transaction, p *Params) error {
	if len(tx.Inputs) == 0 {
		return ruleError(ErrNoTxInputs, "transaction has no inputs")
	}
	if len(tx.Outputs) == 0 {
		return ruleError(ErrNoTxOutputs, "transaction has no outputs")
	}
	var total int64
	for i, out := range tx.Outputs {
		if out.Amount < 0 || out.Amount > p.MaxMoney {
			return ruleError(ErrBadTxOutValue, "output %d amount %d is outside [0, %d]", i, out.Amount, p.MaxMoney)
		}
		total += out.Amount
		if total > p.MaxMoney {
			return ruleError(ErrBadTxOutTotal, "outputs total more than %d", p.MaxMoney)
		}
	}
	if tx.IsCoinbase() {
		return nil
	}
	seen := make(map[chain.OutPoint]struct{}, len(tx.Inputs))
	for i, in := range tx.Inputs {
		if in.PrevOut.TxID.IsZero() {
			return ruleError(ErrNullPrevOut, "input %d names the zero txid", i)
		}
		if _, dup := seen[in.PrevOut]; dup {
			return ruleError(ErrDuplicateTxInput, "input %d spends %s:%d again", i, in.PrevOut.TxID, in.PrevOut.Index)
		}
		seen[in.PrevOut] = struct{}{}
	}
	return nil
}

// checkHeaderContext applies the rules that need the parent: the required
// bits, a timestamp after the median time past, and not too far ahead of now.
func (e *Engine) checkHeaderContext(h *chain.BlockHeader, parent *blockNode, now time.Time) error {
	if want := e.nextBits(parent); h.Bits != want {
		return ruleError(ErrBadDiffBits, "bits %08x, want %08x", h.Bits, want)
	}
	if mtp := e.medianTimePast(parent); h.Timestamp <= mtp {
		return ruleError(ErrTimeTooOld, "timestamp %d is not after the median time past %d", h.Timestamp, mtp)
	}
	if limit := now.Unix() + e.params.MaxFutureBlockSeconds; int64(h.Timestamp) > limit {
		return ruleError(ErrTimeTooNew, "timestamp %d is more than %d s past the clock %d", h.Timestamp, e.params.MaxFutureBlockSeconds, now.Unix())
	}
	return nil
}

// checkBlockContext applies the block rules that need only its height: the
// coinbase commits to it, which keeps every coinbase txid unique.
func checkBlockContext(b *chain.Block, height uint32) error {
	if got := b.Transactions[0].CoinbaseHeight(); got != height {
		return ruleError(ErrBadCoinbaseHeight, "coinbase commits to height %d, block is at %d", got, height)
	}
	return nil
}

// nextBits returns the bits required of parent's child.
func (e *Engine) nextBits(parent *blockNode) uint32 {
	return NextRequiredBits(e.params, &parent.header, parent.height, func(height uint32) uint32 {
		return parent.ancestor(height).header.Timestamp
	})
}

// NextRequiredBits returns the bits required of the child of parent (at
// parentHeight): Bitcoin's retarget every RetargetInterval blocks, the
// parent's bits otherwise. ancestorTime gives the timestamp of parent's
// ancestor at a height. Like Bitcoin, the window runs from the block at
// height-interval to the parent, so it measures interval-1 spacings against
// interval × spacing.
func NextRequiredBits(p *Params, parent *chain.BlockHeader, parentHeight uint32, ancestorTime func(height uint32) uint32) uint32 {
	height := int64(parentHeight) + 1
	if p.RetargetInterval == 0 || height%p.RetargetInterval != 0 {
		return parent.Bits
	}
	first := ancestorTime(uint32(height - p.RetargetInterval))
	actual := int64(parent.Timestamp) - int64(first)
	return RetargetBits(parent.Bits, actual, p.RetargetInterval*p.TargetSpacingSeconds, p.MaxAdjustFactor, p.PowLimit)
}
