package rpcserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/node"
)

// readOnlyMethods are the methods the fuzzer may call: they only read, so
// any input is fair game and none can stop the node or mine for minutes.
var readOnlyMethods = []string{
	"getblockhash", "getblock", "getblockheader", "gettxout", "getrawtransaction",
	"decoderawtransaction", "testmempoolaccept", "listunspent", "getaddresshistory",
	"getblockcount", "getchaintips", "getmempoolinfo", "getrawmempool", "getblockchaininfo",
}

// FuzzRPCParams: no parameters, however malformed, panic a method or the
// request decoding; every failure is a JSON-RPC error.
func FuzzRPCParams(f *testing.F) {
	n, err := node.New(node.Config{DataDir: f.TempDir(), Params: testParams(f)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	f.Add(uint8(0), []byte(`[1]`))
	f.Add(uint8(1), []byte(`["00",2]`))
	f.Add(uint8(3), []byte(`["0000000000000000000000000000000000000000000000000000000000000000",4294967295,true]`))
	f.Add(uint8(6), []byte(`[["ab"]]`))
	f.Add(uint8(7), []byte(`[0,1e3,["x"]]`))
	f.Add(uint8(8), []byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		method := readOnlyMethods[int(which)%len(readOnlyMethods)]
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": json.RawMessage(raw)})
		if !json.Valid(raw) {
			body = append([]byte(`{"jsonrpc":"2.0","id":1,"method":"`+method+`","params":`), raw...)
		}
		resp, _ := n.RPCServer().HandleBody(context.Background(), body)
		if resp.Error != nil && resp.Error.Code == -32603 {
			t.Fatalf("%s %s: internal error (a panic): %s", method, raw, resp.Error.Message)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s %s: response does not encode: %v", method, raw, err)
		}
	})
}

// FuzzRPCRequest: whole request bodies, however malformed, get a JSON-RPC
// answer that encodes, and never an internal error (a panic). Bodies naming
// a method that changes state are skipped.
func FuzzRPCRequest(f *testing.F) {
	n, err := node.New(node.Config{DataDir: f.TempDir(), Params: testParams(f)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":{"a":[1,2]},"method":"getblock","params":["00",1]}`))
	f.Add([]byte(`{"jsonrpc":"1.0","method":"getblockhash","params":[1e99]}`))
	f.Add([]byte(`{"id":null,"METHOD":"gettxout","params":["` + strings.Repeat("0", 64) + `",-1,true]}`))
	f.Add([]byte(`{"method":"listunspent","params":[0,1,["test1",5,null]]}`))
	f.Add([]byte(`{"method":"decoderawtransaction","params":["0100"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(body, &req) == nil && req.Method != "" && !slices.Contains(readOnlyMethods, req.Method) {
			return
		}
		resp, _ := n.RPCServer().HandleBody(context.Background(), bytes.TrimSpace(body))
		if resp.Error != nil && resp.Error.Code == -32603 {
			t.Fatalf("%s: internal error (a panic): %s", body, resp.Error.Message)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s: response does not encode: %v", body, err)
		}
	})
}
