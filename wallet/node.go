package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/rpcclient"
)

// Caller is what the wallet needs of a node: JSON-RPC calls with positional
// parameters. *rpcclient.Client is one; errors answered by the node are
// *rpcclient.Error.
type Caller interface {
	Call(ctx context.Context, method string, params []any, result any) error
}

var _ Caller = (*rpcclient.Client)(nil)

// ChainInfo is the part of getblockchaininfo the wallet reads.
type ChainInfo struct {
	Chain            string `json:"chain"`
	Blocks           int64  `json:"blocks"`
	BestBlockHash    string `json:"bestblockhash"`
	GenesisHash      string `json:"genesishash"`
	AddressPrefix    string `json:"addressprefix"`
	CoinbaseMaturity int64  `json:"coinbasematurity"`
}

// GetChainInfo asks the node which chain it runs.
func GetChainInfo(ctx context.Context, c Caller) (*ChainInfo, error) {
	var info ChainInfo
	if err := c.Call(ctx, "getblockchaininfo", nil, &info); err != nil {
		return nil, fmt.Errorf("getblockchaininfo: %w", err)
	}
	if info.AddressPrefix == "" || info.GenesisHash == "" {
		return nil, fmt.Errorf("getblockchaininfo: the node reports no addressprefix or genesishash")
	}
	if _, err := chain.ParseHash(info.GenesisHash); err != nil {
		return nil, fmt.Errorf("getblockchaininfo: genesishash: %w", err)
	}
	return &info, nil
}

// CreateForNode is Create for the chain the node runs: the address prefix
// and genesis hash come from its getblockchaininfo.
func CreateForNode(ctx context.Context, c Caller, path string, passphrase []byte) (*Wallet, string, error) {
	info, err := GetChainInfo(ctx, c)
	if err != nil {
		return nil, "", err
	}
	return create(path, info.AddressPrefix, info.GenesisHash, passphrase)
}

// CheckChain makes sure the node runs the wallet's chain: same address
// prefix and, once known, same genesis hash. A wallet created offline
// learns the genesis hash here (and saves it); every later check compares
// against it.
func CheckChain(ctx context.Context, c Caller, w *Wallet) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.checkChain(ctx, c)
}

func (w *Wallet) checkChain(ctx context.Context, c Caller) error {
	info, err := GetChainInfo(ctx, c)
	if err != nil {
		return err
	}
	if info.AddressPrefix != w.file.AddressPrefix {
		return fmt.Errorf("%w: %s holds addresses with prefix %q, the node's chain %q uses %q",
			ErrChainMismatch, w.path, w.file.AddressPrefix, info.Chain, info.AddressPrefix)
	}
	node, _ := chain.ParseHash(info.GenesisHash)
	if mine, ok := w.genesis(); ok {
		if mine != node {
			return fmt.Errorf("%w: %s belongs to the chain with genesis %s, the node's chain %q has genesis %s",
				ErrChainMismatch, w.path, mine, info.Chain, node)
		}
		return nil
	}
	before := w.snapshot()
	w.file.GenesisHash = node.String()
	if err := w.save(); err != nil {
		w.restore(before)
		return err
	}
	return nil
}

// SyncReport tells what Sync learned about the wallet's pending
// transactions.
type SyncReport struct {
	// Confirmed are pending transactions now in a block of the node's
	// active chain; the wallet stops tracking them.
	Confirmed []chain.Hash
	// Vanished are pending transactions the node no longer knows and
	// refuses to take back (their inputs were spent by another
	// transaction, or the transaction became invalid): the outputs they
	// spent are the wallet's to spend again.
	Vanished []chain.Hash
	// Rebroadcast are pending transactions the node did not know (sent
	// through another node and not relayed yet, evicted, lost in a restart)
	// and took back when the wallet submitted them again: still pending.
	Rebroadcast []chain.Hash
	// Pending are those still in the node's mempool.
	Pending []chain.Hash
}

