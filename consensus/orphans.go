package consensus

import (
	"time"

	"github.com/devchain/devchain/chain"
)

// Orphan pool bounds: a peer sending blocks with unknown parents can hold at
// most this many blocks, and none for longer than orphanTTL.
const (
	defaultMaxOrphans = 100
	orphanTTL         = time.Hour
)

// orphanPool holds blocks whose parent is unknown until the parent arrives.
type orphanPool struct {
	max      int
	blocks   map[chain.Hash]*orphan
	byParent map[chain.Hash][]chain.Hash
	nextSeq  uint64
}

type orphan struct {
	block *chain.Block
	added time.Time
	seq   uint64 // arrival order: the oldest is evicted first
}

func newOrphanPool(max int) *orphanPool {
	if max <= 0 {
		max = defaultMaxOrphans
	}
	return &orphanPool{max: max} // maps made by the first add: an empty pool's length is read without a map header
}

func (p *orphanPool) has(hash chain.Hash) bool {
	if len(p.blocks) == 0 { // the usual case: spare hashing a 32-byte key
		return false
	}
	_, ok := p.blocks[hash]
	return ok
}

// add stores b, first dropping expired orphans and, when full, the oldest.
func (p *orphanPool) add(b *chain.Block, hash chain.Hash, now time.Time) {
	for h, o := range p.blocks {
		if now.Sub(o.added) > orphanTTL {
			p.remove(h)
		}
	}
	for len(p.blocks) >= p.max {
		p.remove(p.oldest())
	}
	if p.blocks == nil {
		p.blocks, p.byParent = map[chain.Hash]*orphan{}, map[chain.Hash][]chain.Hash{}
	}
	p.blocks[hash] = &orphan{block: b, added: now, seq: p.nextSeq}
	p.nextSeq++
	parent := b.Header.PrevBlock
	p.byParent[parent] = append(p.byParent[parent], hash)
}

func (p *orphanPool) oldest() chain.Hash {
	var oldest chain.Hash
	var seq uint64
	first := true
	for h, o := range p.blocks {
		if first || o.seq < seq {
			oldest, seq, first = h, o.seq, false
		}
	}
	return oldest
}

func (p *orphanPool) remove(hash chain.Hash) {
	o, ok := p.blocks[hash]
	if !ok {
		return
	}
	delete(p.blocks, hash)
	parent := o.block.Header.PrevBlock
	siblings := p.byParent[parent]
	for i, h := range siblings {
		if h == hash {
			siblings = append(siblings[:i], siblings[i+1:]...)
			break
		}
	}
	if len(siblings) == 0 {
		delete(p.byParent, parent)
	} else {
		p.byParent[parent] = siblings
	}
}

// takeChildren removes and returns the orphans whose parent is hash, in
// arrival order.
func (p *orphanPool) takeChildren(hash chain.Hash) []*chain.Block {
	if len(p.blocks) == 0 { // the usual case: spare hashing a 32-byte key
		return nil
	}
	ids := p.byParent[hash]
	blocks := make([]*chain.Block, 0, len(ids))
	for _, h := range ids {
		blocks = append(blocks, p.blocks[h].block)
	}
	for _, h := range ids {
		p.remove(h)
	}
	return blocks
}

// root returns the parent hash of the oldest orphan ancestor of hash: the
// block that must be fetched to connect it.
func (p *orphanPool) root(hash chain.Hash) chain.Hash {
	for {
		o, ok := p.blocks[hash]
		if !ok {
			return hash
		}
		hash = o.block.Header.PrevBlock
	}
}

// len returns the number of orphans held.
func (p *orphanPool) len() int { return len(p.blocks) }

// maxRecentRejects bounds the set of hashes refused for good that the block
// index does not hold: a flood of invalid blocks costs at most this many
// hashes of memory, and an evicted hash only means a child of it is judged
// an orphan again.
const maxRecentRejects = 1000

// recentRejects remembers, in arrival order, the hashes of blocks refused
// for good before they reached the block index (a header that breaks a rule,
// or an orphan's fault found alone), so that a child arriving later is
// refused as descending from an invalid block instead of waiting as an
// orphan for a parent that will never be accepted.
type recentRejects struct {
	set   map[chain.Hash]struct{}
	order []chain.Hash
}

func newRecentRejects() *recentRejects {
	return &recentRejects{set: map[chain.Hash]struct{}{}}
}

func (r *recentRejects) has(hash chain.Hash) bool {
	_, ok := r.set[hash]
	return ok
}

func (r *recentRejects) add(hash chain.Hash) {
	if r.has(hash) {
		return
	}
	if len(r.order) >= maxRecentRejects {
		delete(r.set, r.order[0])
		r.order = r.order[1:]
	}
	r.set[hash] = struct{}{}
	r.order = append(r.order, hash)
}
