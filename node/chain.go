package node

import (
	"errors"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/miner"
	"github.com/devchain/devchain/protocol"
)

// The node's chain changes all go through its protocol core (package
// protocol), under the node's lock: blocks and transactions from peers
// (through p2p's driver, which calls Step), and those of local origin
// (the miner, RPC) below. The core decides; the node carries out what
// concerns itself (the miner, the mempool file, the log) and hands the rest
// to the network driver.

// origin says where a block or transaction came from: data of local origin
// is gossiped once accepted; data from a peer is relayed by gossip itself.
type origin int

const (
	fromPeer origin = iota
	fromLocal
)

// Step implements p2p.Protocol: one event for the core, under the lock.
func (n *Node) Step(ev protocol.Event) []protocol.Action {
	return n.withCore(func(now time.Time) { n.core.Step(now, ev) })
}

// local runs a call of local origin (the miner, RPC) on the core and hands
// what it decided for the network to the driver.
func (n *Node) local(call func(now time.Time)) {
	n.host.Execute(n.withCore(call))
}

// withCore runs call on the core under the exclusive lock, reports and
// carries out what concerns the node, stops the node if the store failed,
// and returns the actions for the network.
func (n *Node) withCore(call func(now time.Time)) []protocol.Action {
	n.mu.Lock()
	call(n.now())
	acts, halted := n.ready()
	n.mu.Unlock()
	n.abortIf(halted)
	return n.carryOut(acts)
}

// ready drains the core's actions; the caller holds the exclusive lock.
// What subscribers must hear in the order it happened (events, metrics) is
// reported here, under the lock; the rest is carried out after it. halted
// is the engine's store failure, if it has had one.
func (n *Node) ready() (acts []protocol.Action, halted error) {
	acts = n.core.Ready()
	n.report(acts) // telemetry.go
	return acts, n.engine.Halted()
}

// abortIf stops the node after a store failure (abort.go).
func (n *Node) abortIf(halted error) {
	if halted != nil {
		n.abort(halted)
	}
}

// Peers implements p2p.Protocol.
func (n *Node) Peers() []protocol.PeerInfo {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.core.Peers()
}

// Busy implements p2p.Protocol.
func (n *Node) Busy() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.core.Busy()
}

// carryOut does what the core decided that concerns the node itself and
// returns the actions for the network, in order.
func (n *Node) carryOut(acts []protocol.Action) []protocol.Action {
	network := acts[:0:0]
	for _, a := range acts {
		switch a := a.(type) {
		case protocol.TipChanged:
			n.miner.Notify()
			n.log.Info("tip_changed", "height", a.Height, "hash", a.Hash,
				"connected", len(a.Connected), "disconnected", len(a.Disconnected))
		case protocol.TxsAccepted:
			txs := make([]*chain.Transaction, len(a.Entries))
			for i, e := range a.Entries {
				txs[i] = e.Tx
			}
			from := fromPeer
			if a.From == "" {
				from = fromLocal
			}
			n.recordAccepted(txs, from) // mempoolfile.go: on disk before anyone hears of it
		case protocol.BlockProcessed: // counted by report
		default:
			network = append(network, a)
		}
	}
	return network
}

// processBlock takes a block of local origin (mined here, or given by
// RPC): the core gives it to the engine and publishes it when stored.
func (n *Node) processBlock(b *chain.Block, o origin) (*consensus.Result, error) {
	res, err := n.submitBlock(b, o)
	if err != nil {
		return res, err
	}
	// The store applies its writes while the node goes on (here: the
	// mempool update and the gossip above); a block made here or handed
	// over RPC is on disk before the caller hears it was accepted.
	return res, n.flushStore(b.Hash())
}

// submitBlock is processBlock without waiting for the store's writes:
// generatetoaddress mines the next block while Badger applies this one,
// and flushes once before it answers.
func (n *Node) submitBlock(b *chain.Block, _ origin) (*consensus.Result, error) {
	var res *consensus.Result
	var err error
	n.local(func(now time.Time) { res, err = n.core.SubmitBlock(now, b) })
	if err != nil {
		var re *consensus.RuleError
		if !errors.As(err, &re) {
			n.log.Error("block_not_stored", "hash", b.Hash(), "err", err)
		}
	}
	return res, err
}

// flushStore waits until the store's writes so far are on disk; a failure
// (last is the last block written) stops the node.
func (n *Node) flushStore(last chain.Hash) error {
	if err := store.Flush(n.store); err != nil {
		n.log.Error("block_not_stored", "hash", last, "err", err)
		n.abort(err)
		return err
	}
	return nil
}

// changeChain runs an engine change made by hand (invalidateblock,
// reconsiderblock) through the core, so that the mempool and the miner
// hear of it.
func (n *Node) changeChain(change func(e *consensus.Engine) (*consensus.Result, error)) (*consensus.Result, error) {
	var res *consensus.Result
	var err error
	n.local(func(now time.Time) { res, err = n.core.ChangeChain(now, change) })
	return res, err
}

// acceptTx admits a transaction of local origin to the mempool; it and the
// orphans it unlocked are gossiped.
func (n *Node) acceptTx(tx *chain.Transaction, _ origin) ([]*mempool.Entry, error) {
	var entries []*mempool.Entry
	var err error
	n.local(func(now time.Time) { entries, err = n.core.SubmitTx(now, tx) })
	return entries, err
}

// maxCoinbaseBytes bounds the block space a template keeps for the header,
// the transaction count and the coinbase.
const maxCoinbaseBytes = 1024

// Template implements miner.Source: a block on the tip paying payTo, with
// the mempool's best transactions.
func (n *Node) Template(payTo chain.Address) (*chain.Block, error) {
	n.mu.RLock()
	tip := n.engine.Tip()
	bits, err := n.engine.NextBits(tip.Hash)
	if err != nil {
		n.mu.RUnlock()
		return nil, err
	}
	txs, fees := n.pool.Template(n.params.MaxBlockBytes - maxCoinbaseBytes)
	n.mu.RUnlock()
	return miner.NewBlock(miner.TemplateInput{
		Params:     n.params,
		Parent:     tip.Hash,
		Height:     tip.Height + 1,
		Bits:       bits,
		MedianTime: tip.MedianTime,
		Now:        n.now(),
		Txs:        txs,
		Fees:       fees,
		PayTo:      payTo,
	}), nil
}

// minerSource is the node as the miner's Source: its SubmitBlock takes a
// block of local origin (gossiped once accepted).
type minerSource struct{ n *Node }

func (s minerSource) Template(payTo chain.Address) (*chain.Block, error) { return s.n.Template(payTo) }

func (s minerSource) SubmitBlock(b *chain.Block) error {
	_, err := s.n.processBlock(b, fromLocal)
	return err
}
