package p2p

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/protocol"
)

// peerSet tracks which peers are connected, so that the core hears of each
// connection once and before any message of it.
type peerSet struct {
	host  *Host
	mu    sync.Mutex
	peers map[peer.ID]bool
}

func newPeerSet(h *Host) *peerSet {
	return &peerSet{host: h, peers: map[peer.ID]bool{}}
}

// watch follows connection events.
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
	switch e.Connectedness {
	case network.Connected:
		s.ensure(e.Peer)
	case network.NotConnected:
		s.mu.Lock()
		known := s.peers[e.Peer]
		delete(s.peers, e.Peer)
		s.mu.Unlock()
		s.host.limits.forget(e.Peer)
		if known {
			s.host.step(protocol.PeerDisconnected{Peer: toCore(e.Peer)})
			s.host.dialer.disconnected(e.Peer)
			s.host.reportPeer(e.Peer, false)
		}
	}
}

// ensure tells the core of a connected peer it has not heard of: on the
// connection event, or on the peer's first message when that comes first.
func (s *peerSet) ensure(p peer.ID) {
	h := s.host
	if p == h.host.ID() || h.host.Network().Connectedness(p) != network.Connected {
		return
	}
	s.mu.Lock()
	known := s.peers[p]
	s.peers[p] = true
	s.mu.Unlock()
	if known {
		return
	}
	addr, inbound := h.remote(p)
	h.dialer.connected(p)
	h.step(protocol.PeerConnected{Peer: toCore(p), Inbound: inbound, Addr: addr})
	h.reportPeer(p, true)
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
	known := map[peer.ID]protocol.PeerInfo{}
	for _, info := range n.cfg.Protocol.Peers() {
		known[fromCore(info.ID)] = info
	}
	var out []PeerInfo
	for _, id := range n.peers.ids() {
		addr, inbound := n.remote(id)
		info := PeerInfo{ID: id, Addr: addr, Inbound: inbound, SyncedHeight: -1}
		if k, ok := known[id]; ok {
			info.SyncedHeight, info.BanScore = k.Height, k.Score
		}
		out = append(out, info)
	}
	return out
}

// ConnectionCount returns the number of connected peers.
func (n *Host) ConnectionCount() int { return len(n.peers.ids()) }

// remote returns a peer's address and whether it dialled us.
func (n *Host) remote(p peer.ID) (string, bool) {
	for _, c := range n.host.Network().ConnsToPeer(p) {
		return c.RemoteMultiaddr().String(), c.Stat().Direction == network.DirInbound
	}
	return "", false
}
