package explorer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/wallet"
)

// actionRequest is the body of a playground POST.
type actionRequest struct {
	Node   string `json:"node"`
	N      int    `json:"n"`
	Hash   string `json:"hash"`
	To     string `json:"to"`
	Amount string `json:"amount"`
}

// maxMine bounds one "mine N blocks" click.
const maxMine = 100

// action decodes a playground request and answers its result or error as
// JSON. It wants Content-Type application/json, which a cross-site form
// cannot send without the browser asking first.
func (s *Server) action(do func(ctx context.Context, req actionRequest) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "explorer: want Content-Type application/json"})
			return
		}
		var req actionRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "explorer: bad request: " + err.Error()})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
		defer cancel()
		result, err := do(ctx, req)
		if err != nil {
			s.log.Info("playground_failed", "node", req.Node, "err", err)
			writeJSON(w, http.StatusOK, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": result})
	}
}

func (s *Server) nodeCall(ctx context.Context, name, method string, result any, params ...any) error {
	i, err := s.nodeIndex(name)
	if err != nil {
		return err
	}
	if err := s.cfg.Nodes[i].Client.Call(ctx, method, params, result); err != nil {
		return fmt.Errorf("%s: %s: %w", name, method, err)
	}
	return nil
}

// mine mines N blocks on a node at once (generatetoaddress).
func (s *Server) mine(ctx context.Context, req actionRequest) (any, error) {
	if req.N < 1 || req.N > maxMine {
		return nil, fmt.Errorf("explorer: mine 1 to %d blocks, not %d", maxMine, req.N)
	}
	i, err := s.nodeIndex(req.Node)
	if err != nil {
		return nil, err
	}
	addr := s.cfg.Nodes[i].MinerAddress
	if addr == "" {
		addr = s.cfg.MinerAddress
	}
	if addr == "" {
		return nil, errors.New("explorer: no miner address configured")
	}
	var hashes []string
	err = s.nodeCall(ctx, req.Node, "generatetoaddress", &hashes, req.N, addr)
	return hashes, err
}

// cut takes a node off the network: it drops every peer and refuses new
// ones (setnetworkactive false).
func (s *Server) cut(ctx context.Context, req actionRequest) (any, error) {
	var active bool
	if err := s.nodeCall(ctx, req.Node, "setnetworkactive", &active, false); err != nil {
		return nil, err
	}
	s.refreshPeers(req.Node)
	return fmt.Sprintf("%s is cut off", req.Node), nil
}

// heal turns a node's network on again and dials every other node once at
// once, rather than waiting for the bootstrap redial's backoff.
func (s *Server) heal(ctx context.Context, req actionRequest) (any, error) {
	var active bool
	if err := s.nodeCall(ctx, req.Node, "setnetworkactive", &active, true); err != nil {
		return nil, err
	}
	for _, n := range s.cfg.Nodes {
		if n.Name == req.Node || n.P2PAddr == "" {
			continue
		}
		if err := s.nodeCall(ctx, req.Node, "addnode", nil, n.P2PAddr, "onetry"); err != nil {
			s.log.Info("heal_dial_failed", "node", req.Node, "peer", n.Name, "err", err)
		}
	}
	s.refreshPeers(req.Node)
	return fmt.Sprintf("%s is back on the network", req.Node), nil
}

func (s *Server) refreshPeers(name string) {
	if i, err := s.nodeIndex(name); err == nil {
		s.watcherMark(i, dirtyPeers)
	}
}

func (s *Server) invalidate(ctx context.Context, req actionRequest) (any, error) {
	if _, err := chain.ParseHash(req.Hash); err != nil {
		return nil, fmt.Errorf("explorer: block hash: %w", err)
	}
	if err := s.nodeCall(ctx, req.Node, "invalidateblock", nil, req.Hash); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.invalidByUs[req.Node] == nil {
		s.invalidByUs[req.Node] = map[string]bool{}
	}
	s.invalidByUs[req.Node][req.Hash] = true
	s.mu.Unlock()
	s.chainChanged(req.Node)
	return fmt.Sprintf("%s holds %s invalid", req.Node, req.Hash), nil
}

