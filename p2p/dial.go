package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
)

// Redial backoff for persistent peers.
const (
	dialTimeout    = 5 * time.Second
	minBackoff     = 250 * time.Millisecond
	maxBackoff     = 5 * time.Second
	redialInterval = 250 * time.Millisecond
)

// dialer keeps the node connected to its persistent peers (--peer and
// addnode), and runs mDNS discovery.
type dialer struct {
	host       *Host
	mu         sync.Mutex
	persistent map[peer.ID]*persistentPeer
	// beforeOff are the peers connected when the network was turned off,
	// redialled once when it is turned back on (inbound ones included:
	// identify told us where they listen).
	beforeOff []peer.ID
	mdns      mdns.Service
	wake      chan struct{}
}

type persistentPeer struct {
	info    peer.AddrInfo
	backoff time.Duration
	next    time.Time // earliest next dial
	dialing bool
}

func newDialer(h *Host, bootstrap []peer.AddrInfo) *dialer {
	d := &dialer{host: h, persistent: map[peer.ID]*persistentPeer{}, wake: make(chan struct{}, 1)}
	for _, info := range bootstrap {
		d.persistent[info.ID] = &persistentPeer{info: info, backoff: minBackoff}
	}
	return d
}

func (d *dialer) start() { d.host.goRun(d.run) }

func (d *dialer) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run redials disconnected persistent peers whose backoff has passed.
func (d *dialer) run(ctx context.Context) {
	tick := time.NewTicker(redialInterval)
	defer tick.Stop()
	for {
		d.redial(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.wake:
		}
	}
}

func (d *dialer) redial(ctx context.Context) {
	h := d.host
	if !h.gater.isActive() {
		return
	}
	now := h.cfg.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, pp := range d.persistent {
		if pp.dialing || now.Before(pp.next) || h.host.Network().Connectedness(id) == network.Connected {
			continue
		}
		pp.dialing = true
		info := pp.info
		h.goRun(func(context.Context) {
			err := d.dial(ctx, info)
			d.mu.Lock()
			defer d.mu.Unlock()
			pp.dialing = false
			if err != nil {
				pp.next = h.cfg.Now().Add(pp.backoff)
				pp.backoff = min(2*pp.backoff, maxBackoff)
				h.log.Debug("dial_failed", "peer", info.ID, "err", err)
			}
		})
	}
}

func (d *dialer) dial(ctx context.Context, info peer.AddrInfo) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	return d.host.host.Connect(ctx, info)
}

// connected resets a persistent peer's backoff.
func (d *dialer) connected(p peer.ID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if pp := d.persistent[p]; pp != nil {
		pp.backoff = minBackoff
		pp.next = time.Time{}
	}
}

// disconnected schedules a prompt redial of a persistent peer.
func (d *dialer) disconnected(p peer.ID) {
	d.mu.Lock()
	_, ok := d.persistent[p]
	d.mu.Unlock()
	if ok {
		d.poke()
	}
}

// resetBackoff makes every persistent peer due for a dial now.
func (d *dialer) resetBackoff() {
	d.mu.Lock()
	for _, pp := range d.persistent {
		pp.backoff = minBackoff
		pp.next = time.Time{}
	}
	d.mu.Unlock()
	d.poke()
}

// startMDNS starts local discovery under a service name of this chain.
func (d *dialer) startMDNS() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mdns != nil {
		return
	}
	name := "devchain-" + shortHash(d.host.cfg.Params.GenesisHash)
	svc := mdns.NewMdnsService(d.host.host, name, d)
	if err := svc.Start(); err != nil {
		d.host.log.Warn("mdns_failed", "err", err)
		return
	}
	d.mdns = svc
}

func (d *dialer) stopMDNS() {
	d.mu.Lock()
	svc := d.mdns
	d.mdns = nil
	d.mu.Unlock()
	if svc != nil {
		_ = svc.Close()
	}
}

