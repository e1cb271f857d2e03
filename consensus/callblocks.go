package consensus

import "github.com/devchain/devchain/chain"

// callBlocks holds the blocks given or read during one engine call: a
// block is not read back from the store right after it was given, its
// txids are computed once, and a block accepted during the call is stored
// with its connect, in one store update. The blocks accepted but not
// connected are written at the end of the call (flushBlocks), so no call
// returns with a block unsaved.
//
// Most calls hold one block (a block arrives and extends the tip): it
// takes the first entry, no map. Further blocks go to the map, with
// entries reused from call to call. A simulation runs this for every block
// and every simulated node.
type callBlocks struct {
	first     callBlock
	firstHash chain.Hash
	more      map[chain.Hash]*callBlock
	free      []*callBlock
}

// callBlock is one block of the call.
type callBlock struct {
	block *chain.Block // nil: no entry
	txids []chain.Hash // nil: not computed during the call
	// unsaved is the block's index entry while its data is not stored;
	// data is then its serialization.
	unsaved *blockNode
	data    []byte
}

// newCallBlocks returns an empty set; its map is made for the first call
// of more than one block (the length of a nil map reads no map header, a
// cold line per call in a simulation).
func newCallBlocks() callBlocks {
	return callBlocks{}
}

// get returns hash's entry, or nil.
func (cb *callBlocks) get(hash chain.Hash) *callBlock {
	if cb.first.block != nil && cb.firstHash == hash {
		return &cb.first
	}
	if len(cb.more) == 0 {
		return nil
	}
	return cb.more[hash]
}

// entry returns hash's entry, a fresh one when the call has none.
func (cb *callBlocks) entry(hash chain.Hash) *callBlock {
	if c := cb.get(hash); c != nil {
		return c
	}
	if cb.first.block == nil {
		cb.firstHash = hash
		return &cb.first
	}
	var c *callBlock
	if k := len(cb.free); k > 0 {
		c, cb.free = cb.free[k-1], cb.free[:k-1]
	} else {
		c = &callBlock{}
	}
	if cb.more == nil {
		cb.more = map[chain.Hash]*callBlock{}
	}
	cb.more[hash] = c
	return c
}

// given records block b (hash), accepted with its txids, whose data is
// not stored yet.
func (cb *callBlocks) given(hash chain.Hash, b *chain.Block, txids []chain.Hash, n *blockNode, data []byte) {
	c := cb.entry(hash)
	c.block, c.txids, c.unsaved, c.data = b, txids, n, data
}

// read records block b (hash), read from the store.
func (cb *callBlocks) read(hash chain.Hash, b *chain.Block) {
	cb.entry(hash).block = b
}

// txids returns the txids of hash's block computed during the call, or nil.
func (cb *callBlocks) txids(hash chain.Hash) []chain.Hash {
	if c := cb.get(hash); c != nil {
		return c.txids
	}
	return nil
}

// each calls fn for every entry.
func (cb *callBlocks) each(fn func(c *callBlock)) {
	if cb.first.block != nil {
		fn(&cb.first)
	}
	for _, c := range cb.more {
		fn(c)
	}
}

// maxFreeCallBlocks bounds the free list: a call that read a long branch
// (a startup, a deep reorg) does not leave thousands of entries behind.
const maxFreeCallBlocks = 16

// clear ends the call: entries go back to the free list.
func (cb *callBlocks) clear() {
	cb.first = callBlock{}
	if len(cb.more) == 0 {
		return
	}
	for _, c := range cb.more {
		if len(cb.free) == maxFreeCallBlocks {
			break
		}
		*c = callBlock{}
		cb.free = append(cb.free, c)
	}
	clear(cb.more)
}
