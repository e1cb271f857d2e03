package rpcserver

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/multiformats/go-multiaddr"

	"github.com/devchain/devchain/jsonrpc"
)

// Version is the node's version, as getnetworkinfo's subversion reports
// it; VersionNumber is the same as Core's integer (MAJOR*10000 +
// MINOR*100 + PATCH).
const (
	Version       = "0.1.0"
	VersionNumber = 100
)

// noServices is Core's localservices/services hex when no service bits
// apply (this node speaks libp2p, not Core's p2p protocol).
const noServices = "0000000000000000"

func (s *Server) getNetworkInfo(_ context.Context, p *params) (any, error) {
	h := s.node.Network()
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
	relay := s.node.Mempool().Info().MinRelayFeeRate
	return map[string]any{
		"version":            VersionNumber,
		"subversion":         "/devchain:" + Version + "/",
		"protocolversion":    1,
		"localservices":      noServices,
		"localservicesnames": []string{},
		"localrelay":         true,
		"timeoffset":         0,
		"networkactive":      h.NetworkActive(),
		"connections":        len(peers),
		"connections_in":     in,
		"connections_out":    len(peers) - in,
		"networks":           []any{},
		"relayfee":           relay,
		"incrementalfee":     relay,
		"localaddresses":     localAddresses(addrs),
		"warnings":           "",
		"peerid":             h.PeerID(),
		"p2paddresses":       addrs,
	}, nil
}

// localAddresses turns listen multiaddrs into Core's {address, port,
// score} objects (TCP ones only; QUIC or relay addresses have no such
// form).
func localAddresses(addrs []string) []map[string]any {
	out := []map[string]any{}
	for _, a := range addrs {
		ma, err := multiaddr.NewMultiaddr(a)
		if err != nil {
			continue
		}
		host, err := ma.ValueForProtocol(multiaddr.P_IP4)
		if err != nil {
			if host, err = ma.ValueForProtocol(multiaddr.P_IP6); err != nil {
				continue
			}
		}
		portText, err := ma.ValueForProtocol(multiaddr.P_TCP)
		if err != nil {
			continue
		}
		port, err := strconv.ParseUint(portText, 10, 16)
		if err != nil {
			continue
		}
		out = append(out, map[string]any{"address": host, "port": port, "score": 1})
	}
	return out
}

// peerNumbers gives each libp2p peer a small integer, getpeerinfo's id as
// Core numbers its connections, stable while the node runs.
type peerNumbers struct {
	mu     sync.Mutex
	next   int
	byPeer map[string]int
}

// maxPeerNumbers bounds the remembered peers; past it, numbers of peers
// no longer connected are forgotten.
const maxPeerNumbers = 4096

func (pn *peerNumbers) number(peerID string, connected func(string) bool) int {
	pn.mu.Lock()
	defer pn.mu.Unlock()
	if pn.byPeer == nil {
		pn.byPeer = map[string]int{}
	}
	if n, ok := pn.byPeer[peerID]; ok {
		return n
	}
	if len(pn.byPeer) >= maxPeerNumbers {
		for id := range pn.byPeer {
			if !connected(id) {
				delete(pn.byPeer, id)
			}
		}
	}
	n := pn.next
	pn.next++
	pn.byPeer[peerID] = n
	return n
}

// peerOf returns the peer id numbered n.
func (pn *peerNumbers) peerOf(n int64) (string, bool) {
	pn.mu.Lock()
	defer pn.mu.Unlock()
	for id, num := range pn.byPeer {
		if int64(num) == n {
			return id, true
		}
	}
	return "", false
}

func (s *Server) getPeerInfo(_ context.Context, p *params) (any, error) {
	peers := s.node.Network().Peers()
	connected := map[string]bool{}
	for _, pi := range peers {
		connected[pi.ID] = true
	}
	isConnected := func(id string) bool { return connected[id] }
	out := make([]map[string]any, len(peers))
	for i, pi := range peers {
		connType := "outbound-full-relay"
		if pi.Inbound {
			connType = "inbound"
		}
		out[i] = map[string]any{
			"id":              s.peerIDs.number(pi.ID, isConnected),
			"peerid":          pi.ID,
			"addr":            pi.Addr,
			"network":         "not_publicly_routable",
			"services":        noServices,
			"servicesnames":   []string{},
			"relaytxes":       true,
			"version":         0,
			"subver":          "",
			"inbound":         pi.Inbound,
			"connection_type": connType,
			"startingheight":  pi.SyncedHeight,
			"synced_blocks":   pi.SyncedHeight,
			"synced_headers":  pi.SyncedHeight,
			"banscore":        pi.BanScore,
		}
	}
	return out, nil
}

