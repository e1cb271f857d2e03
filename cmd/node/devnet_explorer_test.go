package main

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devchain/devchain/internal/browsertest"
	"github.com/devchain/devchain/internal/e2e"
)

// TestExplorerForkPlayground walks the explorer page of a real 3-node
// devnet in headless Chromium: the page loads without a console error and
// draws every node's tip; node3 is cut off from the page, both sides mine
// from the page, and the tree shows two branches side by side; healing
// from the page shows node1 and node2 reorganising onto node3's longer
// branch, the losing branch left drawn as stale. Screenshots of each step
// are kept (browsertest.ArtefactsDir).
func TestExplorerForkPlayground(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet of processes and a browser")
	}
	b := browsertest.New(t) // skips without Chromium
	url := startDevnetWithExplorer(t)
	b.Navigate(url)

	// The devnet starts at genesis (no miner): mine 3 blocks on node1 from
	// the page and wait for every node to show the same tip.
	b.WaitJS(30*time.Second, "three tip markers", `document.querySelectorAll('[data-tip-of]').length === 3`)
	mine(b, "node1", 3)
	b.WaitJS(30*time.Second, "every node at height 3", sameTipAt(3, "node1", "node2", "node3"))
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("console errors after load:\n%s", strings.Join(errs, "\n"))
	}
	b.Screenshot("1-loaded")

	// Partition: node3 alone, node1 and node2 together.
	b.Click(`button[data-action="cut"][data-node="node3"]`)
	b.WaitJS(20*time.Second, "node3 cut off with no peers", `(() => {
		const row = document.querySelector('#nodes tr[data-node="node3"]');
		return row && row.classList.contains('cut') && row.children[3].textContent.startsWith('0');
	})()`)
	mine(b, "node1", 2)
	mine(b, "node3", 3)
	b.WaitJS(30*time.Second, "node1 and node2 at 5, node3 at 6", sameTipAt(5, "node1", "node2")+" && "+sameTipAt(6, "node3"))
	b.WaitJS(10*time.Second, "the two branches drawn side by side", `(() => {
		const a = document.querySelector('[data-tip-of="node1"]').closest('.block');
		const c = document.querySelector('[data-tip-of="node3"]').closest('.block');
		// Height 5 on both branches: two blocks in one column, one above the other.
		const col = [...document.querySelectorAll('.block[data-height="5"]')];
		return a !== c && col.length === 2 && col[0].offsetLeft === col[1].offsetLeft && col[0].offsetTop !== col[1].offsetTop
			&& a.offsetLeft === col[0].offsetLeft;
	})()`)
	b.Screenshot("2-partitioned")
	losing := browsertest.Eval[string](b, `document.querySelector('[data-tip-of="node1"]').dataset.hash`)
	winning := browsertest.Eval[string](b, `document.querySelector('[data-tip-of="node3"]').dataset.hash`)

	// Heal: node1 and node2 reorganise two blocks deep onto node3's branch.
	b.Click(`button[data-action="heal"][data-node="node3"]`)
	b.WaitJS(60*time.Second, "every node on node3's tip", sameTipAt(6, "node1", "node2", "node3"))
	b.WaitJS(10*time.Second, "the reorg of node1 in the log", `!!document.querySelector('#log li[data-reorg-node="node1"][data-depth="2"]')`)
	b.Screenshot("3-healed")
	state := browsertest.Eval[map[string]any](b, fmt.Sprintf(`({
		tip: document.querySelector('[data-tip-of="node1"]').dataset.hash,
		staleLoser: document.querySelector('.block[data-hash="%s"]').classList.contains('stale'),
		banner: document.getElementById('banner').textContent,
	})`, losing))
	if state["tip"] != winning || state["staleLoser"] != true || !strings.Contains(state["banner"].(string), "reorganised") {
		t.Fatalf("after healing: %v; want node1 on %s, its old tip %s drawn stale and a reorg banner", state, winning, losing)
	}

	// Invalidate the tip on node2 from the page: node2 falls back to height
	// 5 and the block is drawn invalid; reconsider brings node2 back to it.
	fork := browsertest.Eval[string](b, `document.querySelector('[data-tip-of="node3"]').closest('.block').dataset.hash`)
	b.Click(`.block[data-hash="` + fork + `"]`)
	b.WaitJS(10*time.Second, "the block's details", `document.getElementById('details').textContent.includes('node1: main')`)
	b.Do(10*time.Second, chromedp.SetValue(chromedp.CSS("#pg-node"), "node2"))
	b.Click("#pg-invalidate")
	b.WaitJS(20*time.Second, "node2 holding the tip invalid", `(() => {
		const tip = document.querySelector('.block[data-hash="`+fork+`"]');
		const n2 = document.querySelector('[data-tip-of="node2"]');
		return tip.classList.contains('invalid') && n2 && n2.closest('.block').dataset.height === '5';
	})()`)
	b.Screenshot("4-invalidated")
	b.Click("#pg-reconsider")
	b.WaitJS(20*time.Second, "node2 back on the tip", sameTipAt(6, "node1", "node2", "node3")+
		` && !document.querySelector('.block[data-hash="`+fork+`"]').classList.contains('invalid')`)

	// Send 10 coins from the devnet wallet: the transaction reaches every
	// mempool, is mined, and its details open from its block.
	b.Do(10*time.Second, chromedp.SetValue(chromedp.CSS("#pg-node"), "node1"), chromedp.SetValue(chromedp.CSS("#pg-amount"), "10"))
	b.Click("#pg-send")
	b.WaitJS(30*time.Second, "the payment in every mempool", `(() => {
		const rows = [...document.querySelectorAll('#nodes tbody tr')];
		return rows.length === 3 && rows.every((r) => r.children[3].textContent === '1');
	})()`)
	mine(b, "node2", 1)
	b.WaitJS(30*time.Second, "every node at height 7", sameTipAt(7, "node1", "node2", "node3"))
	b.Click(`[data-tip-of="node1"]`)
	b.WaitJS(10*time.Second, "the block's two transactions", `document.getElementById('details').textContent.includes('transactions (2)')`)
	b.Click(`#details dd a:nth-of-type(2)`)
	b.WaitJS(10*time.Second, "the payment's details", `(() => {
		const t = document.getElementById('details').textContent;
		return t.includes('transaction') && t.includes('10 → dev1');
	})()`)
	b.Screenshot("5-transaction")
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// sameTipAt is a JavaScript test that the nodes' tip markers sit on one
// block of the given height.
func sameTipAt(height int, nodes ...string) string {
	var conds []string
	for _, n := range nodes {
		conds = append(conds, fmt.Sprintf(`document.querySelector('[data-tip-of="%s"]')`, n))
	}
	return fmt.Sprintf(`(() => {
		const els = [%s];
		if (els.some((e) => !e)) return false;
		const hashes = new Set(els.map((e) => e.dataset.hash));
		const block = els[0].closest('.block');
		return hashes.size === 1 && block.dataset.height === '%d';
	})()`, strings.Join(conds, ", "), height)
}

