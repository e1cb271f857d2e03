package node

import (
	"encoding/json"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/events"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/p2p"
)

// telemetry is what the node tells the world about itself as it happens:
// events for subscribers of GET /events.
type telemetry struct {
	hub *events.Hub
}

func newTelemetry() telemetry {
	return telemetry{hub: events.NewHub()}
}

// close ends every event stream: the RPC server can then shut down.
func (t *telemetry) close() {
	if t.hub != nil {
		t.hub.Close()
	}
}

// Events returns the node's event hub (what GET /events streams).
func (n *Node) Events() *events.Hub { return n.tele.hub }

// reportChange publishes what an engine change did to the active chain:
// its disconnects (tip first), its connects (oldest first), then the new
// tip, as one contiguous batch. changeChain calls it under the exclusive
// lock, so batches go out in the order the changes happened.
func (n *Node) reportChange(res *consensus.Result, err error) {
	if res == nil || len(res.Connected)+len(res.Disconnected) == 0 {
		return
	}
	tip := n.engine.Tip()
	// Connected and Disconnected take the chain from the old tip to the new
	// one, so both branches hang off the fork point below the connects.
	fork := tip.Height - uint32(len(res.Connected))
	evs := make([]events.Event, 0, len(res.Disconnected)+len(res.Connected)+1)
	for i, b := range res.Disconnected {
		evs = append(evs, events.Event{Name: events.BlockDisconnected, Data: blockData(b, fork+uint32(len(res.Disconnected)-i))})
	}
	for i, b := range res.Connected {
		evs = append(evs, events.Event{Name: events.BlockConnected, Data: blockData(b, fork+1+uint32(i))})
	}
	var previous chain.Hash
	if len(res.Disconnected) > 0 {
		previous = res.Disconnected[0].Hash()
	} else {
		previous = res.Connected[0].Header.PrevBlock
	}
	evs = append(evs, events.Event{Name: events.TipChanged, Data: events.Tip{
		Hash:        tip.Hash.String(),
		Height:      tip.Height,
		ReorgDepth:  len(res.Disconnected),
		Connected:   len(res.Connected),
		PreviousTip: previous.String(),
	}})
	n.tele.hub.Publish(evs...)
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
}

// reportPeer publishes a peer that connected or left (p2p.Config.PeerChanged).
func (n *Node) reportPeer(e p2p.PeerEvent) {
	name := events.PeerDisconnected
	if e.Connected {
		name = events.PeerConnected
	}
	n.tele.hub.Publish(events.Event{Name: name, Data: events.Peer{PeerID: e.ID.String(), Addr: e.Addr, Inbound: e.Inbound}})
}
