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
	m.shared = opts.Blocks
	return m
}

// BlockBytes is a content-addressed table of serialized blocks shared by
// Memory stores (MemoryOptions.Blocks). It is safe for concurrent use.
// It also holds one copy of each block header the stores' records name,
// and numbers the blocks it knows: a store sharing the table finds its
// entry for a block at that number in a slice, instead of in a map of its
// own (one look-up in a table every store reads, not one in each store's).
type BlockBytes struct {
	mu     sync.Mutex
	ids    map[chain.Hash]uint32
	blocks []sharedBlock // by id
	held   int           // blocks with bytes
}

// sharedBlock is the table's copy of a block's header and bytes.
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

// lookup returns the number of hash, and false when the table has none.
func (t *BlockBytes) lookup(hash chain.Hash) (uint32, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.ids[hash]
	return id, ok
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

// share returns the number of hash and, under one lock, the table's copy
// of header h when h is not nil and the table's copy of block when block
// is not nil (see headerLocked and internLocked).
func (t *BlockBytes) share(hash chain.Hash, h *chain.BlockHeader, block []byte) (id uint32, header *chain.BlockHeader, data []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id = t.idLocked(hash)
	if h != nil {
		header = t.headerLocked(id, h)
	}
	if block != nil {
		data = t.internLocked(id, block)
	}
	return id, header, data
}

// headerLocked returns the table's copy of h, the header of block id: the
// first header recorded under a hash is shared, one that differs gets a
// private copy.
func (t *BlockBytes) headerLocked(id uint32, h *chain.BlockHeader) *chain.BlockHeader {
	b := &t.blocks[id]
	if b.header != nil && *b.header == *h {
		return b.header
	}
	c := *h
	if b.header == nil {
		b.header = &c
	}
	return &c
}

// internLocked returns the table's copy of block, adding a private copy
// when the table has none. Bytes that differ from the held copy under the
// same hash (which a valid block cannot have, but a store must not trust
// that) get a private copy that is not shared.
func (t *BlockBytes) internLocked(id uint32, block []byte) []byte {
	b := &t.blocks[id]
	if held := b.data; held != nil {
		if len(held) == len(block) && (len(held) == 0 || &held[0] == &block[0]) || bytes.Equal(held, block) {
			return held
		}
		return slices.Clone(block)
	}
	c := slices.Clone(block)
	if c == nil {
		c = []byte{}
	}
	b.data = c
	t.held++
	return c
}

// memBlock is what Memory holds of one block. Its index record: the
// header, which never changes, by reference (shared through
// MemoryOptions.Blocks), the height and status, which are the store's own.
// Its serialization (possibly a reference into the shared table) and its
// undo data. An entry with no flag set is no entry.
type memBlock struct {
	header    *chain.BlockHeader // when hasRecord
	data      []byte             // when hasData
	undo      []Output           // when hasUndo
	height    uint32
	status    BlockStatus
	hasRecord bool
	hasData   bool
	hasUndo   bool
}

func (b *memBlock) blockRecord() BlockRecord {
	return BlockRecord{Header: *b.header, Height: b.height, Status: b.status}
}

// block returns the entry of hash, or nil.
func (m *Memory) block(hash chain.Hash) *memBlock {
	if m.shared != nil {
		id, ok := m.shared.lookup(hash)
		if !ok || int(id) >= len(m.blocks) {
			return nil
		}
		return &m.blocks[id]
	}
	i, ok := m.blockAt[hash]
	if !ok {
		return nil
	}
	return &m.blocks[i]
}

// entry returns the entry of hash, added empty when there is none. The
// pointer is good until the next entry call.
func (m *Memory) entry(hash chain.Hash) *memBlock {
	if m.shared != nil {
		return m.entryAt(m.shared.id(hash))
	}
	if i, ok := m.blockAt[hash]; ok {
		return &m.blocks[i]
	}
	m.blockAt[hash] = uint32(len(m.blocks))
	m.blocks = append(m.blocks, memBlock{})
	return &m.blocks[len(m.blocks)-1]
}

// entryAt returns the entry of the shared table's block id, growing
// m.blocks (with empty entries) to hold it.
func (m *Memory) entryAt(id uint32) *memBlock {
	if int(id) >= len(m.blocks) {
		m.blocks = append(m.blocks, make([]memBlock, int(id)+1-len(m.blocks))...)
	}
	return &m.blocks[id]
}

// putRecord stores rec under hash, keeping the header already held when a
// record only changes status, and block (when not nil) as the block's
// serialization.
func (m *Memory) putRecord(hash chain.Hash, rec BlockRecord, block []byte) {
	if m.shared != nil {
		m.putSharedRecord(hash, rec, block)
		return
	}
	b := m.entry(hash)
	if !b.hasRecord || *b.header != rec.Header {
		c := rec.Header
		b.header = &c
	}
	b.height, b.status, b.hasRecord = rec.Height, rec.Status, true
	if block != nil {
		b.data, b.hasData = slices.Clone(block), true
	}
}

// putSharedRecord is putRecord through the shared table: one look-up
// there gives the entry, the shared header and the shared bytes.
func (m *Memory) putSharedRecord(hash chain.Hash, rec BlockRecord, block []byte) {
	id, header, data := m.shared.share(hash, &rec.Header, block)
	b := m.entryAt(id)
	if !b.hasRecord || b.header != header && *b.header != rec.Header {
		b.header = header
	}
	b.height, b.status, b.hasRecord = rec.Height, rec.Status, true
	if block != nil {
		b.data, b.hasData = data, true
	}
}
