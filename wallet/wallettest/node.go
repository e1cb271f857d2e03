// Package wallettest runs the node's real JSON-RPC server (package
// rpcserver) for tests of package wallet and of the wallet command, in the
// spirit of net/http/httptest: an httptest.Server with cookie
// authentication in front of a real consensus engine on the in-memory
// store and a real mempool, with no network and no miner goroutines. Every
// reply, check and rejection is the node's own.
//
// Tests fund addresses (Fund, FundCoinbase: each mines one block), mine the
// mempool (Mine), make mempool transactions vanish (DropMempool), make
// listunspent stale or sends fail (SetStaleListUnspent, FailSends) and
// inspect what reached the node (Calls, Accepted). The chain's time is
// virtual: block n is TargetSpacing after block n-1. It is only for tests:
// nothing else imports it.
package wallettest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/jsonrpc"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/miner"
	"github.com/devchain/devchain/rpcclient"
	"github.com/devchain/devchain/rpcserver"
)

// CoinbaseMaturity of the test chain, in blocks.
const CoinbaseMaturity = 10

// funderKey holds the genesis allocation that Fund pays from.
var funderKey, _ = btcec.PrivKeyFromBytes(funderSeed[:])

var funderSeed = sha256.Sum256([]byte("wallettest funder"))

// funderAlloc is the funder's genesis allocation, in units.
const funderAlloc = 1_000_000 * chain.UnitsPerCoin

// Node is a node for wallet tests. Its exported fields are fixed at
// creation.
type Node struct {
	// URL is the JSON-RPC endpoint.
	URL string
	// Datadir holds rpc.url and .cookie as a running node writes them, so
	// rpcclient.FromDatadir(Datadir) reaches this node.
	Datadir string
	// CookieFile is Datadir/.cookie.
	CookieFile string
	// Params are the chain's consensus parameters; the genesis hash that
	// signatures commit to is Params.GenesisHash.
	Params *consensus.Params

	password string
	funder   chain.Address

	mu       sync.RWMutex // guards engine and pool, as the node's lock does
	engine   *consensus.Engine
	pool     *mempool.Pool
	funds    chain.OutPoint // the funder's unspent output
	calls    map[string]int
	accepted []*chain.Transaction
	stale    bool
	failSend *jsonrpc.Error
}

// NewNode starts a node for a chain with the given address prefix and
// stops it when the test ends.
func NewNode(tb testing.TB, prefix string) *Node {
	tb.Helper()
	return NewChainNode(tb, "fakenet", prefix)
}

