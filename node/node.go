package node

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/sigverify"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/consensus/store/badgerstore"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/miner"
	"github.com/devchain/devchain/p2p"
	"github.com/devchain/devchain/protocol"
	"github.com/devchain/devchain/rpcserver"
)

// Config configures a Node.
type Config struct {
	// DataDir holds the chain (Badger, in DataDir/chain), the identity key,
	// the RPC cookie and URL files.
	DataDir string
	Params  *consensus.Params
	// Listen are libp2p multiaddrs; default /ip4/127.0.0.1/tcp/0.
	Listen []string
	// RPCAddr is HOST:PORT for JSON-RPC; default 127.0.0.1:0 (a free port,
	// written to DataDir/rpc.url). "-" disables the RPC server.
	RPCAddr string
	// RPCAllowRemote permits a non-loopback RPCAddr (cookie auth is always
	// on) and MetricsAddr.
	RPCAllowRemote bool
	// MetricsAddr is HOST:PORT for Prometheus metrics at /metrics; "" for none.
	MetricsAddr string
	// Peers are bootstrap peer multiaddrs (/p2p/<id> included).
	Peers []string
	MDNS  bool
	// Mine starts the built-in miner paying MinerAddress with MineThreads
	// goroutines (default 1).
	Mine         bool
	MinerAddress string
	MineThreads  int
	// MinFreeBytes is the disk's free-space floor: below it the node does
	// not start, and stops with a disk-full error (default
	// badgerstore.DefaultMinFreeBytes; negative: none).
	MinFreeBytes int64
	// NoTxIndex and NoAddrIndex turn off the optional transaction index
	// (getrawtransaction of confirmed transactions) and address history
	// (getaddresshistory, the wallet's history); both are kept by default.
	NoTxIndex, NoAddrIndex bool
	// MempoolBytes bounds the mempool (default 64 MiB).
	MempoolBytes int64
	// StatusInterval is how often peers are polled for their tip (default 1 s).
	StatusInterval time.Duration
	Logger         *slog.Logger
	// Now is the node's clock; default time.Now.
	Now func() time.Time
}

// Node is a running full node.
type Node struct {
	cfg    Config
	log    *slog.Logger
	params *consensus.Params
	now    func() time.Time
	store  store.Store

	// mu guards the engine and the mempool's agreement with it: changes
	// take it exclusively, queries shared.
	mu     sync.RWMutex
	engine *consensus.Engine
	pool   *mempool.Pool
	// core is the protocol state machine driving engine and pool (package
	// protocol); it too is used under mu, exclusively.
	core *protocol.Core

	// sigs verifies signatures on every core for the engine and the
	// mempool; sigCache carries the mempool's verified signatures to the
	// engine.
	sigs     *sigverify.Pool
	sigCache *sigverify.Cache

	mp mempoolState // mempoolfile.go: the mempool survives a crash

	host  *p2p.Host
	miner *miner.Miner
	payTo chain.Address
	rpc   *rpcserver.Server
	tele  telemetry // telemetry.go: events and metrics

	stopRequested chan struct{}
	stopOnce      sync.Once
	abortOnce     sync.Once
	abortErr      atomic.Pointer[error] // abort.go
	closeOnce     sync.Once
	closeErr      error
}

