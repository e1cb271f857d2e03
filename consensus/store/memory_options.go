package store

import (
	"bytes"
	"slices"
	"sync"

	"github.com/devchain/devchain/chain"
)

// MemoryOptions tune a Memory store for in-process simulations that run
// hundreds of stores side by side (the fork laboratory). The zero value is
// NewMemory's behaviour.
type MemoryOptions struct {
	// NoAddressIndex skips the address -> unspent outputs index. AddressUTXOs
	// still answers, by scanning the whole UTXO set: right, only slower, for
	// a store nobody asks by address.
	NoAddressIndex bool
	// Blocks, when set, is a table of serialized blocks shared by several
	// stores: a block's bytes are immutable and the same for every node that
	// stores it, so each store keeps a reference to one copy instead of its
	// own. What a store holds (which blocks, records, UTXOs) stays its own.
	Blocks *BlockBytes
}

// NewMemoryWith returns an empty in-memory store tuned by opts.
func NewMemoryWith(opts MemoryOptions) *Memory {
	m := NewMemory()
	m.noAddressIndex = opts.NoAddressIndex
	if opts.Blocks != nil {
		m.table = opts.Blocks
	}
	return m
}

// BlockBytes is a content-addressed table of serialized blocks shared by
// Memory stores (MemoryOptions.Blocks). It is safe for concurrent use.
// It also holds one copy of each block header the stores' records name,
// and numbers the blocks it knows: a store finds what it holds of a block
// at that number in a slice of small values without pointers, instead of
// in maps of its own (one look-up in a table every store reads, not
// several in each store's, and nothing for the collector to scan). It
// numbers the outputs the stores hold in the same way, so that a store's
// UTXO set is a bitmap (memory_utxos.go). A store made without a shared
// table has one of its own.
type BlockBytes struct {
	mu     sync.Mutex
	ids    map[chain.Hash]uint32
	blocks []sharedBlock // by id
	held   int           // blocks with bytes
	// outIDs number the outputs stores hold; outs are their first values
	// (memory_utxos.go).
	outIDs map[chain.OutPoint]uint32
	outs   []Output
}

// sharedBlock is the table's copy of a block's header and bytes, each set
// once and never changed.
type sharedBlock struct {
	header *chain.BlockHeader // nil until a store records the block
	data   []byte             // nil until a store stores its bytes
}

// NewBlockBytes returns an empty shared table.
func NewBlockBytes() *BlockBytes {
	return &BlockBytes{ids: map[chain.Hash]uint32{}}
}

// Len returns the number of distinct blocks held.
func (t *BlockBytes) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.held
}

// lookup returns the number of hash and the table's copies, and false
// when the table has none.
func (t *BlockBytes) lookup(hash chain.Hash) (uint32, sharedBlock, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.ids[hash]
	if !ok {
		return 0, sharedBlock{}, false
	}
	return id, t.blocks[id], true
}

// Number returns the table's number for hash, false when it has none.
// Numbers are dense, from 0, and never change: an engine indexes its block
// nodes by them (consensus.BlockNumbers).
func (t *BlockBytes) Number(hash chain.Hash) (uint32, bool) {
	t.mu.Lock()
	id, ok := t.ids[hash]
	t.mu.Unlock()
	return id, ok
}

// Assign returns the table's number for hash, giving it the next one when
// it has none.
func (t *BlockBytes) Assign(hash chain.Hash) uint32 { return t.id(hash) }

// at returns the table's copies of block id.
func (t *BlockBytes) at(id uint32) sharedBlock {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.blocks[id]
}

// id returns the number of hash, given one when it has none.
func (t *BlockBytes) id(hash chain.Hash) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.idLocked(hash)
}

func (t *BlockBytes) idLocked(hash chain.Hash) uint32 {
	if id, ok := t.ids[hash]; ok {
		return id
	}
	id := uint32(len(t.blocks))
	t.ids[hash] = id
	t.blocks = append(t.blocks, sharedBlock{})
	return id
}

// shareOutcome says which of a store's header and bytes the table holds.
type shareOutcome struct {
	header, data bool
}