// Sync checks the node's chain (CheckChain) and refreshes the record of
// pending spends: each pending transaction is looked up with
// getrawtransaction. One the node does not know is submitted again, as
// Bitcoin Core's wallet rebroadcasts: it may simply not have reached this
// node yet, and forgetting it would let the wallet spend its coins twice.
// Confirmed transactions, and those the node refuses to take back, are
// dropped from the record and the file saved.
func Sync(ctx context.Context, c Caller, w *Wallet) (*SyncReport, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sync(ctx, c)
}

func (w *Wallet) sync(ctx context.Context, c Caller) (*SyncReport, error) {
	if err := w.checkChain(ctx, c); err != nil {
		return nil, err
	}
	report := &SyncReport{}
	var keep []pendingRecord
	for _, p := range w.file.Pending {
		txid, err := chain.ParseHash(p.TxID)
		if err != nil {
			return nil, fmt.Errorf("%w: pending txid: %v", ErrCorrupt, err)
		}
		var tx struct {
			Confirmations int64 `json:"confirmations"`
		}
		err = c.Call(ctx, "getrawtransaction", []any{p.TxID, true}, &tx)
		switch {
		case rpcCode(err) == rpcclient.CodeInvalidAddress:
			switch outcome, err := rebroadcast(ctx, c, p); {
			case err != nil:
				return nil, err
			case outcome == stillPending:
				report.Rebroadcast = append(report.Rebroadcast, txid)
				report.Pending = append(report.Pending, txid)
				keep = append(keep, p)
			case outcome == nowConfirmed:
				report.Confirmed = append(report.Confirmed, txid)
			default:
				report.Vanished = append(report.Vanished, txid)
			}
		case err != nil:
			return nil, fmt.Errorf("getrawtransaction %s: %w", p.TxID, err)
		case tx.Confirmations >= 1:
			report.Confirmed = append(report.Confirmed, txid)
		default:
			report.Pending = append(report.Pending, txid)
			keep = append(keep, p)
		}
	}
	if len(keep) == len(w.file.Pending) {
		return report, nil
	}
	before := w.snapshot()
	if keep == nil {
		keep = []pendingRecord{}
	}
	w.file.Pending = keep
	if err := w.save(); err != nil {
		w.restore(before)
		return nil, err
	}
	return report, nil
}

// rebroadcastOutcome is what submitting a pending transaction again found.
type rebroadcastOutcome int

const (
	stillPending rebroadcastOutcome = iota
	nowConfirmed
	refused
)

// rebroadcast submits a pending transaction the node does not know. A
// refusal for its fee or a full mempool keeps it pending (another node may
// hold it); any other refusal (a conflict, spent or missing inputs) means
// it will not confirm.
func rebroadcast(ctx context.Context, c Caller, p pendingRecord) (rebroadcastOutcome, error) {
	err := c.Call(ctx, "sendrawtransaction", []any{p.Hex}, nil)
	var e *rpcclient.Error
	switch {
	case err == nil:
		return stillPending, nil
	case !errors.As(err, &e):
		return 0, fmt.Errorf("sendrawtransaction %s: %w", p.TxID, err)
	case e.Code == rpcclient.CodeVerifyInChain:
		return nowConfirmed, nil
	case e.Code == rpcclient.CodeVerifyRejected && (strings.Contains(e.Message, "fee") || strings.Contains(e.Message, "full")):
		return stillPending, nil
	}
	return refused, nil
}

