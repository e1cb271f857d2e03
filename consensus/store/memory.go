package store

import (
	"bytes"
	"cmp"
	"maps"
	"slices"
	"sync"

	"github.com/devchain/devchain/chain"
)

// Memory is a Store held in maps: what tests and in-process simulations use.
// It copies what it is given and what it returns, as a disk store would.
type Memory struct {
	mu      sync.RWMutex
	genesis *chain.Hash
	tip     chain.Hash
	// table numbers the blocks and holds their headers and bytes, shared
	// with other stores (MemoryOptions.Blocks) or the store's own. What
	// the store holds of block id is blocks[id], undo[id] (non-empty undo
	// data) and private[id] (a header or bytes that differ from the
	// table's), in memory_options.go.
	table     *BlockBytes
	blocks    []memBlock
	undo      map[uint32][]Output // made by the first non-empty undo: len of an empty one reads no map header
	private   map[uint32]privateBlock
	utxos     memUTXOs // memory_utxos.go
	byAddress map[chain.Address]map[chain.OutPoint]struct{}
	history   map[chain.Address]map[[2]uint32]chain.Hash
	txs       map[chain.Hash]TxLocation

	noAddressIndex bool // MemoryOptions.NoAddressIndex: byAddress stays empty
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{
		table:     NewBlockBytes(),
		byAddress: map[chain.Address]map[chain.OutPoint]struct{}{},
		history:   map[chain.Address]map[[2]uint32]chain.Hash{},
		txs:       map[chain.Hash]TxLocation{},
	}
}

// BlockNumbers returns the table that numbers the store's blocks (shared
// with other stores, or its own): an engine on the store indexes its
// blocks by these numbers.
func (m *Memory) BlockNumbers() *BlockBytes { return m.table }

// Genesis implements Store.
func (m *Memory) Genesis() (chain.Hash, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.genesis == nil {
		return chain.Hash{}, false, nil
	}
	return *m.genesis, true, nil
}

// Tip implements Store.
func (m *Memory) Tip() (chain.Hash, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.tip, nil
}

// PutBlock implements Store.
func (m *Memory) PutBlock(rec BlockRecord, block []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if block == nil {
		block = []byte{} // stored all the same
	}
	m.putRecord(rec.Header.Hash(), rec, block)
	return nil
}

// PutRecords implements Store.
func (m *Memory) PutRecords(recs []BlockRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range recs {
		m.putRecord(r.Header.Hash(), r, nil)
	}
	return nil
}

// ForEachRecord implements Store.
func (m *Memory) ForEachRecord(fn func(BlockRecord) error) error {
	m.mu.RLock()
	recs := make([]BlockRecord, 0, len(m.blocks))
	for i := range m.blocks {
		if b := &m.blocks[i]; b.flags&hasRecord != 0 {
			recs = append(recs, BlockRecord{Header: *m.header(uint32(i), b), Height: b.height, Status: b.status})
		}
	}
	m.mu.RUnlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Block implements Store.
func (m *Memory) Block(hash chain.Hash) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, b := m.block(hash)
	if b == nil || b.flags&hasData == 0 {
		return nil, ErrNotFound
	}
	return slices.Clone(m.data(id, b)), nil
}

// Undo implements Store.
func (m *Memory) Undo(hash chain.Hash) (*Undo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, b := m.block(hash)
	if b == nil || b.flags&hasUndo == 0 {
		return nil, ErrNotFound
	}
	return &Undo{Block: hash, Spent: slices.Clone(m.undo[id])}, nil
}

// UTXO implements Store.
func (m *Memory) UTXO(op chain.OutPoint) (UTXO, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, shared, ok := m.table.output(op)
	if !ok || !m.utxos.has(id) {
		return UTXO{}, false, nil
	}
	return m.utxos.value(id, shared), true, nil
}

