package rpcserver_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/jsonrpc"
	"github.com/devchain/devchain/rpcclient"
)

func call(t *testing.T, c *rpcclient.Client, method string, params ...any) json.RawMessage {
	t.Helper()
	raw, err := c.CallRaw(context.Background(), method, params)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return raw
}

func rpcCode(err error) int {
	var e *rpcclient.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// TestRPCErrors: malformed and wrong requests get Bitcoin Core's codes.
func TestRPCErrors(t *testing.T) {
	_, c := rpcNode(t)
	ctx := context.Background()
	cases := []struct {
		method string
		params []any
		code   int
	}{
		{"nosuchmethod", nil, jsonrpc.CodeMethodNotFound},
		{"getblockhash", nil, jsonrpc.CodeMisc}, // Core: wrong arity is -1 with the usage
		{"getblockhash", []any{"one"}, jsonrpc.CodeInvalidParams},
		{"getblockhash", []any{99}, jsonrpc.CodeInvalidParam},
		{"getblockhash", []any{-1}, jsonrpc.CodeInvalidParam},
		{"getblock", []any{"zz"}, jsonrpc.CodeInvalidParam},
		{"getblock", []any{strings.Repeat("ab", 32)}, jsonrpc.CodeInvalidAddress},
		{"getblockcount", []any{1}, jsonrpc.CodeMisc},
		{"generatetoaddress", []any{1, "nope"}, jsonrpc.CodeInvalidAddress},
		{"generatetoaddress", []any{1, consensustest.Address("x").Encode("other")}, jsonrpc.CodeInvalidAddress},
		{"sendrawtransaction", []any{"00"}, jsonrpc.CodeDeserialization},
		{"sendrawtransaction", []any{"xyz"}, jsonrpc.CodeInvalidParam},
		{"submitblock", []any{"0011"}, jsonrpc.CodeDeserialization},
		{"gettxout", []any{strings.Repeat("00", 32), -1}, jsonrpc.CodeInvalidParam},
		{"disconnectnode", []any{"12D3KooWP7vPw9rG7XsgTGJymAT6qWH4qBN2q45phAPVe4HpCg9V"}, jsonrpc.CodeNodeNotConn},
		{"addnode", []any{"/ip4/127.0.0.1/tcp/1", "add"}, jsonrpc.CodeInvalidParam},
		{"listunspent", []any{0, 10, []string{"bad"}}, jsonrpc.CodeInvalidAddress},
	}
	for _, tc := range cases {
		_, err := c.CallRaw(ctx, tc.method, tc.params)
		if got := rpcCode(err); got != tc.code {
			t.Errorf("%s %v: code %d (%v), want %d", tc.method, tc.params, got, err, tc.code)
		}
	}
}

// post sends a raw body with or without the cookie.
func post(t *testing.T, c *rpcclient.Client, body string, auth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.URL, strings.NewReader(body))
	if auth {
		req.SetBasicAuth(c.User, c.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestRPCTransport: auth, malformed JSON, batches and size limits.
func TestRPCTransport(t *testing.T) {
	_, c := rpcNode(t)
	if status, _ := post(t, c, `{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`, false); status != http.StatusUnauthorized {
		t.Errorf("no cookie: HTTP %d, want 401", status)
	}
	bad := rpcclient.New(c.URL, rpcclient.CookieUser, "wrong")
	if _, err := bad.CallRaw(context.Background(), "getblockcount", nil); !errors.Is(err, rpcclient.ErrUnauthorized) {
		t.Errorf("wrong password: %v", err)
	}
	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"getblockcount"`, http.StatusInternalServerError, `"code":-32700`},
		{`[]`, http.StatusOK, `"code":-32600`},
		{`{"jsonrpc":"2.0","id":1,"method":5}`, http.StatusOK, `"code":-32600`},
		{`{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":{"a":1}}`, http.StatusOK, `"code":-8`},
		{`[{"jsonrpc":"2.0","id":1,"method":"getblockcount"},{"jsonrpc":"2.0","id":2,"method":"x"}]`, http.StatusOK, `"result":0`},
		{`[{"jsonrpc":"2.0","id":1,"method":"getblockcount"},{"jsonrpc":"2.0","id":2,"method":"x"}]`, http.StatusOK, `"code":-32601`},
	}
	for _, tc := range cases {
		status, body := post(t, c, tc.body, true)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: HTTP %d %s, want %d %s", tc.body, status, body, tc.status, tc.want)
		}
	}
	huge := `{"jsonrpc":"2.0","id":1,"method":"sendrawtransaction","params":["` + strings.Repeat("00", 4<<20) + `"]}`
	if status, body := post(t, c, huge, true); status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "-32600") {
		t.Errorf("huge request: HTTP %d %.100s", status, body)
	}
	if status, _ := post(t, c, `{"jsonrpc":"2.0","method":"getblockcount"}`, true); status != http.StatusNoContent {
		t.Errorf("notification: HTTP %d, want 204", status)
	}
}

// TestSubmitBlockReasons: submitblock answers null or Core's reject reason.
func TestSubmitBlockReasons(t *testing.T) {
	n, c := rpcNode(t)
	miner := consensustest.Address("miner")
	good, err := n.Template(miner)
	if err != nil {
		t.Fatal(err)
	}
	mineHeader(&good.Header)
	submit := func(b *chain.Block) string {
		raw := call(t, c, "submitblock", hex.EncodeToString(b.Serialize()))
		if bytes.Equal(raw, []byte("null")) {
			return "null"
		}
		var s string
		json.Unmarshal(raw, &s)
		return s
	}
	badRoot := *good
	badRoot.Header.MerkleRoot = chain.Hash{1}
	mineHeader(&badRoot.Header)
	if got := submit(&badRoot); got != "bad-txnmrklroot" {
		t.Errorf("bad merkle root: %s", got)
	}
	highHash := *good
	for highHash.Header.Nonce = 0; powOK(&highHash.Header); highHash.Header.Nonce++ {
	}
	if got := submit(&highHash); got != "high-hash" {
		t.Errorf("high hash: %s", got)
	}
	badBits := *good
	badBits.Header.Bits = 0x2000ffff
	mineHeader(&badBits.Header)
	if got := submit(&badBits); got != "bad-diffbits" {
		t.Errorf("bad bits: %s", got)
	}
	if got := submit(good); got != "null" {
		t.Errorf("good block: %s", got)
	}
	if got := submit(good); got != "duplicate" {
		t.Errorf("again: %s", got)
	}
	orphan := *good
	orphan.Header.PrevBlock = chain.Hash{9}
	mineHeader(&orphan.Header)
	if got := submit(&orphan); got != "prev-blk-not-found" {
		t.Errorf("orphan: %s", got)
	}
}

// TestRPCTransactions: a payment goes through sendrawtransaction, shows in
// the mempool and in listunspent/gettxout, and is confirmed by a block.
func TestRPCTransactions(t *testing.T) {
	n, c := rpcNode(t)
	prefix := n.Params().AddressPrefix
	tx := genesisSpend(t, n, "carol")
	raw := hex.EncodeToString(tx.Serialize())
	var accept []map[string]any
	json.Unmarshal(call(t, c, "testmempoolaccept", []string{raw}), &accept)
	if len(accept) != 1 || accept[0]["allowed"] != true {
		t.Fatalf("testmempoolaccept: %v", accept)
	}
	var txid string
	json.Unmarshal(call(t, c, "sendrawtransaction", raw), &txid)
	if txid != tx.TxID().String() {
		t.Fatalf("txid %s, want %s", txid, tx.TxID())
	}
	double := genesisSpend(t, n, "bob")
	_, err := c.CallRaw(context.Background(), "sendrawtransaction", []any{hex.EncodeToString(double.Serialize())})
	if rpcCode(err) != jsonrpc.CodeVerifyRejected || !strings.Contains(err.Error(), "txn-mempool-conflict") {
		t.Fatalf("double spend: %v", err)
	}
	var pool []string
	json.Unmarshal(call(t, c, "getrawmempool"), &pool)
	if len(pool) != 1 || pool[0] != txid {
		t.Fatalf("mempool %v", pool)
	}
	var info map[string]any
	json.Unmarshal(call(t, c, "getmempoolinfo"), &info)
	if info["size"].(float64) != 1 || info["total_fee"].(float64) != 0.00001 {
		t.Fatalf("getmempoolinfo: %v, want size 1 and total_fee 0.00001 (100 in, 99.99999 out)", info)
	}
	carol := consensustest.Address("carol").Encode(prefix)
	var unspent []map[string]any
	json.Unmarshal(call(t, c, "listunspent", 0, 9999999, []string{carol}), &unspent)
	if len(unspent) != 1 || unspent[0]["confirmations"].(float64) != 0 {
		t.Fatalf("listunspent: %v", unspent)
	}
	var mined []string
	json.Unmarshal(call(t, c, "generatetoaddress", 1, consensustest.Address("miner").Encode(prefix)), &mined)
	var header map[string]any
	json.Unmarshal(call(t, c, "getblockheader", mined[0]), &header)
	if header["nTx"].(float64) != 2 {
		t.Fatalf("getblockheader nTx %v, want 2 (coinbase and the payment)", header["nTx"])
	}
	json.Unmarshal(call(t, c, "getrawmempool"), &pool)
	if len(pool) != 0 {
		t.Fatalf("mempool after block: %v", pool)
	}
	var out map[string]any
	json.Unmarshal(call(t, c, "gettxout", txid, 0), &out)
	if out["confirmations"].(float64) != 1 || out["address"] != carol {
		t.Fatalf("gettxout: %v", out)
	}
	var verbose map[string]any
	json.Unmarshal(call(t, c, "getrawtransaction", txid, true), &verbose)
	if verbose["confirmations"].(float64) != 1 {
		t.Fatalf("getrawtransaction: %v", verbose)
	}
	var history []map[string]any
	json.Unmarshal(call(t, c, "getaddresshistory", carol), &history)
	if len(history) != 1 || history[0]["received"].(float64) != 99.99999 {
		t.Fatalf("history: %v", history)
	}
	var ok bool
	json.Unmarshal(call(t, c, "verifychain"), &ok)
	if !ok {
		t.Fatal("verifychain false")
	}
}
