package p2p

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pprotocol "github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/protocol"
)

// Protocol is the node's protocol core as this driver sees it: package
// protocol's Core behind the node's lock. Every decision about peers,
// blocks and transactions is the core's; the driver carries its messages
// over libp2p and carries out its actions.
type Protocol interface {
	// Step feeds one event to the core and returns the actions it decided
	// on that concern the network (Send, Publish, Disconnect, Ban,
	// Penalised), in order.
	Step(ev protocol.Event) []protocol.Action
	// Peers describes the connected peers as the core knows them.
	Peers() []protocol.PeerInfo
	// Busy reports that the core has work left from a step (downloaded
	// blocks it has not handed to the engine yet): the driver steps it
	// again with a Tick.
	Busy() bool
}

// Config configures a Host.
type Config struct {
	Params   *consensus.Params
	Protocol Protocol
	// DataDir holds the identity key (p2p.key); empty means a new key each start.
	DataDir string
	// Listen are the multiaddrs to listen on; default /ip4/127.0.0.1/tcp/0.
	Listen []string
	// Peers are bootstrap multiaddrs (ending in /p2p/<id>), redialled with
	// backoff while the network is active.
	Peers []string
	// MDNS turns on local discovery.
	MDNS   bool
	Logger *slog.Logger
	// TickInterval is how often the core is given the time (status polls
	// and request deadlines are judged then); default 250 ms.
	TickInterval time.Duration
	// Now is the clock for bans and backoff; default time.Now.
	Now func() time.Time
	// Metrics, when set, receives libp2p's own Prometheus metrics.
	Metrics prometheus.Registerer
	// PeerChanged, when set, hears of every peer that connects or leaves;
	// it must not block.
	PeerChanged func(PeerEvent)
}

// Host is a node's libp2p presence: gossip, sync and peer management.
type Host struct {
	cfg    Config
	log    *slog.Logger
	host   host.Host
	ps     *pubsub.PubSub
	blocks *pubsub.Topic
	txs    *pubsub.Topic
	subs   []*pubsub.Subscription
	gater  *gater
	peers  *peerSet
	dialer *dialer
	limits *limiter
	syncID libp2pprotocol.ID

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// keyFile is the identity key's file name in the datadir.
const keyFile = "p2p.key"

// New starts a host: listening, gossip topics joined, sync protocol served,
// bootstrap peers dialled and mDNS started when asked.
func New(cfg Config) (*Host, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.Listen) == 0 {
		cfg.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 250 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	bootstrap, err := parsePeerAddrs(cfg.Peers)
	if err != nil {
		return nil, err
	}
	key, err := loadOrCreateKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	g := newGater(cfg.Now)
	h, err := libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(cfg.Listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.ConnectionGater(g),
		libp2p.DisableRelay(),
		metricsOption(cfg.Metrics),
		libp2p.Ping(false),
	)
	if err != nil {
		return nil, fmt.Errorf("p2p: start host on %v: %w", cfg.Listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Host{
		cfg:    cfg,
		log:    cfg.Logger,
		host:   h,
		gater:  g,
		limits: newLimiter(cfg.Now),
		ctx:    ctx,
		cancel: cancel,
		syncID: libp2pprotocol.ID(fmt.Sprintf("/devchain/%s/%s/sync/1", cfg.Params.ChainID, shortHash(cfg.Params.GenesisHash))),
	}
	n.peers = newPeerSet(n)
	n.dialer = newDialer(n, bootstrap)
	if err := n.startGossip(); err != nil {
		n.Close()
		return nil, err
	}
	h.SetStreamHandler(n.syncID, n.limitSync(n.serveSync))
	if err := n.peers.watch(); err != nil {
		n.Close()
		return nil, err
	}
	n.goRun(n.tick)
	n.dialer.start()
	if cfg.MDNS {
		n.dialer.startMDNS()
	}
	return n, nil
}

// goRun runs fn in a goroutine that Close waits for.
func (n *Host) goRun(fn func(ctx context.Context)) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		fn(n.ctx)
	}()
}

// Close leaves the network and stops every goroutine of the host.
func (n *Host) Close() error {
	var err error
	n.closed.Do(func() {
		n.cancel()
		n.dialer.stopMDNS()
		for _, s := range n.subs {
			s.Cancel()
		}
		err = n.host.Close()
		n.wg.Wait()
	})
	return err
}

// ID returns the host's peer id.
func (n *Host) ID() peer.ID { return n.host.ID() }

// Addrs returns the host's listen addresses, each ending in /p2p/<id>.
func (n *Host) Addrs() []string {
	var out []string
	for _, a := range n.host.Addrs() {
		out = append(out, a.String()+"/p2p/"+n.host.ID().String())
	}
	return out
}

// shortHash is the first 8 hex digits of a hash in display order.
func shortHash(h chain.Hash) string { return h.String()[:8] }

// parsePeerAddrs parses multiaddrs that name their peer (/p2p/<id>).
func parsePeerAddrs(addrs []string) ([]peer.AddrInfo, error) {
	var infos []peer.AddrInfo
	for _, s := range addrs {
		info, err := ParsePeerAddr(s)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// ParsePeerAddr parses a multiaddr ending in /p2p/<peer id>.
func ParsePeerAddr(s string) (peer.AddrInfo, error) {
	addr, err := ma.NewMultiaddr(s)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("p2p: peer address %q: %w", s, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("p2p: peer address %q must end in /p2p/<peer id>: %w", s, err)
	}
	return *info, nil
}

// loadOrCreateKey reads the identity key from dir, creating it on first
// start; an empty dir gives a fresh key.
func loadOrCreateKey(dir string) (crypto.PrivKey, error) {
	if dir == "" {
		key, _, err := crypto.GenerateEd25519Key(rand.Reader)
		return key, err
	}
	path := filepath.Join(dir, keyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := crypto.UnmarshalPrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("p2p: identity key %s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("p2p: read identity key: %w", err)
	}
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("p2p: generate identity key: %w", err)
	}
	data, err = crypto.MarshalPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("p2p: encode identity key: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return nil, fmt.Errorf("p2p: write identity key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("p2p: write identity key: %w", err)
	}
	return key, nil
}
