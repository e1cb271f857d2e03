package lab

import (
	"cmp"
	"slices"
)

// buckets holds a windowed run's one-node events (messages arriving,
// wake-ups) by time slot of one span: slot k holds the events of
// [k*span, (k+1)*span), a window's worth, in the order they were scheduled
// (their seq). Taking a window is then taking a slot and sorting it by time
// (radix, stable, so ties keep their seq order), instead of a heap pop per
// event, which was most of what the lab did on one core.
type buckets struct {
	span  int64
	slots map[int64]int32 // slot -> index in lists
	lists [][]event
	free  []int32
	spare [][]event // emptied lists, for new slots
	keys  []int64   // min-heap of the slots held
	// last caches the slot pushed to last (a window's messages mostly go
	// to one or two slots).
	lastSlot int64
	lastIdx  int32
}

func newBuckets(span int64) *buckets {
	return &buckets{span: span, slots: map[int64]int32{}, lastIdx: -1}
}

func (b *buckets) push(e event) {
	k := e.t / b.span
	if b.lastIdx >= 0 && k == b.lastSlot {
		b.lists[b.lastIdx] = append(b.lists[b.lastIdx], e)
		return
	}
	idx, ok := b.slots[k]
	if !ok {
		if n := len(b.free); n > 0 {
			idx, b.free = b.free[n-1], b.free[:n-1]
		} else {
			idx = int32(len(b.lists))
			b.lists = append(b.lists, nil)
		}
		if n := len(b.spare); n > 0 {
			b.lists[idx], b.spare = b.spare[n-1], b.spare[:n-1]
		}
		b.slots[k] = idx
		b.pushKey(k)
	}
	b.lists[idx] = append(b.lists[idx], e)
	b.lastSlot, b.lastIdx = k, idx
}

// first returns the earliest slot held.
func (b *buckets) first() (int64, bool) {
	if len(b.keys) == 0 {
		return 0, false
	}
	return b.keys[0], true
}

// take removes the earliest slot and returns its events in seq order; the
// caller hands the slice (or another as large) back with recycle.
func (b *buckets) take() []event {
	k := b.popKey()
	idx := b.slots[k]
	delete(b.slots, k)
	evs := b.lists[idx]
	b.lists[idx] = nil
	b.free = append(b.free, idx)
	if b.lastIdx == idx {
		b.lastIdx = -1
	}
	return evs
}

// recycle keeps an emptied list for a new slot.
func (b *buckets) recycle(evs []event) {
	if cap(evs) > 0 {
		b.spare = append(b.spare, evs[:0])
	}
}

// putBack returns events left of a slot taken (they keep their seq
// order: nothing was pushed to the slot since).
func (b *buckets) putBack(evs []event) {
	for _, e := range evs {
		b.push(e)
	}
}

func (b *buckets) pushKey(k int64) {
	b.keys = append(b.keys, k)
	i := len(b.keys) - 1
	for i > 0 {
		p := (i - 1) / 2
		if b.keys[p] <= b.keys[i] {
			break
		}
		b.keys[p], b.keys[i] = b.keys[i], b.keys[p]
		i = p
	}
}

func (b *buckets) popKey() int64 {
	top := b.keys[0]
	last := len(b.keys) - 1
	b.keys[0] = b.keys[last]
	b.keys = b.keys[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && b.keys[r] < b.keys[l] {
			m = r
		}
		if b.keys[i] <= b.keys[m] {
			break
		}
		b.keys[i], b.keys[m] = b.keys[m], b.keys[i]
		i = m
	}
	return top
}

// sortByTime sorts a slot's events (in seq order) by time, ties in seq
// order: an LSD radix sort on the time within the slot, 11 bits a pass.
// tmp is scratch space; the sorted events are returned (in evs or tmp).
func sortByTime(evs, tmp []event, start, span int64) ([]event, []event) {
	if slices.IsSortedFunc(evs, func(a, b event) int { return cmp.Compare(a.t, b.t) }) {
		return evs, tmp // one latency for every link: the usual case
	}
	const bits = 11
	if cap(tmp) < len(evs) {
		tmp = make([]event, len(evs))
	}
	tmp = tmp[:len(evs)]
	var count [1 << bits]int
	for shift := uint(0); span>>shift > 0; shift += bits {
		clear(count[:])
		for i := range evs {
			count[((evs[i].t-start)>>shift)&(1<<bits-1)]++
		}
		sum := 0
		for d := range count {
			c := count[d]
			count[d] = sum
			sum += c
		}
		for i := range evs {
			d := ((evs[i].t - start) >> shift) & (1<<bits - 1)
			tmp[count[d]] = evs[i]
			count[d]++
		}
		evs, tmp = tmp, evs
	}
	return evs, tmp
}
