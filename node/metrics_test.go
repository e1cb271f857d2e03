package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/miner"
	"github.com/devchain/devchain/rpcclient"
)

// scrape fetches the node's metrics as Prometheus text and parses them.
func scrape(t *testing.T, url string) ([]byte, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, body)
	}
	return body, families
}

// value is a metric's value (a histogram's sample count), for the series
// whose labels include the given name=value pairs.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no series of %s with %v", name, labels)
	return 0
}

// TestMetricsMove: the metrics of a real node follow its chain: blocks,
// a side block, a rejected block and a reorg show up in the exposition,
// which promtool (Debian's prometheus package) accepts when installed.
func TestMetricsMove(t *testing.T) {
	dir := t.TempDir()
	n, err := New(Config{DataDir: dir, Params: testParams(t), Logger: testLogger(t, "metrics"), MetricsAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !strings.HasPrefix(n.MetricsURL(), "http://127.0.0.1:") {
		t.Fatalf("metrics URL %q", n.MetricsURL())
	}
	ctx := context.Background()
	pay := consensustest.Address("miner")

	if _, err := n.GenerateToAddress(ctx, 3, pay); err != nil {
		t.Fatal(err)
	}
	// A block on the tip, held back while another block is mined there:
	// submitted afterwards, it is a side block (a sibling of equal work).
	side, err := n.Template(consensustest.Address("side"))
	if err != nil {
		t.Fatal(err)
	}
	miner.MineOne(side, nil)
	tip4, err := n.GenerateToAddress(ctx, 1, pay)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.processBlock(side, fromLocal); err != nil {
		t.Fatal(err)
	}
	// A block whose Merkle root does not commit to its transactions.
	bad, err := n.Template(consensustest.Address("bad"))
	if err != nil {
		t.Fatal(err)
	}
	bad.Header.MerkleRoot[0] ^= 1
	miner.MineOne(bad, nil)
	if _, err := n.processBlock(bad, fromLocal); err == nil {
		t.Fatal("block with a wrong merkle root accepted")
	}
	// invalidateblock of the tip: the side block takes its place, a reorg
	// of depth 1.
	c, err := rpcclient.FromDatadir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "invalidateblock", []any{tip4[0].String()}, nil); err != nil {
		t.Fatal(err)
	}

	body, families := scrape(t, n.MetricsURL())
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"devchain_chain_height", nil, 4},
		{"devchain_reorgs_total", nil, 1},
		{"devchain_reorg_depth", nil, 1}, // one observation
		{"devchain_blocks_connected_total", nil, 5},
		{"devchain_blocks_disconnected_total", nil, 1},
		{"devchain_side_blocks_total", nil, 1},
		{"devchain_blocks_rejected_total", []string{"reason", "bad-txnmrklroot"}, 1},
		{"devchain_mempool_transactions", nil, 0},
		{"devchain_peers", nil, 0},
		{"devchain_chain_tips", []string{"status", "active"}, 1},
		{"devchain_chain_tips", []string{"status", "invalid"}, 1},
		{"devchain_chain_tips", []string{"status", "valid-fork"}, 0},
	} {
		if got := value(t, families, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if got := families["devchain_reorg_depth"].Metric[0].Histogram.GetSampleSum(); got != 1 {
		t.Errorf("devchain_reorg_depth sum %v, want 1", got)
	}
	libp2p := 0
	for name := range families {
		if strings.HasPrefix(name, "libp2p_") {
			libp2p++
		}
	}
	if libp2p == 0 {
		t.Error("no libp2p metrics on the node's registry")
	}
	checkWithPromtool(t, body)
	checkDashboard(t, families)
}

// metricName matches the metric names a dashboard query reads.
var metricName = regexp.MustCompile(`\b(?:devchain|libp2p)_[a-z_]+`)

// checkDashboard: every query of docs/grafana-devnet.json reads metrics a
// real node exports, and (with promtool installed) parses as PromQL.
func checkDashboard(t *testing.T, families map[string]*dto.MetricFamily) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "grafana-devnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana-devnet.json: %v", err)
	}
	vars := strings.NewReplacer("$job", "devnet", "$node", ".*", "$__rate_interval", "1m")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, p := range dash.Panels {
		for j, target := range p.Targets {
			expr := vars.Replace(target.Expr)
			for _, name := range metricName.FindAllString(expr, -1) {
				base := name
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if f, ok := families[strings.TrimSuffix(name, suffix)]; ok && f.GetType() == dto.MetricType_HISTOGRAM {
						base = strings.TrimSuffix(name, suffix)
					}
				}
				if _, ok := families[base]; !ok {
					t.Errorf("dashboard panel %q reads %s, which the node does not export", p.Title, name)
				}
			}
			exprJSON, _ := json.Marshal(expr)
			fmt.Fprintf(&rules, "      - record: dashboard_panel_%d_%d\n        expr: %s\n", i, j, exprJSON)
		}
	}
	path, err := exec.LookPath("promtool")
	if err != nil {
		return
	}
	file := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(path, "check", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("the dashboard's queries do not parse: %v\n%s", err, out)
	}
}

// checkWithPromtool runs `promtool check metrics` on an exposition when
// promtool is installed (.ci/run installs it). The exposition must parse
// (exit status 1 otherwise) and lint clean, except for the names libp2p
// chose upstream (libp2p_eventbus_subscriber_event_queued is a counter
// without _total, ...): promtool's lint findings (exit status 3) are
// accepted only for libp2p_ metrics.
func checkWithPromtool(t *testing.T, body []byte) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil && os.Getenv("DEVCHAIN_REQUIRE_PROMTOOL") != "" {
		t.Fatal("promtool not installed, and DEVCHAIN_REQUIRE_PROMTOOL is set (.ci/run installs Debian's prometheus package)")
	}
	if err != nil {
		t.Log("promtool not installed: exposition not linted")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err == nil {
		return
	}
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(line, "libp2p_") {
			t.Errorf("promtool check metrics: %s", line)
		}
	}
}

// TestMetricsLoopbackOnly: metrics beyond loopback need --rpc-allow-remote.
func TestMetricsLoopbackOnly(t *testing.T) {
	_, err := New(Config{DataDir: t.TempDir(), Params: testParams(t), MetricsAddr: "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "--rpc-allow-remote") {
		t.Fatalf("non-loopback metrics: %v", err)
	}
}
