package consensus

import (
	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// BlockNumbers numbers block hashes, densely and for good: the number of a
// hash never changes. store.BlockBytes implements it, shared by the stores
// (and so the engines) of an in-process simulation. It must be safe for
// concurrent use when engines on other goroutines share it.
type BlockNumbers interface {
	// Number returns the number of hash, false when it has none.
	Number(hash chain.Hash) (uint32, bool)
	// Assign returns the number of hash, giving it one when it has none.
	Assign(hash chain.Hash) uint32
}

// numberedStore is a store that numbers its blocks (store.Memory): the
// engine's index borrows those numbers.
type numberedStore interface {
	BlockNumbers() *store.BlockBytes
}

var _ BlockNumbers = (*store.BlockBytes)(nil)

// blockIndex holds the engine's block nodes by hash. With numbers, a node
// sits at its hash's number in a slice: in a simulation of many engines
// sharing one numbering, the look-up is in a table every engine reads (warm
// in the cache) and the slice grows by consecutive entries, where a map of
// each engine's own would miss the cache on every insert. Without numbers,
// a map.
type blockIndex struct {
	numbers  BlockNumbers
	byNumber []*blockNode
	byHash   map[chain.Hash]*blockNode // without numbers
}

func newBlockIndex(numbers BlockNumbers) blockIndex {
	if numbers != nil {
		return blockIndex{numbers: numbers}
	}
	return blockIndex{byHash: map[chain.Hash]*blockNode{}}
}

// get returns the node of hash, or nil.
func (x *blockIndex) get(hash chain.Hash) *blockNode {
	if x.numbers == nil {
		return x.byHash[hash]
	}
	id, ok := x.numbers.Number(hash)
	if !ok || int(id) >= len(x.byNumber) {
		return nil
	}
	return x.byNumber[id]
}

// put adds n under its hash.
func (x *blockIndex) put(n *blockNode) {
	if x.numbers == nil {
		x.byHash[n.hash] = n
		return
	}
	id := int(x.numbers.Assign(n.hash))
	if id >= len(x.byNumber) {
		x.byNumber = append(x.byNumber, make([]*blockNode, id+1-len(x.byNumber))...)
	}
	x.byNumber[id] = n
}

// each calls fn for every node, in no particular order.
func (x *blockIndex) each(fn func(*blockNode)) {
	if x.numbers == nil {
		for _, n := range x.byHash {
			fn(n)
		}
		return
	}
	for _, n := range x.byNumber {
		if n != nil {
			fn(n)
		}
	}
}
