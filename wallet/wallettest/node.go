// Package wallettest is a fake node for tests of package wallet and of the
// wallet command, in the spirit of net/http/httptest: an httptest.Server
// speaking the node's JSON-RPC 2.0 with the result shapes of docs/RPC.md and
// cookie authentication, over an in-memory chain of outputs, a mempool and
// an address history. Submitted transactions are checked with package
// consensus (sanity, inputs, maturity, BIP340 signatures for the fake
// chain's genesis hash) and a minimum relay fee of 1 unit/byte, so a
// transaction the fake node accepts is one the real node's rules accept.
//
// Tests fund addresses (Fund, FundCoinbase), confirm the mempool (Mine),
// make mempool transactions vanish (DropMempool) and inspect what reached
// the node (Calls, Accepted). It is only for tests: nothing else imports it.
package wallettest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/rpcclient"
)

// CoinbaseMaturity of the fake chain, in blocks.
const CoinbaseMaturity = 10

// Node is a fake node. Its exported fields are fixed at creation.
type Node struct {
	// URL is the JSON-RPC endpoint.
	URL string
	// Datadir holds rpc.url and .cookie as a running node writes them, so
	// rpcclient.FromDatadir(Datadir) reaches this node.
	Datadir string
	// CookieFile is Datadir/.cookie.
	CookieFile string
	// Params are the fake chain's consensus parameters; the genesis hash
	// that signatures commit to is Params.GenesisHash.
	Params *consensus.Params

	password string
	srv      *httptest.Server

	mu       sync.Mutex
	height   int64
	seq      int
	txs      map[chain.Hash]*txRecord
	outputs  map[chain.OutPoint]*output
	spentBy  map[chain.OutPoint]chain.Hash
	calls    map[string]int
	accepted []*chain.Transaction
	stale    bool
	failSend *rpcError
}

type txRecord struct {
	tx     *chain.Transaction
	height int64 // -1: in the mempool
	seq    int   // arrival order
	funded bool  // made by Fund: its inputs are fictitious
}

type output struct {
	chain.TxOut
	coinbase bool
}

// NewNode starts a fake node for a chain with the given address prefix and
// stops it when the test ends.
func NewNode(tb testing.TB, prefix string) *Node {
	tb.Helper()
	return NewChainNode(tb, "fakenet", prefix)
}

// NewChainNode is NewNode with a chain id: chains that differ in it have
// different genesis hashes.
func NewChainNode(tb testing.TB, chainID, prefix string) *Node {
	tb.Helper()
	g := &chain.Genesis{
		ChainID: chainID, AddressPrefix: prefix, Timestamp: 1767225600,
		Bits: 0x207fffff, PowLimitBits: 0x207fffff, TargetSpacingSeconds: 5,
		InitialSubsidy: 50 * chain.UnitsPerCoin, HalvingIntervalBlocks: 150,
		CoinbaseMaturity: CoinbaseMaturity, MaxBlockBytes: 1_000_000, MaxFutureBlockSeconds: 7200,
		Alloc: []chain.Alloc{},
	}
	params, err := consensus.NewParams(g)
	if err != nil {
		tb.Fatal(err)
	}
	n := &Node{
		Params:   params,
		password: fmt.Sprintf("%x", sha256.Sum256([]byte(tb.Name()))),
		txs:      map[chain.Hash]*txRecord{},
		outputs:  map[chain.OutPoint]*output{},
		spentBy:  map[chain.OutPoint]chain.Hash{},
		calls:    map[string]int{},
	}
	n.srv = httptest.NewServer(http.HandlerFunc(n.serveHTTP))
	tb.Cleanup(n.srv.Close)
	n.URL = n.srv.URL + "/"
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

// Client returns a JSON-RPC client of the node with the right cookie.
func (n *Node) Client() *rpcclient.Client {
	return rpcclient.New(n.URL, rpcclient.CookieUser, n.password)
}

// GenesisHash returns the fake chain's genesis hash.
func (n *Node) GenesisHash() chain.Hash { return n.Params.GenesisHash }

// Height returns the height of the fake chain's tip.
func (n *Node) Height() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.height
}

// Fund pays units to addr in a new block, with an ordinary (non-coinbase)
// transaction, and returns the outpoint.
func (n *Node) Fund(tb testing.TB, addr string, units int64) chain.OutPoint {
	tb.Helper()
	return n.fund(tb, addr, units, false)
}

