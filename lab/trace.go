package lab

import (
	"bufio"
	"bytes"
	"io"
	"strconv"

	"github.com/devchain/devchain/chain"
)

// tracer writes trace.jsonl: one JSON object per line, keys in a fixed
// order, written by hand so that the bytes depend on nothing but the run
// (docs: the trace format agreed with the explorer's replay). A nil tracer
// writes nothing.
type tracer struct {
	w   io.Writer
	buf []byte
	err error
	// mem is a worker's trace (window.go): lines the lab writes out at the
	// merge, in event order.
	mem *bytes.Buffer
}

func newTracer(w io.Writer) *tracer {
	if w == nil {
		return nil
	}
	return &tracer{w: bufio.NewWriterSize(w, 1<<20)}
}

// newMemTracer is a worker's tracer.
func newMemTracer() *tracer {
	mem := &bytes.Buffer{}
	return &tracer{w: mem, mem: mem}
}

func (t *tracer) begin(tus int64, ev string) {
	t.buf = append(t.buf[:0], `{"t_us":`...)
	t.buf = strconv.AppendInt(t.buf, tus, 10)
	t.buf = append(t.buf, `,"event":"`...)
	t.buf = append(t.buf, ev...)
	t.buf = append(t.buf, '"')
}

func (t *tracer) int(key string, v int64) {
	t.buf = append(t.buf, ',', '"')
	t.buf = append(t.buf, key...)
	t.buf = append(t.buf, '"', ':')
	t.buf = strconv.AppendInt(t.buf, v, 10)
}

func (t *tracer) str(key, v string) {
	t.buf = append(t.buf, ',', '"')
	t.buf = append(t.buf, key...)
	t.buf = append(t.buf, '"', ':')
	t.buf = strconv.AppendQuote(t.buf, v)
}

func (t *tracer) hash(key string, h chain.Hash) {
	t.buf = append(t.buf, ',', '"')
	t.buf = append(t.buf, key...)
	t.buf = append(t.buf, `":"`...)
	for i := len(h) - 1; i >= 0; i-- {
		const digits = "0123456789abcdef"
		t.buf = append(t.buf, digits[h[i]>>4], digits[h[i]&15])
	}
	t.buf = append(t.buf, '"')
}

func (t *tracer) groups(key string, gs [][]int) {
	t.buf = append(t.buf, ',', '"')
	t.buf = append(t.buf, key...)
	t.buf = append(t.buf, `":[`...)
	for i, g := range gs {
		if i > 0 {
			t.buf = append(t.buf, ',')
		}
		t.buf = append(t.buf, '[')
		for j, n := range g {
			if j > 0 {
				t.buf = append(t.buf, ',')
			}
			t.buf = strconv.AppendInt(t.buf, int64(n), 10)
		}
		t.buf = append(t.buf, ']')
	}
	t.buf = append(t.buf, ']')
}

func (t *tracer) end() {
	t.buf = append(t.buf, '}', '\n')
	if t.err == nil {
		_, t.err = t.w.Write(t.buf)
	}
}

// raw writes lines already encoded (a worker's, at the merge).
func (t *tracer) raw(lines []byte) {
	if t.err == nil {
		_, t.err = t.w.Write(lines)
	}
}

func (t *tracer) flush() error {
	if t == nil {
		return nil
	}
	if bw, ok := t.w.(*bufio.Writer); ok {
		if err := bw.Flush(); t.err == nil {
			t.err = err
		}
	}
	return t.err
}

// The events. Each method is a no-op on a nil tracer.

func (t *tracer) mined(tus int64, node int, hash, parent chain.Hash, height uint32, strategy string) {
	if t == nil {
		return
	}
	t.begin(tus, "mined")
	t.int("node", int64(node))
	t.hash("hash", hash)
	t.hash("parent", parent)
	t.int("height", int64(height))
	t.str("strategy", strategy)
	t.end()
}

func (t *tracer) published(tus int64, node int, hash chain.Hash) {
	if t == nil {
		return
	}
	t.begin(tus, "published")
	t.int("node", int64(node))
	t.hash("hash", hash)
	t.end()
}

func (t *tracer) tip(tus int64, node int, hash chain.Hash, height uint32) {
	if t == nil {
		return
	}
	t.begin(tus, "tip")
	t.int("node", int64(node))
	t.hash("hash", hash)
	t.int("height", int64(height))
	t.end()
}

func (t *tracer) reorg(tus int64, node, depth int, from, to chain.Hash) {
	if t == nil {
		return
	}
	t.begin(tus, "reorg")
	t.int("node", int64(node))
	t.int("depth", int64(depth))
	t.hash("from", from)
	t.hash("to", to)
	t.end()
}

func (t *tracer) partition(tus int64, groups [][]int) {
	if t == nil {
		return
	}
	t.begin(tus, "partition")
	t.groups("groups", groups)
	t.end()
}

func (t *tracer) heal(tus int64) {
	if t == nil {
		return
	}
	t.begin(tus, "heal")
	t.end()
}

func (t *tracer) nodeEvent(tus int64, ev string, node int) {
	if t == nil {
		return
	}
	t.begin(tus, ev)
	t.int("node", int64(node))
	t.end()
}

func (t *tracer) link(tus int64, ev string, from, to int) {
	if t == nil {
		return
	}
	t.begin(tus, ev)
	t.int("from", int64(from))
	t.int("to", int64(to))
	t.end()
}

// message writes a sent or received line: the message's type, size and,
// when it concerns one block or transaction, its hash.
func (t *tracer) message(tus int64, ev string, from, to int, kind string, size int, hash *chain.Hash) {
	if t == nil {
		return
	}
	t.begin(tus, ev)
	t.int("from", int64(from))
	t.int("to", int64(to))
	t.str("msg", kind)
	t.int("bytes", int64(size))
	if hash != nil {
		t.hash("hash", *hash)
	}
	t.end()
}

func (t *tracer) tx(tus int64, node int, txid chain.Hash) {
	if t == nil {
		return
	}
	t.begin(tus, "tx")
	t.int("node", int64(node))
	t.hash("txid", txid)
	t.end()
}

func (t *tracer) penalised(tus int64, node, peer, points int, reason string) {
	if t == nil {
		return
	}
	t.begin(tus, "penalised")
	t.int("node", int64(node))
	t.int("peer", int64(peer))
	t.int("points", int64(points))
	t.str("reason", reason)
	t.end()
}