// NewChainNode is NewNode with a chain id: chains that differ in it have
// different genesis hashes.
func NewChainNode(tb testing.TB, chainID, prefix string) *Node {
	tb.Helper()
	funder := chain.AddressFromPubKey(funderKey.PubKey())
	g := &chain.Genesis{
		ChainID: chainID, AddressPrefix: prefix, Timestamp: 1767225600,
		Bits: 0x207fffff, PowLimitBits: 0x207fffff, TargetSpacingSeconds: 5,
		InitialSubsidy: 50 * chain.UnitsPerCoin, HalvingIntervalBlocks: 150,
		CoinbaseMaturity: CoinbaseMaturity, MaxBlockBytes: 1_000_000, MaxFutureBlockSeconds: 7200,
		Alloc: []chain.Alloc{{Address: funder.Encode(prefix), Amount: funderAlloc}},
	}
	params, err := consensus.NewParams(g)
	if err != nil {
		tb.Fatal(err)
	}
	engine, err := consensus.New(consensus.Config{Params: params, Store: store.NewMemory()})
	if err != nil {
		tb.Fatal(err)
	}
	n := &Node{
		Params:   params,
		password: fmt.Sprintf("%x", sha256.Sum256([]byte(tb.Name()))),
		funder:   funder,
		engine:   engine,
		pool:     mempool.New(mempool.Config{Params: params}),
		funds:    chain.OutPoint{TxID: params.GenesisBlock.Transactions[0].TxID()},
		calls:    map[string]int{},
	}
	server := rpcserver.New(backend{n}, n.password, nil, nil)
	srv := httptest.NewServer(n.intercept(server))
	tb.Cleanup(srv.Close)
	n.URL = srv.URL + "/"
	n.Datadir = tb.TempDir()
	n.CookieFile = filepath.Join(n.Datadir, rpcclient.CookieFile)
	if err := os.WriteFile(n.CookieFile, []byte(rpcclient.CookieUser+":"+n.password), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(n.Datadir, rpcclient.URLFile), []byte(n.URL+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return n
}

// Client returns an RPC client of the node.
func (n *Node) Client() *rpcclient.Client {
	return rpcclient.New(n.URL, rpcclient.CookieUser, n.password)
}

// GenesisHash returns the chain's genesis hash.
func (n *Node) GenesisHash() chain.Hash { return n.Params.GenesisHash }

// Height returns the height of the chain's tip.
func (n *Node) Height() int64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return int64(n.engine.Height())
}

// now is the chain's virtual clock, TargetSpacing per block after
// genesis (under n.mu).
func (n *Node) now() time.Time {
	return time.Unix(int64(n.Params.GenesisBlock.Header.Timestamp)+int64(n.engine.Height()+1)*n.Params.TargetSpacingSeconds, 0)
}

// Fund pays units to addr in a new block, with an ordinary (non-coinbase)
// transaction from the genesis allocation, and returns the outpoint.
func (n *Node) Fund(tb testing.TB, addr string, units int64) chain.OutPoint {
	tb.Helper()
	to := n.decode(tb, addr)
	n.mu.Lock()
	defer n.mu.Unlock()
	spent, ok, err := n.engine.UTXO(n.funds)
	if err != nil || !ok || spent.Amount < units {
		tb.Fatalf("wallettest: fund %d units: funder output %v: %v", units, n.funds, err)
	}
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: n.funds}},
		Outputs: []chain.TxOut{{Amount: units, Address: to}, {Amount: spent.Amount - units, Address: n.funder}}}
	prev := []chain.TxOut{{Amount: spent.Amount, Address: spent.Address}}
	if err := chain.SignTransaction(tx, prev, []*btcec.PrivateKey{funderKey}, n.Params.GenesisHash); err != nil {
		tb.Fatal(err)
	}
	n.mineLocked(tb, []*chain.Transaction{tx}, nil)
	n.funds = chain.OutPoint{TxID: tx.TxID(), Index: 1}
	return chain.OutPoint{TxID: tx.TxID(), Index: 0}
}

// FundCoinbase pays units to addr with the coinbase of a new block: the
// output is immature until CoinbaseMaturity more blocks are mined.
func (n *Node) FundCoinbase(tb testing.TB, addr string, units int64) chain.OutPoint {
	tb.Helper()
	to := n.decode(tb, addr)
	n.mu.Lock()
	defer n.mu.Unlock()
	b := n.mineLocked(tb, nil, &chain.TxOut{Amount: units, Address: to})
	return chain.OutPoint{TxID: b.Transactions[0].TxID(), Index: 0}
}

// Mine mines blocks; the first confirms every mempool transaction.
func (n *Node) Mine(blocks int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := range blocks {
		var txs []*chain.Transaction
		if i == 0 {
			txs, _ = n.pool.Template(n.Params.MaxBlockBytes / 2)
		}
		n.mineLocked(nil, txs, nil)
	}
}

// mineLocked mines a block of txs on the tip, its coinbase paying pay (or
// the subsidy and fees to the funder), and lets the mempool follow.
func (n *Node) mineLocked(tb testing.TB, txs []*chain.Transaction, pay *chain.TxOut) *chain.Block {
	tip := n.engine.Tip()
	bits, err := n.engine.NextBits(tip.Hash)
	if err == nil {
		var fees int64
		for _, tx := range txs {
			if e, ok := n.pool.Get(tx.TxID()); ok {
				fees += e.Fee
			}
		}
		b := miner.NewBlock(miner.TemplateInput{Params: n.Params, Parent: tip.Hash, Height: tip.Height + 1, Bits: bits,
			MedianTime: tip.MedianTime, Now: n.now(), Txs: txs, Fees: fees, PayTo: n.funder})
		if pay != nil {
			b.Transactions[0].Outputs = []chain.TxOut{*pay}
			b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
		}
		var stop atomic.Bool
		miner.MineOne(b, &stop)
		var res *consensus.Result
		if res, err = n.engine.ProcessBlock(b, n.now()); err == nil {
			n.pool.BlocksChanged(res.Disconnected, res.Connected, n.engine, n.now())
			return b
		}
	}
	if tb == nil {
		panic(fmt.Sprintf("wallettest: mine: %v", err))
	}
	tb.Fatalf("wallettest: mine: %v", err)
	return nil
}

