package lab

import (
	"math"
	"slices"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/protocol"
)

// link is one direction of a connection between two nodes (links 2e and
// 2e+1 are edge e from a to b and back). Its latency is drawn once; with a
// bandwidth, messages queue behind each other (busyUntil), so a link
// delivers in the order it was given messages.
type link struct {
	latency   int64 // microseconds
	busyUntil int64
	// epoch changes when the connection drops: a message sent in an older
	// epoch is lost with the connection.
	epoch uint32
}

// edgeState is the connection state of an undirected edge.
type edgeState struct {
	up bool
	// notBefore: after a node dropped or banned the other, the connection
	// is redialled no earlier than this.
	notBefore int64
	redialing bool
}

// redialDelay is how long a node waits to redial a peer it dropped (the
// libp2p driver's first backoff step).
const redialDelay = 10_000_000

func (l *Lab) buildLinks() {
	rng := l.rng(streamLatency, 0)
	override := map[[2]int]int64{}
	for _, o := range l.cfg.Links {
		override[[2]int{o.From, o.To}] = msToUS(o.LatencyMS)
	}
	l.links = make([]link, 2*len(l.edges))
	l.edgeState = make([]edgeState, len(l.edges))
	for i, e := range l.edges {
		lat := drawLatencyUS(l.cfg.LatencyMS, rng)
		ab, ba := lat, lat
		if v, ok := override[[2]int{e.a, e.b}]; ok {
			ab = v
		}
		if v, ok := override[[2]int{e.b, e.a}]; ok {
			ba = v
		}
		l.links[2*i] = link{latency: ab}
		l.links[2*i+1] = link{latency: ba}
	}
}

// attachLinks gives every node its neighbours (after the nodes exist).
func (l *Lab) attachLinks() {
	l.edgeSlots = make([][2]int32, len(l.edges))
	for i, e := range l.edges {
		na, nb := l.nodes[e.a], l.nodes[e.b]
		ia := na.addNeighbour(neighbour{peer: int32(e.b), edge: int32(i), link: int32(2 * i), back: int32(len(nb.nb)),
			latency: l.links[2*i].latency})
		ib := nb.addNeighbour(neighbour{peer: int32(e.a), edge: int32(i), link: int32(2*i + 1), back: int32(ia),
			latency: l.links[2*i+1].latency})
		l.edgeSlots[i] = [2]int32{int32(ia), int32(ib)}
	}
}

// mirrorEdge copies edge e's state into its two nodes' neighbour entries.
func (l *Lab) mirrorEdge(e int) {
	a, b := l.edges[e].a, l.edges[e].b
	up, epoch := l.edgeState[e].up, l.links[2*e].epoch
	for k, n := range [2]int{a, b} {
		x := &l.nodes[n].nb[l.edgeSlots[e][k]]
		x.up, x.epoch = up, epoch
	}
}

// requestSlack is what the lab adds to the core's request deadlines: a
// round trip over the slowest link, and, with a bandwidth, the time to send
// a full batch of the largest blocks twice over. The node's deadlines are
// made for internet latencies; a simulated link of seconds would otherwise
// get every peer dropped as stalled.
func (l *Lab) requestSlack() time.Duration {
	var slowest int64
	for _, lk := range l.links {
		slowest = max(slowest, lk.latency)
	}
	us := 2 * slowest
	if bw := l.cfg.BandwidthMbps; bw > 0 {
		us += int64(math.Ceil(2 * float64(l.params.MaxBlockBytes) * 8 / bw))
	}
	return time.Duration(us) * time.Microsecond
}

// canConnect reports whether nodes a and b may hold a connection now: both
// online and in the same group of every partition in force.
func (l *Lab) canConnect(a, b int) bool {
	if !l.nodes[a].online || !l.nodes[b].online {
		return false
	}
	for _, pi := range l.active {
		if groupOf(l.cfg.Partitions[pi].Groups, a) != groupOf(l.cfg.Partitions[pi].Groups, b) {
			return false
		}
	}
	return true
}

// groupOf returns the index of the group holding node, or -1 when no group
// lists it (the unlisted nodes form one more group).
func groupOf(groups [][]int, node int) int {
	for g, grp := range groups {
		if slices.Contains(grp, node) {
			return g
		}
	}
	return -1
}

func (l *Lab) connectInitial() {
	for i := range l.nodes {
		l.nodes[i].online = true
	}
	for _, c := range l.cfg.Churn {
		// A node whose first churn action is a join starts offline.
		first := true
		for _, d := range l.cfg.Churn {
			if d.Node == c.Node && d.AtS < c.AtS {
				first = false
			}
		}
		if first && c.Action == "join" {
			l.nodes[c.Node].online = false
		}
	}
	for e := range l.edges {
		l.connect(e)
	}
}

