package rpcserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/jsonrpc"
	"github.com/devchain/devchain/rpcserver"
)

// TestEnvelopesAsCore: the replies, byte for byte, that Bitcoin Core
// (v28+, doc/JSON-RPC-interface.md) sends for the same requests: the
// legacy envelope for "1.0" or no "jsonrpc" (both members, one null; HTTP
// 404 for an unknown method, 500 for other errors), the 2.0 envelope for
// "2.0" (HTTP 200, no reply to a notification), each member of a batch in
// its own style. Core writes the object without spaces, then a newline.
func TestEnvelopesAsCore(t *testing.T) {
	_, c := rpcNode(t)
	var genesis string
	json.Unmarshal(call(t, c, "getblockhash", 0), &genesis)
	cases := []struct {
		name, body string
		status     int
		reply      string
	}{
		{"legacy success (bitcoin-cli, curl as in Core's help)",
			`{"jsonrpc": "1.0", "id": "curltest", "method": "getblockcount", "params": []}`,
			200, `{"result":0,"error":null,"id":"curltest"}`},
		{"no jsonrpc member is legacy",
			`{"id": 1, "method": "getblockhash", "params": [0]}`,
			200, `{"result":"` + genesis + `","error":null,"id":1}`},
		{"legacy unknown method: HTTP 404",
			`{"jsonrpc": "1.0", "id": "curltest", "method": "getmoney", "params": []}`,
			404, `{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":"curltest"}`},
		{"legacy error: HTTP 500",
			`{"jsonrpc": "1.0", "id": "curltest", "method": "getblockhash", "params": [7]}`,
			500, `{"result":null,"error":{"code":-8,"message":"Block height out of range"},"id":"curltest"}`},
		{"legacy wrong arity: -1 with the usage",
			`{"jsonrpc": "1.0", "id": 2, "method": "getblockcount", "params": [1]}`,
			500, `{"result":null,"error":{"code":-1,"message":"getblockcount\n\nReturns the height of the most-work fully-validated chain.\n"},"id":2}`},
		{"legacy parse error: HTTP 500, id null",
			`{"jsonrpc": "1.0", "id": 1, "method": `,
			500, `{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":null}`},
		{"2.0 success",
			`{"jsonrpc": "2.0", "id": "curltest", "method": "getblockcount", "params": []}`,
			200, `{"jsonrpc":"2.0","result":0,"id":"curltest"}`},
		{"2.0 error: HTTP 200, no result member",
			`{"jsonrpc": "2.0", "id": "curltest", "method": "getmoney"}`,
			200, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"curltest"}`},
		{"2.0 null result",
			`{"jsonrpc": "2.0", "id": 3, "method": "ping"}`,
			200, `{"jsonrpc":"2.0","result":null,"id":3}`},
		{"2.0 notification: HTTP 204, no body",
			`{"jsonrpc": "2.0", "method": "getblockcount"}`,
			204, ``},
		{"unsupported version",
			`{"jsonrpc": "3.0", "id": 1, "method": "getblockcount"}`,
			400, `{"result":null,"error":{"code":-32600,"message":"JSON-RPC version not supported"},"id":1}`},
		{"mixed batch: each in its own style, notifications left out, HTTP 200",
			`[{"jsonrpc":"1.0","id":1,"method":"getblockcount"},{"jsonrpc":"2.0","id":2,"method":"getblockcount"},` +
				`{"jsonrpc":"2.0","method":"getblockcount"},{"id":3,"method":"getmoney"},{"jsonrpc":"2.0","id":4,"method":"getmoney"},5]`,
			200, `[{"result":0,"error":null,"id":1},{"jsonrpc":"2.0","result":0,"id":2},` +
				`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":3},` +
				`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":4},` +
				`{"result":null,"error":{"code":-32600,"message":"Invalid Request object"},"id":null}]`},
	}
	for _, tc := range cases {
		status, body := post(t, c, tc.body, true)
		want := tc.reply
		if want != "" {
			want += "\n"
		}
		if status != tc.status || body != want {
			t.Errorf("%s:\n got HTTP %d %q\nwant HTTP %d %q", tc.name, status, body, tc.status, want)
		}
	}
}

