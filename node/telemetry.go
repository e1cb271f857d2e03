package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/events"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/metrics"
	"github.com/devchain/devchain/p2p"
	"github.com/devchain/devchain/protocol"
)

// telemetry is what the node tells the world about itself as it happens:
// events for subscribers of GET /events, and Prometheus metrics when
// Config.MetricsAddr asks for them.
type telemetry struct {
	hub     *events.Hub
	metrics *metrics.Metrics // nil without MetricsAddr; its methods then do nothing
	server  *metrics.Server
	addr    string
	remote  bool
	log     *slog.Logger
}

// newTelemetry prepares the node's hub and metrics; the metrics' gauges
// read the node when scraped, which serve allows once the node is whole.
func newTelemetry(n *Node) telemetry {
	t := telemetry{hub: events.NewHub(), addr: n.cfg.MetricsAddr, remote: n.cfg.RPCAllowRemote, log: n.log}
	if t.addr == "" {
		return t
	}
	t.metrics = metrics.New(metrics.Sources{
		Height: func() float64 { return float64(n.Tip().Height) },
		Tips: func() map[string]int {
			counts := map[string]int{}
			n.withEngine(func(e *consensus.Engine) {
				for _, tip := range e.ChainTips() {
					counts[string(tip.Status)]++
				}
			})
			return counts
		},
		MempoolTransactions: func() float64 { return float64(n.pool.Info().Size) },
		MempoolBytes:        func() float64 { return float64(n.pool.Info().Bytes) },
		Peers:               func() float64 { return float64(n.host.ConnectionCount()) },
		EventSubscribers:    func() float64 { return float64(t.hub.Subscribers()) },
		EventsDropped:       func() float64 { return float64(t.hub.Dropped()) },
		RejectReasons:       blockRejectReasons(),
	})
	return t
}

// blockRejectReasons lists the distinct reject reasons of the consensus
// rules, in code order.
func blockRejectReasons() []string {
	var reasons []string
	seen := map[string]bool{}
	for c := consensus.ErrorCode(1); c < 256; c++ {
		if strings.HasPrefix(c.String(), "ErrorCode(") || seen[c.Reason()] {
			continue
		}
		seen[c.Reason()] = true
		reasons = append(reasons, c.Reason())
	}
	return reasons
}

// serve starts the metrics server, if asked for.
func (t *telemetry) serve() error {
	if t.metrics == nil {
		return nil
	}
	s, err := metrics.Serve(t.metrics, t.addr, t.remote, t.log)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	t.server = s
	t.log.Info("metrics_serving", "url", s.URL())
	return nil
}

// close stops the metrics server (whose gauges read the parts that close
// next) and ends every event stream, so that the RPC server can shut down.
func (t *telemetry) close() {
	if t.server != nil {
		t.server.Close()
	}
	if t.hub != nil {
		t.hub.Close()
	}
}

// MetricsURL returns the URL of the metrics ("" when not served).
func (n *Node) MetricsURL() string {
	if n.tele.server == nil {
		return ""
	}
	return n.tele.server.URL()
}

// Events returns the node's event hub (what GET /events streams).
func (n *Node) Events() *events.Hub { return n.tele.hub }

// report publishes what the core's actions say happened, under the node's
// exclusive lock, so that batches go out in the order the changes happened:
// for each move of the active chain its disconnects (tip first), its
// connects (oldest first), then the new tip, as one contiguous batch; the
// transactions that entered the mempool; and the metrics' counts.
func (n *Node) report(acts []protocol.Action) {
	for _, a := range acts {
		switch a := a.(type) {
		case protocol.TipChanged:
			n.reportTip(a)
		case protocol.TxsAccepted:
			n.reportAccepted(a.Entries)
		case protocol.BlockProcessed:
			n.countProcessed(a.Result, a.Err)
		}
	}
}

// reportTip publishes one move of the active chain.
func (n *Node) reportTip(a protocol.TipChanged) {
	n.tele.metrics.ChainChanged(len(a.Disconnected), len(a.Connected))
	// The events are built only when someone listens (a sync of thousands
	// of blocks usually has nobody on GET /events).
	n.tele.hub.PublishFunc(len(a.Disconnected)+len(a.Connected)+1, func() []events.Event {
		// Connected and Disconnected take the chain from the old tip to the new
		// one, so both branches hang off the fork point below the connects.
		fork := a.Height - uint32(len(a.Connected))
		evs := make([]events.Event, 0, len(a.Disconnected)+len(a.Connected)+1)
		for i, b := range a.Disconnected {
			evs = append(evs, events.Event{Name: events.BlockDisconnected, Data: blockData(b, fork+uint32(len(a.Disconnected)-i))})
		}
		for i, b := range a.Connected {
			evs = append(evs, events.Event{Name: events.BlockConnected, Data: blockData(b, fork+1+uint32(i))})
		}
		evs = append(evs, events.Event{Name: events.TipChanged, Data: events.Tip{
			Hash:        a.Hash.String(),
			Height:      a.Height,
			ReorgDepth:  len(a.Disconnected),
			Connected:   len(a.Connected),
			PreviousTip: a.Previous.String(),
		}})
		return evs
	})
}

// countProcessed counts an engine outcome in the metrics: the side blocks
// stored, the blocks a rule refused (the block itself, or an orphan it
// adopted).
func (n *Node) countProcessed(res *consensus.Result, err error) {
	m := n.tele.metrics
	if m == nil {
		return
	}
	if res != nil {
		if res.Status == consensus.StatusSideChain {
			m.SideBlock()
		}
		for _, o := range res.Orphans {
			if o.Status == consensus.StatusSideChain {
				m.SideBlock()
			}
			countRejected(m, o.Err)
		}
	}
	countRejected(m, err)
}

func countRejected(m *metrics.Metrics, err error) {
	var re *consensus.RuleError
	if errors.As(err, &re) {
		m.BlockRejected(re.Code.Reason())
	}
}

func blockData(b *chain.Block, height uint32) events.Block {
	return events.Block{
		Hash:              b.Hash().String(),
		Height:            height,
		PreviousBlockHash: b.Header.PrevBlock.String(),
		Time:              b.Header.Timestamp,
		NTx:               len(b.Transactions),
	}
}

// reportAccepted publishes the transactions that entered the mempool, in
// the order they entered.
func (n *Node) reportAccepted(entries []*mempool.Entry) {
	evs := make([]events.Event, len(entries))
	for i, e := range entries {
		evs[i] = events.Event{Name: events.TxAccepted, Data: events.Tx{
			TxID:   e.TxID.String(),
			Size:   e.Size,
			Fee:    json.Number(chain.FormatAmount(e.Fee)),
			Height: e.Height,
		}}
	}
	n.tele.hub.Publish(evs...)
	n.tele.metrics.TxsAccepted(len(entries))
}

// reportPeer publishes a peer that connected or left (p2p.Config.PeerChanged).
func (n *Node) reportPeer(e p2p.PeerEvent) {
	name := events.PeerDisconnected
	if e.Connected {
		name = events.PeerConnected
	}
	n.tele.hub.Publish(events.Event{Name: name, Data: events.Peer{PeerID: e.ID.String(), Addr: e.Addr, Inbound: e.Inbound}})
}