// connect brings edge e up when its nodes may connect, and tells both
// cores: the lower-numbered node dialled.
func (l *Lab) connect(e int) {
	st := &l.edgeState[e]
	a, b := l.edges[e].a, l.edges[e].b
	if st.up || !l.canConnect(a, b) || st.notBefore > l.now {
		return
	}
	st.up = true
	l.mirrorEdge(e)
	l.trace.link(l.now, "connected", a, b)
	na, nb := l.nodes[a], l.nodes[b]
	delete(na.cut, b)
	delete(nb.cut, a)
	l.serial.step(na, protocol.PeerConnected{Peer: nb.name, Inbound: false})
	l.serial.step(nb, protocol.PeerConnected{Peer: na.name, Inbound: true})
}

// disconnect takes edge e down: messages in flight on it are lost, and
// both cores hear the peer went away (skip: a node whose core dropped the
// peer itself).
func (l *Lab) disconnect(e int, skip int) {
	st := &l.edgeState[e]
	if !st.up {
		return
	}
	st.up = false
	for _, li := range []int{2 * e, 2*e + 1} {
		l.links[li].epoch++
		l.links[li].busyUntil = 0
	}
	l.mirrorEdge(e)
	a, b := l.edges[e].a, l.edges[e].b
	delete(l.nodes[a].cut, b)
	delete(l.nodes[b].cut, a)
	l.trace.link(l.now, "disconnected", a, b)
	if a != skip {
		l.serial.step(l.nodes[a], protocol.PeerDisconnected{Peer: l.nodes[b].name})
	}
	if b != skip {
		l.serial.step(l.nodes[b], protocol.PeerDisconnected{Peer: l.nodes[a].name})
	}
}

// dropped handles a core's Disconnect of a peer. The node stops sending to
// and hearing the peer at once; the connection goes down a link latency
// later, when the peer hears of it (dropConnection), and is redialled after
// a delay (or when a ban ends), as the node's dialer does. The delay keeps
// a step from touching another node, which a window's steps may not (see
// window.go).
func (c *cursor) dropped(n *simNode, x *neighbour) {
	if n.cut == nil {
		n.cut = map[int]bool{}
	}
	n.cut[int(x.peer)] = true
	c.push(event{t: c.now + x.latency, kind: evDrop, node: int32(n.idx), link: x.edge, epoch: x.epoch})
}

// banned handles a core's Ban of a peer: the connection is not redialled
// before until (the lab learns of it with the drop, a link latency later).
func (c *cursor) banned(n *simNode, x *neighbour, until int64) {
	c.push(event{t: c.now + x.latency, kind: evBan, node: int32(n.idx), link: x.edge, epoch: x.epoch, msg: until})
}

// dropConnection takes down the connection a node dropped (evDrop), unless
// it went down and came back since.
func (l *Lab) dropConnection(ev event) {
	e := int(ev.link)
	n := l.nodes[ev.node]
	if l.links[2*e].epoch != ev.epoch {
		return
	}
	st := &l.edgeState[e]
	st.notBefore = max(st.notBefore, l.now+redialDelay)
	l.disconnect(e, n.idx)
	if !st.redialing {
		st.redialing = true
		l.q.push(event{t: st.notBefore, kind: evRedial, link: int32(e)})
	}
}

// banConnection keeps a banned peer's connection down until the ban ends
// (evBan).
func (l *Lab) banConnection(ev event) {
	if l.links[2*ev.link].epoch != ev.epoch {
		return
	}
	st := &l.edgeState[ev.link]
	st.notBefore = max(st.notBefore, ev.msg.(int64))
}

func (l *Lab) redial(e int) {
	st := &l.edgeState[e]
	st.redialing = false
	if st.notBefore > l.now {
		st.redialing = true
		l.q.push(event{t: st.notBefore, kind: evRedial, link: int32(e)})
		return
	}
	l.connect(e)
}

func (l *Lab) startPartition(i int) {
	l.active = append(l.active, i)
	l.trace.partition(l.now, l.cfg.Partitions[i].Groups)
	for e, st := range l.edgeState {
		if st.up && !l.canConnect(l.edges[e].a, l.edges[e].b) {
			l.disconnect(e, -1)
		}
	}
}

func (l *Lab) healPartition(i int) {
	l.active = slices.DeleteFunc(l.active, func(x int) bool { return x == i })
	l.trace.heal(l.now)
	for e := range l.edgeState {
		l.connect(e)
	}
}

func (l *Lab) churn(i int) {
	c := l.cfg.Churn[i]
	n := l.nodes[c.Node]
	switch c.Action {
	case "leave":
		if !n.online {
			return
		}
		l.trace.nodeEvent(l.now, "leave", c.Node)
		for _, x := range n.nb {
			l.disconnect(int(x.edge), -1)
		}
		n.online = false
	case "join":
		if n.online {
			return
		}
		n.online = true
		l.trace.nodeEvent(l.now, "join", c.Node)
		for _, x := range n.nb {
			l.connect(int(x.edge))
		}
	}
	l.rescheduleMining()
}

