package protocol

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// peer is what the core knows of a connected peer.
type peer struct {
	id      PeerID
	inbound bool
	addr    string
	status  *Status // its last answer, nil before the first
	// useless is a tip whose chain could not be taken from this peer: it
	// is not synced from again until its tip changes.
	useless *Status
	// waitStatus: a sync from it broke off (a stream, not a verdict); it
	// is tried again once it has answered a status.
	waitStatus bool
	askedFor   RequestID // its outstanding GetStatus, 0 when none
}

// record is what the core remembers of a peer id whether or not it is
// connected: its misbehaviour, its ban, its stalls.
type record struct {
	score        int
	bannedUntil  time.Time
	stallUntil   time.Time
	stallBackoff time.Duration
	lastSeen     time.Time
}

// requestKind says what an outstanding request is for.
type requestKind int

const (
	reqStatus requestKind = iota + 1
	reqHeaders
	reqBlocks
)

// request is one the core sent and awaits the answer to.
type request struct {
	id       RequestID
	peer     PeerID
	kind     requestKind
	deadline time.Time
	batch    *batch // for reqBlocks
}

func (c *Core) newRequest(p PeerID, kind requestKind, timeout time.Duration) *request {
	c.nextID++
	r := &request{id: c.nextID, peer: p, kind: kind, deadline: c.now.Add(timeout)}
	c.pending[r.id] = r
	if len(c.pending) == 1 || c.earliest.IsZero() || r.deadline.Before(c.earliest) {
		c.earliest = r.deadline
	}
	return r
}

// record returns the peer id's record, making room for it in the bounded
// table when it is new: the entry dropped is the least harmful one (not
// banned, lowest score, longest unseen).
func (c *Core) record(p PeerID) *record {
	if r := c.records[p]; r != nil {
		return r
	}
	if len(c.records) >= c.cfg.MaxPeerRecords {
		var victim PeerID
		var worst *record
		for _, id := range sortedKeys(c.records) {
			r := c.records[id]
			if c.peers[id] != nil {
				continue
			}
			if worst == nil || lessHarmful(r, worst, c.now) {
				victim, worst = id, r
			}
		}
		if worst != nil {
			delete(c.records, victim)
		}
	}
	r := &record{lastSeen: c.now}
	c.records[p] = r
	return r
}

func lessHarmful(a, b *record, now time.Time) bool {
	ab, bb := a.bannedUntil.After(now), b.bannedUntil.After(now)
	if ab != bb {
		return !ab
	}
	if a.score != b.score {
		return a.score < b.score
	}
	return a.lastSeen.Before(b.lastSeen)
}

// Banned reports whether a peer id is banned at time now (a connection
// gater asks this).
func (c *Core) Banned(p PeerID, now time.Time) bool {
	r := c.records[p]
	return r != nil && now.Before(r.bannedUntil)
}

func (c *Core) coolingDown(p PeerID) bool {
	r := c.records[p]
	return r != nil && c.now.Before(r.stallUntil)
}

func (c *Core) connected(ev PeerConnected) {
	if c.peers[ev.Peer] != nil {
		return
	}
	if c.Banned(ev.Peer, c.now) {
		c.emit(Disconnect{Peer: ev.Peer, Reason: "banned"})
		return
	}
	c.peers[ev.Peer] = &peer{id: ev.Peer, inbound: ev.Inbound, addr: ev.Addr}
	r := c.record(ev.Peer)
	r.lastSeen = c.now
	if !r.bannedUntil.IsZero() {
		// A ban served wipes the slate, as Bitcoin Core's did.
		r.score, r.bannedUntil = 0, time.Time{}
	}
	c.log.Info("peer_joined", "peer", ev.Peer, "addr", ev.Addr)
	c.askStatus(ev.Peer)
}

func (c *Core) disconnected(p PeerID) {
	if c.peers[p] == nil {
		return
	}
	delete(c.peers, p)
	if r := c.records[p]; r != nil {
		r.lastSeen = c.now
	}
	c.log.Info("peer_left", "peer", p)
	c.dropRequests(p)
}

// drop disconnects a peer now.
func (c *Core) drop(p PeerID, reason string) {
	if c.peers[p] == nil {
		return
	}
	c.emit(Disconnect{Peer: p, Reason: reason})
	c.disconnected(p)
}

