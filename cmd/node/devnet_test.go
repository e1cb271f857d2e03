package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/rpcclient"
)

// TestDevnetWalletSend is the newcomer's walk-through with the built
// binaries: `node devnet` starts 3 mining nodes, the devnet wallet sends 10
// coins to the second wallet, the payment is mined, and both balances are
// right on every node. Invalid sends change nothing.
func TestDevnetWalletSend(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet of processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(e2e.Binaries(t), "node")
	devnet := exec.Command(bin, "devnet", "--dir", dir, "--nodes", "3", "--miners", "1")
	var out strings.Builder
	devnet.Stdout, devnet.Stderr = &out, &out
	if err := devnet.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- devnet.Wait() }()
	t.Cleanup(func() {
		devnet.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			devnet.Process.Kill()
		}
	})

	nodes := make([]*rpcclient.Client, 3)
	e2e.WaitFor(t, 60*time.Second, "the devnet to start", func() bool {
		for i := range nodes {
			c, err := rpcclient.FromDatadir(filepath.Join(dir, fmt.Sprintf("node%d", i+1)))
			if err != nil || c.Call(context.Background(), "getblockcount", nil, new(int)) != nil {
				return false
			}
			nodes[i] = c
		}
		return true
	})
	call := func(c *rpcclient.Client, method string, result any, params ...any) {
		t.Helper()
		if err := c.Call(context.Background(), method, params, result); err != nil {
			t.Fatalf("%s: %v\n%s", method, err, out.String())
		}
	}
	// Real mining: the chain grows on every node.
	e2e.WaitFor(t, 60*time.Second, "20 blocks on every node", func() bool {
		for _, c := range nodes {
			var n int
			if c.Call(context.Background(), "getblockcount", nil, &n) != nil || n < 20 {
				return false
			}
		}
		return true
	})
	// Stop mining so that balances are exact, and let the nodes agree.
	call(nodes[0], "setgenerate", nil, false)
	waitSameTip(t, nodes)

	var state devnetState
	data, err := os.ReadFile(filepath.Join(dir, devnetStateFile))
	if err != nil || json.Unmarshal(data, &state) != nil {
		t.Fatalf("devnet state: %v", err)
	}
	sender := filepath.Join(dir, devnetWallet)
	friend := filepath.Join(dir, devnetFriend)
	node := func(i int) string { return filepath.Join(dir, fmt.Sprintf("node%d", i+1)) }
	before := walletTotal(t, sender, node(0))

	// Invalid sends: nothing leaves the wallet.
	otherChain := consensustest.Address("x").Encode("test")
	for _, bad := range [][]string{
		{"--to", "dev1notanaddress", "--amount", "1"},
		{"--to", otherChain, "--amount", "1"},
		{"--to", state.FriendAddress, "--amount", "1000000"},
		{"--to", state.FriendAddress, "--amount", "0"},
		{"--to", state.FriendAddress, "--amount", "-1"},
	} {
		args := append([]string{"--wallet", sender, "--datadir", node(0), "send"}, bad...)
		stdout, stderr, code := e2e.Run(t, "wallet", args...)
		if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "wallet: ") {
			t.Errorf("send %v: exit %d, stdout %q, stderr %q; want exit 1 and one error line", bad, code, stdout, stderr)
		}
	}
	var pool []string
	call(nodes[0], "getrawmempool", &pool)
	if len(pool) != 0 {
		t.Fatalf("invalid sends reached the mempool: %v", pool)
	}

	stdout, stderr, code := e2e.Run(t, "wallet", "--wallet", sender, "--datadir", node(0), "send", "--to", state.FriendAddress, "--amount", "10")
	if code != 0 {
		t.Fatalf("send: exit %d: %s", code, stderr)
	}
	txid := e2e.LastLine(stdout)
	fee := parseFee(t, stdout)
	e2e.WaitFor(t, 20*time.Second, "the payment in every mempool", func() bool {
		for _, c := range nodes {
			var pool []string
			if c.Call(context.Background(), "getrawmempool", nil, &pool) != nil || !contains(pool, txid) {
				return false
			}
		}
		return true
	})
	// Mine it to an address outside both wallets.
	outside := consensustest.Address("outside").Encode(devnetPrefix)
	call(nodes[1], "generatetoaddress", nil, 1, outside)
	waitSameTip(t, nodes)

	for i := range nodes {
		if got := walletTotal(t, friend, node(i)); got != 10*chain.UnitsPerCoin {
			t.Errorf("node%d: friend holds %s, want 10", i+1, chain.FormatAmount(got))
		}
		if got, want := walletTotal(t, sender, node(i)), before-10*chain.UnitsPerCoin-fee; got != want {
			t.Errorf("node%d: sender holds %s, want %s", i+1, chain.FormatAmount(got), chain.FormatAmount(want))
		}
	}
}

func waitSameTip(t *testing.T, nodes []*rpcclient.Client) {
	t.Helper()
	e2e.WaitFor(t, 30*time.Second, "the nodes to agree on a tip", func() bool {
		var first string
		for i, c := range nodes {
			var h string
			if c.Call(context.Background(), "getbestblockhash", nil, &h) != nil || (i > 0 && h != first) {
				return false
			}
			first = h
		}
		return true
	})
}

// walletTotal runs `wallet balance` against a node and returns the total
// of the confirmed, unconfirmed and immature columns, in units.
func walletTotal(t *testing.T, walletFile, datadir string) int64 {
	t.Helper()
	stdout, stderr, code := e2e.Run(t, "wallet", "--wallet", walletFile, "--datadir", datadir, "balance")
	if code != 0 {
		t.Fatalf("balance: exit %d: %s", code, stderr)
	}
	for _, line := range strings.Split(stdout, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 4 && fields[0] == "total" {
			var total int64
			for _, f := range fields[1:4] {
				units, err := chain.ParseAmount(f)
				if err != nil {
					t.Fatalf("balance column %q: %v", f, err)
				}
				total += units
			}
			return total
		}
	}
	t.Fatalf("no total in balance output:\n%s", stdout)
	return 0
}

var feePattern = regexp.MustCompile(`fee ([0-9.]+)`)

func parseFee(t *testing.T, out string) int64 {
	t.Helper()
	m := feePattern.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no fee in send output:\n%s", out)
	}
	fee, err := chain.ParseAmount(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return fee
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