// rpcCode returns the JSON-RPC error code of err, or 0.
func rpcCode(err error) int {
	var e *rpcclient.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// unspentJSON is one listunspent entry.
type unspentJSON struct {
	TxID          string      `json:"txid"`
	Vout          uint32      `json:"vout"`
	Address       string      `json:"address"`
	Amount        json.Number `json:"amount"`
	Confirmations int64       `json:"confirmations"`
	Coinbase      bool        `json:"coinbase"`
	Spendable     *bool       `json:"spendable"`
}

// unspent lists the wallet's unspent outputs, confirmed (immature coinbase
// included) and unconfirmed, leaving out those its pending transactions
// spend and marking the change of its pending transactions.
func (w *Wallet) unspent(ctx context.Context, c Caller) ([]Coin, error) {
	spent := map[chain.OutPoint]bool{}
	own := map[string]bool{}
	for _, p := range w.file.Pending {
		own[p.TxID] = true
		for _, s := range p.Spends {
			if h, err := chain.ParseHash(s.TxID); err == nil {
				spent[chain.OutPoint{TxID: h, Index: s.Vout}] = true
			}
		}
	}
	addrs := w.addressList()
	var coins []Coin
	for _, conf := range [][2]int64{{1, 9999999}, {0, 0}} {
		var list []unspentJSON
		if err := c.Call(ctx, "listunspent", []any{conf[0], conf[1], addrs}, &list); err != nil {
			return nil, fmt.Errorf("listunspent: %w", err)
		}
		for _, u := range list {
			coin, err := w.coin(u)
			if err != nil {
				return nil, fmt.Errorf("listunspent: %w", err)
			}
			if coin == nil || spent[coin.OutPoint] {
				continue
			}
			if coin.Confirmations < conf[0] || coin.Confirmations > conf[1] {
				continue // a node that ignores minconf/maxconf must not count twice
			}
			coin.OwnChange = coin.Confirmations == 0 && own[u.TxID]
			coins = append(coins, *coin)
		}
	}
	return coins, nil
}

// coin converts a listunspent entry; nil when the address is not the
// wallet's.
func (w *Wallet) coin(u unspentJSON) (*Coin, error) {
	txid, err := chain.ParseHash(u.TxID)
	if err != nil {
		return nil, err
	}
	addr, err := chain.DecodeAddress(u.Address, w.file.AddressPrefix)
	if err != nil || !w.owns(addr) {
		return nil, nil
	}
	amount, err := parseCoins(u.Amount)
	if err != nil {
		return nil, err
	}
	spendable := u.Spendable == nil || *u.Spendable
	return &Coin{
		OutPoint:      chain.OutPoint{TxID: txid, Index: u.Vout},
		Address:       u.Address,
		Amount:        amount,
		Confirmations: u.Confirmations,
		Coinbase:      u.Coinbase,
		Spendable:     spendable,
		addr:          addr,
	}, nil
}

func (w *Wallet) addressList() []string {
	out := make([]string, len(w.file.Addresses))
	for i, r := range w.file.Addresses {
		out[i] = r.Address
	}
	return out
}

// Coins lists the wallet's unspent outputs as Send sees them: confirmed
// ones (immature coinbase outputs marked not Spendable) and unconfirmed
// ones (OwnChange for the change of its own pending transactions), without
// the outputs its pending transactions spend. It syncs first.
func Coins(ctx context.Context, c Caller, w *Wallet) ([]Coin, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.sync(ctx, c); err != nil {
		return nil, err
	}
	return w.unspent(ctx, c)
}

var unitsPerCoin = big.NewRat(chain.UnitsPerCoin, 1)

// parseCoins converts a JSON amount in coins into units exactly. JSON
// numbers may come in exponent form (Go writes 0.00000005 as 5e-08), so
// the decimal is read as a rational, not a float.
func parseCoins(n json.Number) (int64, error) {
	s := string(n)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		// Bound the exponent: big.Rat would compute 10^exp, whatever its size.
		if exp, err := strconv.Atoi(s[i+1:]); err != nil || exp < -30 || exp > 30 {
			return 0, fmt.Errorf("amount %q is out of range", n)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("amount %q is not a number", n)
	}
	if r.Sign() < 0 {
		return 0, fmt.Errorf("amount %q is negative", n)
	}
	r.Mul(r, unitsPerCoin)
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("amount %q is not a whole number of units", n)
	}
	return r.Num().Int64(), nil
}
