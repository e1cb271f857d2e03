package node

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/p2p"
	"github.com/devchain/devchain/rpcserver"
)

// startRPC serves the node's JSON-RPC (package rpcserver) on
// Config.RPCAddr, loopback unless RPCAllowRemote.
func startRPC(n *Node) (*rpcserver.Server, error) {
	addr := n.cfg.RPCAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkRPCBind(addr, n.cfg.RPCAllowRemote); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node: rpc listen on %s: %w", addr, err)
	}
	if host, _, _ := net.SplitHostPort(addr); !isLoopbackHost(host) {
		n.log.Warn("rpc_not_loopback", "addr", ln.Addr().String())
	}
	return rpcserver.Start(rpcserver.Config{Listener: ln, DataDir: n.cfg.DataDir, Node: rpcBackend{n}, Logger: n.log, Now: n.now})
}

// RPCServer returns the node's RPC server (nil when disabled), on which
// other HTTP handlers can be mounted with Handle.
func (n *Node) RPCServer() *rpcserver.Server { return n.rpc }

// isLoopbackHost reports whether an RPC host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// checkRPCBind refuses to serve RPC beyond loopback unless asked to.
func checkRPCBind(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("node: --rpc %q: want HOST:PORT: %w", addr, err)
	}
	if isLoopbackHost(host) || allowRemote {
		return nil
	}
	return fmt.Errorf("node: --rpc %q is not a loopback address; pass --rpc-allow-remote to serve RPC (cookie auth) beyond this machine", addr)
}

// rpcBackend is the node as the RPC server sees it (rpcserver.Node).
type rpcBackend struct{ n *Node }

func (b rpcBackend) Params() *consensus.Params { return b.n.params }

func (b rpcBackend) View(fn func(c rpcserver.ChainView, pool rpcserver.Mempool)) {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	fn(b.n.engine, b.n.pool)
}

func (b rpcBackend) Tip() consensus.BlockInfo   { return b.n.Tip() }
func (b rpcBackend) Mempool() rpcserver.Mempool { return b.n.pool }
func (b rpcBackend) Miner() rpcserver.Miner     { return b.n.miner }
func (b rpcBackend) Network() rpcserver.Network { return rpcNetwork{b.n.host} }
func (b rpcBackend) RequestStop()               { b.n.RequestStop() }
func (b rpcBackend) VerifyChain() error         { return b.n.VerifyChain() }
func (b rpcBackend) SubmitBlock(blk *chain.Block) (*consensus.Result, error) {
	return b.n.processBlock(blk, fromLocal)
}

func (b rpcBackend) SubmitTx(tx *chain.Transaction) error {
	_, err := b.n.acceptTx(tx, fromLocal)
	return err
}

func (b rpcBackend) TestTx(tx *chain.Transaction) (int64, error) {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	return b.n.pool.Check(tx, b.n.engine)
}

func (b rpcBackend) InvalidateBlock(hash chain.Hash) error {
	_, err := b.n.changeChain(func(e *consensus.Engine) (*consensus.Result, error) { return e.InvalidateBlock(hash) })
	return err
}

func (b rpcBackend) ReconsiderBlock(hash chain.Hash) error {
	_, err := b.n.changeChain(func(e *consensus.Engine) (*consensus.Result, error) { return e.ReconsiderBlock(hash) })
	return err
}

func (b rpcBackend) GenerateToAddress(ctx context.Context, count int, addr chain.Address) ([]chain.Hash, error) {
	return b.n.GenerateToAddress(ctx, count, addr)
}

func (b rpcBackend) Template(payTo chain.Address) (*chain.Block, error) { return b.n.Template(payTo) }

func (b rpcBackend) MinerAddress() (chain.Address, bool) {
	return b.n.payTo, b.n.payTo != (chain.Address{})
}

// rpcNetwork is the libp2p host as the RPC server sees it.
type rpcNetwork struct{ h *p2p.Host }

func (r rpcNetwork) PeerID() string                { return r.h.ID().String() }
func (r rpcNetwork) Addrs() []string               { return r.h.Addrs() }
func (r rpcNetwork) ConnectionCount() int          { return r.h.ConnectionCount() }
func (r rpcNetwork) NetworkActive() bool           { return r.h.NetworkActive() }
func (r rpcNetwork) SetNetworkActive(active bool)  { r.h.SetNetworkActive(active) }
func (r rpcNetwork) DisconnectPeer(t string) error { return rpcNetError(r.h.DisconnectPeer(t)) }

func (r rpcNetwork) AddNode(ctx context.Context, addr, command string) error {
	return rpcNetError(r.h.AddNode(ctx, addr, command))
}

func (r rpcNetwork) Peers() []rpcserver.PeerInfo {
	peers := r.h.Peers()
	out := make([]rpcserver.PeerInfo, len(peers))
	for i, p := range peers {
		out[i] = rpcserver.PeerInfo{ID: p.ID.String(), Addr: p.Addr, Inbound: p.Inbound, SyncedHeight: p.SyncedHeight, BanScore: p.BanScore}
	}
	return out
}

// rpcNetError marks p2p's errors with the server's, which it answers with
// Core's codes.
func rpcNetError(err error) error {
	for _, m := range []struct{ p2p, rpc error }{
		{p2p.ErrAlreadyAdded, rpcserver.ErrAlreadyAdded},
		{p2p.ErrNotAdded, rpcserver.ErrNotAdded},
		{p2p.ErrNetworkInactive, rpcserver.ErrNetworkInactive},
		{p2p.ErrNotConnected, rpcserver.ErrNotConnected},
	} {
		if errors.Is(err, m.p2p) {
			return fmt.Errorf("%w: %w", m.rpc, err)
		}
	}
	return err
}