// TestNamedParameters: every method takes Core's argument names, and
// aliases Core still accepts; an unknown name is -8.
func TestNamedParameters(t *testing.T) {
	n, c := rpcNode(t)
	prefix := n.Params().AddressPrefix
	miner := consensustest.Address("miner").Encode(prefix)
	var genesis string
	json.Unmarshal(call(t, c, "getblockhash", 0), &genesis)
	cases := []struct{ body, want string }{
		{`{"method":"generatetoaddress","params":{"nblocks":1,"address":"` + miner + `"}}`, `"result":["`},
		{`{"method":"getblockhash","params":{"height":0}}`, `"result":"` + genesis + `"`},
		{`{"method":"getblock","params":{"blockhash":"` + genesis + `","verbosity":0}}`, `"result":"`},
		{`{"method":"getblock","params":{"blockhash":"` + genesis + `","verbose":0}}`, `"result":"`},
		{`{"method":"getblockheader","params":{"blockhash":"` + genesis + `","verbose":false}}`, `"result":"`},
		{`{"method":"help","params":{"command":"getblock"}}`, `"result":"getblock \"blockhash\" ( verbosity )`},
		{`{"method":"estimatesmartfee","params":{"conf_target":6}}`, `"result":{"blocks":0,"errors":["Insufficient data or no feerate found"]}`},
		{`{"method":"listunspent","params":{"addresses":["` + miner + `"],"minconf":0}}`, `"result":[`},
		{`{"method":"getblockhash","params":{"hieght":0}}`, `"code":-8,"message":"Unknown named parameter hieght"`},
		{`{"method":"getblockhash","params":{}}`, `"code":-1,"message":"getblockhash height`},
	}
	for _, tc := range cases {
		_, body := post(t, c, tc.body, true)
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.body, body, tc.want)
		}
	}
}

// TestArityAndHelp: for every method, one parameter too many is Core's -1
// with the usage of `help METHOD` as message, and the usage names the
// method and its arguments.
func TestArityAndHelp(t *testing.T) {
	n, c := rpcNode(t)
	for name, args := range n.RPCServer().MethodArgs() {
		params := make([]any, len(args)+1)
		for i := range params {
			params[i] = 0
		}
		_, err := c.CallRaw(t.Context(), name, params)
		var usage string
		json.Unmarshal(call(t, c, "help", name), &usage)
		if rpcCode(err) != jsonrpc.CodeMisc || err.(*jsonrpc.Error).Message != usage {
			t.Errorf("%s with %d params: %v, want -1 with %q", name, len(params), err, usage)
		}
		first := strings.SplitN(usage, "\n", 2)[0]
		if !strings.HasPrefix(first, name) {
			t.Errorf("help %s: %q", name, first)
		}
		for _, a := range args {
			if !strings.Contains(first, a) {
				t.Errorf("help %s: usage %q lacks argument %s", name, first, a)
			}
		}
	}
	var all string
	json.Unmarshal(call(t, c, "help"), &all)
	for name := range n.RPCServer().MethodArgs() {
		if !strings.Contains(all, "\n"+name) {
			t.Errorf("help lacks %s", name)
		}
	}
}

