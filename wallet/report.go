package wallet

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/devchain/devchain/chain"
)

// AddressBalance is what one address (or, in Balance.Total, the whole
// wallet) holds, in units.
type AddressBalance struct {
	AddressInfo
	// Confirmed: mature outputs in blocks.
	Confirmed int64
	// Unconfirmed: outputs of mempool transactions (incoming payments and
	// the wallet's own change).
	Unconfirmed int64
	// Immature: coinbase outputs in blocks, not spendable before
	// coinbase maturity.
	Immature int64
}

// Balance is the wallet's balance per address and in total. Outputs spent
// by the wallet's pending transactions are not counted.
type Balance struct {
	Addresses []AddressBalance // in derivation order
	Total     AddressBalance
	// Spendable is what Send can use now: confirmed outputs plus the
	// unconfirmed change of the wallet's own pending transactions.
	Spendable int64
}

// GetBalance syncs and returns the wallet's balance (listunspent with
// minconf 1 for confirmed and immature outputs, minconf 0 maxconf 0 for
// unconfirmed ones).
func GetBalance(ctx context.Context, c Caller, w *Wallet) (*Balance, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.sync(ctx, c); err != nil {
		return nil, err
	}
	coins, err := w.unspent(ctx, c)
	if err != nil {
		return nil, err
	}
	b := &Balance{Addresses: make([]AddressBalance, len(w.file.Addresses))}
	for i, r := range w.file.Addresses {
		b.Addresses[i].AddressInfo = AddressInfo{Index: r.Index, Address: r.Address, Change: r.Change}
	}
	for _, coin := range coins {
		ab := &b.Addresses[w.index[coin.addr]]
		switch {
		case !coin.Spendable:
			ab.Immature += coin.Amount
		case coin.Confirmations >= 1:
			ab.Confirmed += coin.Amount
		default:
			ab.Unconfirmed += coin.Amount
		}
		if coin.usable() {
			b.Spendable += coin.Amount
		}
	}
	for _, ab := range b.Addresses {
		b.Total.Confirmed += ab.Confirmed
		b.Total.Unconfirmed += ab.Unconfirmed
		b.Total.Immature += ab.Immature
	}
	return b, nil
}

// HistoryEntry is one transaction touching the wallet's addresses.
type HistoryEntry struct {
	TxID chain.Hash
	// Height is the block height, -1 while in the mempool.
	Height        int64
	BlockHash     string
	Confirmations int64
	// Received and Sent are what the transaction paid to and spent from the
	// wallet's addresses; Net = Received - Sent (negative for a payment:
	// amount plus fee).
	Received, Sent, Net int64
}

// Pending reports whether the transaction is still unconfirmed.
func (e *HistoryEntry) Pending() bool { return e.Height < 0 || e.Confirmations <= 0 }

type historyJSON struct {
	Address       string      `json:"address"`
	TxID          string      `json:"txid"`
	Height        int64       `json:"height"`
	BlockHash     string      `json:"blockhash"`
	Confirmations int64       `json:"confirmations"`
	Received      json.Number `json:"received"`
	Sent          json.Number `json:"sent"`
}

// History syncs and returns the wallet's transactions from the node's
// getaddresshistory over all its addresses, one entry per transaction,
// oldest first and pending ones last.
func History(ctx context.Context, c Caller, w *Wallet) ([]HistoryEntry, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.sync(ctx, c); err != nil {
		return nil, err
	}
	var list []historyJSON
	if err := c.Call(ctx, "getaddresshistory", []any{w.addressList()}, &list); err != nil {
		return nil, fmt.Errorf("getaddresshistory: %w", err)
	}
	var out []HistoryEntry
	pos := map[chain.Hash]int{}
	for _, h := range list {
		txid, err := chain.ParseHash(h.TxID)
		if err != nil {
			return nil, fmt.Errorf("getaddresshistory: %w", err)
		}
		if a, err := chain.DecodeAddress(h.Address, w.file.AddressPrefix); err != nil || !w.owns(a) {
			continue
		}
		received, err := parseCoins(h.Received)
		if err != nil {
			return nil, fmt.Errorf("getaddresshistory: received: %w", err)
		}
		sent, err := parseCoins(h.Sent)
		if err != nil {
			return nil, fmt.Errorf("getaddresshistory: sent: %w", err)
		}
		i, ok := pos[txid]
		if !ok {
			i = len(out)
			pos[txid] = i
			out = append(out, HistoryEntry{TxID: txid, Height: h.Height, BlockHash: h.BlockHash, Confirmations: h.Confirmations})
		}
		out[i].Received += received
		out[i].Sent += sent
		out[i].Net = out[i].Received - out[i].Sent
	}
	// The node lists oldest first; keep its order within a height and put
	// the mempool last.
	slices.SortStableFunc(out, func(a, b HistoryEntry) int {
		ka, kb := a.Height, b.Height
		if a.Pending() {
			ka = 1 << 62
		}
		if b.Pending() {
			kb = 1 << 62
		}
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	return out, nil
}
