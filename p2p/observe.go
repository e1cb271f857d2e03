package p2p

import (
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
)

// PeerEvent tells Config.PeerChanged of a peer that connected or left.
type PeerEvent struct {
	ID        peer.ID
	Connected bool
	// Addr and Inbound describe the connection (for a peer that connected).
	Addr    string
	Inbound bool
}

// reportPeer tells the host's owner of a peer that connected or left,
// after the host's own bookkeeping.
func (n *Host) reportPeer(id peer.ID, connected bool) {
	if n.cfg.PeerChanged == nil {
		return
	}
	e := PeerEvent{ID: id, Connected: connected}
	if connected {
		e.Addr, e.Inbound = n.remote(id)
	}
	n.cfg.PeerChanged(e)
}

// metricsOption registers libp2p's own metrics (swarm, resource manager,
// event bus, identify) with reg, or turns them off when reg is nil: by
// default libp2p would register them process-wide.
func metricsOption(reg prometheus.Registerer) libp2p.Option {
	if reg == nil {
		return libp2p.DisableMetrics()
	}
	return libp2p.PrometheusRegisterer(reg)
}