// TestRequestLimits: an over-long batch is refused whole; a batch whose
// reply outgrows the size limit gets errors for the calls past it (not
// run); getaddresshistory walks a repeated address once and refuses too
// many addresses.
func TestRequestLimits(t *testing.T) {
	n, c := rpcNode(t)
	var genesis string
	json.Unmarshal(call(t, c, "getblockhash", 0), &genesis)
	batch := func(count int, item string) string {
		items := make([]string, count)
		for i := range items {
			items[i] = fmt.Sprintf(item, i)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	status, body := post(t, c, batch(rpcserver.MaxBatch+1, `{"id":%d,"method":"getblockcount"}`), true)
	if status != http.StatusBadRequest || !strings.Contains(body, fmt.Sprintf("batch longer than %d requests", rpcserver.MaxBatch)) {
		t.Errorf("over-long batch: HTTP %d %.200s", status, body)
	}
	status, body = post(t, c, batch(rpcserver.MaxBatch, `{"id":%d,"method":"getblockcount"}`), true)
	if status != http.StatusOK || strings.Count(body, `"result":0`) != rpcserver.MaxBatch {
		t.Errorf("batch at the limit: HTTP %d %.200s", status, body)
	}

	n.RPCServer().SetMaxResponse(20_000)
	status, body = post(t, c, batch(100, `{"jsonrpc":"2.0","id":%d,"method":"getblock","params":["`+genesis+`",2]}`), true)
	var replies []struct {
		Result json.RawMessage
		Error  *jsonrpc.Error
	}
	if err := json.Unmarshal([]byte(body), &replies); err != nil || len(replies) != 100 || status != http.StatusOK {
		t.Fatalf("big batch: HTTP %d %v %.200s", status, err, body)
	}
	ok := 0
	for _, r := range replies {
		if r.Error == nil {
			ok++
		} else if !strings.Contains(r.Error.Message, "reply larger than 20000 bytes") {
			t.Errorf("over the reply limit: %v", r.Error)
		}
	}
	if ok == 0 || ok == 100 || len(body) > 20_000+100*200 {
		t.Errorf("%d of 100 answered, reply %d bytes", ok, len(body))
	}
	n.RPCServer().SetMaxResponse(rpcserver.MaxResponseBytes)

	addr := consensustest.Address("carol").Encode(n.Params().AddressPrefix)
	call(t, c, "generatetoaddress", 2, addr)
	repeated := make([]string, 400)
	for i := range repeated {
		repeated[i] = addr
	}
	var history []map[string]any
	json.Unmarshal(call(t, c, "getaddresshistory", repeated), &history)
	if len(history) != 2 {
		t.Errorf("one address 400 times: %d entries, want 2", len(history))
	}
	many := make([]string, rpcserver.MaxHistoryAddresses+1)
	for i := range many {
		many[i] = consensustest.Address(fmt.Sprint(i)).Encode(n.Params().AddressPrefix)
	}
	if _, err := c.CallRaw(t.Context(), "getaddresshistory", []any{many}); rpcCode(err) != jsonrpc.CodeInvalidParam {
		t.Errorf("%d addresses: %v", len(many), err)
	}
}

// TestPeerNumbers: getpeerinfo numbers peers with integers as Core does
// (the libp2p id in peerid), and disconnectnode takes that number by name.
func TestPeerNumbers(t *testing.T) {
	n, c := rpcNode(t)
	startPeer(t, n)
	var peers []struct {
		ID     int    `json:"id"`
		PeerID string `json:"peerid"`
	}
	json.Unmarshal(call(t, c, "getpeerinfo"), &peers)
	if len(peers) != 1 || peers[0].PeerID == "" {
		t.Fatalf("getpeerinfo: %+v", peers)
	}
	var again []struct{ ID int }
	json.Unmarshal(call(t, c, "getpeerinfo"), &again)
	if again[0].ID != peers[0].ID {
		t.Errorf("id changed from %d to %d", peers[0].ID, again[0].ID)
	}
	_, body := post(t, c, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"disconnectnode","params":{"nodeid":%d}}`, peers[0].ID), true)
	if body != "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":1}\n" {
		t.Errorf("disconnectnode nodeid: %s", body)
	}
	_, body = post(t, c, `{"jsonrpc":"2.0","id":1,"method":"disconnectnode","params":{"nodeid":999}}`, true)
	if !strings.Contains(body, `"code":-29`) {
		t.Errorf("disconnectnode of an unknown nodeid: %s", body)
	}
}
