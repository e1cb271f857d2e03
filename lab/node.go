package lab

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/protocol"
)

// simNode is one simulated node: the real protocol core, consensus engine
// (on an in-memory store) and mempool, as `node run` wires them. The lab is
// its driver: it carries the core's messages and feeds it events.
type simNode struct {
	idx    int
	name   protocol.PeerID
	engine *consensus.Engine
	pool   *mempool.Pool
	core   *protocol.Core
	payTo  *chain.Address // derived when the node first mines (payAddress)
	online bool

	// nb are the node's neighbours in the order of the edges; slotOf maps
	// a neighbour's index to its entry.
	nb     []neighbour
	slotOf map[int]int32

	miner    int      // index in cfg.Miners, -1 when the node does not mine
	strategy strategy // nil when the node does not mine
	tip      chain.Hash
	tipH     uint32
	// wakeAt is the time of the earliest wake scheduled (0: none).
	wakeAt int64
	// seen is the driver's gossip seen cache.
	seen seenCache
	// cut holds the peers the node's core dropped whose connection the
	// lab has not taken down yet (the peer hears of it a link latency
	// later): the node neither sends to them nor hears them meanwhile.
	cut map[int]bool
}

// cutOff reports whether n dropped peer and the connection is going down.
func (n *simNode) cutOff(peer int) bool { return len(n.cut) > 0 && n.cut[peer] }

// tickEvent wakes a core at a deadline.
var tickEvent = protocol.Tick{}

// labStatusInterval is how often a lab node polls its peers' status. The
// node's default (1 s) would add two messages per link per virtual second;
// in the lab no message is lost, so gossip, orphan requests and the status
// exchange on every (re)connection keep nodes in step, and the poll is a
// rare safety net.
const labStatusInterval = 24 * time.Hour

// sharedStore is what every simulated node may share: verdicts on
// signatures and the bytes of immutable blocks, never chain state.
type sharedStore struct {
	sigCache consensus.SigCache
	blocks   *store.BlockBytes
}

// labIndexers returns the optional indexes a simulated node keeps. Nobody
// asks a lab node for an address's history, so it keeps none; it keeps the
// transaction index only when transactions flow, because the mempool
// consults it to tell a confirmed transaction from an unknown one (without
// transactions the pool is never asked).
func labIndexers(cfg *Config) []consensus.Indexer {
	if cfg.TxPerS > 0 {
		return []consensus.Indexer{consensus.TxIndex{}}
	}
	return []consensus.Indexer{}
}

func newSimNode(l *Lab, i int, shared sharedStore, slack time.Duration) (*simNode, error) {
	sigCache := shared.sigCache
	st := store.NewMemoryWith(store.MemoryOptions{NoAddressIndex: true, Blocks: shared.blocks})
	eng, err := consensus.New(consensus.Config{Params: l.params, Store: st, SigCache: sigCache, Indexers: labIndexers(l.cfg),
		BlockBytes: l.blockBytes, BlockIDs: l.blockIDs})
	if err != nil {
		return nil, fmt.Errorf("lab: node %d: %w", i, err)
	}
	pool := mempool.New(mempool.Config{Params: l.params, SigCache: sigCache})
	banScore := 0 // the node's default
	for _, m := range l.cfg.Miners {
		if m.Node == i && m.Strategy == StrategySelfish {
			// A pool far ahead hears honest blocks many blocks of work
			// below its private tip, which an honest node counts against
			// the sender; the attacker's node keeps listening instead.
			banScore = math.MaxInt32
		}
	}
	core, err := protocol.New(protocol.Config{
		Params:         l.params,
		Engine:         eng,
		Pool:           pool,
		Rand:           l.rng(streamNodes, uint64(i)),
		StatusInterval: labStatusInterval,
		BanScore:       banScore,
		StatusTimeout:  protocol.StatusTimeout + slack,
		HeadersTimeout: protocol.HeadersTimeout + slack,
		BlocksTimeout:  protocol.BlocksTimeout + slack,
	})
	if err != nil {
		return nil, fmt.Errorf("lab: node %d: %w", i, err)
	}
	tip := eng.Tip()
	return &simNode{
		idx:    i,
		name:   protocol.PeerID("n" + strconv.Itoa(i)),
		engine: eng,
		pool:   pool,
		core:   core,
		slotOf: map[int]int32{},
		miner:  -1,
		tip:    tip.Hash,
		tipH:   tip.Height,
	}, nil
}