// mine mines n blocks on a node with the playground's controls.
func mine(b *browsertest.Browser, node string, n int) {
	b.Do(10*time.Second, chromedp.SetValue(chromedp.CSS("#pg-node"), node), chromedp.SetValue(chromedp.CSS("#pg-n"), fmt.Sprint(n)))
	b.Click("#pg-mine")
	b.WaitJS(30*time.Second, fmt.Sprintf("mining %d on %s", n, node), `document.getElementById('pg-result').textContent.startsWith('mine: [')`)
	browsertest.Eval[bool](b, `(document.getElementById('pg-result').textContent = '', true)`)
}

// startDevnetWithExplorer runs `node devnet` with 3 nodes and no miner and
// returns the explorer's URL it prints.
func startDevnetWithExplorer(t *testing.T) string {
	t.Helper()
	url, _ := startDevnetArgs(t, "--miners", "0")
	return url
}

// startDevnetArgs runs `node devnet` with 3 nodes and more arguments, and
// returns the explorer's URL it prints and the devnet's directory.
func startDevnetArgs(t *testing.T, args ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(e2e.Binaries(t), "node")
	args = append([]string{"devnet", "--dir", dir, "--nodes", "3", "--explorer", fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))}, args...)
	devnet := exec.Command(bin, args...)
	stdout, err := devnet.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	devnet.Stderr = &errOut
	if err := devnet.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "explorer: "); ok {
				urls <- u
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		devnet.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		devnet.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			devnet.Process.Kill()
			<-exited
		}
	})
	select {
	case u := <-urls:
		return u, dir
	case <-exited:
		t.Fatalf("node devnet exited: %s", errOut.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("node devnet printed no explorer address: %s", errOut.String())
	}
	return "", ""
}
