package rpcserver_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
)

// docRow is one method row of docs/RPC.md: the params cell and the
// top-level fields of the first object in the result cell.
type docRow struct {
	params string
	fields []string
}

var docRowPattern = regexp.MustCompile("^\\| `([a-z]+)` \\|([^|]*)\\|(.*)\\|$")

// readRPCDoc parses the method tables of docs/RPC.md.
func readRPCDoc(t *testing.T) map[string]docRow {
	t.Helper()
	data, err := os.ReadFile("../docs/RPC.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]docRow{}
	for _, line := range strings.Split(string(data), "\n") {
		m := docRowPattern.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows[m[1]] = docRow{params: m[2], fields: topLevelFields(m[3])}
	}
	return rows
}

// topLevelFields reads the names of the first `{a, b: {...}, c}` (or
// `[{...}]`) of a result cell, ignoring nested objects.
func topLevelFields(cell string) []string {
	var group string
	for _, g := range strings.Split(cell, "`")[1:] {
		if strings.HasPrefix(g, "{") || strings.HasPrefix(g, "[{") {
			group = g
			break
		}
	}
	group = strings.TrimPrefix(group, "[")
	if !strings.HasPrefix(group, "{") {
		return nil
	}
	var fields []string
	depth, start := 0, 1
	for i, r := range group {
		switch r {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		if (r == ',' && depth == 1) || depth == 0 {
			name, _, _ := strings.Cut(strings.TrimSpace(group[start:i]), ":")
			if name != "" {
				fields = append(fields, name)
			}
			start = i + 1
		}
		if depth == 0 {
			break
		}
	}
	return fields
}

// TestRPCDocMatchesServer: docs/RPC.md lists exactly the server's methods,
// names every argument of each, and its field lists match the replies: a
// field the server returns is documented, a documented field is returned
// by at least one of the calls below.
func TestRPCDocMatchesServer(t *testing.T) {
	n, c := rpcNode(t)
	doc := readRPCDoc(t)
	for name, args := range n.RPCServer().MethodArgs() {
		row, ok := doc[name]
		if !ok {
			t.Errorf("docs/RPC.md lacks %s", name)
			continue
		}
		for _, a := range args {
			if !strings.Contains(row.params, a) {
				t.Errorf("docs/RPC.md: %s params %q lack %s", name, row.params, a)
			}
		}
	}
	for name := range doc {
		if _, ok := n.RPCServer().MethodArgs()[name]; !ok {
			t.Errorf("docs/RPC.md documents %s, which the server does not have", name)
		}
	}

	// Calls that show every field: a peer, a block with a payment, the
	// same payment in the mempool first.
	startPeer(t, n)
	prefix := n.Params().AddressPrefix
	miner := consensustest.Address("miner").Encode(prefix)
	carol := consensustest.Address("carol").Encode(prefix)
	var first []string
	json.Unmarshal(call(t, c, "generatetoaddress", 1, miner), &first)
	tx := genesisSpend(t, n, "carol")
	raw := hex.EncodeToString(tx.Serialize())
	txid := tx.TxID().String()
	seen := map[string]map[string]bool{}
	record := func(method string, params ...any) {
		reply := call(t, c, method, params...)
		var objects []map[string]json.RawMessage
		var one map[string]json.RawMessage
		if json.Unmarshal(reply, &objects) != nil {
			if json.Unmarshal(reply, &one) != nil {
				t.Fatalf("%s: not an object or array of objects: %.200s", method, reply)
			}
			objects = append(objects, one)
		}
		if seen[method] == nil {
			seen[method] = map[string]bool{}
		}
		for _, o := range objects {
			for k := range o {
				seen[method][k] = true
			}
		}
	}
	record("testmempoolaccept", []string{raw})
	call(t, c, "sendrawtransaction", raw)
	record("testmempoolaccept", []string{raw})
	record("getmempoolentry", txid)
	record("getrawtransaction", txid, 1)
	record("gettxout", txid, 0)
	record("listunspent", 0, 9999999, []string{carol})
	record("getaddresshistory", carol)
	var second []string
	json.Unmarshal(call(t, c, "generatetoaddress", 1, miner), &second)
	call(t, c, "generatetoaddress", 1, miner)
	record("getrawtransaction", txid, 1)
	record("decoderawtransaction", raw)
	record("getaddresshistory", carol)
	record("getblock", second[0], 1)
	record("getblockheader", second[0], true)
	for _, m := range []string{"getblockchaininfo", "getchaintips", "gettxoutsetinfo", "getmempoolinfo",
		"getblocktemplate", "getmininginfo", "getnetworkinfo", "getpeerinfo"} {
		record(m)
	}
	record("estimatesmartfee", 6)

	for method, keys := range seen {
		row := doc[method]
		for k := range keys {
			if !slices.Contains(row.fields, k) {
				t.Errorf("docs/RPC.md: %s returns %s, not documented (documented: %v)", method, k, row.fields)
			}
		}
		for _, f := range row.fields {
			if !keys[f] {
				t.Errorf("docs/RPC.md: %s documents %s, never returned", method, f)
			}
		}
	}
	for method, row := range doc {
		if len(row.fields) > 0 && seen[method] == nil {
			t.Errorf("docs/RPC.md: %s has a field list the test does not check", method)
		}
	}
}