func (s *Server) ping(_ context.Context, p *params) (any, error) { return nil, nil }

func (s *Server) uptime(_ context.Context, p *params) (any, error) {
	return int64(s.now().Sub(s.started).Seconds()), nil
}

func (s *Server) getConnectionCount(_ context.Context, p *params) (any, error) {
	return s.node.Network().ConnectionCount(), nil
}

func (s *Server) addNode(ctx context.Context, p *params) (any, error) {
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
		return nil, errorf(jsonrpc.CodeInvalidParam, "addnode command must be add, remove or onetry, got %q", command)
	}
	err = s.node.Network().AddNode(ctx, addr, command)
	switch {
	case errors.Is(err, ErrAlreadyAdded):
		return nil, errorf(jsonrpc.CodeNodeAlreadyAdd, "Error: Node already added")
	case errors.Is(err, ErrNotAdded):
		return nil, errorf(jsonrpc.CodeNodeNotAdded, "Error: Node has not been added.")
	case errors.Is(err, ErrNetworkInactive):
		return nil, errorf(jsonrpc.CodeNetworkDisabled, "Error: Peer-to-peer functionality missing or disabled")
	case err != nil:
		return nil, errorf(jsonrpc.CodeInvalidParam, "%v", err)
	}
	return nil, nil
}

func (s *Server) disconnectNode(_ context.Context, p *params) (result any, err error) {
	var target string
	if p.has(0) {
		if target, err = p.str(0); err != nil {
			return nil, err
		}
	}
	if target == "" && p.has(1) {
		// Core's nodeid: the number getpeerinfo gave the peer (a peer id
		// string is taken too).
		if n, nerr := p.integer(1, -1); nerr == nil {
			var ok bool
			if target, ok = s.peerIDs.peerOf(n); !ok {
				return nil, errorf(jsonrpc.CodeNodeNotConn, "Node not found in connected nodes")
			}
		} else if target, err = p.str(1); err != nil {
			return nil, err
		}
	}
	if target == "" {
		return nil, errorf(jsonrpc.CodeInvalidParam, "Only one of address and nodeid should be provided.")
	}
	err = s.node.Network().DisconnectPeer(target)
	switch {
	case errors.Is(err, ErrNotConnected):
		return nil, errorf(jsonrpc.CodeNodeNotConn, "Node not found in connected nodes")
	case err != nil:
		return nil, errorf(jsonrpc.CodeInvalidParam, "%v", err)
	}
	return nil, nil
}

func (s *Server) setNetworkActive(_ context.Context, p *params) (any, error) {
	active, err := p.boolean(0, true)
	if err != nil {
		return nil, err
	}
	s.node.Network().SetNetworkActive(active)
	return active, nil
}

func (s *Server) stop(_ context.Context, p *params) (any, error) {
	s.node.RequestStop()
	return "node stopping", nil
}

// help answers as Core: with a method, its usage; without, the first
// usage line of every method by category.
func (s *Server) help(_ context.Context, p *params) (any, error) {
	if p.has(0) {
		name, err := p.str(0)
		if err != nil {
			return nil, err
		}
		m, ok := s.methods[name]
		if !ok {
			return "help: unknown command: " + name, nil
		}
		return m.usage(), nil
	}
	var b strings.Builder
	for _, category := range helpCategories {
		var lines []string
		for _, m := range s.methods {
			if m.category == category {
				lines = append(lines, m.usageLine())
			}
		}
		if len(lines) == 0 {
			continue
		}
		slices.Sort(lines)
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("== " + category + " ==\n" + strings.Join(lines, "\n") + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
