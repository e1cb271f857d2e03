package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/wallet"
)

// TestWalletSendWaitFollowsEvents: `wallet send --wait 2` against a real
// `node run` follows the node's event stream: it reports the payment in
// the mempool, in a block, back in the mempool when invalidateblock
// takes that block out, in a block again, and returns at 2 confirmations
// with the txid as its last line of output.
func TestWalletSendWaitFollowsEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node and wallet processes")
	}
	dir := t.TempDir()
	walletFile := filepath.Join(dir, "wallet.json")
	_, fund, err := wallet.Create(walletFile, devnetPrefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := json.Marshal(devnetGenesis(fund, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	genesis := filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(genesis, g, 0o644); err != nil {
		t.Fatal(err)
	}
	node := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(dir, "node"), Genesis: genesis})
	outside := consensustest.Address("outside").Encode(devnetPrefix)
	generate := func() string {
		t.Helper()
		var hashes []string
		node.Must(&hashes, "generatetoaddress", 1, outside)
		return hashes[0]
	}
	generate() // the genesis allocation is spendable from height 1

	send := exec.Command(filepath.Join(e2e.Binaries(t), "wallet"), "--wallet", walletFile, "--datadir", node.Dir(),
		"send", "--to", outside, "--amount", "10", "--wait", "2")
	var stdout, stderr syncBuffer
	send.Stdout, send.Stderr = &stdout, &stderr
	if err := send.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- send.Wait() }()
	t.Cleanup(func() { send.Process.Kill() })
	// lines waits for the wallet's stderr to hold n lines of progress.
	lines := func(n int) {
		t.Helper()
		e2e.WaitFor(t, 30*time.Second, fmt.Sprintf("progress line %d of the wallet", n), func() bool {
			select {
			case err := <-exited:
				t.Fatalf("wallet exited early (%v)\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
			default:
			}
			return strings.Count(stderr.String(), "waiting: ") >= n
		})
	}
	lines(1)
	block := generate()
	lines(2)
	node.Must(nil, "invalidateblock", block)
	lines(3)
	node.Must(nil, "reconsiderblock", block)
	lines(4)
	generate()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("wallet send --wait: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("wallet still waiting at 2 confirmations:\n%s", stderr.String())
	}
	var progress []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "waiting: ") {
			progress = append(progress, strings.Fields(line)[1])
		}
		if strings.Contains(line, "note:") {
			t.Errorf("wallet fell back from events: %s", line)
		}
	}
	if got, want := strings.Join(progress, " "), "0/2 1/2 0/2 1/2 2/2"; got != want {
		t.Errorf("progress %s, want %s\n%s", got, want, stderr.String())
	}
	txid := e2e.LastLine(stdout.String())
	var tx struct {
		Confirmations int `json:"confirmations"`
	}
	if err := node.Client().Call(context.Background(), "getrawtransaction", []any{txid, true}, &tx); err != nil || tx.Confirmations != 2 {
		t.Errorf("stdout's last line %q: getrawtransaction: %+v, %v", txid, tx, err)
	}
}