// payAddress is the address n's mined blocks pay to.
func (n *simNode) payAddress() chain.Address {
	if n.payTo == nil {
		_, addr := nodeKey(n.idx)
		n.payTo = &addr
	}
	return *n.payTo
}

// neighbour is a node's view of one connection: what its steps read on
// every message, kept with the node rather than in the lab's tables (a
// node's own cache lines; the lab updates the copies when a connection
// comes up or goes down, between windows).
type neighbour struct {
	peer    int32
	edge    int32  // the undirected edge
	link    int32  // the directed link towards peer
	back    int32  // the index of this node in peer's nb
	up      bool   // the edge's state (edgeState.up)
	epoch   uint32 // the links' connection epoch
	latency int64  // the link's towards peer
}

func (n *simNode) addNeighbour(x neighbour) int {
	n.slotOf[int(x.peer)] = int32(len(n.nb))
	n.nb = append(n.nb, x)
	return len(n.nb) - 1
}

// neighbourOf returns n's entry for peer (nil: not a neighbour).
func (n *simNode) neighbourOf(peer int) *neighbour {
	if k, ok := n.slotOf[peer]; ok {
		return &n.nb[k]
	}
	return nil
}

// peerIndex turns a core's peer id back into a node index.
func peerIndex(p protocol.PeerID) int {
	s := string(p)
	if len(s) < 2 || s[0] != 'n' {
		return -1
	}
	i, err := strconv.Atoi(s[1:])
	if err != nil {
		return -1
	}
	return i
}

// step feeds one event to n's core and carries out its actions.
func (c *cursor) step(n *simNode, ev protocol.Event) {
	n.core.Step(wall(c.now), ev)
	c.apply(n)
}

// apply carries out the actions n's core decided, in order. The cursor
// lends the core one slice for them (taken while in use: a strategy may
// apply again from within).
func (c *cursor) apply(n *simNode) {
	for n.core.HasReady() {
		buf := n.core.AppendReady(c.actions[:0])
		c.actions = nil
		c.applyActions(n, buf)
		clear(buf)
		c.actions = buf
	}
	c.scheduleWake(n)
}

func (c *cursor) applyActions(n *simNode, actions []protocol.Action) {
	for _, a := range actions {
		switch a := a.(type) {
		case protocol.Send:
			peer := peerIndex(a.To)
			x := n.neighbourOf(peer)
			if x == nil || n.cutOff(peer) {
				continue
			}
			msg := a.Msg
			if n.strategy != nil {
				var ok bool
				if msg, ok = n.strategy.outgoing(n, msg); !ok {
					continue
				}
			}
			c.sendTo(n, x, msg, messageSize(msg))
		case protocol.Publish:
			if nb, ok := a.Msg.(protocol.NewBlock); ok && a.From != "" && n.strategy != nil && !n.strategy.relays(nb.Block) {
				continue // the miner's policy keeps a competitor's block to itself
			}
			c.publish(n, a.Msg, peerIndex(a.From))
		case protocol.Disconnect:
			if peer := peerIndex(a.Peer); peer >= 0 {
				if x := n.neighbourOf(peer); x != nil {
					c.dropped(n, x)
				}
			}
		case protocol.Penalised:
			c.trace.penalised(c.now, n.idx, peerIndex(a.Peer), a.Points, a.Reason)
		case protocol.Ban:
			c.trace.link(c.now, "banned", n.idx, peerIndex(a.Peer))
			if peer := peerIndex(a.Peer); peer >= 0 {
				if x := n.neighbourOf(peer); x != nil {
					c.banned(n, x, a.Until.Sub(wall(0)).Microseconds())
				}
			}
		case protocol.TipChanged:
			c.tipChanged(n, a)
		}
	}
}

