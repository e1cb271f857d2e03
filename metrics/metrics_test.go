package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestNilMetrics: a node without --metrics calls the same methods on nil.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	m.ChainChanged(2, 3)
	m.SideBlock()
	m.BlockRejected("high-hash")
	m.TxsAccepted(1)
	if m.Registerer() != nil {
		t.Fatal("nil metrics has a registerer")
	}
}

// TestServe: the text format at /metrics, with the gauges read at scrape
// time and the reject reasons present before any rejection; only loopback
// without allowRemote.
func TestServe(t *testing.T) {
	height := 7.0
	m := New(Sources{Height: func() float64 { return height }, RejectReasons: []string{"high-hash"}})
	m.ChainChanged(1, 2)
	if _, err := Serve(m, "0.0.0.0:0", false, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "--rpc-allow-remote") {
		t.Fatalf("non-loopback: %v", err)
	}
	s, err := Serve(m, "127.0.0.1:0", false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	height = 8
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		"devchain_chain_height 8\n",
		"devchain_reorgs_total 1\n",
		"devchain_reorg_depth_count 1\n",
		"devchain_blocks_connected_total 2\n",
		`devchain_blocks_rejected_total{reason="high-hash"} 0` + "\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}
