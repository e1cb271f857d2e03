package protocol

import (
	"math/big"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/mempool"
)

// PeerID names a peer. The libp2p driver uses the string form of the libp2p
// peer id; a simulation uses any stable name.
type PeerID string

// RequestID pairs a request with its answer: an answer carries the ID of the
// request it answers. On libp2p the stream pairs them and the ID is not
// sent; a simulated network copies it.
type RequestID uint64

// Message is one of the wire messages below.
type Message interface {
	// Kind names the message in traces and logs ("status", "get-headers").
	Kind() string
}

// Gossip messages, published to every peer and relayed by those that
// accept them.
type (
	// NewBlock announces a block with its transactions.
	NewBlock struct{ Block *chain.Block }
	// NewTx announces a transaction.
	NewTx struct{ Tx *chain.Transaction }
)

// Requests, each answered by the message named in its comment.
type (
	// GetStatus asks for the peer's Status.
	GetStatus struct{ ID RequestID }
	// GetHeaders asks for up to Max active-chain headers after the first
	// Locator hash the peer has on its active chain (genesis when none).
	GetHeaders struct {
		ID      RequestID
		Locator []chain.Hash
		Max     int
	}
	// GetBlocks asks for blocks by hash.
	GetBlocks struct {
		ID     RequestID
		Hashes []chain.Hash
	}
)

// Answers.
type (
	// Status is what a node tells its peers about its chain.
	Status struct {
		ID      RequestID
		Genesis chain.Hash
		Tip     chain.Hash
		Height  uint32
		Work    *big.Int // cumulative work of the tip
	}
	// Headers answers GetHeaders, oldest first.
	Headers struct {
		ID      RequestID
		Headers []chain.BlockHeader
	}
	// Blocks answers GetBlocks: the blocks asked for, in the order asked,
	// up to the first one the peer lacks.
	Blocks struct {
		ID     RequestID
		Blocks []*chain.Block
	}
)

// Kind implements Message.
func (NewBlock) Kind() string   { return "block" }
func (NewTx) Kind() string      { return "tx" }
func (GetStatus) Kind() string  { return "get-status" }
func (GetHeaders) Kind() string { return "get-headers" }
func (GetBlocks) Kind() string  { return "get-blocks" }
func (Status) Kind() string     { return "status" }
func (Headers) Kind() string    { return "headers" }
func (Blocks) Kind() string     { return "blocks" }

// Protocol limits, the same on every transport.
const (
	MaxLocatorHashes = 64
	MaxHeadersPerMsg = 2000
	MaxBlocksPerMsg  = 128
)

// Event is one of the inputs of Step below.
type Event interface{ isEvent() }

type (
	// PeerConnected: a connection to a peer is up.
	PeerConnected struct {
		Peer    PeerID
		Inbound bool
		Addr    string // for PeerInfo only
	}
	// PeerDisconnected: the last connection to a peer is gone.
	PeerDisconnected struct{ Peer PeerID }
	// Received: a message arrived from a peer (gossip, a request, or the
	// answer to one of the core's requests).
	Received struct {
		From PeerID
		Msg  Message
	}
	// RequestFailed: the driver could not get an answer to a request the
	// core sent: the stream broke, the answer did not decode (Malformed:
	// the peer's fault), or the transport's own deadline passed (Timeout:
	// judged as a stall, as when the core's deadline passes first).
	RequestFailed struct {
		Peer      PeerID
		ID        RequestID
		Malformed bool
		Timeout   bool
		Reason    string
	}
	// Misbehaved: the driver caught a peer abusing the transport (an
	// undecodable message, a flood of requests).
	Misbehaved struct {
		Peer   PeerID
		Points int
		Reason string
	}
	// Tick: time passed. Deadlines and status polls are judged on ticks
	// (and on every other event, which also carries the time).
	Tick struct{}
)

func (PeerConnected) isEvent()    {}
func (PeerDisconnected) isEvent() {}
func (Received) isEvent()         {}
func (RequestFailed) isEvent()    {}
func (Misbehaved) isEvent()       {}
func (Tick) isEvent()             {}

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
	// TxsAccepted: transactions joined the mempool (the first one from
	// From, the rest orphans it unlocked), before they are published.
	TxsAccepted struct {
		Entries []*mempool.Entry
		From    PeerID
	}
)

func (Send) isAction()         {}
func (Publish) isAction()      {}
func (Disconnect) isAction()   {}
func (Ban) isAction()          {}
func (Penalised) isAction()    {}
func (TipChanged) isAction()   {}
func (BlockArrived) isAction() {}
func (TxsAccepted) isAction()  {}
