package p2p

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// peerState is what the host knows of a connected peer.
type peerState struct {
	status    *Status // last status it answered, nil before the first
	score     int     // misbehaviour
	uselessAt *Status // a status whose chain we failed to take: not retried until it changes
}

// peerSet tracks connected peers, their tips and their misbehaviour.
type peerSet struct {
	host  *Host
	mu    sync.Mutex
	peers map[peer.ID]*peerState
}

func newPeerSet(h *Host) *peerSet {
	return &peerSet{host: h, peers: map[peer.ID]*peerState{}}
}

// watch follows connection events: a new peer is synced with at once.
func (s *peerSet) watch() error {
	sub, err := s.host.host.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged))
	if err != nil {
		return fmt.Errorf("p2p: subscribe to connection events: %w", err)
	}
	s.host.goRun(func(ctx context.Context) {
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-sub.Out():
				if !ok {
					return
				}
				s.changed(e.(event.EvtPeerConnectednessChanged))
			}
		}
	})
	return nil
}

func (s *peerSet) changed(e event.EvtPeerConnectednessChanged) {
	log := s.host.log
	switch e.Connectedness {
	case network.Connected:
		s.mu.Lock()
		_, known := s.peers[e.Peer]
		if !known {
			s.peers[e.Peer] = &peerState{}
		}
		s.mu.Unlock()
		if !known {
			log.Info("peer_joined", "peer", e.Peer, "addr", s.host.remoteAddr(e.Peer))
			s.host.dialer.connected(e.Peer)
			s.host.sync.trigger(e.Peer)
			s.host.reportPeer(e.Peer, true)
		}
	case network.NotConnected:
		s.mu.Lock()
		_, known := s.peers[e.Peer]
		delete(s.peers, e.Peer)
		s.mu.Unlock()
		s.host.limits.forget(e.Peer)
		if known {
			log.Info("peer_left", "peer", e.Peer)
			s.host.dialer.disconnected(e.Peer)
			s.host.reportPeer(e.Peer, false)
		}
	}
}

// ids returns the connected peers in a stable order.
func (s *peerSet) ids() []peer.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]peer.ID, 0, len(s.peers))
	for id := range s.peers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (s *peerSet) setStatus(p peer.ID, st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ps := s.peers[p]; ps != nil {
		ps.status = &st
	}
}

// markUseless remembers that the chain a peer announced could not be
// taken (an invalid branch, by our rules), so it is not fetched again until
// the peer's tip changes.
func (s *peerSet) markUseless(p peer.ID, st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ps := s.peers[p]; ps != nil {
		ps.uselessAt = &st
	}
}

func (s *peerSet) isUseless(p peer.ID, st Status) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.peers[p]
	return ps != nil && ps.uselessAt != nil && ps.uselessAt.Tip == st.Tip
}

// misbehaved adds to a peer's score; at BanScore the peer is banned and
// disconnected. It returns true when the peer was banned.
func (s *peerSet) misbehaved(p peer.ID, points int, reason string) bool {
	if p == s.host.host.ID() || points <= 0 {
		return false
	}
	s.mu.Lock()
	ps := s.peers[p]
	if ps == nil {
		ps = &peerState{}
	}
	ps.score += points
	score := ps.score
	s.mu.Unlock()
	log := s.host.log
	log.Info("peer_misbehaved", "peer", p, "points", points, "score", score, "reason", reason)
	if score < s.host.cfg.BanScore {
		return false
	}
	s.host.gater.ban(p, s.host.cfg.BanDuration)
	log.Warn("peer_banned", "peer", p, "score", score, "reason", reason)
	_ = s.host.host.Network().ClosePeer(p)
	return true
}

// PeerInfo describes a connected peer.
type PeerInfo struct {
	ID           peer.ID
	Addr         string
	Inbound      bool
	SyncedHeight int64 // height of the peer's last announced tip, -1 before any
	BanScore     int
}

// Peers describes the connected peers.
func (n *Host) Peers() []PeerInfo {
	var out []PeerInfo
	for _, id := range n.peers.ids() {
		info := PeerInfo{ID: id, Addr: n.remoteAddr(id), SyncedHeight: -1}
		for _, c := range n.host.Network().ConnsToPeer(id) {
			info.Inbound = c.Stat().Direction == network.DirInbound
			break
		}
		n.peers.mu.Lock()
		if ps := n.peers.peers[id]; ps != nil {
			info.BanScore = ps.score
			if ps.status != nil {
				info.SyncedHeight = int64(ps.status.Height)
			}
		}
		n.peers.mu.Unlock()
		out = append(out, info)
	}
	return out
}

// ConnectionCount returns the number of connected peers.
func (n *Host) ConnectionCount() int { return len(n.peers.ids()) }

func (n *Host) remoteAddr(p peer.ID) string {
	for _, c := range n.host.Network().ConnsToPeer(p) {
		return c.RemoteMultiaddr().String()
	}
	return ""
}
