package rpcserver

import (
	"context"
	"slices"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/jsonrpc"
)

// foundTx is a transaction located in the mempool or in a block.
type foundTx struct {
	tx            *chain.Transaction
	inBlock       bool
	block         consensus.BlockInfo
	confirmations int64
}

// findTx looks a transaction up in the mempool, then in the given block or
// through the chain's transaction index.
func (s *Server) findTx(txid chain.Hash, blockHash *chain.Hash) (found *foundTx, err error) {
	if blockHash == nil {
		if e, ok := s.node.Mempool().Get(txid); ok {
			return &foundTx{tx: e.Tx}, nil
		}
	}
	s.node.View(func(e ChainView, _ Mempool) { found, err = findInChain(e, txid, blockHash) })
	return found, err
}

func findInChain(e ChainView, txid chain.Hash, blockHash *chain.Hash) (*foundTx, error) {
	var hash chain.Hash
	var index uint32
	switch {
	case blockHash != nil:
		hash = *blockHash
		if _, ok := e.BlockInfo(hash); !ok {
			return nil, errorf(jsonrpc.CodeInvalidAddress, "Block hash not found")
		}
		index = ^uint32(0)
	default:
		loc, ok, err := e.TxLocation(txid)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorf(jsonrpc.CodeInvalidAddress, "No such mempool or blockchain transaction")
		}
		var found bool
		if hash, found = e.MainChainHash(loc.Height); !found {
			return nil, errorf(jsonrpc.CodeInvalidAddress, "No such mempool or blockchain transaction")
		}
		index = loc.TxIndex
	}
	b, err := e.Block(hash)
	if err != nil {
		return nil, err
	}
	info, _ := e.BlockInfo(hash)
	tip := e.Height()
	for i, tx := range b.Transactions {
		if (index == ^uint32(0) || uint32(i) == index) && tx.TxID() == txid {
			conf := int64(0)
			if info.MainChain {
				conf = int64(tip) - int64(info.Height) + 1
			}
			return &foundTx{tx: tx, inBlock: true, block: info, confirmations: conf}, nil
		}
	}
	return nil, errorf(jsonrpc.CodeInvalidAddress, "No such transaction found in the provided block")
}

// maxHistoryAddresses bounds the addresses of one getaddresshistory call.
const maxHistoryAddresses = 100

// historyEntry is one getaddresshistory line.
type historyEntry struct {
	Address       string      `json:"address"`
	TxID          chain.Hash  `json:"txid"`
	Height        int64       `json:"height"`
	BlockHash     *chain.Hash `json:"blockhash,omitempty"`
	Time          uint32      `json:"time,omitempty"`
	Confirmations int64       `json:"confirmations"`
	Received      jsonAmount  `json:"received"`
	Sent          jsonAmount  `json:"sent"`
}

func (s *Server) getAddressHistory(_ context.Context, p *params) (any, error) {
	var addrStrings []string
	if one, err := p.str(0); err == nil {
		addrStrings = []string{one}
	} else if addrStrings, err = p.strings(0); err != nil {
		return nil, err
	}
	// One address repeated 400 times once built a 1.9 GB reply: each
	// address is walked once, and a call names at most maxHistoryAddresses.
	seen := map[string]bool{}
	addrStrings = slices.DeleteFunc(addrStrings, func(a string) bool {
		dup := seen[a]
		seen[a] = true
		return dup
	})
	if len(addrStrings) > maxHistoryAddresses {
		return nil, errorf(jsonrpc.CodeInvalidParam, "at most %d distinct addresses per call, got %d", maxHistoryAddresses, len(addrStrings))
	}
	out := []historyEntry{}
	for _, a := range addrStrings {
		addr, err := decodeAddress(a, s.params.AddressPrefix)
		if err != nil {
			return nil, err
		}
		var entries []historyEntry
		s.node.View(func(c ChainView, pool Mempool) { entries, err = addressHistory(c, pool, addr, a) })
		if err != nil {
			return nil, err
		}
		out = append(out, entries...)
	}
	return out, nil
}

// addressHistory walks an address's transactions oldest first: what each
// paid to the address, and what it spent of outputs the address received
// earlier (every output an address spends was paid to it before, so the
// walk knows its amount).
func addressHistory(c ChainView, pool Mempool, addr chain.Address, label string) ([]historyEntry, error) {
	entries, err := c.AddressHistory(addr)
	if err != nil {
		return nil, err
	}
	received := map[chain.OutPoint]int64{}
	account := func(tx *chain.Transaction, txid chain.Hash) (in, out int64) {
		for _, input := range tx.Inputs {
			if !tx.IsCoinbase() && chain.Address(input.PubKey) == addr {
				out += received[input.PrevOut]
			}
		}
		for i, o := range tx.Outputs {
			if o.Address == addr {
				in += o.Amount
				received[chain.OutPoint{TxID: txid, Index: uint32(i)}] = o.Amount
			}
		}
		return in, out
	}
	tip := c.Height()
	var cached *chain.Block
	var cachedInfo consensus.BlockInfo
	out := make([]historyEntry, 0, len(entries))
	for _, e := range entries {
		hash, ok := c.MainChainHash(e.Height)
		if !ok {
			continue
		}
		if cached == nil || cachedInfo.Hash != hash {
			if cached, err = c.Block(hash); err != nil {
				return nil, err
			}
			cachedInfo, _ = c.BlockInfo(hash)
		}
		if int(e.TxIndex) >= len(cached.Transactions) {
			continue
		}
		in, spent := account(cached.Transactions[e.TxIndex], e.TxID)
		blockHash := hash
		out = append(out, historyEntry{Address: label, TxID: e.TxID, Height: int64(e.Height), BlockHash: &blockHash,
			Time: cachedInfo.Header.Timestamp, Confirmations: int64(tip) - int64(e.Height) + 1,
			Received: jsonAmount(in), Sent: jsonAmount(spent)})
	}
	for _, e := range pool.Entries() {
		touches := false
		for _, input := range e.Tx.Inputs {
			touches = touches || chain.Address(input.PubKey) == addr
		}
		for _, o := range e.Tx.Outputs {
			touches = touches || o.Address == addr
		}
		if !touches {
			continue
		}
		in, spent := account(e.Tx, e.TxID)
		out = append(out, historyEntry{Address: label, TxID: e.TxID, Height: -1, Received: jsonAmount(in), Sent: jsonAmount(spent)})
	}
	return out, nil
}
