package lab

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Stepping nodes on every core, with the same bytes out.
//
// A message takes at least the shortest link latency (span) to reach
// another node, so what a node does at time t cannot change another node
// before t + span. The events of one window [t0, t0 + span) that each
// concern one node (a message arriving, a wake-up) are therefore
// independent across nodes: the window runner takes them off the queue,
// steps each node's own events in queue order on any core, and lets a
// node's own wake-ups that fall in the window run in it. What the steps
// did to the world (messages and wake-ups for later, trace lines, changes
// to the lab's block records) is kept per worker under the event that did
// it, and merged in event order: the order a single loop would have run
// them in. An event of the whole network (a block found, a partition, a
// churn, a transaction, a dropped connection) ends the window and runs on
// its own. The result is the same whatever GOMAXPROCS, and the same as
// stepping one event at a time (tests check both).

// minParallelEvents is the number of events a window must hold before it
// is worth other goroutines; smaller windows run on the caller's.
const minParallelEvents = 8

// windowRunner runs windows for one lab.
type windowRunner struct {
	l       *Lab
	span    int64
	workers []*cursor
	// b holds the one-node events; the lab's queue holds the others.
	b       *buckets
	scratch []event
	// byNode[i] holds node i's events of the current window, in order,
	// each with its rank in the window (the order they left the queue);
	// active lists the nodes with events, in order of their first; next
	// is the next of them a worker claims.
	byNode [][]rankedEvent
	taken  int32 // events taken off the queue for the window
	active []int32
	next   atomic.Int64
	// minParallel is minParallelEvents (tests lower it); parallel counts
	// the windows that used the workers.
	minParallel int
	parallel    int
	// out, order, count and later are the merge's buffers.
	out   []effect
	order []effectAt
	count []int32
	later []laterNote
}

// enqueueByCause queues the window's effects in the order of their causes
// (and, for one cause, in the order the step made them): the queue numbers
// them, ties in time, in that order. Causes that left the queue order by
// rank, so a counting sort places them, each effect copied once; a node's
// own wake-up has no rank (unranked: one ran), and then a comparison sort
// does.
func (w *windowRunner) enqueueByCause(unranked bool) {
	l := w.l
	if unranked {
		out := w.out[:0]
		for _, c := range w.workers {
			out = append(out, c.out...)
		}
		slices.SortFunc(out, func(a, b effect) int { return inCauseOrder(a.cause, a.idx, b.cause, b.idx) })
		for i := range out {
			l.enqueue(out[i].ev)
		}
		clear(out)
		w.out = out[:0]
		return
	}
	count := slices.Grow(w.count[:0], int(w.taken)+1)[:w.taken+1]
	clear(count)
	total := 0
	for _, c := range w.workers {
		for i := range c.out {
			count[c.out[i].cause.rank+1]++
		}
		total += len(c.out)
	}
	for r := 1; r < len(count); r++ {
		count[r] += count[r-1]
	}
	order := slices.Grow(w.order[:0], total)[:total]
	for k, c := range w.workers {
		for i := range c.out { // stable: a cause's effects are one worker's, in order
			r := c.out[i].cause.rank
			order[count[r]] = effectAt{worker: int32(k), i: int32(i)}
			count[r]++
		}
	}
	for _, o := range order {
		l.enqueue(w.workers[o.worker].out[o.i].ev)
	}
	w.count, w.order = count, order
}

// effectAt names an effect: a worker and the index in its out.
type effectAt struct{ worker, i int32 }

// newWindowRunner returns nil when windows cannot help: a link without
// latency (no span), or a test asking for one event at a time.
func newWindowRunner(l *Lab) *windowRunner {
	if len(l.links) == 0 || l.opt.oneEventAtATime {
		return nil
	}
	span := l.links[0].latency
	for _, lk := range l.links {
		span = min(span, lk.latency)
	}
	if span <= 0 {
		return nil
	}
	w := &windowRunner{l: l, span: span, b: newBuckets(span), byNode: make([][]rankedEvent, len(l.nodes)),
		minParallel: minParallelEvents}
	if l.opt.parallelFrom > 0 {
		w.minParallel = l.opt.parallelFrom
	}
	for range max(1, runtime.GOMAXPROCS(0)) {
		c := &cursor{l: l, tally: &tally{stats: runStats{depthHist: map[int]int{}}}}
		if l.trace != nil {
			c.trace = newMemTracer()
		}
		w.workers = append(w.workers, c)
	}
	return w
}

// ready reports whether a window comes next: the earliest slot of
// one-node events starts no later than the network's next event.
func (w *windowRunner) ready() bool {
	k, ok := w.b.first()
	return ok && (w.l.q.len() == 0 || w.l.q.items[0].t >= k*w.span)
}