// sendTo puts a message on the link from n to a neighbour; it is lost
// when the connection is down.
func (c *cursor) sendTo(n *simNode, x *neighbour, m protocol.Message, size int) {
	if !x.up {
		c.tally.stats.dropped++
		return
	}
	c.transmit(n, x, m, size)
}

// transmit sends on a connection that is up.
func (c *cursor) transmit(n *simNode, x *neighbour, m protocol.Message, size int) {
	l := c.l
	depart := c.now
	if bw := l.cfg.BandwidthMbps; bw > 0 {
		lk := &l.links[x.link] // n's side of the link: only n's steps write it
		depart = max(depart, lk.busyUntil) + int64(math.Ceil(float64(size)*8/bw))
		lk.busyUntil = depart
	}
	c.tally.stats.sent++
	c.tally.stats.bytes += uint64(size)
	c.tally.inFlight++
	if l.opt.TraceMessages {
		c.trace.message(c.now, "sent", n.idx, int(x.peer), m.Kind(), size, messageHash(m))
	}
	c.push(event{t: depart + x.latency, kind: evDeliver, node: x.peer, link: int32(x.back), epoch: x.epoch, msg: m})
}

// deliver hands a message to the core at the far end of its link.
func (c *cursor) deliver(e event) {
	l := c.l
	c.tally.inFlight--
	to := l.nodes[e.node]
	x := &to.nb[e.link] // the receiver's view of the connection
	from := int(x.peer)
	if x.epoch != e.epoch || !x.up || to.cutOff(from) {
		c.tally.stats.dropped++
		return
	}
	c.tally.stats.delivered++
	m := e.msg.(protocol.Message)
	if l.opt.TraceMessages {
		c.trace.message(c.now, "received", from, to.idx, m.Kind(), messageSize(m), messageHash(m))
	}
	// GossipSub's seen cache: the p2p driver hands a gossiped block or
	// transaction to the core once, from the first peer that sent it. The
	// block the node saw last is recognised by its pointer (the lab carries
	// one value per mined block), the others by id.
	if nb, ok := m.(protocol.NewBlock); ok && to.seen.repeatsLast(nb.Block, c.now) {
		c.tally.stats.duplicates++
		return
	}
	if id, gossip := l.gossipID(m); gossip {
		if !to.seen.add(id, c.now) {
			c.tally.stats.duplicates++
			return
		}
		if nb, ok := m.(protocol.NewBlock); ok {
			to.seen.lastBlock = nb.Block
		}
	}
	c.step(to, protocol.Received{From: l.nodes[from].name, Msg: m})
	c.afterReceive(to, m)
}

// gossipID is a gossip message's id (GossipSub's content-hash message id:
// one block or transaction is one message whoever relays it). A mined
// block's is computed once for all nodes, when it is mined: the hash of an
// immutable block is shared work, as a signature cache is.
func (l *Lab) gossipID(m protocol.Message) (chain.Hash, bool) {
	switch m := m.(type) {
	case protocol.NewBlock:
		return l.hashOf(m.Block), true
	case protocol.NewTx:
		h := m.Tx.TxID()
		h[0] ^= 1 // a txid and a block hash never share an id
		return h, true
	}
	return chain.Hash{}, false
}

// seenCache remembers the gossip message ids a node received for
// seenTTL, as GossipSub's seen cache does (its default TTL is 2 minutes).
type seenCache struct {
	at     map[chain.Hash]int64
	pruned int64
	// last and lastAt repeat the entry added last: most duplicates are of
	// it (a block arrives from every neighbour within a latency), and they
	// are answered without the map.
	last   chain.Hash
	lastAt int64
	// lastBlock is the block whose id is last, when the last id added was
	// a block's.
	lastBlock *chain.Block
}

// repeatsLast reports whether b is the block added last, still within the
// TTL: a duplicate, known without its id.
func (c *seenCache) repeatsLast(b *chain.Block, now int64) bool {
	return b == c.lastBlock && c.lastBlock != nil && now-c.lastAt < seenTTL
}

const seenTTL = 120_000_000

// add records id at time now and reports whether it was new.
func (c *seenCache) add(id chain.Hash, now int64) bool {
	if c.at == nil {
		c.at = map[chain.Hash]int64{}
	} else if id == c.last && now-c.lastAt < seenTTL {
		return false
	}
	if t, ok := c.at[id]; ok && now-t < seenTTL {
		return false
	}
	c.at[id] = now
	c.last, c.lastAt, c.lastBlock = id, now, nil
	if now-c.pruned > seenTTL {
		c.pruned = now
		for k, t := range c.at {
			if now-t >= seenTTL {
				delete(c.at, k)
			}
		}
	}
	return true
}
