package consensus

import (
	"math/big"
	"math/bits"
	"slices"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// MedianTimeBlocks is how many blocks the median time past looks at: a
// block and its 10 parents.
const MedianTimeBlocks = 11

// blockNode is a block index entry: a header the engine accepted, with what
// is known about its block.
type blockNode struct {
	hash   chain.Hash
	header chain.BlockHeader
	parent *blockNode
	// firstChild and nextSibling link the children of a node in the order
	// they joined the index: no slice to grow per block.
	firstChild  *blockNode
	nextSibling *blockNode
	height      uint32
	// work is the cumulative chain work up to and including this block,
	// its digits in workDigits: no allocation of its own.
	work       big.Int
	workDigits [workWords]big.Word
	status     store.BlockStatus
	// seq orders blocks by when their data arrived: on equal work the block
	// seen first wins. Blocks loaded from disk on the active chain get 0.
	seq uint64
	// haveChain: this block and every ancestor have their data, so the block
	// can be connected.
	haveChain bool
	// candidate: the block is in the engine's candidates.
	candidate bool
}

// workWords is enough digits for a sum of 256-bit works with its carry.
const workWords = 256/bits.UintSize + 1

// nodeChunk is how many block nodes an engine allocates at once: one
// allocation per 64 blocks rather than per block, for an engine that
// lives as long as its nodes (a node is never removed from the index).
const nodeChunk = 64

// newBlockNode returns the index entry of header h (whose hash is hash)
// on parent.
func (e *Engine) newBlockNode(h chain.BlockHeader, hash chain.Hash, parent *blockNode) *blockNode {
	if len(e.nodeChunk) == 0 {
		e.nodeChunk = make([]blockNode, nodeChunk)
	}
	n := &e.nodeChunk[0]
	e.nodeChunk = e.nodeChunk[1:]
	*n = blockNode{hash: hash, header: h, parent: parent}
	n.work.SetBits(n.workDigits[:0])
	if parent != nil {
		n.height = parent.height + 1
		n.work.Add(&parent.work, blockWork(h.Bits))
	} else {
		n.work.Set(blockWork(h.Bits))
	}
	return n
}

// addChild appends c to n's children.
func (n *blockNode) addChild(c *blockNode) {
	last := &n.firstChild
	for *last != nil {
		last = &(*last).nextSibling
	}
	*last = c
}

// hasChildren reports whether any block builds on n.
func (n *blockNode) hasChildren() bool { return n.firstChild != nil }

func (n *blockNode) record() store.BlockRecord {
	return store.BlockRecord{Header: n.header, Height: n.height, Status: n.status}
}

// failed reports whether the block or one of its ancestors is invalid.
func (n *blockNode) failed() bool {
	return n.status&(store.StatusFailed|store.StatusFailedChild) != 0
}

// ancestor returns the ancestor of n at height (n itself at its own height).
func (n *blockNode) ancestor(height uint32) *blockNode {
	if height > n.height {
		return nil
	}
	for n != nil && n.height > height {
		n = n.parent
	}
	return n
}

// medianTimePast returns the median timestamp of n and its 10 parents (fewer
// near genesis), the lower bound for the timestamp of n's child.
func (n *blockNode) medianTimePast() uint32 {
	times := make([]uint32, 0, MedianTimeBlocks)
	for it := n; it != nil && len(times) < MedianTimeBlocks; it = it.parent {
		times = append(times, it.header.Timestamp)
	}
	return MedianTime(times)
}

// medianTimePast is n.medianTimePast, read from the main chain's
// timestamps when n is on it.
func (e *Engine) medianTimePast(n *blockNode) uint32 {
	if !e.onMainChain(n) {
		return n.medianTimePast()
	}
	var times [MedianTimeBlocks]uint32
	start := max(int(n.height)+1-MedianTimeBlocks, 0)
	k := copy(times[:], e.mainTimes[start:n.height+1])
	return MedianTime(times[:k])
}

// MedianTime returns the median of timestamps (the upper middle one of an
// even count), as Bitcoin's median time past. It sorts its argument.
func MedianTime(timestamps []uint32) uint32 {
	slices.Sort(timestamps)
	return timestamps[len(timestamps)/2]
}

// findFork returns the last common ancestor of a and b.
func findFork(a, b *blockNode) *blockNode {
	for a.height > b.height {
		a = a.parent
	}
	for b.height > a.height {
		b = b.parent
	}
	for a != b {
		a, b = a.parent, b.parent
	}
	return a
}

// better reports whether a beats b as a chain tip: more work, then earlier
// data (first seen), then lower hash so that the order is total.
func better(a, b *blockNode) bool {
	if c := a.work.Cmp(&b.work); c != 0 {
		return c > 0
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	return slices.Compare(a.hash[:], b.hash[:]) < 0
}

// descendants calls fn for every descendant of n, parents before children.
func (n *blockNode) descendants(fn func(*blockNode)) {
	var queue []*blockNode
	for c := n.firstChild; c != nil; c = c.nextSibling {
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		fn(d)
		for c := d.firstChild; c != nil; c = c.nextSibling {
			queue = append(queue, c)
		}
	}
}
