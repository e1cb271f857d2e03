package rpcserver

import (
	"context"
	"errors"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
)

// Node is what the server asks of the node it serves: queries through
// View, a few commands, and the miner and network controls. Package node
// implements it; the server knows nothing else of the node.
type Node interface {
	Params() *consensus.Params
	// View runs fn with the chain and the mempool in agreement (under the
	// node's shared lock): fn must only read, and not keep them.
	View(fn func(c ChainView, pool Mempool))
	// Tip is the active chain's tip.
	Tip() consensus.BlockInfo
	// Mempool reads the transaction pool outside View (each call is
	// consistent on its own).
	Mempool() Mempool

	// SubmitBlock processes a block from the caller as a block from a
	// peer, relaying it when it joins the chain.
	SubmitBlock(b *chain.Block) (*consensus.Result, error)
	// SubmitTx offers a transaction to the mempool and relays it.
	SubmitTx(tx *chain.Transaction) error
	// TestTx runs the mempool's checks without keeping the transaction.
	TestTx(tx *chain.Transaction) (fee int64, err error)
	InvalidateBlock(hash chain.Hash) error
	ReconsiderBlock(hash chain.Hash) error
	// VerifyChain replays the chain against the stored state
	// (consensus.ErrVerifyFailed when they differ).
	VerifyChain() error
	GenerateToAddress(ctx context.Context, count int, addr chain.Address) ([]chain.Hash, error)
	Template(payTo chain.Address) (*chain.Block, error)

	Miner() Miner
	// MinerAddress is what the built-in miner pays (false: none given).
	MinerAddress() (chain.Address, bool)
	Network() Network
	// RequestStop asks the node's owner to shut it down.
	RequestStop()
}

// ChainView is the read side of the consensus engine
// (*consensus.Engine implements it).
type ChainView interface {
	Tip() consensus.BlockInfo
	Height() uint32
	BestHeaderHeight() uint32
	Orphans() int
	BlockInfo(hash chain.Hash) (consensus.BlockInfo, bool)
	MainChainHash(height uint32) (chain.Hash, bool)
	Block(hash chain.Hash) (*chain.Block, error)
	BlockBytes(hash chain.Hash) ([]byte, error)
	ChainTips() []consensus.ChainTip
	UTXO(op chain.OutPoint) (consensus.UTXO, bool, error)
	AddressUTXOs(addr chain.Address) ([]store.Output, error)
	AddressHistory(addr chain.Address) ([]store.HistoryEntry, error)
	TxLocation(txid chain.Hash) (store.TxLocation, bool, error)
	ForEachUTXO(fn func(store.Output) error) error
}

// Mempool is the read side of the transaction pool (*mempool.Pool).
type Mempool interface {
	Get(txid chain.Hash) (*mempool.Entry, bool)
	SpentBy(op chain.OutPoint) (chain.Hash, bool)
	Entries() []*mempool.Entry
	Info() mempool.Info
}

// Miner controls the built-in miner (*miner.Miner).
type Miner interface {
	Running() bool
	Threads() int
	HashesPerSecond() float64
	SetThreads(n int)
	Start()
	Stop()
}

// Network is the peer-to-peer side as the RPC methods see it.
type Network interface {
	PeerID() string
	// Addrs are the listen multiaddrs ending in /p2p/<peerid>.
	Addrs() []string
	Peers() []PeerInfo
	ConnectionCount() int
	NetworkActive() bool
	SetNetworkActive(active bool)
	// AddNode runs addnode's command (add, remove, onetry) on a multiaddr.
	AddNode(ctx context.Context, addr, command string) error
	// DisconnectPeer drops a peer named by peer id or multiaddr.
	DisconnectPeer(target string) error
}

// PeerInfo describes a connected peer.
type PeerInfo struct {
	ID           string // libp2p peer id
	Addr         string
	Inbound      bool
	SyncedHeight int64 // height of the peer's last announced tip, -1 before any
	BanScore     int
}

// Errors a Network returns, answered with Core's codes.
var (
	ErrAlreadyAdded    = errors.New("rpcserver: node already added")
	ErrNotAdded        = errors.New("rpcserver: node has not been added")
	ErrNetworkInactive = errors.New("rpcserver: network disabled")
	ErrNotConnected    = errors.New("rpcserver: node not connected")
)
