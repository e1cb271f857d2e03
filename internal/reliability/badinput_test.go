package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/rpcclient"
)

// runNode runs `node ARGS...` to completion and returns its exit code and
// output.
func runNode(t *testing.T, timeout time.Duration, args ...string) (int, string) {
	t.Helper()
	bin := filepath.Join(e2e.Binaries(t), "node") // the build is not part of the timeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("node %v did not exit within %v:\n%s", args, timeout, out.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String()
}

// genesisJSON returns the test genesis as a JSON object to edit.
func genesisJSON(t *testing.T) map[string]any {
	t.Helper()
	data, err := json.Marshal(testGenesis())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBadGenesisRefused runs `node run` on a table of broken genesis
// files: each must exit with status 1, no panic, and a one-line error that
// names the field at fault.
func TestBadGenesisRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the node binary")
	}
	set := func(field string, v any) func(m map[string]any) {
		return func(m map[string]any) { m[field] = v }
	}
	del := func(field string) func(m map[string]any) {
		return func(m map[string]any) { delete(m, field) }
	}
	alloc := func(address any, amount any) func(m map[string]any) {
		return func(m map[string]any) {
			m["alloc"] = []any{map[string]any{"address": address, "amount": amount}}
		}
	}
	good := consensustest.Address("alice").Encode("test")
	badChecksum := good[:len(good)-1] + string("qpzry9x8"[strings.IndexByte("qpzry9x8", good[len(good)-1])%7+1])
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		raw   string // the whole file instead of an edit
		field string // must appear in the error
	}{
		{name: "missing chain_id", edit: del("chain_id"), field: `"chain_id"`},
		{name: "missing bits", edit: del("bits"), field: `"bits"`},
		{name: "missing alloc", edit: del("alloc"), field: `"alloc"`},
		{name: "empty chain_id", edit: set("chain_id", ""), field: `"chain_id"`},
		{name: "timestamp as text", edit: set("timestamp", "yesterday"), field: `"timestamp"`},
		{name: "timestamp beyond 32 bits", edit: set("timestamp", 1<<33), field: `"timestamp"`},
		{name: "bits not hex", edit: set("bits", "0xzz"), field: `"bits"`},
		{name: "bits as object", edit: set("bits", map[string]any{}), field: `"bits"`},
		{name: "bits zero", edit: set("bits", "0x00000000"), field: `"bits"`},
		{name: "bits negative", edit: set("bits", "0x00800001"), field: `"bits"`},
		{name: "bits easier than the pow limit", edit: set("bits", "0x2100ffff"), field: `"bits"`},
		{name: "pow limit zero", edit: set("pow_limit_bits", "0x00000000"), field: `"pow_limit_bits"`},
		{name: "prefix upper case", edit: set("address_prefix", "TEST"), field: `"address_prefix"`},
		{name: "prefix empty", edit: set("address_prefix", ""), field: `"address_prefix"`},
		{name: "prefix too long", edit: set("address_prefix", strings.Repeat("a", 100)), field: `"address_prefix"`},
		{name: "spacing zero", edit: set("target_spacing_seconds", 0), field: `"target_spacing_seconds"`},
		{name: "spacing as float", edit: set("target_spacing_seconds", 1.5), field: `"target_spacing_seconds"`},
		{name: "negative maturity", edit: set("coinbase_maturity", -1), field: `"coinbase_maturity"`},
		{name: "subsidy overflow", edit: set("initial_subsidy", 1e30), field: `"initial_subsidy"`},
		{name: "block size too small", edit: set("max_block_bytes", 10), field: `"max_block_bytes"`},
		{name: "block size too large", edit: set("max_block_bytes", 1<<40), field: `"max_block_bytes"`},
		{name: "retarget without factor", edit: func(m map[string]any) { m["retarget_interval_blocks"] = 10; m["max_adjust_factor"] = 0 }, field: `"max_adjust_factor"`},
		{name: "alloc not a list", edit: set("alloc", map[string]any{"address": good}), field: `"alloc"`},
		{name: "alloc bad checksum", edit: alloc(badChecksum, 5), field: `"alloc[0].address"`},
		{name: "alloc other prefix", edit: alloc(consensustest.Address("alice").Encode("dev"), 5), field: `"alloc[0].address"`},
		{name: "alloc garbage address", edit: alloc("not-an-address", 5), field: `"alloc[0].address"`},
		{name: "alloc address number", edit: alloc(12, 5), field: `address`},
		{name: "alloc zero amount", edit: alloc(good, 0), field: `"alloc[0].amount"`},
		{name: "alloc negative amount", edit: alloc(good, -5), field: `"alloc[0].amount"`},
		{name: "alloc amount as text", edit: alloc(good, "5"), field: `amount`},
		{name: "alloc overflow", edit: func(m map[string]any) {
			m["alloc"] = []any{map[string]any{"address": good, "amount": int64(1) << 60}, map[string]any{"address": good, "amount": int64(1) << 60}}
		}, field: `"alloc[1].amount"`},
		{name: "alloc sum wraps around", edit: func(m map[string]any) {
			m["alloc"] = []any{map[string]any{"address": good, "amount": 1}, map[string]any{"address": good, "amount": int64(1<<63 - 1)}}
		}, field: `"alloc[1].amount"`},
		{name: "unknown field", edit: set("chainid", "typo"), field: `chainid`},
		{name: "not JSON", raw: "chain_id: devnet\n", field: `genesis`},
		{name: "empty file", raw: "", field: `genesis`},
		{name: "JSON array", raw: "[]", field: `genesis`},
		{name: "trailing garbage", raw: `{"chain_id": "x"} }`, field: `genesis`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.raw)
			if tc.edit != nil {
				m := genesisJSON(t)
				tc.edit(m)
				var err error
				if data, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(t.TempDir(), "genesis.json")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := runNode(t, 20*time.Second, "run", "--datadir", t.TempDir(), "--genesis", path, "--mdns=false")
			if trace, ok := e2e.PanicIn(out); ok {
				t.Fatalf("panic:\n%s", trace)
			}
			line, ok := errorLine(out)
			if code != 1 || !ok || !strings.Contains(line, tc.field) || strings.Count(strings.TrimSpace(out), "\n") > 2 {
				t.Fatalf("exit %d, want 1 and one line naming %s:\n%s", code, tc.field, out)
			}
			t.Log(line)
		})
	}
}

