package protocol

import (
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/mempool"
)

// Action is one of the outputs of Ready below. Actions are carried out in
// order.
type Action interface{ isAction() }

type (
	// Send sends a message to one peer: a request, or the answer to one.
	Send struct {
		To  PeerID
		Msg Message
	}
	// Publish gossips a NewBlock or NewTx. From is empty for data of local
	// origin; otherwise it is the peer that sent it, and the message is
	// relayed to every peer but From (on GossipSub: the validator accepts
	// the message; every other verdict is ignore or reject).
	Publish struct {
		Msg  Message
		From PeerID
	}
	// Disconnect drops a peer.
	Disconnect struct {
		Peer   PeerID
		Reason string
	}
	// Ban refuses a peer's connections until Until; a Disconnect follows.
	Ban struct {
		Peer   PeerID
		Until  time.Time
		Reason string
	}
	// Penalised reports points added to a peer's score (on GossipSub: the
	// validator rejects the message the peer sent).
	Penalised struct {
		Peer   PeerID
		Points int
		Score  int
		Reason string
	}
	// TipChanged: the active chain moved; the miner needs a new template.
	// Connected and Disconnected are as in consensus.Result; Previous is
	// the tip before.
	TipChanged struct {
		Previous     chain.Hash
		Hash         chain.Hash
		Height       uint32
		Connected    []*chain.Block
		Disconnected []*chain.Block
	}
	// BlockArrived reports a block a peer sent (gossip or sync), with
	// what the engine made of it (Status is zero when the block was
	// dropped or rejected). Emitted only with Config.ReportArrivals: a
	// simulated miner's strategy reacts to it.
	BlockArrived struct {
		From   PeerID
		Hash   chain.Hash
		Status consensus.Status
	}
	// BlockProcessed reports what the engine made of a block or a change
	// made by hand (Result may be nil when Err is set). Emitted only with
	// Config.ReportResults: a node's metrics count side and rejected blocks.
	BlockProcessed struct {
		Result *consensus.Result
		Err    error
	}
	// TxsAccepted: transactions joined the mempool (the first one from
	// From, the rest orphans it unlocked), before they are published.
	TxsAccepted struct {
		Entries []*mempool.Entry
		From    PeerID
	}
)

func (Send) isAction()           {}
func (Publish) isAction()        {}
func (Disconnect) isAction()     {}
func (Ban) isAction()            {}
func (Penalised) isAction()      {}
func (TipChanged) isAction()     {}
func (BlockArrived) isAction()   {}
func (TxsAccepted) isAction()    {}
func (BlockProcessed) isAction() {}
