package bench

import (
	"fmt"
	"io"
	"iter"
	"math"
	"runtime"
	"strings"
	"text/tabwriter"
)

func splitLines(s string) iter.Seq[string] { return strings.SplitSeq(s, "\n") }

// cutField returns the value of a "name : value" line.
func cutField(line, name string) (string, bool) {
	k, v, ok := strings.Cut(line, ":")
	if !ok || strings.TrimSpace(k) != name {
		return "", false
	}
	return strings.TrimSpace(v), true
}

func numCPU() int { return runtime.NumCPU() }

func goVersion() string { return runtime.Version() }

// WriteTable prints the figures as a table, with the goals of issue 5.
func WriteTable(w io.Writer, r *Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tvalue\tgoal\n")
	row := func(name, value, goal string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", name, value, goal) }
	row(fmt.Sprintf("generatetoaddress, empty block, height %d", r.GenerateLowAt), fmt.Sprintf("%.4f ms", r.GenerateLowMs), "<= 0.08 ms, <= btcd/2")
	row(fmt.Sprintf("generatetoaddress, empty block, height %d", r.GenerateHighAt), fmt.Sprintf("%.4f ms (x%.2f)", r.GenerateHighMs, r.GenerateHighMs/r.GenerateLowMs), "same as low")
	if r.BtcdGenerateMs > 0 {
		row("btcd generate, empty block, height 1000", fmt.Sprintf("%.4f ms", r.BtcdGenerateMs), "")
		row("  ours / btcd", fmt.Sprintf("%.2f", r.GenerateVsBtcd), "<= 0.5")
	}
	row("sync, 1,000 empty blocks (from start)", fmt.Sprintf("%.0f blocks/s (%.0f)", r.Sync1000BlocksPerSec, r.Sync1000FromStartPerSec), ">= 6,500, >= 2x btcd")
	if r.BtcdSyncPerSec > 0 {
		row("btcd sync, 1,000 empty blocks (from start)", fmt.Sprintf("%.0f blocks/s (%.0f)", r.BtcdSyncPerSec, r.BtcdSyncFromStartPerSec), "")
		row("  ours / btcd (from start)", fmt.Sprintf("%.2f (%.2f)", r.Sync1000VsBtcd, r.Sync1000FromStartPerSec/r.BtcdSyncFromStartPerSec), ">= 2")
	}
	row(fmt.Sprintf("sync, %d empty blocks", r.Config.SyncBlocks), fmt.Sprintf("%.0f blocks/s", r.SyncBlocksPerSec), ">= 6,500")
	row(fmt.Sprintf("sync, %d blocks of 1,000 tx", r.Config.TxBlocks), fmt.Sprintf("%.1f blocks/s (%.0f tx/s)", r.SyncTxBlocksPerSec, r.SyncTxPerSec), "report")
	row("mempool admission, sendrawtransaction", fmt.Sprintf("%.0f tx/s", r.AdmissionTxPerSec), "report")
	row("block propagation, 5-node line", fmt.Sprintf("median %.2f ms, p90 %.2f ms", r.BlockPropMedianMs, r.BlockPropP90Ms), "median <= 50 ms")
	row("tx propagation, 5-node line", fmt.Sprintf("median %.2f ms, p90 %.2f ms", r.TxPropMedianMs, r.TxPropP90Ms), "median <= 50 ms")
	row("RSS, fresh idle node (anonymous)", fmt.Sprintf("%.0f MB (%.0f MB)", r.IdleRSSMB, r.IdleAnonMB), "<= 100 MB")
	row("RSS, 5-node line idle, per node", fmt.Sprintf("%.0f MB", r.LineMeanRSSMB), "<= 100 MB")
	row(fmt.Sprintf("RSS, height %d, restarted idle (anonymous)", r.GenerateHighAt), fmt.Sprintf("%.0f MB (%.0f MB)", r.HighIdleRSSMB, r.HighIdleAnonMB), "")
	if r.BtcdRSSMB > 0 {
		row("RSS, btcd after generating", fmt.Sprintf("%.0f MB", r.BtcdRSSMB), "")
	}
	return tw.Flush()
}

// WriteSVG plots the cost per block of each generatetoaddress call against
// the chain height.
func WriteSVG(w io.Writer, r *Result, title string) error {
	const (
		width, height          = 720.0, 360.0
		left, right, top, bott = 70.0, 40.0, 40.0, 50.0
	)
	pts := r.Series
	if len(pts) == 0 {
		return fmt.Errorf("no series to plot")
	}
	maxH, maxY := 0.0, 0.0
	for _, p := range pts {
		maxH = math.Max(maxH, float64(p.Height))
		maxY = math.Max(maxY, p.MsPerBlock)
	}
	if r.BtcdGenerateMs > 0 {
		maxY = math.Max(maxY, r.BtcdGenerateMs)
	}
	maxH = niceCeil(maxH)
	maxY = niceCeil(maxY * 1.1)
	x := func(h float64) float64 { return left + (width-left-right)*h/maxH }
	y := func(v float64) float64 { return height - bott - (height-top-bott)*v/maxY }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="20" font-size="14">%s</text>`+"\n", left, escape(title))
	// Axes and grid.
	for i := 0; i <= 5; i++ {
		v := maxY * float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y(v), width-right, y(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%.3g</text>`+"\n", left-6, y(v)+4, v)
		h := maxH * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(h), height-bott+18, thousands(int(h)))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, height-bott, width-right, height-bott)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, top, left, height-bott)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">chain height (blocks)</text>`+"\n", (left+width-right)/2, height-10)
	fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">ms per empty block</text>`+"\n", (top+height-bott)/2)
	// The series.
	var path strings.Builder
	for i, p := range pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(float64(p.Height)), y(p.MsPerBlock))
	}
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`+"\n", strings.TrimSpace(path.String()))
	for _, p := range pts {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="#1f77b4"/>`+"\n", x(float64(p.Height)), y(p.MsPerBlock))
	}
	legendY := top + 10
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#1f77b4">devchain generatetoaddress (median low %.3f ms, at %s: %.3f ms)</text>`+"\n",
		left+10, legendY, r.GenerateLowMs, thousands(r.GenerateHighAt), r.GenerateHighMs)
	if r.BtcdGenerateMs > 0 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d62728" stroke-dasharray="6 4"/>`+"\n",
			left, y(r.BtcdGenerateMs), width-right, y(r.BtcdGenerateMs))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#d62728">btcd generate at height 1,000 (same run): %.3f ms</text>`+"\n",
			left+10, legendY+16, r.BtcdGenerateMs)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