// New opens the datadir and starts every part of the node.
func New(cfg Config) (n *Node, err error) {
	if cfg.Params == nil {
		return nil, errors.New("node: no chain parameters")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MineThreads <= 0 {
		cfg.MineThreads = 1
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("node: datadir: %w", err)
	}
	n = &Node{
		cfg:           cfg,
		log:           cfg.Logger,
		params:        cfg.Params,
		now:           cfg.Now,
		stopRequested: make(chan struct{}),
		sigs:          sigverify.NewPool(0),
		sigCache:      sigverify.NewCache(0),
	}
	n.tele = newTelemetry(n)
	if cfg.MinerAddress != "" {
		if n.payTo, err = chain.DecodeAddress(cfg.MinerAddress, cfg.Params.AddressPrefix); err != nil {
			return nil, fmt.Errorf("node: --miner-address: %w", err)
		}
	} else if cfg.Mine {
		return nil, errors.New("node: --mine needs --miner-address")
	}
	// The returns below set n to nil: close what was opened through a copy.
	opened := n
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()
	if err := n.openChain(); err != nil {
		return nil, err
	}
	// Loading the block index allocates about twice what it keeps: hand
	// the garbage back to the system now rather than carry it while idle.
	debug.FreeOSMemory()
	n.pool = mempool.New(mempool.Config{Params: cfg.Params, MaxBytes: cfg.MempoolBytes, Logger: cfg.Logger,
		SigCache: n.sigCache, SigVerifier: n.sigs})
	if err := n.restoreMempool(); err != nil {
		return nil, err
	}
	if n.core, err = protocol.New(protocol.Config{Params: cfg.Params, Engine: n.engine, Pool: n.pool,
		Logger: cfg.Logger, StatusInterval: cfg.StatusInterval, ReportResults: n.tele.metrics != nil}); err != nil {
		return nil, err
	}
	n.miner = miner.New(miner.Config{Source: minerSource{n}, PayTo: n.payTo, Threads: cfg.MineThreads, Logger: cfg.Logger,
		Params: cfg.Params, Now: cfg.Now})
	n.host, err = p2p.New(p2p.Config{
		Params:   cfg.Params,
		Protocol: n,
		DataDir:  cfg.DataDir,
		Listen:   cfg.Listen,
		Peers:    cfg.Peers,
		MDNS:     cfg.MDNS,
		Logger:   cfg.Logger,
		// The core judges status polls and deadlines when given the time.
		TickInterval: min(cfg.StatusInterval/2, 250*time.Millisecond),
		PeerChanged:  n.reportPeer,
		Metrics:      n.tele.metrics.Registerer(),
	})
	if err != nil {
		return nil, err
	}
	if cfg.RPCAddr != "-" {
		if n.rpc, err = startRPC(n); err != nil {
			return nil, err
		}
		n.rpc.Handle("GET /events", n.tele.hub) // Server-Sent Events, telemetry.go
	}
	if err := n.tele.serve(); err != nil {
		return nil, err
	}
	n.startMempoolUpkeep()
	if cfg.Mine {
		n.miner.Start()
	}
	tip := n.engine.Tip()
	n.log.Info("node_started", "height", tip.Height, "hash", tip.Hash, "peer", n.host.ID(), "rpc", n.RPCURL())
	return n, nil
}

// openChain opens the Badger store and the engine on it. The store is
// verified before it is opened for writing (badgerstore.Open): a damaged
// datadir, one of another genesis or a full disk is refused with the cause,
// and left as it was found.
func (n *Node) openChain() error {
	chainDir := filepath.Join(n.cfg.DataDir, "chain")
	entries, _ := os.ReadDir(chainDir)
	keepIndexes, err := n.checkIndexes(len(entries) == 0)
	if err != nil {
		return err
	}
	genesis := n.params.GenesisHash
	s, err := badgerstore.Open(chainDir, badgerstore.Options{
		Logger:        n.log,
		MaxBlockBytes: n.params.MaxBlockBytes,
		Genesis:       &genesis,
		CheckValues:   true,
		MinFreeBytes:  n.cfg.MinFreeBytes,
	})
	if errors.Is(err, badgerstore.ErrOtherGenesis) {
		return fmt.Errorf("%w: %w", consensus.ErrWrongChain, err)
	}
	if err != nil {
		return fmt.Errorf("node: datadir %s: %w", n.cfg.DataDir, err)
	}
	n.store = s
	n.engine, err = consensus.New(consensus.Config{Params: n.params, Store: s, Logger: n.log,
		SigVerifier: n.sigs, SigCache: n.sigCache, Indexers: n.cfg.indexers()})
	if err != nil {
		return err
	}
	return keepIndexes()
}

// Done is closed when a client asked the node to stop (the stop RPC).
func (n *Node) Done() <-chan struct{} { return n.stopRequested }

// RequestStop asks the node's owner to shut it down.
func (n *Node) RequestStop() {
	n.stopOnce.Do(func() { close(n.stopRequested) })
}

// Close stops the RPC server, the miner and the network, then closes the
// store cleanly.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		var errs []error
		n.tele.close()
		if n.rpc != nil {
			errs = append(errs, n.rpc.Close())
		}
		if n.miner != nil {
			n.miner.Stop()
		}
		n.stopMempoolUpkeep()
		if n.host != nil {
			errs = append(errs, n.host.Close())
		}
		if n.store != nil {
			n.mu.Lock()
			errs = append(errs, n.store.Close())
			n.mu.Unlock()
		}
		n.sigs.Close()
		n.closeErr = errors.Join(errs...)
		n.log.Info("node_stopped")
	})
	return n.closeErr
}

// Params returns the chain's parameters.
func (n *Node) Params() *consensus.Params { return n.params }

// Host returns the node's libp2p host.
func (n *Node) Host() *p2p.Host { return n.host }

// RPCURL returns the URL of the JSON-RPC server ("" when disabled).
func (n *Node) RPCURL() string {
	if n.rpc == nil {
		return ""
	}
	return n.rpc.URL()
}

// Tip describes the active chain's tip.
func (n *Node) Tip() consensus.BlockInfo {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.engine.Tip()
}

// Mempool returns the node's transaction pool (safe for concurrent reads).
func (n *Node) Mempool() *mempool.Pool { return n.pool }

// withEngine runs fn with the engine under the shared lock.
func (n *Node) withEngine(fn func(e *consensus.Engine)) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	fn(n.engine)
}