func (n *Node) decode(tb testing.TB, addr string) chain.Address {
	tb.Helper()
	a, err := chain.DecodeAddress(addr, n.Params.AddressPrefix)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// DropMempool makes every mempool transaction vanish, as an eviction or a
// node restart would: their outputs are gone and their inputs unspent again.
func (n *Node) DropMempool() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pool = mempool.New(mempool.Config{Params: n.Params})
}

// SetStaleListUnspent makes listunspent (and every reply) ignore spends by
// mempool transactions, as a node that has not yet received them would:
// only the wallet's own record of pending spends keeps it from spending
// them twice.
func (n *Node) SetStaleListUnspent(stale bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stale = stale
}

// FailSends makes sendrawtransaction refuse every transaction with err
// (nil: validate normally again).
func (n *Node) FailSends(err *rpcclient.Error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.failSend = err
}

// Calls returns how many times method was called.
func (n *Node) Calls(method string) int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.calls[method]
}

// Accepted returns the transactions sendrawtransaction accepted, in order.
func (n *Node) Accepted() []*chain.Transaction {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Clone(n.accepted)
}

// Mempool returns the txids in the mempool, in arrival order.
func (n *Node) Mempool() []chain.Hash {
	n.mu.RLock()
	defer n.mu.RUnlock()
	var out []chain.Hash
	for _, e := range n.pool.Entries() {
		out = append(out, e.TxID)
	}
	return out
}

// SpentUTXOs returns what each input of tx spends, as consensus checks
// take it: from the UTXO set, the mempool, or (spent since) the chain.
func (n *Node) SpentUTXOs(tx *chain.Transaction) ([]consensus.UTXO, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]consensus.UTXO, len(tx.Inputs))
	for i, in := range tx.Inputs {
		u, ok, err := n.engine.UTXO(in.PrevOut)
		if err != nil {
			return nil, err
		}
		if !ok {
			if u, ok, err = n.spentOutput(in.PrevOut); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, fmt.Errorf("input %d: unknown output %s:%d", i, in.PrevOut.TxID, in.PrevOut.Index)
		}
		out[i] = u
	}
	return out, nil
}

// spentOutput finds an output no longer in the UTXO set: in the mempool
// (height: the next block), or in its block through the transaction index.
func (n *Node) spentOutput(op chain.OutPoint) (consensus.UTXO, bool, error) {
	if e, ok := n.pool.Get(op.TxID); ok && int(op.Index) < len(e.Tx.Outputs) {
		o := e.Tx.Outputs[op.Index]
		return consensus.UTXO{Amount: o.Amount, Address: o.Address, Height: n.engine.Height() + 1}, true, nil
	}
	loc, ok, err := n.engine.TxLocation(op.TxID)
	if err != nil || !ok {
		return consensus.UTXO{}, false, err
	}
	hash, _ := n.engine.MainChainHash(loc.Height)
	b, err := n.engine.Block(hash)
	if err != nil {
		return consensus.UTXO{}, false, err
	}
	tx := b.Transactions[loc.TxIndex]
	if int(op.Index) >= len(tx.Outputs) {
		return consensus.UTXO{}, false, nil
	}
	o := tx.Outputs[op.Index]
	return consensus.UTXO{Amount: o.Amount, Address: o.Address, Height: loc.Height, Coinbase: tx.IsCoinbase()}, true, nil
}

// intercept counts calls by method before the server answers them.
func (n *Node) intercept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var one struct{ Method string }
		var batch []struct{ Method string }
		n.mu.Lock()
		if json.Unmarshal(body, &batch) == nil {
			for _, c := range batch {
				n.calls[c.Method]++
			}
		} else if json.Unmarshal(body, &one) == nil {
			n.calls[one.Method]++
		}
		n.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// backend is the test node as the RPC server sees it (rpcserver.Node).
type backend struct{ n *Node }

func (b backend) Params() *consensus.Params { return b.n.Params }

func (b backend) View(fn func(c rpcserver.ChainView, pool rpcserver.Mempool)) {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	fn(b.n.engine, b.mempool())
}

func (b backend) Tip() consensus.BlockInfo {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	return b.n.engine.Tip()
}

func (b backend) Mempool() rpcserver.Mempool {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	return b.mempool()
}