// ForEachUTXO implements Store.
func (m *Memory) ForEachUTXO(fn func(Output) error) error {
	m.mu.RLock()
	outs := make([]Output, 0, m.utxos.count)
	m.utxos.each(m.table.outputs(), func(o Output) { outs = append(outs, o) })
	m.mu.RUnlock()
	sortOutputs(outs)
	for _, o := range outs {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// AddressUTXOs implements Store.
func (m *Memory) AddressUTXOs(addr chain.Address) ([]Output, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.noAddressIndex {
		var outs []Output
		m.utxos.each(m.table.outputs(), func(o Output) {
			if o.UTXO.Address == addr {
				outs = append(outs, o)
			}
		})
		sortOutputs(outs)
		return outs, nil
	}
	outs := make([]Output, 0, len(m.byAddress[addr]))
	for op := range m.byAddress[addr] {
		id, shared, _ := m.table.output(op)
		outs = append(outs, Output{OutPoint: op, UTXO: m.utxos.value(id, shared)})
	}
	sortOutputs(outs)
	return outs, nil
}

// AddressHistory implements Store.
func (m *Memory) AddressHistory(addr chain.Address) ([]HistoryEntry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.historyOf(addr), nil
}

func (m *Memory) historyOf(addr chain.Address) []HistoryEntry {
	entries := make([]HistoryEntry, 0, len(m.history[addr]))
	for pos, txid := range m.history[addr] {
		entries = append(entries, HistoryEntry{Address: addr, Height: pos[0], TxIndex: pos[1], TxID: txid})
	}
	slices.SortFunc(entries, func(a, b HistoryEntry) int {
		return cmp.Or(cmp.Compare(a.Height, b.Height), cmp.Compare(a.TxIndex, b.TxIndex))
	})
	return entries
}

// ForEachHistory implements Store.
func (m *Memory) ForEachHistory(fn func(HistoryEntry) error) error {
	m.mu.RLock()
	addrs := slices.SortedFunc(maps.Keys(m.history), func(a, b chain.Address) int {
		return slices.Compare(a[:], b[:])
	})
	var entries []HistoryEntry
	for _, addr := range addrs {
		entries = append(entries, m.historyOf(addr)...)
	}
	m.mu.RUnlock()
	for _, e := range entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Apply implements Store.
func (m *Memory) Apply(u *Update) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u.Genesis != nil {
		g := *u.Genesis
		m.genesis = &g
	}
	m.tip = u.Tip
	trusted := len(u.RecordHashes) == len(u.Records)
	var firstHash chain.Hash // of u.Records[0], whose number is firstID:
	var firstID uint32       // a connect's undo data is for that block
	for i := range u.Records {
		r := &u.Records[i]
		var hash chain.Hash
		if trusted {
			hash = u.RecordHashes[i]
		} else {
			hash = r.Header.Hash()
		}
		if i == 0 {
			firstHash = hash
			firstID = m.putRecord(hash, *r, u.Block) // u.Block is this record's block, when set
		} else {
			m.putRecord(hash, *r, nil)
		}
	}
	for _, o := range u.Remove {
		if id, _, ok := m.table.output(o.OutPoint); ok {
			m.utxos.remove(id)
		}
		if m.noAddressIndex {
			continue
		}
		if set := m.byAddress[o.UTXO.Address]; set != nil {
			delete(set, o.OutPoint)
			if len(set) == 0 {
				delete(m.byAddress, o.UTXO.Address)
			}
		}
	}
	for i := range u.Add {
		o := &u.Add[i]
		id, shared := m.table.shareOutput(o)
		m.utxos.add(id, o.UTXO, shared)
		if m.noAddressIndex {
			continue
		}
		set := m.byAddress[o.UTXO.Address]
		if set == nil {
			set = map[chain.OutPoint]struct{}{}
			m.byAddress[o.UTXO.Address] = set
		}
		set[o.OutPoint] = struct{}{}
	}
	if u.PutUndo != nil {
		id := firstID
		if len(u.Records) == 0 || u.PutUndo.Block != firstHash {
			id = m.table.id(u.PutUndo.Block)
		}
		m.entryAt(id).flags |= hasUndo
		if len(u.PutUndo.Spent) > 0 {
			if m.undo == nil {
				m.undo = map[uint32][]Output{}
			}
			m.undo[id] = slices.Clone(u.PutUndo.Spent)
		} else if len(m.undo) > 0 {
			delete(m.undo, id) // a coinbase-only block's: the flag is all
		}
	}
	if u.DeleteUndo != nil {
		if id, b := m.block(*u.DeleteUndo); b != nil {
			b.flags &^= hasUndo
			delete(m.undo, id)
		}
	}
	for _, e := range u.DeleteHistory {
		if h := m.history[e.Address]; h != nil {
			delete(h, [2]uint32{e.Height, e.TxIndex})
			if len(h) == 0 {
				delete(m.history, e.Address)
			}
		}
	}
	for _, e := range u.AddHistory {
		h := m.history[e.Address]
		if h == nil {
			h = map[[2]uint32]chain.Hash{}
			m.history[e.Address] = h
		}
		h[[2]uint32{e.Height, e.TxIndex}] = e.TxID
	}
	for _, l := range u.DeleteTxs {
		delete(m.txs, l.TxID)
	}
	for _, l := range u.AddTxs {
		m.txs[l.TxID] = l
	}
	return nil
}

// TxLocation implements Store.
func (m *Memory) TxLocation(txid chain.Hash) (TxLocation, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, ok := m.txs[txid]
	return l, ok, nil
}

// Close implements Store.
func (m *Memory) Close() error { return nil }

func sortOutputs(outs []Output) {
	slices.SortFunc(outs, func(a, b Output) int { return compareOutPoints(a.OutPoint, b.OutPoint) })
}

// compareOutPoints orders outpoints as their keys sort: txid bytes, then index.
func compareOutPoints(a, b chain.OutPoint) int {
	if c := bytes.Compare(a.TxID[:], b.TxID[:]); c != 0 {
		return c
	}
	switch {
	case a.Index < b.Index:
		return -1
	case a.Index > b.Index:
		return 1
	}
	return 0
}
