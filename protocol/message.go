package protocol

import (
	"math/big"

	"github.com/devchain/devchain/chain"
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
