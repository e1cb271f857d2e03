package node

import (
	"context"
	"encoding/json"
	"testing"
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
	n, err := New(Config{DataDir: f.TempDir(), Params: testParams(f)})
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
		budget := maxResponseBytes
		resp, _ := n.rpc.handle(context.Background(), body, &budget)
		if resp.Error != nil && resp.Error.Code == -32603 {
			t.Fatalf("%s %s: internal error (a panic): %s", method, raw, resp.Error.Message)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s %s: response does not encode: %v", method, raw, err)
		}
	})
}