func (s *Server) reconsider(ctx context.Context, req actionRequest) (any, error) {
	if _, err := chain.ParseHash(req.Hash); err != nil {
		return nil, fmt.Errorf("explorer: block hash: %w", err)
	}
	if err := s.nodeCall(ctx, req.Node, "reconsiderblock", nil, req.Hash); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.invalidByUs[req.Node], req.Hash)
	s.mu.Unlock()
	s.chainChanged(req.Node)
	return fmt.Sprintf("%s reconsidered %s", req.Node, req.Hash), nil
}

// chainChanged refreshes a node's chain tips after a playground call that
// may not move its tip (invalidating a side block sends no event).
func (s *Server) chainChanged(name string) {
	if i, err := s.nodeIndex(name); err == nil {
		s.watcherMark(i, dirtyChain)
	}
}

// send pays from the devnet wallet through a node, as `wallet send` does.
func (s *Server) send(ctx context.Context, req actionRequest) (any, error) {
	if s.cfg.WalletPath == "" {
		return nil, errors.New("explorer: no devnet wallet configured")
	}
	i, err := s.nodeIndex(req.Node)
	if err != nil {
		return nil, err
	}
	to := req.To
	if to == "" {
		to = s.cfg.FriendAddress
	}
	amount, err := chain.ParseAmount(req.Amount)
	if err != nil {
		return nil, fmt.Errorf("explorer: amount %q: %w", req.Amount, err)
	}
	s.walletMu.Lock()
	defer s.walletMu.Unlock()
	w, err := wallet.Open(s.cfg.WalletPath, nil)
	if err != nil {
		return nil, err
	}
	res, err := wallet.Send(ctx, s.cfg.Nodes[i].Client, w, to, amount, wallet.DefaultFeeRate)
	if err != nil {
		return nil, err
	}
	return map[string]any{"txid": res.TxID.String(), "to": to, "amount": chain.FormatAmount(res.Amount), "fee": chain.FormatAmount(res.Fee)}, nil
}

// serveBlock answers a block's details from the first node that holds it,
// with where it stands on each node (main chain or side).
func (s *Server) serveBlock(w http.ResponseWriter, r *http.Request) {
	hash := r.URL.Query().Get("hash")
	if _, err := chain.ParseHash(hash); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "explorer: block hash: " + err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	var block json.RawMessage
	var from string
	standing := map[string]string{}
	var lastErr error
	for _, n := range s.cfg.Nodes {
		var hdr struct {
			Confirmations int64 `json:"confirmations"`
		}
		if err := n.Client.Call(ctx, "getblockheader", []any{hash, true}, &hdr); err != nil {
			standing[n.Name] = "unknown"
			continue
		}
		standing[n.Name] = "side"
		if hdr.Confirmations > 0 {
			standing[n.Name] = "main"
		}
		if block == nil {
			if err := n.Client.Call(ctx, "getblock", []any{hash, 1}, &block); err != nil {
				lastErr = err
				block = nil
				continue
			}
			from = n.Name
		}
	}
	if block == nil {
		msg := "explorer: no node holds block " + hash
		if lastErr != nil {
			msg += ": " + lastErr.Error()
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"block": block, "from": from, "standing": standing})
}

// serveTx answers a transaction: from its block when the page says which
// (side blocks too), else from a node's transaction index or mempool.
func (s *Server) serveTx(w http.ResponseWriter, r *http.Request) {
	txid := r.URL.Query().Get("txid")
	if _, err := chain.ParseHash(txid); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "explorer: txid: " + err.Error()})
		return
	}
	blockHash := r.URL.Query().Get("block")
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	var lastErr error
	for _, n := range s.cfg.Nodes {
		if blockHash != "" {
			var b struct {
				Tx []json.RawMessage `json:"tx"`
			}
			if err := n.Client.Call(ctx, "getblock", []any{blockHash, 2}, &b); err == nil {
				for _, raw := range b.Tx {
					var t struct {
						TxID string `json:"txid"`
					}
					if json.Unmarshal(raw, &t) == nil && t.TxID == txid {
						writeJSON(w, http.StatusOK, map[string]any{"tx": raw, "from": n.Name, "block": blockHash})
						return
					}
				}
			}
		}
		var tx json.RawMessage
		if err := n.Client.Call(ctx, "getrawtransaction", []any{txid, true}, &tx); err != nil {
			lastErr = err
			continue
		}
		writeJSON(w, http.StatusOK, map[string]any{"tx": tx, "from": n.Name})
		return
	}
	msg := "explorer: no node knows transaction " + txid
	if lastErr != nil {
		msg += ": " + lastErr.Error()
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": msg})
}