// TestRPCBindRefused: `node run` serves RPC on loopback by default and
// refuses any other bind address unless --rpc-allow-remote says so.
func TestRPCBindRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the node binary")
	}
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	for _, bind := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		code, out := runNode(t, 20*time.Second, "run", "--datadir", t.TempDir(), "--genesis", genesis, "--mdns=false", "--rpc", bind)
		line, _ := errorLine(out)
		if code != 1 || !strings.Contains(line, "--rpc-allow-remote") {
			t.Errorf("--rpc %s: exit %d, want 1 and an error pointing at --rpc-allow-remote:\n%s", bind, code, out)
		}
		if trace, ok := e2e.PanicIn(out); ok {
			t.Fatalf("--rpc %s: panic:\n%s", bind, trace)
		}
	}
	for _, bind := range []string{"127.0.0.1", "127.0.0.1:notaport", "nonsense"} {
		code, out := runNode(t, 20*time.Second, "run", "--datadir", t.TempDir(), "--genesis", genesis, "--mdns=false", "--rpc", bind)
		if _, ok := errorLine(out); code != 1 || !ok {
			t.Errorf("--rpc %s: exit %d, want 1 with an error:\n%s", bind, code, out)
		}
	}
	// Allowed on request: the URL file names the address, the cookie still
	// guards it.
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: t.TempDir(), Genesis: genesis})
	n.Stop()
	// --rpc after the one ProcConfig gives wins (flag package: last value).
	n.SetArgs("--rpc-allow-remote", "--rpc", fmt.Sprintf("0.0.0.0:%d", e2e.FreePort(t)))
	n.Start()
	url, err := os.ReadFile(filepath.Join(n.Dir(), rpcclient.URLFile))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, strings.TrimSpace(string(url)), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("remote RPC without the cookie: HTTP %d, want 401", resp.StatusCode)
	}
	n.Stop()
}

