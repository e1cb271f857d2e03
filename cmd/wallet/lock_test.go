package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/wallet"
	"github.com/devchain/devchain/wallet/wallettest"
)

// runAsWallet makes the test binary the wallet command when a test starts
// it as a child process (real processes racing for one wallet file).
const runAsWallet = "DEVCHAIN_TEST_RUN_AS_WALLET"

func TestMain(m *testing.M) {
	if os.Getenv(runAsWallet) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// walletProc is a wallet command running in its own process.
type walletProc struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan struct{}
	err            error
}

func startWallet(t *testing.T, args ...string) *walletProc {
	t.Helper()
	p := &walletProc{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), runAsWallet+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns its last stdout line,
// failing the test unless it exited 0.
func (p *walletProc) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(waitTimeout):
		t.Fatalf("wallet %v still running after %s", p.cmd.Args[1:], waitTimeout)
	}
	if p.err != nil {
		t.Fatalf("wallet %v: %v\nstdout: %s\nstderr: %s", p.cmd.Args[1:], p.err, p.stdout.String(), p.stderr.String())
	}
	return lastLine(p.stdout.String())
}

func (p *walletProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

const waitTimeout = 60 * time.Second

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Commands on one wallet file run one after another: a send started while
// another process holds the wallet waits for it (and says so) instead of
// spending the same coins, and three sends started at once each make their
// own transaction.
func TestConcurrentSendsAreSerialised(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wallet processes")
	}
	node := wallettest.NewNode(t, "dev")
	wf, first := newFundedWallet(t, node)
	for range 3 {
		node.Fund(t, first, 10*chain.UnitsPerCoin)
	}
	to := otherAddress(t, "dev")
	send := []string{"send", "--wallet", wf, "--datadir", node.Datadir, "--to", to, "--amount", "1"}

	held, err := wallet.Lock(context.Background(), wf, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting := startWallet(t, send...)
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(waiting.stderr.String(), "waiting for another wallet command using "+wf) {
		if waiting.exited() || time.Now().After(deadline) {
			t.Fatalf("send did not wait for the held wallet (exited %v)\nstdout: %s\nstderr: %s",
				waiting.exited(), waiting.stdout.String(), waiting.stderr.String())
		}
		time.Sleep(10 * time.Millisecond) // polling a child's output
	}
	if n := len(node.Accepted()); n != 0 || waiting.exited() {
		t.Fatalf("a send waiting for the lock already sent %d transactions (exited %v)", n, waiting.exited())
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	txids := map[string]bool{waiting.wait(t): true}

	var procs []*walletProc
	for range 3 {
		procs = append(procs, startWallet(t, send...))
	}
	for _, p := range procs {
		txid := p.wait(t)
		if txids[txid] {
			t.Fatalf("two sends reported txid %s", txid)
		}
		txids[txid] = true
	}
	accepted := map[string]bool{}
	for _, tx := range node.Accepted() {
		accepted[tx.TxID().String()] = true
	}
	for txid := range txids {
		if !accepted[txid] {
			t.Errorf("reported txid %s is not in the node's mempool", txid)
		}
	}
	if len(accepted) != 4 {
		t.Fatalf("node accepted %d transactions for 4 sends", len(accepted))
	}
}
