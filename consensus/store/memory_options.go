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
// It also holds one copy of each block header the stores' records name.
type BlockBytes struct {
	mu      sync.Mutex
	blocks  map[chain.Hash][]byte
	headers map[chain.Hash]*chain.BlockHeader
}

// NewBlockBytes returns an empty shared table.
func NewBlockBytes() *BlockBytes {
	return &BlockBytes{blocks: map[chain.Hash][]byte{}, headers: map[chain.Hash]*chain.BlockHeader{}}
}

// header returns the table's copy of h (whose hash is hash).
func (t *BlockBytes) header(hash chain.Hash, h *chain.BlockHeader) *chain.BlockHeader {
	t.mu.Lock()
	defer t.mu.Unlock()
	if held, ok := t.headers[hash]; ok && *held == *h {
		return held
	}
	c := *h
	if _, ok := t.headers[hash]; !ok {
		t.headers[hash] = &c
	}
	return &c
}

// Len returns the number of distinct blocks held.
func (t *BlockBytes) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.blocks)
}

// intern returns the table's copy of block, adding a private copy when the
// table has none. Bytes that differ from the held copy under the same hash
// (which a valid block cannot have, but a store must not trust that) get a
// private copy that is not shared.
func (t *BlockBytes) intern(hash chain.Hash, block []byte) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if held, ok := t.blocks[hash]; ok {
		if len(held) == len(block) && (len(held) == 0 || &held[0] == &block[0]) || bytes.Equal(held, block) {
			return held
		}
		return slices.Clone(block)
	}
	c := slices.Clone(block)
	t.blocks[hash] = c
	return c
}

// keepBlock returns the bytes m stores for block: a reference into the shared
// table, or a private copy.
func (m *Memory) keepBlock(hash chain.Hash, block []byte) []byte {
	if m.shared != nil {
		return m.shared.intern(hash, block)
	}
	return slices.Clone(block)
}

// memBlock is what Memory holds of one block. Its index record: the
// header, which never changes, by reference (shared through
// MemoryOptions.Blocks), the height and status, which are the store's own.
// Its serialization (possibly a reference into the shared table) and its
// undo data.
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
	i, ok := m.blockAt[hash]
	if !ok {
		return nil
	}
	return &m.blocks[i]
}

// entry returns the entry of hash, added empty when there is none. The
// pointer is good until the next entry call.
func (m *Memory) entry(hash chain.Hash) *memBlock {
	if i, ok := m.blockAt[hash]; ok {
		return &m.blocks[i]
	}
	m.blockAt[hash] = uint32(len(m.blocks))
	m.blocks = append(m.blocks, memBlock{})
	return &m.blocks[len(m.blocks)-1]
}

// putRecord stores rec under hash, keeping the header already held when a
// record only changes status.
func (m *Memory) putRecord(hash chain.Hash, rec BlockRecord) {
	b := m.entry(hash)
	switch {
	case b.hasRecord && *b.header == rec.Header:
	case m.shared != nil:
		b.header = m.shared.header(hash, &rec.Header)
	default:
		c := rec.Header
		b.header = &c
	}
	b.height, b.status, b.hasRecord = rec.Height, rec.Status, true
}

// putData stores block as the serialization of hash's block.
func (m *Memory) putData(hash chain.Hash, block []byte) {
	b := m.entry(hash)
	b.data, b.hasData = m.keepBlock(hash, block), true
}