// mempool is the pool as replies show it: without its spends when stale.
func (b backend) mempool() rpcserver.Mempool {
	if b.n.stale {
		return staleMempool{b.n.pool}
	}
	return b.n.pool
}

func (b backend) SubmitBlock(blk *chain.Block) (*consensus.Result, error) {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	res, err := b.n.engine.ProcessBlock(blk, b.n.now())
	if err == nil {
		b.n.pool.BlocksChanged(res.Disconnected, res.Connected, b.n.engine, b.n.now())
	}
	return res, err
}

func (b backend) SubmitTx(tx *chain.Transaction) error {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	if b.n.failSend != nil {
		return b.n.failSend
	}
	if _, err := b.n.pool.Accept(tx, b.n.engine, b.n.now()); err != nil {
		return err
	}
	b.n.accepted = append(b.n.accepted, tx)
	return nil
}

func (b backend) TestTx(tx *chain.Transaction) (int64, error) {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	return b.n.pool.Check(tx, b.n.engine)
}

func (b backend) InvalidateBlock(hash chain.Hash) error {
	return b.change(func() (*consensus.Result, error) { return b.n.engine.InvalidateBlock(hash) })
}

func (b backend) ReconsiderBlock(hash chain.Hash) error {
	return b.change(func() (*consensus.Result, error) { return b.n.engine.ReconsiderBlock(hash) })
}

func (b backend) change(fn func() (*consensus.Result, error)) error {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	res, err := fn()
	if res != nil {
		b.n.pool.BlocksChanged(res.Disconnected, res.Connected, b.n.engine, b.n.now())
	}
	return err
}

func (b backend) VerifyChain() error {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	return b.n.engine.VerifyChain()
}

func (b backend) GenerateToAddress(_ context.Context, count int, addr chain.Address) ([]chain.Hash, error) {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	var hashes []chain.Hash
	for range count {
		txs, _ := b.n.pool.Template(b.n.Params.MaxBlockBytes / 2)
		blk := b.n.mineLocked(nil, txs, &chain.TxOut{Amount: b.n.Params.Subsidy(b.n.engine.Height() + 1), Address: addr})
		hashes = append(hashes, blk.Hash())
	}
	return hashes, nil
}

func (b backend) Template(payTo chain.Address) (*chain.Block, error) {
	b.n.mu.RLock()
	defer b.n.mu.RUnlock()
	tip := b.n.engine.Tip()
	bits, err := b.n.engine.NextBits(tip.Hash)
	if err != nil {
		return nil, err
	}
	txs, fees := b.n.pool.Template(b.n.Params.MaxBlockBytes / 2)
	return miner.NewBlock(miner.TemplateInput{Params: b.n.Params, Parent: tip.Hash, Height: tip.Height + 1, Bits: bits,
		MedianTime: tip.MedianTime, Now: b.n.now(), Txs: txs, Fees: fees, PayTo: payTo}), nil
}

func (b backend) Miner() rpcserver.Miner              { return noMiner{} }
func (b backend) MinerAddress() (chain.Address, bool) { return chain.Address{}, false }
func (b backend) Network() rpcserver.Network          { return noNetwork{} }
func (b backend) RequestStop()                        {}

// staleMempool hides the pool's spends, as a node that has not received
// the spending transactions would.
type staleMempool struct{ *mempool.Pool }

func (staleMempool) SpentBy(chain.OutPoint) (chain.Hash, bool) { return chain.Hash{}, false }

// noMiner is the absent built-in miner.
type noMiner struct{}

func (noMiner) Running() bool            { return false }
func (noMiner) Threads() int             { return 0 }
func (noMiner) HashesPerSecond() float64 { return 0 }
func (noMiner) SetThreads(int)           {}
func (noMiner) Start()                   {}
func (noMiner) Stop()                    {}

// noNetwork is a node without peers.
type noNetwork struct{}

func (noNetwork) PeerID() string                                { return "" }
func (noNetwork) Addrs() []string                               { return nil }
func (noNetwork) Peers() []rpcserver.PeerInfo                   { return nil }
func (noNetwork) ConnectionCount() int                          { return 0 }
func (noNetwork) NetworkActive() bool                           { return false }
func (noNetwork) SetNetworkActive(bool)                         {}
func (noNetwork) AddNode(context.Context, string, string) error { return rpcserver.ErrNetworkInactive }
func (noNetwork) DisconnectPeer(string) error                   { return rpcserver.ErrNotConnected }
