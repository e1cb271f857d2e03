package lab

import (
	"cmp"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/protocol"
)

// A cursor is where a simulated node's step meets the world outside the
// node: the clock it reads, the queue its messages and wake-ups go to, the
// trace and the run's counters. Events that touch one node only (a message
// arriving, a wake-up) may run on any core, several nodes at once (see
// window.go); everything else runs on the lab's own cursor, which writes
// straight to the lab. A worker's cursor instead keeps what its steps did,
// and the lab merges it in the order the events would have run one after
// the other, so a run's bytes do not depend on how many cores stepped it.
type cursor struct {
	l   *Lab
	now int64

	// direct: the lab's own cursor (queue, trace, counters are the lab's).
	direct bool
	trace  *tracer
	tally  *tally
	// actions is the slice the cursor lends cores for their actions.
	actions []protocol.Action

	// A worker's cursor: the event being handled (every effect is filed
	// under it), the window's end (a node's own wake-up before it is
	// handled in the window) and what the window's steps produced.
	node    int32
	cause   eventKey
	end     int64
	local   []event // the current node's own wake-ups within the window
	localSq uint64
	// ranUnranked: one of those ran (its effects need a comparison sort).
	ranUnranked bool
	out         []effect
	traced      []tracedLine
	heldNotes   []heldNote
	later       []laterNote
	maxNow      int64
}

// tally is the run's counters; a worker keeps its own, added at the merge.
type tally struct {
	stats runStats
	// inFlight counts messages scheduled and not yet delivered or dropped.
	inFlight int
	events   uint64
}

func (t *tally) add(o *tally) {
	t.stats.reorgs += o.stats.reorgs
	t.stats.maxDepth = max(t.stats.maxDepth, o.stats.maxDepth)
	for d, c := range o.stats.depthHist {
		t.stats.depthHist[d] += c
	}
	t.stats.sent += o.stats.sent
	t.stats.delivered += o.stats.delivered
	t.stats.dropped += o.stats.dropped
	t.stats.bytes += o.stats.bytes
	t.stats.duplicates += o.stats.duplicates
	t.inFlight += o.inFlight
	t.events += o.events
}

func (t *tally) reset() {
	*t = tally{stats: runStats{depthHist: t.stats.depthHist}}
	clear(t.stats.depthHist)
}

// eventKey orders the events of a window as the queue would have run
// them: by time, then by the order they were scheduled, then (for two
// nodes' own wake-ups scheduled in the same window) by node. rank is the
// order an event left the queue in (-1: a node's own wake-up in the
// window), which agrees with that order for the events that have one.
type eventKey struct {
	t    int64
	seq  uint64
	node int32
	rank int32
}

func (a eventKey) compare(b eventKey) int {
	switch {
	case a.t != b.t:
		return cmp.Compare(a.t, b.t)
	case a.seq != b.seq:
		return cmp.Compare(a.seq, b.seq)
	default:
		return cmp.Compare(a.node, b.node)
	}
}

// inCauseOrder orders two things a window's steps did: by their causes,
// then, for one cause, in the order the step did them.
func inCauseOrder(ac eventKey, ai int, bc eventKey, bi int) int {
	if d := ac.compare(bc); d != 0 {
		return d
	}
	return cmp.Compare(ai, bi)
}

// effect is an event a worker's step scheduled for the lab's queue, filed
// under its cause (idx keeps the step's own order).
type effect struct {
	cause eventKey
	idx   int
	ev    event
}

// tracedLine is a trace line (bytes [from, to) of the worker's trace
// buffer) filed under its cause.
type tracedLine struct {
	cause    eventKey
	from, to int
}

// heldNote: a node came to hold a block (the block record is the lab's;
// its times are sorted when the run ends, so their order does not matter).
type heldNote struct {
	id int32
	t  int64
}

// laterNote is a change to the lab's shared records that a worker's step
// leaves to the merge.
type laterNote struct {
	cause eventKey
	idx   int
	do    func(l *Lab)
}

// push schedules e: at once on the lab's cursor; on a worker's, a wake-up
// of the node being stepped that falls in the window stays in the window,
// anything else waits for the merge.
func (c *cursor) push(e event) {
	if c.direct {
		c.l.enqueue(e)
		return
	}
	if e.kind == evWake && e.node == c.node && e.t < c.end {
		c.localSq++
		e.seq = c.l.q.seq + c.localSq // after every event already queued
		c.local = append(c.local, e)
		return
	}
	c.out = append(c.out, effect{cause: c.cause, idx: len(c.out), ev: e})
}

// shared runs f on the lab's shared records: now on the lab's cursor, at
// the merge (in event order) on a worker's.
func (c *cursor) shared(f func(l *Lab)) {
	if c.direct {
		f(c.l)
		return
	}
	c.later = append(c.later, laterNote{cause: c.cause, idx: len(c.later), do: f})
}

// held records that node i holds block id now (the first time only).
func (c *cursor) held(id int32, i int) {
	r := c.l.blocks[id]
	if r.heldBy[i] { // a node's own entry: only its steps write it
		return
	}
	r.heldBy[i] = true
	if c.direct {
		r.heldAt = append(r.heldAt, c.now)
		return
	}
	c.heldNotes = append(c.heldNotes, heldNote{id: id, t: c.now})
}

func (c *cursor) heldHash(h chain.Hash, i int) {
	if id, ok := c.l.byHash[h]; ok {
		c.held(id, i)
	}
}

// fileLines files the trace lines a worker's event wrote since from under
// the event.
func (c *cursor) fileLines(from int) {
	if c.direct || c.trace == nil {
		return
	}
	if to := c.trace.mem.Len(); to > from {
		c.traced = append(c.traced, tracedLine{cause: c.cause, from: from, to: to})
	}
}