// HandlePeerFound implements mdns.Notifee: a peer found on the local
// network is dialled once.
func (d *dialer) HandlePeerFound(info peer.AddrInfo) {
	h := d.host
	if info.ID == h.host.ID() || !h.gater.allowPeer(info.ID) {
		return
	}
	h.goRun(func(ctx context.Context) {
		if err := d.dial(ctx, info); err != nil {
			h.log.Debug("mdns_dial_failed", "peer", info.ID, "err", err)
		}
	})
}

// AddNode connects to a peer address, as Bitcoin Core's addnode: "add"
// keeps it as a persistent peer redialled with backoff, "onetry" dials it
// once, "remove" forgets a persistent peer.
func (n *Host) AddNode(ctx context.Context, addr, command string) error {
	info, err := ParsePeerAddr(addr)
	if err != nil {
		return err
	}
	d := n.dialer
	switch command {
	case "add", "":
		d.mu.Lock()
		if _, ok := d.persistent[info.ID]; ok {
			d.mu.Unlock()
			return ErrAlreadyAdded
		}
		d.persistent[info.ID] = &persistentPeer{info: info, backoff: minBackoff}
		d.mu.Unlock()
		d.poke()
		return nil
	case "onetry":
		if !n.gater.isActive() {
			return ErrNetworkInactive
		}
		return d.dial(ctx, info)
	case "remove":
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, ok := d.persistent[info.ID]; !ok {
			return ErrNotAdded
		}
		delete(d.persistent, info.ID)
		return nil
	}
	return fmt.Errorf("p2p: addnode command %q: want add, remove or onetry", command)
}

// Errors of AddNode and DisconnectPeer.
var (
	ErrAlreadyAdded = errors.New("p2p: node already added")
	ErrNotAdded     = errors.New("p2p: node has not been added")
	ErrNotConnected = errors.New("p2p: node not connected")
)

// DisconnectPeer closes the connections to a peer, named by its id or by a
// multiaddr ending in /p2p/<id>. A persistent peer is redialled later.
func (n *Host) DisconnectPeer(target string) error {
	id, err := peer.Decode(target)
	if err != nil {
		info, perr := ParsePeerAddr(target)
		if perr != nil {
			return fmt.Errorf("p2p: %q is neither a peer id nor a peer address", target)
		}
		id = info.ID
	}
	if n.host.Network().Connectedness(id) != network.Connected {
		return ErrNotConnected
	}
	return n.host.Network().ClosePeer(id)
}

// SetNetworkActive turns networking off (every peer dropped, connections
// refused both ways, mDNS stopped) or back on (persistent peers redialled at
// once, mDNS restarted).
func (n *Host) SetNetworkActive(active bool) {
	wasActive := n.gater.isActive()
	n.gater.setActive(active)
	if !active {
		n.dialer.stopMDNS()
		peers := n.host.Network().Peers()
		if wasActive {
			n.dialer.mu.Lock()
			n.dialer.beforeOff = peers
			n.dialer.mu.Unlock()
		}
		for _, id := range peers {
			_ = n.host.Network().ClosePeer(id)
		}
		n.log.Info("network_inactive")
		return
	}
	if n.cfg.MDNS {
		n.dialer.startMDNS()
	}
	n.dialer.resetBackoff()
	n.dialer.mu.Lock()
	previous := n.dialer.beforeOff
	n.dialer.beforeOff = nil
	n.dialer.mu.Unlock()
	for _, id := range previous {
		info := n.host.Peerstore().PeerInfo(id)
		n.goRun(func(ctx context.Context) {
			if err := n.dialer.dial(ctx, info); err != nil {
				n.log.Debug("redial_failed", "peer", id, "err", err)
			}
		})
	}
	n.log.Info("network_active")
}

// NetworkActive reports whether networking is on.
func (n *Host) NetworkActive() bool { return n.gater.isActive() }