// run takes the earliest slot of one-node events (up to the network's next
// event, when that falls in the slot), steps them and merges what they
// did. It reports false when the network's event must run first (it is
// the earliest of all).
func (w *windowRunner) run() bool {
	l := w.l
	k, _ := w.b.first()
	start := k * w.span
	end := start + w.span
	evs := w.b.take()
	evs, w.scratch = sortByTime(evs, w.scratch, start, w.span)
	take := len(evs)
	if l.q.len() > 0 && l.q.items[0].t < end {
		// The network's event ends the window: what follows it waits.
		g := &l.q.items[0]
		end = g.t
		take, _ = slices.BinarySearchFunc(evs, g, func(e event, g *event) int {
			if less(&e, g) {
				return -1
			}
			return 1
		})
		rest := evs[take:]
		slices.SortStableFunc(rest, func(a, b event) int { return cmp.Compare(a.seq, b.seq) })
		w.b.putBack(rest)
		if take == 0 {
			return false
		}
	}
	w.taken = int32(take)
	for i := range evs[:take] {
		node := evs[i].node // the receiver, for a message
		if len(w.byNode[node]) == 0 {
			w.active = append(w.active, node)
		}
		w.byNode[node] = append(w.byNode[node], rankedEvent{evs[i], int32(i)})
	}
	clear(evs) // the messages are the nodes' now
	w.b.recycle(evs)
	for _, c := range w.workers {
		c.end = end
	}
	if take < w.minParallel || len(w.workers) == 1 {
		w.work(w.workers[0])
	} else {
		w.parallel++
		var wg sync.WaitGroup
		for _, c := range w.workers[1:] {
			wg.Go(func() { w.work(c) })
		}
		w.work(w.workers[0]) // the loop's goroutine is a worker too
		wg.Wait()
	}
	w.merge()
	for _, node := range w.active {
		clear(w.byNode[node])
		w.byNode[node] = w.byNode[node][:0]
	}
	w.active = w.active[:0]
	w.next.Store(0)
	w.taken = 0
	return true
}

// work steps nodes of the window, each node's events in queue order, until
// no node is left (a worker claims the next node when done with one).
func (w *windowRunner) work(c *cursor) {
	for {
		k := w.next.Add(1) - 1
		if k >= int64(len(w.active)) {
			return
		}
		node := w.active[k]
		c.runNode(w.l.nodes[node], w.byNode[node])
	}
}

// rankedEvent is an event of a window with its rank (the order it left
// the queue in).
type rankedEvent struct {
	e    event
	rank int32
}

// runNode steps one node's events of the window in queue order, with the
// node's own wake-ups that fall in the window.
func (c *cursor) runNode(n *simNode, evs []rankedEvent) {
	c.node = int32(n.idx)
	c.local = c.local[:0]
	c.localSq = 0
	for {
		var e event
		rank := int32(-1)
		li := c.earliestLocal()
		switch {
		case len(evs) > 0 && (li < 0 || less(&evs[0].e, &c.local[li])):
			e, rank, evs = evs[0].e, evs[0].rank, evs[1:]
		case li >= 0:
			e = c.local[li]
			c.local = slices.Delete(c.local, li, li+1)
			c.ranUnranked = true
		default:
			return
		}
		c.now = e.t
		c.maxNow = max(c.maxNow, e.t)
		c.cause = eventKey{t: e.t, seq: e.seq, node: c.node, rank: rank}
		c.tally.events++
		from := 0
		if c.trace != nil {
			from = c.trace.mem.Len()
		}
		if e.kind == evDeliver {
			c.deliver(e)
		} else {
			c.wake(e)
		}
		c.fileLines(from)
	}
}

func (c *cursor) earliestLocal() int {
	best := -1
	for i := range c.local {
		if best < 0 || less(&c.local[i], &c.local[best]) {
			best = i
		}
	}
	return best
}

// merge carries what the window's steps did into the lab, in event order.
func (w *windowRunner) merge() {
	l := w.l
	later := w.later[:0]
	unranked := false
	for _, c := range w.workers {
		later = append(later, c.later...)
		for _, h := range c.heldNotes {
			r := l.blocks[h.id]
			r.heldAt = append(r.heldAt, h.t)
		}
		l.tally.add(c.tally)
		l.now = max(l.now, c.maxNow)
		unranked = unranked || c.ranUnranked
	}
	// Each worker's effects are in the order of its nodes.
	w.enqueueByCause(unranked)
	if len(later) > 0 {
		slices.SortFunc(later, func(a, b laterNote) int { return inCauseOrder(a.cause, a.idx, b.cause, b.idx) })
		for i, n := range later {
			n.do(l)
			later[i].do = nil
		}
	}
	w.later = later
	if l.trace != nil {
		w.writeLines()
	}
	for _, c := range w.workers {
		clear(c.out) // the messages are the queue's now
		c.out = c.out[:0]
		c.later = c.later[:0]
		c.heldNotes = c.heldNotes[:0]
		c.tally.reset()
		c.maxNow = 0
		c.ranUnranked = false
	}
}

// writeLines writes the window's trace lines in event order.
func (w *windowRunner) writeLines() {
	type line struct {
		tracedLine
		c *cursor
	}
	var lines []line
	for _, c := range w.workers {
		for _, t := range c.traced {
			lines = append(lines, line{t, c})
		}
	}
	slices.SortFunc(lines, func(a, b line) int { return a.cause.compare(b.cause) })
	for _, ln := range lines {
		w.l.trace.raw(ln.c.trace.mem.Bytes()[ln.from:ln.to])
	}
	for _, c := range w.workers {
		c.traced = c.traced[:0]
		c.trace.mem.Reset()
	}
}