// FundCoinbase pays units to addr with the coinbase of a new block: the
// output is immature until CoinbaseMaturity more blocks are mined.
func (n *Node) FundCoinbase(tb testing.TB, addr string, units int64) chain.OutPoint {
	tb.Helper()
	return n.fund(tb, addr, units, true)
}

func (n *Node) fund(tb testing.TB, addr string, units int64, coinbase bool) chain.OutPoint {
	tb.Helper()
	a, err := chain.DecodeAddress(addr, n.Params.AddressPrefix)
	if err != nil {
		tb.Fatal(err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.height++
	out := chain.TxOut{Amount: units, Address: a}
	var tx *chain.Transaction
	if coinbase {
		tx = chain.NewCoinbase(uint32(n.height), []byte("wallettest"), out)
	} else {
		var prev chain.Hash
		binary.LittleEndian.PutUint64(prev[:], uint64(n.seq+1))
		prev[31] = 0xfe
		tx = &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: chain.OutPoint{TxID: prev}}}, Outputs: []chain.TxOut{out}}
	}
	txid := tx.TxID()
	n.addTx(tx, n.height, !coinbase)
	n.outputs[chain.OutPoint{TxID: txid, Index: 0}].coinbase = coinbase
	return chain.OutPoint{TxID: txid, Index: 0}
}

// addTx records tx and its outputs; inputs of transactions that are not
// funding ones are marked spent.
func (n *Node) addTx(tx *chain.Transaction, height int64, funded bool) {
	txid := tx.TxID()
	n.seq++
	n.txs[txid] = &txRecord{tx: tx, height: height, seq: n.seq, funded: funded}
	if !funded && !tx.IsCoinbase() {
		for _, in := range tx.Inputs {
			n.spentBy[in.PrevOut] = txid
		}
	}
	for i, out := range tx.Outputs {
		n.outputs[chain.OutPoint{TxID: txid, Index: uint32(i)}] = &output{TxOut: out}
	}
}

// Mine mines blocks; the first confirms every mempool transaction.
func (n *Node) Mine(blocks int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for b := 0; b < blocks; b++ {
		n.height++
		if b == 0 {
			for _, rec := range n.mempoolLocked() {
				rec.height = n.height
			}
		}
	}
}

// DropMempool makes every mempool transaction vanish, as an eviction or a
// node restart would: their outputs are gone and their inputs unspent again.
func (n *Node) DropMempool() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, rec := range n.mempoolLocked() {
		txid := rec.tx.TxID()
		for _, in := range rec.tx.Inputs {
			delete(n.spentBy, in.PrevOut)
		}
		for i := range rec.tx.Outputs {
			delete(n.outputs, chain.OutPoint{TxID: txid, Index: uint32(i)})
		}
		delete(n.txs, txid)
	}
}

// SetStaleListUnspent makes listunspent ignore spends by mempool
// transactions, as a node that has not yet received them would: only the
// wallet's own record of pending spends keeps it from spending them twice.
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
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[method]
}

// Accepted returns the transactions sendrawtransaction accepted, in order.
func (n *Node) Accepted() []*chain.Transaction {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.accepted)
}

// Mempool returns the txids in the mempool, in arrival order.
func (n *Node) Mempool() []chain.Hash {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []chain.Hash
	for _, rec := range n.mempoolLocked() {
		out = append(out, rec.tx.TxID())
	}
	return out
}

// SpentUTXOs returns what each input of tx spends, as consensus checks
// take it, from the node's record of outputs (spent ones included).
func (n *Node) SpentUTXOs(tx *chain.Transaction) ([]consensus.UTXO, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.spentUTXOs(tx)
}

func (n *Node) spentUTXOs(tx *chain.Transaction) ([]consensus.UTXO, error) {
	out := make([]consensus.UTXO, len(tx.Inputs))
	for i, in := range tx.Inputs {
		o, ok := n.outputs[in.PrevOut]
		if !ok {
			return nil, fmt.Errorf("input %d: unknown output %s:%d", i, in.PrevOut.TxID, in.PrevOut.Index)
		}
		h := n.txs[in.PrevOut.TxID].height
		if h < 0 {
			h = n.height + 1
		}
		out[i] = consensus.UTXO{Amount: o.Amount, Address: o.Address, Height: uint32(h), Coinbase: o.coinbase}
	}
	return out, nil
}

