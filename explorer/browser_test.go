package explorer

import (
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/browsertest"
)

// TestLabReplayInBrowser opens the hand-made lab run of testdata/lab in
// headless Chromium and moves the time slider: at the end every node's tip
// is the last block and the partition's losing block is drawn stale; in
// the middle of the partition the two sides' tips sit on two branches drawn
// side by side.
func TestLabReplayInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	b := browsertest.New(t)
	srv, err := Start(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir, err := filepath.Abs(filepath.Join("testdata", "lab"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := LoadLab(dir)
	if err != nil {
		t.Fatal(err)
	}
	var final, stale string
	for _, ev := range run.Events {
		if ev.Event == "tip" {
			final = ev.Hash
		}
		if ev.Event == "reorg" {
			stale = ev.From
		}
	}
	b.Navigate(srv.URL() + "?lab=" + url.QueryEscape(dir))
	b.WaitJS(20*time.Second, "the replay at its end", `document.querySelectorAll('[data-tip-of]').length === 4
		&& [0, 1, 2, 3].every((i) => document.querySelector('[data-tip-of="node' + i + '"]').dataset.hash === '`+final+`')
		&& document.querySelector('.block[data-hash="`+stale+`"]').classList.contains('stale')`)
	b.Screenshot("end")

	// 7.5 s: partitioned; nodes 0 and 1 on b3 (height 3), 2 and 3 on c4.
	end := run.Events[len(run.Events)-1].TUS
	v := 7_500_000 * 1000 / end
	browsertest.Eval[bool](b, `(() => { const s = document.getElementById('lab-slider'); s.value = '`+strconv.FormatInt(v, 10)+`';
		s.dispatchEvent(new Event('input')); return true; })()`)
	b.WaitJS(10*time.Second, "the partition's two branches side by side", `(() => {
		const t0 = document.querySelector('[data-tip-of="node0"]'), t2 = document.querySelector('[data-tip-of="node2"]');
		if (!t0 || !t2 || t0.dataset.hash !== '`+stale+`') return false;
		const col = [...document.querySelectorAll('.block[data-height="3"]')];
		return col.length === 2 && col[0].offsetLeft === col[1].offsetLeft && col[0].offsetTop !== col[1].offsetTop
			&& t2.closest('.block').dataset.height === '4';
	})()`)
	b.Screenshot("partitioned")

	// Play from there to the end, then go back to the (empty) live view.
	b.Click("#lab-play")
	b.WaitJS(20*time.Second, "the replay played to its end", `document.getElementById('lab-slider').value === '1000'
		&& document.querySelector('[data-tip-of="node0"]').dataset.hash === '`+final+`'
		&& document.getElementById('lab-play').textContent.includes('play')`)
	b.Click("#lab-close")
	b.WaitJS(10*time.Second, "the live view", `document.getElementById('mode').textContent === 'live'
		&& document.querySelectorAll('[data-hash]').length === 0 && document.getElementById('lab-bar').hidden`)
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
