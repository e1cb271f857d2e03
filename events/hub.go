// Package events carries what happens in a node to whoever listens: blocks
// connected and disconnected, tip changes, transactions accepted to the
// mempool, peers coming and going.
//
// The node publishes to a Hub; the Hub fans each event out to its
// subscribers, and ServeHTTP streams a subscription to an HTTP client as
// Server-Sent Events (the node's GET /events). Publishing never waits for a
// subscriber: each one has a bounded buffer, and one that falls that far
// behind is dropped — its stream ends with a final `dropped` event, so the
// client knows it missed events and must resynchronise (reconnect and ask
// the node for its state) rather than trust a stream with holes.
package events

import (
	"encoding/json"
	"sync"
)

// Event names, as SPEC section 8 fixes them.
const (
	BlockConnected    = "block_connected"
	BlockDisconnected = "block_disconnected"
	TipChanged        = "tip_changed"
	TxAccepted        = "tx_accepted"
	PeerConnected     = "peer_connected"
	PeerDisconnected  = "peer_disconnected"
	// Dropped is the last event of a stream whose subscriber fell behind.
	Dropped = "dropped"
)

// Names lists the events a node publishes, in no particular order.
var Names = []string{BlockConnected, BlockDisconnected, TipChanged, TxAccepted, PeerConnected, PeerDisconnected}

// Message is one published event: a sequence number (the SSE id, growing
// by one per event the hub published), a name and its JSON data.
type Message struct {
	Seq  uint64
	Name string
	Data json.RawMessage
}

// Event is an event to publish: its name and a JSON-encodable value.
type Event struct {
	Name string
	Data any
}

// DefaultBuffer is how many events a subscriber may lag behind before it is
// dropped: room for a reorg of about 2,000 blocks (a disconnect and a
// connect each) between two reads.
const DefaultBuffer = 4096

// MaxSubscribers bounds the hub's subscribers: each holds a buffer.
const MaxSubscribers = 64

// Hub fans events out to subscribers. The zero value is not usable; call
// NewHub. It is safe for concurrent use.
type Hub struct {
	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	seq     uint64
	dropped uint64 // subscribers dropped for falling behind
	closed  bool
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub {
	return &Hub{subs: map[*Subscription]struct{}{}}
}

// Subscription receives a hub's events on C, in publication order, from
// the moment Subscribe returned. C is closed when the subscription ends:
// by Close, by the hub's Close, or because the subscriber fell behind
// (Lagged then reports true).
type Subscription struct {
	C <-chan Message

	ch     chan Message
	hub    *Hub
	filter map[string]bool // nil: every event
	lagged bool            // guarded by hub.mu
	ended  bool            // guarded by hub.mu
}

// Subscribe starts a subscription with room for buffer events (at least
// 1; DefaultBuffer when 0). Names, when given, keep only those events.
// ok is false when the hub is closed or has MaxSubscribers already.
func (h *Hub) Subscribe(buffer int, names ...string) (sub *Subscription, ok bool) {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	ch := make(chan Message, buffer)
	sub = &Subscription{C: ch, ch: ch, hub: h}
	if len(names) > 0 {
		sub.filter = map[string]bool{}
		for _, n := range names {
			sub.filter[n] = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.subs) >= MaxSubscribers {
		sub.ended = true
		close(ch)
		return sub, false
	}
	h.subs[sub] = struct{}{}
	return sub, true
}

// PublishFunc publishes the n events build returns, building them only
// when someone listens: with no subscriber they just take their sequence
// numbers, as Publish would have given them. A node syncing thousands of
// blocks with nobody on GET /events encodes none of them. Whether anyone
// listens is decided under the hub's lock, so a subscription made at the
// same time either receives the events or starts after their numbers.
func (h *Hub) PublishFunc(n int, build func() []Event) {
	h.mu.Lock()
	if len(h.subs) == 0 {
		if !h.closed {
			h.seq += uint64(n)
		}
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	h.Publish(build()...)
}

// Publish sends events to every subscriber, in order and contiguously (no
// event of another Publish call comes between them). It never blocks: a
// subscriber without room for all of them is dropped. A value that cannot
// be encoded is published as null rather than lost from the sequence.
func (h *Hub) Publish(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	h.mu.Lock()
	if len(h.subs) == 0 {
		// Nobody listens: the events take their numbers, unencoded.
		if !h.closed {
			h.seq += uint64(len(evs))
		}
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	msgs := make([]Message, len(evs))
	for i, e := range evs {
		data, err := json.Marshal(e.Data)
		if err != nil {
			data = []byte("null")
		}
		msgs[i] = Message{Name: e.Name, Data: data}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for i := range msgs {
		h.seq++
		msgs[i].Seq = h.seq
	}
	for sub := range h.subs {
		if !sub.deliver(msgs) {
			h.dropped++
		}
	}
}

// deliver queues msgs for the subscriber, or drops it (and returns false)
// when they do not all fit. The caller holds hub.mu.
func (s *Subscription) deliver(msgs []Message) bool {
	want := len(msgs)
	if s.filter != nil {
		want = 0
		for _, m := range msgs {
			if s.filter[m.Name] {
				want++
			}
		}
	}
	if want == 0 {
		return true
	}
	if cap(s.ch)-len(s.ch) < want {
		s.lagged = true
		s.end()
		return false
	}
	for _, m := range msgs {
		if s.filter == nil || s.filter[m.Name] {
			s.ch <- m // room was checked above, and only Publish sends, under hub.mu
		}
	}
	return true
}

// end removes the subscription and closes its channel. The caller holds hub.mu.
func (s *Subscription) end() {
	if s.ended {
		return
	}
	s.ended = true
	delete(s.hub.subs, s)
	close(s.ch)
}

// Close ends the subscription; C is closed (events already queued on it
// may still be read).
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.end()
}

// Lagged reports whether the subscription was ended because the subscriber
// fell behind.
func (s *Subscription) Lagged() bool {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.lagged
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Dropped returns how many subscribers were dropped for falling behind.
func (h *Hub) Dropped() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}

// Close ends every subscription and refuses new ones: the node is
// stopping, and the HTTP streams must end for its server to shut down.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for sub := range h.subs {
		sub.end()
	}
}
