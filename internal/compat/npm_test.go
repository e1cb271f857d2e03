package compat

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus/consensustest"
)

// npmScript calls a node through the npm bitcoin-core client (which sends
// Core's legacy requests and fails on any reply whose error is not null)
// and prints one line per call: "ok METHOD" or "fail METHOD: message".
const npmScript = `
import Client from 'bitcoin-core';
const [url, user, pass, address] = process.argv.slice(2);
const client = new Client({ host: url, username: user, password: pass });
const calls = [
  ['getblockchaininfo'], ['getnetworkinfo'], ['getblockcount'], ['getbestblockhash'], ['getblockhash', 0],
  ['getdifficulty'], ['uptime'], ['ping'], ['getmempoolinfo'], ['getrawmempool'], ['getpeerinfo'],
  ['getconnectioncount'], ['estimatesmartfee', 6], ['getchaintips'], ['gettxoutsetinfo'], ['getmininginfo'],
  ['getblocktemplate'], ['help', 'getblock'], ['generatetoaddress', 1, address], ['listunspent', 0, 999, [address]],
  ['getaddresshistory', address], ['verifychain'],
];
for (const [method, ...args] of calls) {
  try { await client.command(method, ...args); console.log('ok ' + method); }
  catch (e) { console.log('fail ' + method + ': ' + e.message); }
}
const hash = await client.command('getbestblockhash');
for (const [method, ...args] of [['getblock', hash, 2], ['getblockheader', hash]]) {
  try { await client.command(method, ...args); console.log('ok ' + method); }
  catch (e) { console.log('fail ' + method + ': ' + e.message); }
}
try { await client.command('getblockhash', 99); console.log('fail error: no error'); }
catch (e) { console.log(e.code === -8 ? 'ok error' : 'fail error: ' + e.code + ' ' + e.message); }
const batch = await client.command([{ method: 'getblockcount' }, { method: 'getbestblockhash' }]);
console.log(batch.length === 2 && batch[1] === hash ? 'ok batch' : 'fail batch: ' + JSON.stringify(batch));
`

// TestNpmBitcoinCoreClient drives a node process with the npm
// bitcoin-core client 5.0.0 when node and npm are installed (CI installs
// them); the client must read every reply as a success, and an error as
// Core's error.
func TestNpmBitcoinCoreClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node (JavaScript) is not installed: the npm bitcoin-core client test needs node and npm")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed: the npm bitcoin-core client test needs node and npm")
	}
	n, params := startNode(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "bitcoin-core@5.0.0")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("npm install bitcoin-core@5.0.0: %v\n%s", err, out)
		}
		t.Skipf("npm install bitcoin-core@5.0.0 failed (no registry?): %v\n%s", err, out)
	}
	script := filepath.Join(dir, "calls.mjs")
	if err := os.WriteFile(script, []byte(npmScript), 0o644); err != nil {
		t.Fatal(err)
	}
	c := n.Client()
	address := consensustest.Address("miner").Encode(params.AddressPrefix)
	run := exec.CommandContext(ctx, "node", script, strings.TrimSuffix(c.URL, "/"), c.User, c.Password, address)
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node calls.mjs: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 26 {
		t.Errorf("%d result lines, want 26:\n%s", len(lines), out)
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "ok ") {
			t.Errorf("npm bitcoin-core: %s", line)
		}
	}
}
