package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater is the host's connection gater: it refuses every connection while
// the network is inactive, and banned peers until their ban expires. All
// devnet nodes share 127.0.0.1, so bans are by peer id, never by address.
type gater struct {
	mu     sync.Mutex
	active bool
	banned map[peer.ID]time.Time // until when
	now    func() time.Time
}

func newGater(now func() time.Time) *gater {
	return &gater{active: true, banned: map[peer.ID]time.Time{}, now: now}
}

func (g *gater) setActive(active bool) {
	g.mu.Lock()
	g.active = active
	g.mu.Unlock()
}

func (g *gater) isActive() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.active
}

// banUntil refuses p until the given time (the protocol core decides bans
// and remembers them across reconnects; the gater enforces them).
func (g *gater) banUntil(p peer.ID, until time.Time) {
	g.mu.Lock()
	g.banned[p] = until
	g.mu.Unlock()
}

func (g *gater) isBanned(p peer.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.banned[p]
	if ok && !g.now().Before(until) {
		delete(g.banned, p)
		return false
	}
	return ok
}

func (g *gater) allowPeer(p peer.ID) bool { return g.isActive() && !g.isBanned(p) }

// InterceptPeerDial implements connmgr.ConnectionGater.
func (g *gater) InterceptPeerDial(p peer.ID) bool { return g.allowPeer(p) }

// InterceptAddrDial implements connmgr.ConnectionGater.
func (g *gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return g.allowPeer(p) }

// InterceptAccept implements connmgr.ConnectionGater.
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool { return g.isActive() }

// InterceptSecured implements connmgr.ConnectionGater.
func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return g.allowPeer(p)
}

// InterceptUpgraded implements connmgr.ConnectionGater.
func (g *gater) InterceptUpgraded(c network.Conn) (bool, control.DisconnectReason) {
	return g.allowPeer(c.RemotePeer()), 0
}
