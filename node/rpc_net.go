package node

import (
	"context"
	"errors"
	"slices"

	"github.com/devchain/devchain/p2p"
	"github.com/devchain/devchain/rpcclient"
)

// Version is the node's version, as getnetworkinfo reports it.
const Version = "0.1.0"

func (s *rpcServer) getNetworkInfo(_ context.Context, p *params) (any, error) {
	if err := p.arity(0, 0); err != nil {
		return nil, err
	}
	h := s.node.host
	peers := h.Peers()
	in := 0
	for _, pi := range peers {
		if pi.Inbound {
			in++
		}
	}
	addrs := h.Addrs()
	if addrs == nil {
		addrs = []string{}
	}
	return map[string]any{
		"version":         Version,
		"subversion":      "/devchain:" + Version + "/",
		"protocolversion": 1,
		"peerid":          h.ID().String(),
		"localaddresses":  addrs,
		"networkactive":   h.NetworkActive(),
		"connections":     len(peers),
		"connections_in":  in,
		"connections_out": len(peers) - in,
	}, nil
}

func (s *rpcServer) getPeerInfo(_ context.Context, p *params) (any, error) {
	if err := p.arity(0, 0); err != nil {
		return nil, err
	}
	peers := s.node.host.Peers()
	out := make([]map[string]any, len(peers))
	for i, pi := range peers {
		out[i] = map[string]any{
			"id":            pi.ID.String(),
			"addr":          pi.Addr,
			"inbound":       pi.Inbound,
			"synced_blocks": pi.SyncedHeight,
			"banscore":      pi.BanScore,
		}
	}
	return out, nil
}

func (s *rpcServer) getConnectionCount(_ context.Context, p *params) (any, error) {
	if err := p.arity(0, 0); err != nil {
		return nil, err
	}
	return s.node.host.ConnectionCount(), nil
}

func (s *rpcServer) addNode(ctx context.Context, p *params) (any, error) {
	if err := p.arity(1, 2); err != nil {
		return nil, err
	}
	addr, err := p.str(0)
	if err != nil {
		return nil, err
	}
	command := "add"
	if p.has(1) {
		if command, err = p.str(1); err != nil {
			return nil, err
		}
	}
	if !slices.Contains([]string{"add", "remove", "onetry"}, command) {
		return nil, errorf(rpcclient.CodeInvalidParam, "addnode command must be add, remove or onetry, got %q", command)
	}
	err = s.node.host.AddNode(ctx, addr, command)
	switch {
	case errors.Is(err, p2p.ErrAlreadyAdded):
		return nil, errorf(rpcclient.CodeNodeAlreadyAdd, "Error: Node already added")
	case errors.Is(err, p2p.ErrNotAdded):
		return nil, errorf(rpcclient.CodeNodeNotAdded, "Error: Node has not been added.")
	case errors.Is(err, p2p.ErrNetworkInactive):
		return nil, errorf(rpcclient.CodeNetworkDisabled, "Error: Peer-to-peer functionality missing or disabled")
	case err != nil:
		return nil, errorf(rpcclient.CodeInvalidParam, "%v", err)
	}
	return nil, nil
}

func (s *rpcServer) disconnectNode(_ context.Context, p *params) (any, error) {
	if err := p.arity(1, 2); err != nil {
		return nil, err
	}
	target, err := p.str(0)
	if err != nil || target == "" {
		if p.has(1) {
			target, err = p.str(1)
		}
		if err != nil {
			return nil, err
		}
	}
	err = s.node.host.DisconnectPeer(target)
	switch {
	case errors.Is(err, p2p.ErrNotConnected):
		return nil, errorf(rpcclient.CodeNodeNotConn, "Node not found in connected nodes")
	case err != nil:
		return nil, errorf(rpcclient.CodeInvalidParam, "%v", err)
	}
	return nil, nil
}

func (s *rpcServer) setNetworkActive(_ context.Context, p *params) (any, error) {
	if err := p.arity(1, 1); err != nil {
		return nil, err
	}
	active, err := p.boolean(0, true)
	if err != nil {
		return nil, err
	}
	s.node.host.SetNetworkActive(active)
	return active, nil
}

func (s *rpcServer) stop(_ context.Context, p *params) (any, error) {
	if err := p.arity(0, 1); err != nil {
		return nil, err
	}
	s.node.RequestStop()
	return "node stopping", nil
}

func (s *rpcServer) help(_ context.Context, p *params) (any, error) {
	if err := p.arity(0, 1); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.methods))
	for name := range s.methods {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}
