package compat

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	btcdrpc "github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/e2e"
)

// startNode runs `node run` on the harness genesis (no retargeting, alice
// funded) and returns it with the chain's parameters.
func startNode(t *testing.T) (*e2e.Proc, *consensus.Params) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the node binary")
	}
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	path, params := e2e.WriteGenesis(t, g)
	return e2e.StartProc(t, e2e.ProcConfig{Dir: t.TempDir(), Genesis: path}), params
}

// btcdClient connects btcd's rpcclient to the node as to a bitcoind: HTTP
// POST mode with the cookie's user and password.
func btcdClient(t *testing.T, n *e2e.Proc) *btcdrpc.Client {
	t.Helper()
	c := n.Client()
	u, err := url.Parse(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	client, err := btcdrpc.New(&btcdrpc.ConnConfig{Host: u.Host, User: c.User, Pass: c.Password,
		HTTPPostMode: true, DisableTLS: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Shutdown)
	return client
}

// address is a devchain address as btcd's client takes one: it only sends
// EncodeAddress.
type address struct{ s string }

func (a address) String() string                 { return a.s }
func (a address) EncodeAddress() string          { return a.s }
func (a address) ScriptAddress() []byte          { return nil }
func (a address) IsForNet(*chaincfg.Params) bool { return true }

// aliceSpend pays the genesis output of alice to payee.
func aliceSpend(t *testing.T, params *consensus.Params, payee string) *chain.Transaction {
	return aliceFanOut(t, params, payee, 1, 1000)
}

// aliceFanOut splits the genesis output of alice into outputs equal
// payments to payee, less fee.
func aliceFanOut(t *testing.T, params *consensus.Params, payee string, outputs int, fee int64) *chain.Transaction {
	t.Helper()
	g := params.GenesisBlock.Transactions[0]
	spent := g.Outputs[0]
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: chain.OutPoint{TxID: g.TxID()}}}}
	for range outputs {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: (spent.Amount - fee) / int64(outputs), Address: consensustest.Address(payee)})
	}
	if err := chain.SignTransaction(tx, []chain.TxOut{spent}, []*btcec.PrivateKey{consensustest.Key("alice")}, params.GenesisHash); err != nil {
		t.Fatal(err)
	}
	return tx
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("btcd rpcclient %s: %v", what, err)
		}
		return v
	}
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("btcd rpcclient %s: %v", what, err)
	}
}

