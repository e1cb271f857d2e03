package store

import (
	"maps"
	"math/bits"
	"slices"

	"github.com/devchain/devchain/chain"
)

// memUTXOs is a Memory store's UTXO set as bits over the outputs its
// table numbers. The table keeps each output once, with the first value
// any store gave it; a store keeps one bit per number (unspent here or
// not) and, in a small map, the values that differ from the table's (a
// transaction mined at different heights on two branches). Simulated
// nodes on one table set adjacent bits for each block instead of each
// inserting into a map of its own, which missed the cache on every
// insert, and hold 1 bit per output instead of about 170 bytes. The
// table never forgets an output: it holds about 100 bytes per output ever
// added by any of its stores, spent or not (the price for a store without
// a shared table that lives through many transactions).
type memUTXOs struct {
	bits    []uint64
	count   int
	private map[uint32]UTXO // nil until a value differs from the table's
}

func (s *memUTXOs) has(id uint32) bool {
	w := int(id / 64)
	return w < len(s.bits) && s.bits[w]&(1<<(id%64)) != 0
}

// add marks output id unspent with value u (shared: u is the table's).
func (s *memUTXOs) add(id uint32, u UTXO, shared bool) {
	w := int(id / 64)
	if w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
	}
	if s.bits[w]&(1<<(id%64)) == 0 {
		s.bits[w] |= 1 << (id % 64)
		s.count++
	}
	switch {
	case !shared:
		if s.private == nil {
			s.private = map[uint32]UTXO{}
		}
		s.private[id] = u
	case len(s.private) > 0:
		delete(s.private, id)
	}
}

// remove marks output id spent.
func (s *memUTXOs) remove(id uint32) {
	if !s.has(id) {
		return
	}
	s.bits[id/64] &^= 1 << (id % 64)
	s.count--
	if len(s.private) > 0 {
		delete(s.private, id)
	}
}

// value returns the store's value of unspent output id, whose table value
// is shared.
func (s *memUTXOs) value(id uint32, shared UTXO) UTXO {
	if len(s.private) > 0 {
		if u, ok := s.private[id]; ok {
			return u
		}
	}
	return shared
}

// each calls fn for every unspent output, in the table's order.
func (s *memUTXOs) each(table []Output, fn func(Output)) {
	for w, word := range s.bits {
		for word != 0 {
			id := uint32(w*64 + bits.TrailingZeros64(word))
			word &= word - 1
			o := table[id]
			fn(Output{OutPoint: o.OutPoint, UTXO: s.value(id, o.UTXO)})
		}
	}
}

func (s *memUTXOs) clone() memUTXOs {
	return memUTXOs{bits: slices.Clone(s.bits), count: s.count, private: maps.Clone(s.private)}
}

// shareOutput numbers o's outpoint, giving the table o's value when the
// outpoint is new; shared reports whether o's value is the table's.
func (t *BlockBytes) shareOutput(o *Output) (id uint32, shared bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.outIDs[o.OutPoint]
	if !ok {
		if t.outIDs == nil {
			t.outIDs = map[chain.OutPoint]uint32{}
		}
		id = uint32(len(t.outs))
		t.outIDs[o.OutPoint] = id
		t.outs = append(t.outs, *o)
		return id, true
	}
	return id, t.outs[id].UTXO == o.UTXO
}

// output returns the number of op and the table's value for it, false
// when the table has none.
func (t *BlockBytes) output(op chain.OutPoint) (uint32, UTXO, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.outIDs[op]
	if !ok {
		return 0, UTXO{}, false
	}
	return id, t.outs[id].UTXO, true
}

// outputs returns the table's outputs by number. Entries are never
// changed once appended, so the slice is read without the lock.
func (t *BlockBytes) outputs() []Output {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.outs
}
