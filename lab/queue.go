package lab

// eventKind says what an event does when its time comes.
type eventKind uint8

const (
	evDeliver   eventKind = iota + 1 // a message arrives at the far end of a link
	evMine                           // the network finds its next block
	evWake                           // a node's core asked to be woken (a deadline)
	evPartition                      // a partition starts
	evHeal                           // a partition heals
	evChurn                          // a node leaves or joins
	evTx                             // the wallet sends its next transaction
	evStop                           // stop.virtual_seconds: mining ends
	evRedial                         // a dropped connection is dialled again
	evDrop                           // a connection a node dropped goes down
	evBan                            // a node banned the peer of a connection
)

// oneNode reports whether an event of this kind touches one node only (the
// one it is addressed to), so that it may run in a window (window.go).
func (k eventKind) oneNode() bool { return k == evDeliver || k == evWake }

// event is one entry of the queue. Ties in time are broken by seq, the
// order in which events were scheduled, so a run never depends on anything
// but its config and seed.
type event struct {
	t     int64 // virtual microseconds
	seq   uint64
	kind  eventKind
	node  int32  // evDeliver: the receiver; evWake: the node; evDrop, evBan: the node that dropped or banned
	link  int32  // evDeliver: the sender's entry in the receiver's neighbours; evPartition/evHeal/evChurn: index in the config
	epoch uint32 // evDeliver, evDrop, evBan: the link's connection epoch then; evMine: the draw
	msg   any    // evDeliver: the message; evBan: the ban's end (int64 microseconds)
}

// queue is a binary min-heap of events by (t, seq).
type queue struct {
	items []event
	seq   uint64
}

func (q *queue) len() int { return len(q.items) }

func less(a, b *event) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	return a.seq < b.seq
}

// nextSeq numbers an event scheduled elsewhere (window.go's slots).
func (q *queue) nextSeq() uint64 {
	q.seq++
	return q.seq
}

// push schedules e (its seq is assigned here).
func (q *queue) push(e event) {
	q.seq++
	e.seq = q.seq
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(&q.items[i], &q.items[p]) {
			break
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

// pop removes and returns the earliest event.
func (q *queue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = event{}
	q.items = q.items[:last]
	i, n := 0, last
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && less(&q.items[r], &q.items[l]) {
			m = r
		}
		if !less(&q.items[m], &q.items[i]) {
			break
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
	return top
}
