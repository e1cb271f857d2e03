package lab

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// palette colours miners (by miner index, cycling); every colour is
// readable on white.
var palette = []string{
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
}

// treeBlock is a block as the tree drawing needs it.
type treeBlock struct {
	id       int // index in the lab's block table
	parent   int // -1 for the genesis
	height   uint32
	miner    int // miner index, -1 for the genesis
	main     bool
	hash     string
	reorgsTo int // reorgs, over every node, whose new tip was this block
	maxDepth int
}

// writeTreeSVG draws the block tree: heights left to right, the final main
// chain on the top lane, stale branches on the lanes below, every block
// filled with its miner's colour, and a red mark over a block that nodes
// reorganised to (with the depth in its tooltip).
func writeTreeSVG(w io.Writer, blocks []treeBlock, miners []MinerSummary) error {
	const (
		cell   = 16
		box    = 11
		left   = 40
		top    = 56
		laneH  = 20
		legend = 22
	)
	lane := make([]int, len(blocks))
	occupied := map[[2]int]bool{} // (lane, height)
	maxLane := 0
	var maxHeight uint32
	for i, b := range blocks {
		maxHeight = max(maxHeight, b.height)
		if b.main || b.parent < 0 {
			lane[i] = 0
			continue
		}
		l := 1
		if p := b.parent; p >= 0 && !blocks[p].main && !occupied[[2]int{lane[p], int(b.height)}] {
			l = lane[p]
		} else {
			for occupied[[2]int{l, int(b.height)}] {
				l++
			}
		}
		lane[i] = l
		occupied[[2]int{l, int(b.height)}] = true
		maxLane = max(maxLane, l)
	}
	width := max(left*2+int(maxHeight+1)*cell, left*2+4*270)
	height := top + (maxLane+1)*laneH + 30 + legend*((len(miners)+3)/4)
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	stale := 0
	for _, b := range blocks {
		if !b.main && b.parent >= 0 {
			stale++
		}
	}
	p(`<text x="%d" y="18" font-size="13">block tree: %d blocks to height %d, %d stale (lanes below the main chain); red marks: reorgs to that block</text>`+"\n", left, len(blocks)-1, maxHeight, stale)
	x := func(h uint32) int { return left + int(h)*cell }
	y := func(l int) int { return top + l*laneH }
	// Height ticks.
	step := uint32(max(1, int(math.Pow(10, math.Floor(math.Log10(float64(max(maxHeight, 1))))))/2))
	if maxHeight < 20 {
		step = 1
	}
	for h := uint32(0); h <= maxHeight; h += step {
		p(`<text x="%d" y="%d" text-anchor="middle" fill="#555">%d</text>`+"\n", x(h)+box/2, top-18, h)
	}
	// Links, then boxes on top.
	for i, b := range blocks {
		if b.parent < 0 {
			continue
		}
		pa := b.parent
		p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999" stroke-width="1"/>`+"\n",
			x(blocks[pa].height)+box, y(lane[pa])+box/2, x(b.height), y(lane[i])+box/2)
	}
	for i, b := range blocks {
		fill := "#ffffff"
		who := "genesis"
		if b.miner >= 0 {
			fill = palette[b.miner%len(palette)]
			who = fmt.Sprintf("miner node %d (%s)", miners[b.miner].Node, miners[b.miner].Strategy)
		}
		stroke, sw := "#000", 1.5
		if !b.main {
			stroke, sw = "#666", 0.5
		}
		opacity := 1.0
		if !b.main {
			opacity = 0.55
		}
		p(`<rect x="%d" y="%d" width="%d" height="%d" fill="%s" fill-opacity="%.2f" stroke="%s" stroke-width="%.1f"><title>height %d %s by %s%s</title></rect>`+"\n",
			x(b.height), y(lane[i]), box, box, fill, opacity, stroke, sw, b.height, shortHex(b.hash), who, mainNote(b.main))
		if b.reorgsTo > 0 {
			cx := x(b.height) + box/2
			p(`<path d="M%d %d l-4 -7 h8 z" fill="#e00"><title>%d reorgs to this block, deepest %d</title></path>`+"\n",
				cx, y(lane[i])-2, b.reorgsTo, b.maxDepth)
		}
	}
	// Legend.
	ly := top + (maxLane+1)*laneH + 24
	for i, m := range miners {
		lx := left + (i%4)*270
		yy := ly + (i/4)*legend
		p(`<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, lx, yy-box+1, box, box, palette[i%len(palette)])
		p(`<text x="%d" y="%d">node %d %s %.3g: %d mined, %d main</text>`+"\n", lx+box+4, yy, m.Node, m.Strategy, m.Share, m.Mined, m.MainChainBlocks)
	}
	p("</svg>\n")
	return bw.Flush()
}

func mainNote(main bool) string {
	if main {
		return ", main chain"
	}
	return ", stale"
}

func shortHex(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// PlotPoint is one measured point of a sweep: the figure's value and the
// half-width of its tolerance band (0 for none).
type PlotPoint struct {
	X, Y, Err float64
}

// Plot is an SVG line chart of a figure against a swept parameter, with the
// analytic curve where one exists.
type Plot struct {
	Title, XLabel, YLabel string
	Points                []PlotPoint
	// Curve, when set, is the analytic value at x, drawn as a line.
	Curve      func(x float64) float64
	CurveLabel string
	// Diagonal draws y = x (e.g. a revenue share against the hash share).
	Diagonal bool
}

// WriteSVG draws the plot.
func (pl *Plot) WriteSVG(w io.Writer) error {
	const (
		W, H                = 640, 420
		ml, mr, mt, mbottom = 70, 20, 40, 50
	)
	xs := make([]float64, 0, len(pl.Points))
	ys := make([]float64, 0, len(pl.Points)*2)
	for _, pt := range pl.Points {
		xs = append(xs, pt.X)
		ys = append(ys, pt.Y-pt.Err, pt.Y+pt.Err)
	}
	if len(xs) == 0 {
		xs, ys = []float64{0, 1}, []float64{0, 1}
	}
	x0, x1 := slices.Min(xs), slices.Max(xs)
	if x1 == x0 {
		x0, x1 = x0-1, x1+1
	}
	samples := 100
	if pl.Curve != nil {
		for i := 0; i <= samples; i++ {
			v := pl.Curve(x0 + (x1-x0)*float64(i)/float64(samples))
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				ys = append(ys, v)
			}
		}
	}
	if pl.Diagonal {
		ys = append(ys, x0, x1)
	}
	y0, y1 := slices.Min(ys), slices.Max(ys)
	if y1 == y0 {
		y0, y1 = y0-1, y1+1
	}
	pad := (y1 - y0) * 0.05
	y0, y1 = y0-pad, y1+pad
	px := func(v float64) float64 { return ml + (v-x0)/(x1-x0)*(W-ml-mr) }
	py := func(v float64) float64 { return H - mbottom - (v-y0)/(y1-y0)*(H-mt-mbottom) }
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%d" y="22" font-size="14">%s</text>`+"\n", ml, esc(pl.Title))
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>`+"\n", ml, H-mbottom, W-mr, H-mbottom)
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>`+"\n", ml, mt, ml, H-mbottom)
	for i := 0; i <= 5; i++ {
		xv := x0 + (x1-x0)*float64(i)/5
		yv := y0 + (y1-y0)*float64(i)/5
		p(`<text x="%.1f" y="%d" text-anchor="middle">%.3g</text>`+"\n", px(xv), H-mbottom+16, xv)
		p(`<text x="%d" y="%.1f" text-anchor="end">%.3g</text>`+"\n", ml-6, py(yv)+4, yv)
		p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>`+"\n", ml, py(yv), W-mr, py(yv))
	}
	p(`<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (ml+W-mr)/2, H-12, esc(pl.XLabel))
	p(`<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">%s</text>`+"\n", (mt+H-mbottom)/2, (mt+H-mbottom)/2, esc(pl.YLabel))
	if pl.Diagonal {
		p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#aaa" stroke-dasharray="4 3"/>`+"\n", px(x0), py(x0), px(x1), py(x1))
	}
	if pl.Curve != nil {
		var path strings.Builder
		pen := "M"
		for i := 0; i <= samples; i++ {
			xv := x0 + (x1-x0)*float64(i)/float64(samples)
			v := pl.Curve(xv)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", pen, px(xv), py(v))
			pen = "L"
		}
		p(`<path d="%s" fill="none" stroke="#d62728" stroke-width="1.5"/>`+"\n", path.String())
		p(`<text x="%d" y="%d" fill="#d62728">%s</text>`+"\n", ml+10, mt+14, esc(pl.CurveLabel))
	}
	for _, pt := range pl.Points {
		if pt.Err > 0 {
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1f77b4"/>`+"\n", px(pt.X), py(pt.Y-pt.Err), px(pt.X), py(pt.Y+pt.Err))
		}
		p(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1f77b4"><title>%.4g: %.4g ± %.2g</title></circle>`+"\n", px(pt.X), py(pt.Y), pt.X, pt.Y, pt.Err)
	}
	p(`<text x="%d" y="%d" fill="#1f77b4">● measured (bars: tolerance)</text>`+"\n", ml+10, mt+30)
	p("</svg>\n")
	return bw.Flush()
}

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
