package consensus

import (
	"errors"
	"fmt"
	"slices"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// changes is what connecting one block does to the UTXO set (and its
// address index); disconnecting applies it in reverse. The optional
// indexes are the indexers' (indexer.go).
//
// The engine keeps one changes and refills it for every block it connects
// or disconnects (walkBlock): the store keeps nothing of an update once
// applied, and a simulation connects every block on hundreds of engines.
type changes struct {
	created []store.Output // outputs the block leaves unspent
	spent   []store.Output // outputs from before the block that it spends, in order (the undo data)
	indexed IndexedBlock   // what the indexers are given
}

// maxKeptChanges bounds the slices an engine keeps from one block to the
// next: a big block's are dropped, not held by every engine of a
// simulation until its next block.
const maxKeptChanges = 64

// release ends the use of c for a block: it keeps small slices for the
// next and nothing of the block.
func (c *changes) release() {
	if cap(c.created) > maxKeptChanges {
		c.created = nil
	}
	if cap(c.spent) > maxKeptChanges {
		c.spent = nil
	}
	clear(c.indexed.Spent)
	if cap(c.indexed.Spent) > maxKeptChanges {
		c.indexed.Spent = nil
	}
	c.indexed.Block, c.indexed.TxIDs = nil, nil
}

// connectUpdate returns the update connecting n. It is the engine's
// scratch update, good until the next call: a store keeps nothing of an
// update once applied, and a connect per block and per simulated node
// should not cost four allocations.
func (e *Engine) connectUpdate(c *changes, n *blockNode) *store.Update {
	s := &e.connectScratch
	s.record[0] = n.record()
	s.record[0].Status |= store.StatusValid
	s.hash[0] = n.hash
	s.undo = store.Undo{Block: n.hash, Spent: c.spent}
	s.update = store.Update{
		Tip:          n.hash,
		Records:      s.record[:],
		RecordHashes: s.hash[:],
		Remove:       c.spent,
		Add:          c.created,
		PutUndo:      &s.undo,
	}
	u := &s.update
	for _, ix := range e.indexers {
		ix.Connect(u, &c.indexed)
	}
	return u
}

func (e *Engine) disconnectUpdate(c *changes, n *blockNode) *store.Update {
	u := &store.Update{
		Tip:        n.parent.hash,
		Remove:     c.created,
		Add:        c.spent,
		DeleteUndo: &n.hash,
	}
	for _, ix := range e.indexers {
		ix.Disconnect(u, &c.indexed)
	}
	return u
}

// connectScratch backs the update connectUpdate returns.
type connectScratch struct {
	update store.Update
	record [1]store.BlockRecord
	hash   [1]chain.Hash
	undo   store.Undo
}

// spentLookup finds the output an input spends when it was not created
// earlier in the same block.
type spentLookup func(op chain.OutPoint) (store.UTXO, error)

// errOutputMissing is what a spentLookup returns for an unknown outpoint.
var errOutputMissing = errors.New("consensus: output missing")

// walkBlock runs through b's transactions in order, resolving every input
// to the output it spends (from earlier in the block, else through lookup)
// and collecting the block's changes into c, emptied first. check, when
// set, judges each non-coinbase transaction with its spent outputs.
func walkBlock(c *changes, b *chain.Block, n *blockNode, txids []chain.Hash, lookup spentLookup,
	check func(i int, tx *chain.Transaction, spent []store.UTXO) error) (*changes, error) {
	if txids == nil {
		txids = b.TxIDs()
	}
	k := len(b.Transactions)
	c.created, c.spent = c.created[:0], c.spent[:0]
	c.indexed = IndexedBlock{Block: b, Height: n.height, TxIDs: txids, Spent: slices.Grow(c.indexed.Spent[:0], k)[:k]}
	clear(c.indexed.Spent)
	genesis := n.parent == nil
	if k == 1 {
		// A coinbase alone spends nothing and leaves all its outputs,
		// already in outpoint order: what the walk below finds, without
		// its maps.
		for j, out := range b.Transactions[0].Outputs {
			c.created = append(c.created, store.Output{
				OutPoint: chain.OutPoint{TxID: txids[0], Index: uint32(j)},
				UTXO:     store.UTXO{Amount: out.Amount, Address: out.Address, Height: n.height, Coinbase: !genesis},
			})
		}
		return c, nil
	}
	inBlock := map[chain.OutPoint]store.UTXO{}
	fromBefore := map[chain.OutPoint]struct{}{}
	for i, tx := range b.Transactions {
		txid := txids[i]
		if i > 0 {
			spent := make([]store.UTXO, len(tx.Inputs))
			c.indexed.Spent[i] = spent
			for j, in := range tx.Inputs {
				op := in.PrevOut
				if u, ok := inBlock[op]; ok {
					spent[j] = u
					delete(inBlock, op)
				} else {
					_, already := fromBefore[op]
					u, err := lookup(op)
					if already || errors.Is(err, errOutputMissing) {
						return nil, ruleError(ErrMissingTxOut, "tx %d (%s) input %d spends %s:%d, which is missing or spent", i, txid, j, op.TxID, op.Index)
					}
					if err != nil {
						return nil, err
					}
					fromBefore[op] = struct{}{}
					c.spent = append(c.spent, store.Output{OutPoint: op, UTXO: u})
					spent[j] = u
				}
			}
			if check != nil {
				if err := check(i, tx, spent); err != nil {
					return nil, err
				}
			}
		}
		for k, out := range tx.Outputs {
			inBlock[chain.OutPoint{TxID: txid, Index: uint32(k)}] = store.UTXO{
				Amount:   out.Amount,
				Address:  out.Address,
				Height:   n.height,
				Coinbase: i == 0 && !genesis, // genesis allocations are spendable at once
			}
		}
	}
	for op, u := range inBlock {
		c.created = append(c.created, store.Output{OutPoint: op, UTXO: u})
	}
	slices.SortFunc(c.created, func(a, b store.Output) int {
		if c := slices.Compare(a.OutPoint.TxID[:], b.OutPoint.TxID[:]); c != 0 {
			return c
		}
		return int(a.OutPoint.Index) - int(b.OutPoint.Index)
	})
	return c, nil
}

// blockChanges validates b's transactions against the UTXO set as the
// block n at the tip, and returns the changes connecting it makes.
// Signatures are checked when verifySigs is set; a block validated before
// (reconnected after a reorg) skips them, as its spends are fixed by txid.
//
// The signatures are handed to the engine's verifier as the walk finds
// them, so a parallel verifier checks them on other cores while the walk
// goes on; those the signature cache holds are skipped. The verdict is the
// one checking each transaction in turn would give: when a transaction
// breaks another rule, a bad signature in an earlier transaction is
// reported instead.
func (e *Engine) blockChanges(b *chain.Block, n *blockNode, verifySigs bool) (*changes, error) {
	lookup := func(op chain.OutPoint) (store.UTXO, error) {
		u, ok, err := e.store.UTXO(op)
		if err != nil {
			return u, fmt.Errorf("consensus: read utxo %s:%d: %w", op.TxID, op.Index, err)
		}
		if !ok {
			return u, errOutputMissing
		}
		return u, nil
	}
	var fees int64
	var sigs *blockSigs
	if verifySigs && len(b.Transactions) > 1 { // a coinbase alone has no signature
		sigs = e.beginBlockSigs()
	}
	check := func(i int, tx *chain.Transaction, spent []store.UTXO) error {
		fee, err := CheckTransactionInputs(tx, n.height, spent, e.params)
		if err == nil && sigs != nil {
			err = sigs.addTx(i, tx, spent)
		}
		if err != nil {
			return inTx(err, i, tx)
		}
		fees += fee
		return nil
	}
	c, err := walkBlock(&e.changes, b, n, e.call.txids(n.hash), lookup, check)
	if sigs != nil {
		serr := sigs.wait(b)
		if _, rule := errors.AsType[*RuleError](err); serr != nil && (err == nil || rule) {
			return nil, serr
		}
	}
	if err != nil {
		return nil, err
	}
	if n.parent != nil {
		var paid int64
		for _, out := range b.Transactions[0].Outputs {
			paid += out.Amount
		}
		if limit := e.params.Subsidy(n.height) + fees; paid > limit {
			return nil, ruleError(ErrBadCoinbaseValue, "coinbase pays %d units, subsidy plus fees is %d", paid, limit)
		}
	}
	return c, nil
}

// sigChunk is how many signature checks the engine hands its verifier at
// a time: small enough that the verifier's goroutines start early and end
// together, large enough to keep handing-over cheap.
const sigChunk = 8

// blockSigs streams one block's signature checks to the verifier.
type blockSigs struct {
	e *Engine
	// batch is begun with the first check to send: a block whose
	// signatures are all cached (or that has none but its coinbase) costs
	// the verifier nothing.
	batch   SigBatch
	pending []SigCheck
	owners  []sigOwner // owners[k]: the input of the k-th check sent
	hits    []SigCheck // checks found in the cache, removed once the block verifies
	scratch []SigCheck
}

// sigOwner places a signature check: input of transaction tx.
type sigOwner struct{ tx, input int }

func (e *Engine) beginBlockSigs() *blockSigs {
	return &blockSigs{e: e, owners: e.sigOwners[:0], scratch: e.sigChecks[:0]}
}

// addTx computes transaction i's checks and sends those not in the cache.
func (s *blockSigs) addTx(i int, tx *chain.Transaction, spent []store.UTXO) error {
	var err error
	s.scratch, err = TxSigChecks(s.scratch[:0], tx, spent, s.e.params.GenesisHash)
	if err != nil {
		return err
	}
	for j := range s.scratch {
		c := &s.scratch[j]
		if s.e.sigCache != nil && s.e.sigCache.Has(c) {
			s.hits = append(s.hits, *c)
			continue
		}
		if s.pending == nil {
			s.pending = make([]SigCheck, 0, sigChunk)
		}
		s.pending = append(s.pending, *c)
		s.owners = append(s.owners, sigOwner{tx: i, input: j})
		if len(s.pending) == sigChunk {
			s.send()
		}
	}
	return nil
}

// send hands the pending checks to the batch, begun on first use.
func (s *blockSigs) send() {
	if s.batch == nil {
		s.batch = s.e.sigVerifier.Begin()
	}
	s.batch.Add(s.pending)
	s.pending = nil
}

// wait returns the block's first bad signature in block order, as a rule
// error; when all verified, the cache forgets the ones it held.
func (s *blockSigs) wait(b *chain.Block) error {
	if len(s.pending) > 0 {
		s.send()
	}
	bad, err := -1, error(nil)
	if s.batch != nil {
		bad, err = s.batch.Wait()
	}
	s.e.sigOwners, s.e.sigChecks = s.owners, s.scratch
	if err != nil {
		o := s.owners[bad]
		tx := b.Transactions[o.tx]
		return ruleError(ErrBadSignature, "tx %d (%s): input %d: %v", o.tx, tx.TxID(), o.input, err)
	}
	for k := range s.hits {
		s.e.sigCache.Remove(&s.hits[k])
	}
	return nil
}

// undoChanges recomputes what connecting b did, from its undo data, into
// the engine's changes.
func (e *Engine) undoChanges(b *chain.Block, n *blockNode, undo *store.Undo) (*changes, error) {
	byOutPoint := make(map[chain.OutPoint]store.UTXO, len(undo.Spent))
	for _, o := range undo.Spent {
		byOutPoint[o.OutPoint] = o.UTXO
	}
	lookup := func(op chain.OutPoint) (store.UTXO, error) {
		u, ok := byOutPoint[op]
		if !ok {
			return u, fmt.Errorf("consensus: undo data of block %s: %w: no entry for %s:%d", n.hash, store.ErrCorrupt, op.TxID, op.Index)
		}
		return u, nil
	}
	return walkBlock(&e.changes, b, n, nil, lookup, nil)
}

// inTx prefixes a rule error with the transaction it concerns.
func inTx(err error, i int, tx *chain.Transaction) error {
	re, ok := errors.AsType[*RuleError](err)
	if !ok {
		return err
	}
	return ruleError(re.Code, "tx %d (%s): %s", i, tx.TxID(), re.Description)
}