// TestBtcdRPCClient drives a node process through every method of btcd's
// rpcclient that SPEC lists (and the Core methods added for it): each
// reply must decode into btcd's result types. Methods whose btcd form
// carries Bitcoin's wire serialization (submitblock, sendrawtransaction,
// testmempoolaccept, getrawtransaction without verbose) go through btcd's
// RawRequest, since a devchain transaction is not a Bitcoin transaction.
func TestBtcdRPCClient(t *testing.T) {
	n, params := startNode(t)
	c := btcdClient(t, n)
	miner := address{consensustest.Address("miner").Encode(params.AddressPrefix)}
	carol := consensustest.Address("carol").Encode(params.AddressPrefix)

	info := must[*btcjson.GetBlockChainInfoResult](t, "GetBlockChainInfo")(c.GetBlockChainInfo())
	if info.Blocks != 0 || info.Chain != params.ChainID {
		t.Errorf("GetBlockChainInfo: %+v", info)
	}
	netInfo := must[*btcjson.GetNetworkInfoResult](t, "GetNetworkInfo")(c.GetNetworkInfo())
	if len(netInfo.LocalAddresses) == 0 || netInfo.LocalAddresses[0].Port == 0 || netInfo.Version == 0 {
		t.Errorf("GetNetworkInfo: %+v", netInfo)
	}
	hashes := must[[]*chainhash.Hash](t, "GenerateToAddress")(c.GenerateToAddress(3, miner, nil))
	if len(hashes) != 3 {
		t.Fatalf("GenerateToAddress: %d hashes", len(hashes))
	}
	if h := must[int64](t, "GetBlockCount")(c.GetBlockCount()); h != 3 {
		t.Errorf("GetBlockCount %d", h)
	}
	best := must[*chainhash.Hash](t, "GetBestBlockHash")(c.GetBestBlockHash())
	if *best != *hashes[2] {
		t.Errorf("GetBestBlockHash %v, want %v", best, hashes[2])
	}
	if h := must[*chainhash.Hash](t, "GetBlockHash")(c.GetBlockHash(1)); *h != *hashes[0] {
		t.Errorf("GetBlockHash(1) %v", h)
	}
	header := must[*wire.BlockHeader](t, "GetBlockHeader")(c.GetBlockHeader(best))
	if header.BlockHash() != *best {
		t.Errorf("GetBlockHeader: the 80-byte header hashes to %v, want %v", header.BlockHash(), best)
	}
	verboseHeader := must[*btcjson.GetBlockHeaderVerboseResult](t, "GetBlockHeaderVerbose")(c.GetBlockHeaderVerbose(best))
	if verboseHeader.Height != 3 || verboseHeader.VersionHex == "" {
		t.Errorf("GetBlockHeaderVerbose: %+v", verboseHeader)
	}
	block := must[*btcjson.GetBlockVerboseResult](t, "GetBlockVerbose")(c.GetBlockVerbose(best))
	if block.Height != 3 || len(block.Tx) != 1 || block.Weight == 0 || block.StrippedSize == 0 {
		t.Errorf("GetBlockVerbose: %+v", block)
	}
	blockTx := must[*btcjson.GetBlockVerboseTxResult](t, "GetBlockVerboseTx")(c.GetBlockVerboseTx(best))
	if len(blockTx.Tx) != 1 || blockTx.Tx[0].Vout[0].ScriptPubKey.Address != miner.s {
		t.Errorf("GetBlockVerboseTx: %+v", blockTx)
	}
	tips := must[[]*btcjson.GetChainTipsResult](t, "GetChainTips")(c.GetChainTips())
	if len(tips) != 1 || tips[0].Status != "active" {
		t.Errorf("GetChainTips: %+v", tips)
	}
	if d := must[float64](t, "GetDifficulty")(c.GetDifficulty()); d <= 0 {
		t.Errorf("GetDifficulty %v", d)
	}
	must[*btcjson.GetMiningInfoResult](t, "GetMiningInfo")(c.GetMiningInfo())
	must[*btcjson.GetBlockTemplateResult](t, "GetBlockTemplate")(c.GetBlockTemplate(&btcjson.TemplateRequest{Mode: "template"}))
	if ok := must[bool](t, "VerifyChain")(c.VerifyChain()); !ok {
		t.Error("VerifyChain false")
	}
	must[bool](t, "VerifyChainLevel")(c.VerifyChainLevel(4))
	must[bool](t, "VerifyChainBlocks")(c.VerifyChainBlocks(4, 10))
	fee := must[*btcjson.EstimateSmartFeeResult](t, "EstimateSmartFee")(c.EstimateSmartFee(6, &btcjson.EstimateModeConservative))
	if fee.FeeRate != nil || len(fee.Errors) == 0 {
		t.Errorf("EstimateSmartFee: %+v", fee)
	}
	mustOK(t, "Ping", c.Ping())

	// A payment: sent raw, then seen by the mempool methods and gettxout.
	tx := aliceSpend(t, params, "carol")
	raw := hex.EncodeToString(tx.Serialize())
	rawParam := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	accept := must[json.RawMessage](t, "RawRequest testmempoolaccept")(c.RawRequest("testmempoolaccept", []json.RawMessage{rawParam([]string{raw})}))
	var results []btcjson.TestMempoolAcceptResult
	if err := json.Unmarshal(accept, &results); err != nil || len(results) != 1 || !results[0].Allowed {
		t.Fatalf("testmempoolaccept: %v %s", err, accept)
	}
	must[json.RawMessage](t, "RawRequest sendrawtransaction")(c.RawRequest("sendrawtransaction", []json.RawMessage{rawParam(raw)}))
	txid, _ := chainhash.NewHashFromStr(tx.TxID().String())
	pool := must[[]*chainhash.Hash](t, "GetRawMempool")(c.GetRawMempool())
	if len(pool) != 1 || *pool[0] != *txid {
		t.Errorf("GetRawMempool %v", pool)
	}
	verbosePool := must[map[string]btcjson.GetRawMempoolVerboseResult](t, "GetRawMempoolVerbose")(c.GetRawMempoolVerbose())
	if verbosePool[txid.String()].Size == 0 {
		t.Errorf("GetRawMempoolVerbose %+v", verbosePool)
	}
	entry := must[*btcjson.GetMempoolEntryResult](t, "GetMempoolEntry")(c.GetMempoolEntry(txid.String()))
	if entry.Fees.Base == 0 || entry.VSize == 0 {
		t.Errorf("GetMempoolEntry %+v", entry)
	}
	out := must[*btcjson.GetTxOutResult](t, "GetTxOut")(c.GetTxOut(txid, 0, true))
	if out == nil || out.ScriptPubKey.Address != carol || out.Confirmations != 0 {
		t.Errorf("GetTxOut %+v", out)
	}
	decoded := must[*btcjson.TxRawResult](t, "DecodeRawTransaction")(c.DecodeRawTransaction(tx.Serialize()))
	if decoded.Txid != txid.String() || decoded.Vout[0].ScriptPubKey.Address != carol {
		t.Errorf("DecodeRawTransaction %+v", decoded)
	}

	must[[]*chainhash.Hash](t, "GenerateToAddress")(c.GenerateToAddress(1, miner, nil))
	rawTx := must[*btcjson.TxRawResult](t, "GetRawTransactionVerbose")(c.GetRawTransactionVerbose(txid))
	if rawTx.Confirmations != 1 || rawTx.Hex != raw || rawTx.BlockHash == "" {
		t.Errorf("GetRawTransactionVerbose %+v", rawTx)
	}
	hexTx := must[json.RawMessage](t, "RawRequest getrawtransaction")(c.RawRequest("getrawtransaction", []json.RawMessage{rawParam(txid.String())}))
	if !bytes.Equal(hexTx, rawParam(raw)) {
		t.Errorf("getrawtransaction: %s", hexTx)
	}
	unspent := must[[]btcjson.ListUnspentResult](t, "ListUnspentMinMaxAddresses")(c.ListUnspentMinMaxAddresses(1, 999, []btcutil.Address{address{carol}}))
	if len(unspent) != 1 || unspent[0].TxID != txid.String() || unspent[0].Amount == 0 {
		t.Errorf("ListUnspentMinMaxAddresses %+v", unspent)
	}
	set := must[*btcjson.GetTxOutSetInfoResult](t, "GetTxOutSetInfo")(c.GetTxOutSetInfo())
	if set.Height != 4 || set.TxOuts == 0 || set.HashSerialized == (chainhash.Hash{}) || set.TotalAmount == 0 {
		t.Errorf("GetTxOutSetInfo %+v", set)
	}

	// A block submitted raw, then a fork made with invalidateblock.
	tip := must[*chainhash.Hash](t, "GetBestBlockHash")(c.GetBestBlockHash())
	mustOK(t, "InvalidateBlock", c.InvalidateBlock(tip))
	if h := must[int64](t, "GetBlockCount")(c.GetBlockCount()); h != 3 {
		t.Errorf("after InvalidateBlock: height %d", h)
	}
	mustOK(t, "ReconsiderBlock", c.ReconsiderBlock(tip))
	blockHex := must[json.RawMessage](t, "RawRequest getblock")(c.RawRequest("getblock", []json.RawMessage{rawParam(tip.String()), rawParam(0)}))
	var blockRaw string
	json.Unmarshal(blockHex, &blockRaw)
	submitted := must[json.RawMessage](t, "RawRequest submitblock")(c.RawRequest("submitblock", []json.RawMessage{rawParam(blockRaw)}))
	if string(submitted) != `"duplicate"` {
		t.Errorf("submitblock of a known block: %s", submitted)
	}

	// Network methods, then the miner.
	peers := must[[]btcjson.GetPeerInfoResult](t, "GetPeerInfo")(c.GetPeerInfo())
	if len(peers) != 0 {
		t.Errorf("GetPeerInfo %+v", peers)
	}
	if cc := must[int64](t, "GetConnectionCount")(c.GetConnectionCount()); cc != 0 {
		t.Errorf("GetConnectionCount %d", cc)
	}
	if err := c.AddNode("/ip4/127.0.0.1/tcp/1/p2p/12D3KooWP7vPw9rG7XsgTGJymAT6qWH4qBN2q45phAPVe4HpCg9V", btcdrpc.ANRemove); err == nil {
		t.Error("AddNode remove of an unknown node succeeded")
	} else if rpcErr, ok := err.(*btcjson.RPCError); !ok || rpcErr.Code != -24 {
		t.Errorf("AddNode remove: %v", err)
	}
	mustOK(t, "SetGenerate", c.SetGenerate(false, 0))
	for _, m := range []string{"uptime", "getmempoolinfo", "getaddresshistory", "setnetworkactive"} {
		params := []json.RawMessage{}
		switch m {
		case "getaddresshistory":
			params = append(params, rawParam(carol))
		case "setnetworkactive":
			params = append(params, rawParam(true))
		}
		must[json.RawMessage](t, "RawRequest "+m)(c.RawRequest(m, params))
	}
}