func (n *Node) mempoolLocked() []*txRecord {
	var out []*txRecord
	for _, rec := range n.txs {
		if rec.height < 0 {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func blockHash(height int64) chain.Hash {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(height))
	return sha256.Sum256(append([]byte("wallettest block"), b[:]...))
}

// coins writes units as the node does: a JSON number of coins (Go's float
// formatting, so 5 units come out as 5e-08).
func coins(units int64) float64 { return float64(units) / chain.UnitsPerCoin }

type rpcError = rpcclient.Error

func rpcErr(code int, format string, args ...any) *rpcError {
	return &rpcError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (n *Node) serveHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != rpcclient.CookieUser || pass != n.password {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	resp := map[string]any{"jsonrpc": "2.0", "result": nil, "error": nil}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		resp["error"] = rpcErr(rpcclient.CodeParse, "parse error")
	} else {
		resp["id"] = req.ID
		n.mu.Lock()
		n.calls[req.Method]++
		result, err := n.dispatch(req.Method, req.Params)
		n.mu.Unlock()
		if err != nil {
			resp["error"] = err
		} else {
			resp["result"] = result
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// param decodes params[i] into v if present; it reports whether it was.
func param(params []json.RawMessage, i int, v any) (bool, *rpcError) {
	if i >= len(params) || string(params[i]) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(params[i], v); err != nil {
		return false, rpcErr(rpcclient.CodeInvalidParams, "param %d: %v", i, err)
	}
	return true, nil
}

func (n *Node) dispatch(method string, params []json.RawMessage) (any, *rpcError) {
	switch method {
	case "getblockchaininfo":
		return map[string]any{
			"chain": n.Params.ChainID, "blocks": n.height, "headers": n.height,
			"bestblockhash": blockHash(n.height).String(), "chainwork": "00", "difficulty": 1,
			"mediantime": 0, "genesishash": n.Params.GenesisHash.String(),
			"addressprefix": n.Params.AddressPrefix, "coinbasematurity": n.Params.CoinbaseMaturity,
		}, nil
	case "getblockcount":
		return n.height, nil
	case "listunspent":
		return n.listUnspent(params)
	case "sendrawtransaction":
		return n.sendRaw(params)
	case "getrawtransaction":
		return n.getRawTransaction(params)
	case "gettxout":
		return n.getTxOut(params)
	case "getaddresshistory":
		return n.addressHistory(params)
	case "getrawmempool":
		var ids []string
		for _, rec := range n.mempoolLocked() {
			ids = append(ids, rec.tx.TxID().String())
		}
		return ids, nil
	}
	return nil, rpcErr(rpcclient.CodeMethodNotFound, "Method not found")
}

// addressFilter decodes an address list parameter (one address or an
// array); nil means every address.
func (n *Node) addressFilter(params []json.RawMessage, i int) ([]chain.Address, *rpcError) {
	if i >= len(params) {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(params[i], &list); err != nil {
		var one string
		if err := json.Unmarshal(params[i], &one); err != nil {
			return nil, rpcErr(rpcclient.CodeInvalidParams, "addresses: want an address or an array")
		}
		list = []string{one}
	}
	out := []chain.Address{}
	for _, s := range list {
		a, err := chain.DecodeAddress(s, n.Params.AddressPrefix)
		if err != nil {
			return nil, rpcErr(rpcclient.CodeInvalidAddress, "Invalid address: %s", s)
		}
		out = append(out, a)
	}
	return out, nil
}

func (n *Node) confirmations(txid chain.Hash) int64 {
	if h := n.txs[txid].height; h >= 0 {
		return n.height - h + 1
	}
	return 0
}

func (n *Node) listUnspent(params []json.RawMessage) (any, *rpcError) {
	minconf, maxconf := int64(1), int64(9999999)
	if _, err := param(params, 0, &minconf); err != nil {
		return nil, err
	}
	if _, err := param(params, 1, &maxconf); err != nil {
		return nil, err
	}
	filter, err := n.addressFilter(params, 2)
	if err != nil {
		return nil, err
	}
	type entry struct {
		TxID          string  `json:"txid"`
		Vout          uint32  `json:"vout"`
		Address       string  `json:"address"`
		Amount        float64 `json:"amount"`
		Confirmations int64   `json:"confirmations"`
		Coinbase      bool    `json:"coinbase"`
		Spendable     bool    `json:"spendable"`
	}
	list := []entry{}
	for op, o := range n.outputs {
		if spender, spent := n.spentBy[op]; spent {
			if n.txs[spender].height >= 0 || !n.stale {
				continue
			}
		}
		conf := n.confirmations(op.TxID)
		if conf < minconf || conf > maxconf {
			continue
		}
		if filter != nil && !slices.Contains(filter, o.Address) {
			continue
		}
		spendable := true
		if o.coinbase {
			spendable = n.height+1-n.txs[op.TxID].height >= CoinbaseMaturity
		}
		list = append(list, entry{
			TxID: op.TxID.String(), Vout: op.Index, Address: o.Address.Encode(n.Params.AddressPrefix),
			Amount: coins(o.Amount), Confirmations: conf, Coinbase: o.coinbase, Spendable: spendable,
		})
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Confirmations != b.Confirmations {
			return a.Confirmations < b.Confirmations
		}
		if a.TxID != b.TxID {
			return a.TxID < b.TxID
		}
		return a.Vout < b.Vout
	})
	return list, nil
}

func (n *Node) sendRaw(params []json.RawMessage) (any, *rpcError) {
	var rawHex string
	if ok, err := param(params, 0, &rawHex); err != nil || !ok {
		return nil, rpcErr(rpcclient.CodeInvalidParams, "sendrawtransaction hex")
	}
	if n.failSend != nil {
		return nil, n.failSend
	}
	raw, err := hex.DecodeString(rawHex)
	if err != nil {
		return nil, rpcErr(-22, "TX decode failed")
	}
	tx, err := chain.DecodeTransaction(raw)
	if err != nil {
		return nil, rpcErr(-22, "TX decode failed: %v", err)
	}
	txid := tx.TxID()
	if rec, ok := n.txs[txid]; ok {
		if rec.height >= 0 {
			return nil, rpcErr(rpcclient.CodeVerifyInChain, "transaction already in block chain")
		}
		return nil, rpcErr(rpcclient.CodeVerifyRejected, "txn-already-in-mempool")
	}
	if tx.IsCoinbase() {
		return nil, rpcErr(rpcclient.CodeVerifyRejected, "coinbase")
	}
	if err := consensus.CheckTransactionSanity(tx, n.Params); err != nil {
		return nil, rpcErr(rpcclient.CodeVerifyRejected, "%s", reason(err))
	}
	for _, in := range tx.Inputs {
		if _, ok := n.outputs[in.PrevOut]; !ok {
			return nil, rpcErr(rpcclient.CodeVerify, "bad-txns-inputs-missingorspent")
		}
		if spender, spent := n.spentBy[in.PrevOut]; spent {
			if n.txs[spender].height < 0 {
				return nil, rpcErr(rpcclient.CodeVerifyRejected, "txn-mempool-conflict")
			}
			return nil, rpcErr(rpcclient.CodeVerify, "bad-txns-inputs-missingorspent")
		}
	}
	spent, err := n.spentUTXOs(tx)
	if err != nil {
		return nil, rpcErr(rpcclient.CodeVerify, "bad-txns-inputs-missingorspent")
	}
	fee, err := consensus.CheckTransactionInputs(tx, uint32(n.height+1), spent, n.Params)
	if err != nil {
		return nil, rpcErr(rpcclient.CodeVerifyRejected, "%s", reason(err))
	}
	if err := consensus.VerifySignatures(tx, spent, n.Params.GenesisHash); err != nil {
		return nil, rpcErr(rpcclient.CodeVerifyRejected, "%s", reason(err))
	}
	if fee < int64(tx.SerializeSize()) {
		return nil, rpcErr(rpcclient.CodeVerifyRejected, "min relay fee not met, %d < %d", fee, tx.SerializeSize())
	}
	n.addTx(tx, -1, false)
	n.accepted = append(n.accepted, tx)
	return txid.String(), nil
}

func (n *Node) txJSON(rec *txRecord) map[string]any {
	tx := rec.tx
	txid := tx.TxID()
	vin := []any{}
	for _, in := range tx.Inputs {
		if tx.IsCoinbase() {
			vin = append(vin, map[string]any{"coinbase": true, "height": in.PrevOut.Index})
			continue
		}
		v := map[string]any{"txid": in.PrevOut.TxID.String(), "vout": in.PrevOut.Index}
		if o, ok := n.outputs[in.PrevOut]; ok {
			v["address"] = o.Address.Encode(n.Params.AddressPrefix)
		}
		vin = append(vin, v)
	}
	vout := []any{}
	for i, out := range tx.Outputs {
		vout = append(vout, map[string]any{"value": coins(out.Amount), "n": i, "address": out.Address.Encode(n.Params.AddressPrefix)})
	}
	m := map[string]any{
		"txid": txid.String(), "hash": txid.String(), "hex": hex.EncodeToString(tx.Serialize()),
		"size": tx.SerializeSize(), "version": tx.Version, "vin": vin, "vout": vout,
		"confirmations": n.confirmations(txid),
	}
	if rec.height >= 0 {
		m["blockhash"] = blockHash(rec.height).String()
		m["height"] = rec.height
		m["time"] = 1767225600 + rec.height*5
	}
	return m
}

func (n *Node) getRawTransaction(params []json.RawMessage) (any, *rpcError) {
	var s string
	if ok, err := param(params, 0, &s); err != nil || !ok {
		return nil, rpcErr(rpcclient.CodeInvalidParams, "getrawtransaction txid")
	}
	txid, err := chain.ParseHash(s)
	if err != nil {
		return nil, rpcErr(rpcclient.CodeInvalidParam, "txid: %v", err)
	}
	var verbose bool
	if _, err := param(params, 1, &verbose); err != nil {
		return nil, err
	}
	rec, ok := n.txs[txid]
	if !ok {
		return nil, rpcErr(rpcclient.CodeInvalidAddress, "No such mempool or blockchain transaction")
	}
	if !verbose {
		return hex.EncodeToString(rec.tx.Serialize()), nil
	}
	return n.txJSON(rec), nil
}

func (n *Node) getTxOut(params []json.RawMessage) (any, *rpcError) {
	var s string
	var index uint32
	if ok, err := param(params, 0, &s); err != nil || !ok {
		return nil, rpcErr(rpcclient.CodeInvalidParams, "gettxout txid n")
	}
	if ok, err := param(params, 1, &index); err != nil || !ok {
		return nil, rpcErr(rpcclient.CodeInvalidParams, "gettxout txid n")
	}
	includeMempool := true
	if _, err := param(params, 2, &includeMempool); err != nil {
		return nil, err
	}
	txid, err := chain.ParseHash(s)
	if err != nil {
		return nil, rpcErr(rpcclient.CodeInvalidParam, "txid: %v", err)
	}
	op := chain.OutPoint{TxID: txid, Index: index}
	o, ok := n.outputs[op]
	if !ok {
		return nil, nil
	}
	conf := n.confirmations(txid)
	if conf == 0 && !includeMempool {
		return nil, nil
	}
	if spender, spent := n.spentBy[op]; spent && (n.txs[spender].height >= 0 || includeMempool) {
		return nil, nil
	}
	return map[string]any{
		"bestblock": blockHash(n.height).String(), "value": coins(o.Amount),
		"address": o.Address.Encode(n.Params.AddressPrefix), "confirmations": conf, "coinbase": o.coinbase,
	}, nil
}

func (n *Node) addressHistory(params []json.RawMessage) (any, *rpcError) {
	filter, err := n.addressFilter(params, 0)
	if err != nil {
		return nil, err
	}
	if filter == nil {
		return nil, rpcErr(rpcclient.CodeInvalidParams, "getaddresshistory address")
	}
	var recs []*txRecord
	for _, rec := range n.txs {
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool {
		hi, hj := recs[i].height, recs[j].height
		if hi < 0 {
			hi = 1 << 62
		}
		if hj < 0 {
			hj = 1 << 62
		}
		if hi != hj {
			return hi < hj
		}
		return recs[i].seq < recs[j].seq
	})
	type entry struct {
		Address       string  `json:"address"`
		TxID          string  `json:"txid"`
		Height        int64   `json:"height"`
		BlockHash     *string `json:"blockhash"`
		Confirmations int64   `json:"confirmations"`
		Received      float64 `json:"received"`
		Sent          float64 `json:"sent"`
	}
	list := []entry{}
	for _, rec := range recs {
		txid := rec.tx.TxID()
		for _, a := range filter {
			var received, sent int64
			for _, out := range rec.tx.Outputs {
				if out.Address == a {
					received += out.Amount
				}
			}
			if !rec.funded && !rec.tx.IsCoinbase() {
				for _, in := range rec.tx.Inputs {
					if o, ok := n.outputs[in.PrevOut]; ok && o.Address == a {
						sent += o.Amount
					}
				}
			}
			if received == 0 && sent == 0 {
				continue
			}
			e := entry{Address: a.Encode(n.Params.AddressPrefix), TxID: txid.String(), Height: rec.height,
				Confirmations: n.confirmations(txid), Received: coins(received), Sent: coins(sent)}
			if rec.height >= 0 {
				h := blockHash(rec.height).String()
				e.BlockHash = &h
			}
			list = append(list, e)
		}
	}
	return list, nil
}

// reason returns the reject reason of a consensus error, as the node's
// sendrawtransaction reports it.
func reason(err error) string {
	var re *consensus.RuleError
	if errors.As(err, &re) {
		return re.Code.Reason()
	}
	return err.Error()
}
