package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/wallet"
	"github.com/devchain/devchain/wallet/wallettest"
)

func TestParseWait(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", 0, true}, {"0", 0, true}, {"6", 6, true}, {"10000", 10000, true},
		{"-1", 0, false}, {"10001", 0, false}, {"two", 0, false}, {"1.5", 0, false},
	} {
		got, err := parseWait(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseWait(%q) = %d, %v", tc.in, got, err)
		}
	}
}

// TestSendWaitWithoutEvents: against a node that streams no events (the
// fake node answers GET /events with JSON), send --wait says so and polls;
// it returns once the payment has its confirmations, the txid still the
// last line of stdout. While it waits, the wallet file is free for other
// commands.
func TestSendWaitWithoutEvents(t *testing.T) {
	defer func(d time.Duration) { wallet.ConfirmPollInterval = d }(wallet.ConfirmPollInterval)
	wallet.ConfirmPollInterval = 5 * time.Millisecond
	node := wallettest.NewNode(t, "dev")
	wf := filepath.Join(t.TempDir(), "w.json")
	first := lastLine(mustRun(t, "create", "--no-encrypt", "--wallet", wf, "--datadir", node.Datadir))
	node.Fund(t, first, 10*chain.UnitsPerCoin)

	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := cli(t, "--wallet", wf, "--datadir", node.Datadir, "send", "--to", otherAddress(t, "dev"), "--amount", "1", "--wait", "2")
		done <- result{out, errOut, code}
	}()
	deadline := time.Now().Add(20 * time.Second)
	// The wallet's first look at the payment (no other call of
	// getrawtransaction precedes it with an empty wallet).
	for node.Calls("getrawtransaction") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("send never reached the node")
		}
		time.Sleep(time.Millisecond) // polling a fake node's state with a deadline
	}
	// While it waits for blocks, send holds no lock on the wallet file:
	// another command on the same wallet runs at once.
	if _, errOut, code := cli(t, "--wallet", wf, "addresses"); code != 0 || strings.Contains(errOut, "waiting for another wallet command") {
		t.Errorf("addresses during send --wait: exit %d\n%s", code, errOut)
	}
	node.Mine(1)
	node.Mine(1)
	r := <-done
	if r.code != 0 {
		t.Fatalf("send --wait: exit %d\n%s", r.code, r.errOut)
	}
	if lastLine(r.out) != node.Accepted()[0].TxID().String() {
		t.Errorf("last line %q, want the txid", lastLine(r.out))
	}
	for _, want := range []string{"wallet: note: the node streams no events: checking every 5ms", "waiting: 0/2 confirmations (in the mempool)", "confirmed: "} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
}

// TestSendWaitBadFlag: a bad --wait is refused before anything is sent.
func TestSendWaitBadFlag(t *testing.T) {
	node := wallettest.NewNode(t, "dev")
	wf := filepath.Join(t.TempDir(), "w.json")
	first := lastLine(mustRun(t, "create", "--no-encrypt", "--wallet", wf, "--datadir", node.Datadir))
	node.Fund(t, first, 10*chain.UnitsPerCoin)
	_, errOut, code := cli(t, "--wallet", wf, "--datadir", node.Datadir, "send", first, "1", "--wait", "-2")
	if code == 0 || !strings.Contains(errOut, "--wait") || len(node.Accepted()) != 0 {
		t.Fatalf("exit %d, stderr %q, accepted %d", code, errOut, len(node.Accepted()))
	}
}