// TestRPCBadInput sends malformed, mistyped, oversized and unauthenticated
// requests to a `node run` process over HTTP: each gets the right JSON-RPC
// error (or HTTP status), and the node keeps serving.
func TestRPCBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the node binary")
	}
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: t.TempDir(), Genesis: genesis})
	c := n.Client()
	post := func(body string, auth bool, method string) (int, string) {
		req, _ := http.NewRequest(method, c.URL, strings.NewReader(body))
		if auth {
			req.SetBasicAuth(c.User, c.Password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, string(data)
	}
	hash := strings.Repeat("ab", 32)
	cases := []struct {
		name   string
		body   string
		auth   bool
		method string
		status int
		want   string
	}{
		{"no cookie", `{"jsonrpc":"2.0","id":1,"method":"getblockcount"}`, false, "POST", 401, ""},
		{"GET", ``, true, "GET", 405, ""},
		{"truncated JSON", `{"jsonrpc":"2.0","id":1,"method":"getblockcount"`, true, "POST", 500, `"code":-32700`},
		{"not JSON", `hello`, true, "POST", 500, `"code":-32700`},
		{"empty body", ``, true, "POST", 500, `"code":-32700`},
		{"JSON string", `"getblockcount"`, true, "POST", 400, `"code":-32600`},
		{"method not a string", `{"jsonrpc":"2.0","id":1,"method":["x"]}`, true, "POST", 200, `"code":-32600`},
		{"no method", `{"jsonrpc":"2.0","id":1}`, true, "POST", 200, `"code":-32600`},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"getmoney"}`, true, "POST", 200, `"code":-32601`},
		{"named params", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":{"height":0}}`, true, "POST", 200, `"result":"`},
		{"unknown named param", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":{"hieght":0}}`, true, "POST", 200, `"code":-8`},
		{"legacy unknown method", `{"jsonrpc":"1.0","id":1,"method":"getmoney"}`, true, "POST", 404, `"result":null,"error":{"code":-32601`},
		{"legacy error", `{"id":1,"method":"getblockhash","params":[-1]}`, true, "POST", 500, `"result":null,"error":{"code":-8`},
		{"too many params", `{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":[1]}`, true, "POST", 200, `"code":-1,"message":"getblockcount\n`},
		{"missing param", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[]}`, true, "POST", 200, `"code":-1,"message":"getblockhash height\n`},
		{"string for int", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":["0"]}`, true, "POST", 200, `"code":-32602`},
		{"float for int", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[0.5]}`, true, "POST", 200, `"code":-32602`},
		{"huge int", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[1e400]}`, true, "POST", 200, `"code":-32602`},
		{"negative height", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[-1]}`, true, "POST", 200, `"code":-8`},
		{"int for hash", `{"jsonrpc":"2.0","id":1,"method":"getblock","params":[5]}`, true, "POST", 200, `"code":-32602`},
		{"short hash", `{"jsonrpc":"2.0","id":1,"method":"getblock","params":["abc"]}`, true, "POST", 200, `"code":-8`},
		{"unknown block", `{"jsonrpc":"2.0","id":1,"method":"getblock","params":["` + hash + `"]}`, true, "POST", 200, `"code":-5`},
		{"bad verbosity", `{"jsonrpc":"2.0","id":1,"method":"getblock","params":["` + hash + `",7]}`, true, "POST", 200, `"code":-8`},
		{"tx not hex", `{"jsonrpc":"2.0","id":1,"method":"sendrawtransaction","params":["zz"]}`, true, "POST", 200, `"code":-8`},
		{"tx garbage", `{"jsonrpc":"2.0","id":1,"method":"sendrawtransaction","params":["00ff00ff"]}`, true, "POST", 200, `"code":-22`},
		{"block garbage", `{"jsonrpc":"2.0","id":1,"method":"submitblock","params":["00ff00ff"]}`, true, "POST", 200, `"code":-22`},
		{"bad address", `{"jsonrpc":"2.0","id":1,"method":"generatetoaddress","params":[1,"bc1qnope"]}`, true, "POST", 200, `"code":-5`},
		{"generate negative", `{"jsonrpc":"2.0","id":1,"method":"generatetoaddress","params":[-1,"` + addr("x") + `"]}`, true, "POST", 200, `"code":-8`},
		{"addresses not a list", `{"jsonrpc":"2.0","id":1,"method":"listunspent","params":[0,9,"x"]}`, true, "POST", 200, `"code":-32602`},
		{"bad multiaddr", `{"jsonrpc":"2.0","id":1,"method":"addnode","params":["/ip4/999.1.1.1/tcp/1","add"]}`, true, "POST", 200, `"code":-8`},
		{"bad addnode command", `{"jsonrpc":"2.0","id":1,"method":"addnode","params":["/ip4/127.0.0.1/tcp/1","destroy"]}`, true, "POST", 200, `"code":-8`},
		{"setnetworkactive string", `{"jsonrpc":"2.0","id":1,"method":"setnetworkactive","params":["no"]}`, true, "POST", 200, `"code":-32602`},
		{"deep nesting", `{"jsonrpc":"2.0","id":1,"method":"getblockhash","params":[` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`, true, "POST", 500, `"code":-32700`},
		{"empty batch", `[]`, true, "POST", 200, `"code":-32600`},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"getblockcount"},{"jsonrpc":"2.0","id":2,"method":"nope"},5]`, true, "POST", 200, `"code":-32601`},
	}
	for _, tc := range cases {
		status, body := post(tc.body, tc.auth, tc.method)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: HTTP %d %.200s; want HTTP %d with %s", tc.name, status, body, tc.status, tc.want)
		}
	}
	// Over the size limit: refused before it is read in full.
	huge := `{"jsonrpc":"2.0","id":1,"method":"sendrawtransaction","params":["` + strings.Repeat("00", 8<<20) + `"]}`
	if status, body := post(huge, true, "POST"); status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `-32600`) {
		t.Errorf("huge request: HTTP %d %.200s", status, body)
	}
	// Wrong cookie, and a stale one from a previous run.
	stale := rpcclient.New(c.URL, rpcclient.CookieUser, c.Password)
	n.Stop()
	n.Start()
	if _, err := stale.CallRaw(context.Background(), "getblockcount", nil); err != rpcclient.ErrUnauthorized {
		t.Errorf("stale cookie: %v, want ErrUnauthorized", err)
	}
	var height int
	n.Must(&height, "getblockcount")
	noPanic(t, n)
}