// scheduleWake wakes the core at its next deadline (a request's, a status
// poll's, or at once while downloaded blocks wait for the engine), keeping
// at most one wake per node ahead of the others.
func (c *cursor) scheduleWake(n *simNode) {
	d, ok := n.core.NextDeadline()
	if !ok {
		return
	}
	t := max(c.now, d.Sub(wall(0)).Microseconds())
	if n.wakeAt != 0 && n.wakeAt <= t {
		return
	}
	n.wakeAt = t
	c.push(event{t: t, kind: evWake, node: int32(n.idx)})
}

// wake handles a node's wake-up.
func (c *cursor) wake(e event) {
	n := c.l.nodes[e.node]
	if n.wakeAt == e.t {
		n.wakeAt = 0
	}
	if n.online {
		c.step(n, tickEvent)
	}
}

// publish gossips a message to every connected neighbour but the one it
// came from (-1: of local origin).
func (c *cursor) publish(n *simNode, m protocol.Message, from int) {
	size := messageSize(m)
	for i := range n.nb {
		x := &n.nb[i]
		if int(x.peer) != from && x.up && !n.cutOff(int(x.peer)) {
			c.transmit(n, x, m, size)
		}
	}
}

// tipChanged records a node's new tip, and a reorg when blocks left its
// active chain.
func (c *cursor) tipChanged(n *simNode, a protocol.TipChanged) {
	for _, b := range a.Connected {
		c.heldHash(c.l.hashOf(b), n.idx)
	}
	if d := len(a.Disconnected); d > 0 {
		c.tally.stats.reorgs++
		c.tally.stats.maxDepth = max(c.tally.stats.maxDepth, d)
		c.tally.stats.depthHist[d]++
		if id, ok := c.l.byHash[a.Hash]; ok {
			c.shared(func(l *Lab) {
				r := l.blocks[id]
				r.reorgsTo++
				r.maxDepth = max(r.maxDepth, d)
			})
		}
		c.trace.reorg(c.now, n.idx, d, n.tip, a.Hash)
		c.l.wallet.reorged(n, a.Disconnected)
	}
	n.tip, n.tipH = a.Hash, a.Height
	c.trace.tip(c.now, n.idx, a.Hash, a.Height)
}

// afterReceive records the blocks a message brought that the node now
// holds, and tells the node's mining strategy.
func (c *cursor) afterReceive(n *simNode, m protocol.Message) {
	var blocks []*chain.Block
	switch m := m.(type) {
	case protocol.NewBlock:
		blocks = []*chain.Block{m.Block}
	case protocol.Blocks:
		blocks = m.Blocks
	default:
		return
	}
	for _, b := range blocks {
		h := c.l.hashOf(b)
		if n.engine.HaveBlock(h) {
			c.heldHash(h, n.idx)
		}
	}
	if n.strategy != nil {
		n.strategy.heard(c, n, blocks)
	}
}

// messageSize is the message's size on the wire (the p2p driver's
// encoding: payload bytes without framing).
func messageSize(m protocol.Message) int {
	switch m := m.(type) {
	case protocol.NewBlock:
		return m.Block.SerializeSize()
	case protocol.NewTx:
		return m.Tx.SerializeSize()
	case protocol.GetStatus:
		return 1
	case protocol.Status:
		return 2*chain.HashSize + 4 + 1 + len(m.Work.Bytes())
	case protocol.GetHeaders:
		return 2 + len(m.Locator)*chain.HashSize + 2
	case protocol.Headers:
		return len(m.Headers) * chain.HeaderSize
	case protocol.GetBlocks:
		return 3 + len(m.Hashes)*chain.HashSize
	case protocol.Blocks:
		s := 0
		for _, b := range m.Blocks {
			s += b.SerializeSize() + 3
		}
		return s
	}
	return 0
}

// messageHash is the hash a message is about, for the trace.
func messageHash(m protocol.Message) *chain.Hash {
	switch m := m.(type) {
	case protocol.NewBlock:
		h := m.Block.Hash()
		return &h
	case protocol.NewTx:
		h := m.Tx.TxID()
		return &h
	}
	return nil
}
