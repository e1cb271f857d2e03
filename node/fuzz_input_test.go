package node

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/chain"
)

// FuzzRPCRequest: whole request bodies, however malformed, get a JSON-RPC
// answer that encodes, and never an internal error (a panic). Bodies naming
// a method that changes state are skipped.
func FuzzRPCRequest(f *testing.F) {
	n, err := New(Config{DataDir: f.TempDir(), Params: testParams(f)})
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
		budget := maxResponseBytes
		resp, _ := n.rpc.handle(context.Background(), bytes.TrimSpace(body), &budget)
		if resp.Error != nil && resp.Error.Code == -32603 {
			t.Fatalf("%s: internal error (a panic): %s", body, resp.Error.Message)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s: response does not encode: %v", body, err)
		}
	})
}

// FuzzMempoolFile: whatever DATADIR/mempool.dat holds (a crash can cut the
// last write anywhere), reading it returns the well-formed records before
// the damage and never panics.
func FuzzMempoolFile(f *testing.F) {
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{}}, Outputs: []chain.TxOut{{Amount: 5}}}
	rec := appendMempoolRecord(nil, tx)
	f.Add(rec)
	f.Add(append(append([]byte{}, rec...), rec[:len(rec)/2]...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), mempoolFileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		txs, err := readMempoolFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var again []byte
		for _, tx := range txs {
			again = appendMempoolRecord(again, tx)
		}
		if !bytes.HasPrefix(data, again) {
			t.Fatalf("the records read are not a prefix of the file")
		}
	})
}