// share numbers hash and, under one lock, offers the table header h and,
// when not nil, block: the first header recorded under a hash and the
// first bytes stored under it are the table's; shared reports whether h
// and block are equal to the table's copies (else the store keeps private
// copies: a valid block cannot differ under its hash, but a store must not
// trust that).
func (t *BlockBytes) share(hash chain.Hash, h *chain.BlockHeader, block []byte) (id uint32, shared shareOutcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id = t.idLocked(hash)
	b := &t.blocks[id]
	if b.header == nil {
		c := *h
		b.header = &c
	}
	shared.header = *b.header == *h
	if block != nil {
		if b.data == nil {
			b.data = slices.Clone(block)
			if b.data == nil {
				b.data = []byte{}
			}
			t.held++
		}
		held := b.data
		shared.data = len(held) == len(block) && (len(held) == 0 || &held[0] == &block[0]) || bytes.Equal(held, block)
	}
	return id, shared
}

// memBlock is what Memory holds of one block, at the table's number for
// it: its index record's height and status (the header is the table's,
// or a private copy) and whether it has the block's bytes and undo data.
// A zero memBlock is no entry.
type memBlock struct {
	height uint32
	status BlockStatus
	flags  memFlags
}

// memFlags say what a store holds of a block.
type memFlags uint8

const (
	hasRecord     memFlags = 1 << iota
	hasData                // the bytes: the table's, or private
	hasUndo                // undo data: in Memory.undo when not empty
	privateHeader          // the header differs from the table's: in Memory.private
	privateData            // the bytes differ from the table's: in Memory.private
)

// privateBlock holds a header or bytes that differ from the table's copy
// under the same hash. Replaced, never changed.
type privateBlock struct {
	header *chain.BlockHeader
	data   []byte
}

// block returns the table's number for hash and the store's entry, or nil.
func (m *Memory) block(hash chain.Hash) (uint32, *memBlock) {
	id, _, ok := m.table.lookup(hash)
	if !ok || int(id) >= len(m.blocks) {
		return 0, nil
	}
	return id, &m.blocks[id]
}

// entryAt returns the entry of the table's block id, growing m.blocks
// (with empty entries) to hold it. The pointer is good until the next call.
func (m *Memory) entryAt(id uint32) *memBlock {
	if int(id) >= len(m.blocks) {
		m.blocks = append(m.blocks, make([]memBlock, int(id)+1-len(m.blocks))...)
	}
	return &m.blocks[id]
}

// header returns the header the store holds for block id.
func (m *Memory) header(id uint32, b *memBlock) *chain.BlockHeader {
	if b.flags&privateHeader != 0 {
		return m.private[id].header
	}
	return m.table.at(id).header
}

// data returns the bytes the store holds for block id.
func (m *Memory) data(id uint32, b *memBlock) []byte {
	if b.flags&privateData != 0 {
		return m.private[id].data
	}
	return m.table.at(id).data
}

// putRecord stores rec under hash and block (when not nil) as the block's
// serialization.
func (m *Memory) putRecord(hash chain.Hash, rec BlockRecord, block []byte) (id uint32) {
	id, shared := m.table.share(hash, &rec.Header, block)
	b := m.entryAt(id)
	switch {
	case shared.header:
		b.flags &^= privateHeader
	case b.flags&(hasRecord|privateHeader) == hasRecord|privateHeader && *m.private[id].header == rec.Header:
		// a status change of a record with a private header
	default:
		p := m.private[id]
		c := rec.Header
		p.header = &c
		m.setPrivate(id, p)
		b.flags |= privateHeader
	}
	b.height, b.status = rec.Height, rec.Status
	b.flags |= hasRecord
	if block == nil {
		return id
	}
	b.flags |= hasData
	if shared.data {
		b.flags &^= privateData
		return id
	}
	p := m.private[id]
	p.data = slices.Clone(block)
	m.setPrivate(id, p)
	b.flags |= privateData
	return id
}

func (m *Memory) setPrivate(id uint32, p privateBlock) {
	if m.private == nil {
		m.private = map[uint32]privateBlock{}
	}
	m.private[id] = p
}