// askStatus asks a peer for its status unless a request is out or the
// peer is cooling down after a stall.
func (c *Core) askStatus(p PeerID) {
	ps := c.peers[p]
	if ps == nil || ps.askedFor != 0 || c.coolingDown(p) {
		return
	}
	r := c.newRequest(p, reqStatus, c.cfg.StatusTimeout)
	ps.askedFor = r.id
	c.send(p, GetStatus{ID: r.id})
}

// penalise adds points to a peer's score and bans it at BanScore.
func (c *Core) penalise(p PeerID, points int, reason string) {
	if points <= 0 || p == "" {
		return
	}
	r := c.record(p)
	r.score += points
	c.log.Info("peer_misbehaved", "peer", p, "points", points, "score", r.score, "reason", reason)
	c.emit(Penalised{Peer: p, Points: points, Score: r.score, Reason: reason})
	if r.score < c.cfg.BanScore || c.now.Before(r.bannedUntil) {
		return
	}
	r.bannedUntil = c.now.Add(c.cfg.BanDuration)
	c.log.Warn("peer_banned", "peer", p, "score", r.score, "reason", reason)
	c.emit(Ban{Peer: p, Until: r.bannedUntil, Reason: reason})
	c.drop(p, "banned: "+reason)
}

// stalled handles a request whose deadline passed: the peer is dropped
// and left alone for a backoff that doubles while it keeps stalling.
func (c *Core) stalled(req *request) {
	r := c.record(req.peer)
	if r.stallBackoff == 0 || c.now.After(r.stallUntil.Add(MaxStallBackoff)) {
		r.stallBackoff = MinStallBackoff
	} else {
		r.stallBackoff = min(2*r.stallBackoff, MaxStallBackoff)
	}
	r.stallUntil = c.now.Add(r.stallBackoff)
	c.log.Info("peer_stalled", "peer", req.peer, "backoff", r.stallBackoff)
	c.drop(req.peer, fmt.Sprintf("stalled: no answer to request %d by its deadline", req.id))
	delete(c.pending, req.id) // when the peer was already gone
}

// requestFailed: the driver gave up on a request.
func (c *Core) requestFailed(ev RequestFailed) {
	req := c.pending[ev.ID]
	if req == nil || req.peer != ev.Peer {
		return
	}
	if ev.Timeout {
		c.stalled(req)
		return
	}
	if ev.Malformed {
		c.penalise(ev.Peer, PointsBadResponse, "malformed answer: "+ev.Reason)
	}
	if c.pending[ev.ID] != nil {
		c.forgetRequest(req)
	}
}

// forgetRequest drops one outstanding request and repairs what depended
// on it.
func (c *Core) forgetRequest(req *request) {
	delete(c.pending, req.id)
	if ps := c.peers[req.peer]; ps != nil && ps.askedFor == req.id {
		ps.askedFor = 0
	}
	switch req.kind {
	case reqHeaders:
		c.endSync("headers request failed", false)
	case reqBlocks:
		c.batchFailed(req.batch)
	}
}

// dropRequests forgets every request to a peer that is gone.
func (c *Core) dropRequests(p PeerID) {
	for _, id := range sortedKeys(c.pending) {
		if r := c.pending[id]; r != nil && r.peer == p {
			c.forgetRequest(r)
		}
	}
	if c.sync != nil && c.sync.peer == p {
		c.endSync("sync peer left", false)
	}
}

// peerIDs returns the connected peers in a stable order.
func (c *Core) peerIDs() []PeerID { return sortedKeys(c.peers) }

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

// PeerInfo describes a connected peer.
type PeerInfo struct {
	ID      PeerID
	Addr    string
	Inbound bool
	// Height of the peer's last announced tip, -1 before any.
	Height int64
	Score  int
}

// Peers describes the connected peers in id order.
func (c *Core) Peers() []PeerInfo {
	var out []PeerInfo
	for _, id := range c.peerIDs() {
		ps := c.peers[id]
		info := PeerInfo{ID: id, Addr: ps.addr, Inbound: ps.inbound, Height: -1}
		if ps.status != nil {
			info.Height = int64(ps.status.Height)
		}
		if r := c.records[id]; r != nil {
			info.Score = r.score
		}
		out = append(out, info)
	}
	return out
}

// Score returns a peer id's misbehaviour score, connected or not.
func (c *Core) Score(p PeerID) int {
	if r := c.records[p]; r != nil {
		return r.score
	}
	return 0
}
