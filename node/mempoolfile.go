package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/devchain/devchain/chain"
)

// The mempool survives a crash: every transaction the pool accepts is
// appended to DATADIR/mempool.dat (a uvarint length, then the
// transaction's serialization) before the node answers or relays it, with
// one write(2), so a SIGKILL at any moment keeps every transaction a caller
// was told was accepted (only a power loss before the page cache reaches
// the disk can lose the tail). At start the file is replayed into the pool:
// transactions confirmed or conflicted in the meantime are dropped, and the
// file is rewritten with what the pool holds. It is rewritten the same way
// whenever it grows well beyond the pool. A damaged tail (a write cut by a
// crash) ends the replay there.
//
// Transactions restored at start, and those accepted from the local user
// while no peer could hear them (networking off, or no peer on the
// transaction topic yet), are "unbroadcast": they are gossiped as soon as a
// peer is there to hear them, since gossip does not repeat what was
// published before a peer joined and sync carries only blocks.

// mempoolFileName is the mempool's file in the datadir.
const mempoolFileName = "mempool.dat"

// mempoolFileMinCompact is the file size below which it is never rewritten
// at run time.
const mempoolFileMinCompact = 4 << 20

// maxMempoolRecord bounds one record: no transaction is larger than a block.
const maxMempoolRecord = 32 << 20

// mempoolFile is the append-only log of accepted transactions.
type mempoolFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
	size int64
}

// readMempoolFile returns the transactions recorded in path, in order, up
// to the first damaged record.
func readMempoolFile(path string) ([]*chain.Transaction, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: read %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var txs []*chain.Transaction
	for {
		n, width, err := readRecordLength(r)
		if err != nil || n == 0 || n > maxMempoolRecord || width != len(binary.AppendUvarint(nil, n)) {
			return txs, nil // end of file, or a tail cut by a crash
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return txs, nil
		}
		tx, err := chain.DecodeTransaction(buf)
		if err != nil || !canonicalRecord(n, buf, tx) {
			return txs, nil
		}
		txs = append(txs, tx)
	}
}

// rewrite replaces the file with txs (write to a temporary file, rename)
// and keeps it open for appends.
func (m *mempoolFile) rewrite(txs []*chain.Transaction) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var data []byte
	for _, tx := range txs {
		data = appendMempoolRecord(data, tx)
	}
	tmp := m.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("node: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, m.path); err != nil {
		return fmt.Errorf("node: write %s: %w", m.path, err)
	}
	f, err := os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("node: open %s: %w", m.path, err)
	}
	if m.f != nil {
		m.f.Close()
	}
	m.f, m.size = f, int64(len(data))
	return nil
}

// readRecordLength reads a record's uvarint length and the number of bytes
// it took, so a padded (non-minimal) length can be refused.
func readRecordLength(r io.ByteReader) (n uint64, width int, err error) {
	var raw [binary.MaxVarintLen64]byte
	for width < len(raw) {
		b, err := r.ReadByte()
		if err != nil {
			return 0, width, err
		}
		raw[width] = b
		width++
		if b < 0x80 {
			n, k := binary.Uvarint(raw[:width])
			if k <= 0 {
				return 0, width, errors.New("node: mempool record length overflows")
			}
			return n, width, nil
		}
	}
	return 0, width, errors.New("node: mempool record length overflows")
}

// canonicalRecord reports whether a record is byte for byte what
// appendMempoolRecord writes for tx. Anything else (a transaction the
// decoder tolerates in a non-canonical form, a padded length) was not
// written by this node and counts as damage, so replay never turns bytes
// into a transaction other than the one recorded.
func canonicalRecord(n uint64, buf []byte, tx *chain.Transaction) bool {
	return n == uint64(len(buf)) && bytes.Equal(tx.Serialize(), buf)
}

func appendMempoolRecord(b []byte, tx *chain.Transaction) []byte {
	raw := tx.Serialize()
	b = binary.AppendUvarint(b, uint64(len(raw)))
	return append(b, raw...)
}

// append records accepted transactions with one write.
func (m *mempoolFile) append(txs []*chain.Transaction) error {
	var data []byte
	for _, tx := range txs {
		data = appendMempoolRecord(data, tx)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return nil
	}
	n, err := m.f.Write(data)
	m.size += int64(n)
	if err != nil {
		return fmt.Errorf("node: append to %s: %w", m.path, err)
	}
	return nil
}

func (m *mempoolFile) bytes() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.size
}

func (m *mempoolFile) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return nil
	}
	err := m.f.Close()
	m.f = nil
	return err
}

// restoreMempool replays DATADIR/mempool.dat into the pool and rewrites the
// file with what the pool kept. It runs before the network starts.
func (n *Node) restoreMempool() error {
	path := filepath.Join(n.cfg.DataDir, mempoolFileName)
	txs, err := readMempoolFile(path)
	if err != nil {
		return err
	}
	n.mp.file = &mempoolFile{path: path}
	kept := 0
	for _, tx := range txs {
		n.mu.RLock()
		entries, err := n.pool.Accept(tx, n.engine, n.now())
		n.mu.RUnlock()
		if err == nil {
			kept += len(entries)
			for _, e := range entries {
				n.mp.markUnbroadcast(e.TxID)
			}
		}
	}
	if len(txs) > 0 {
		n.log.Info("mempool_restored", "read", len(txs), "kept", kept)
	}
	return n.compactMempoolFile()
}

// compactMempoolFile rewrites the file with the pool's transactions, in
// arrival order (parents before children).
func (n *Node) compactMempoolFile() error {
	entries := n.pool.Entries()
	txs := make([]*chain.Transaction, len(entries))
	for i, e := range entries {
		txs[i] = e.Tx
	}
	return n.mp.file.rewrite(txs)
}

// mempoolState is the node's crash-safe mempool bookkeeping.
type mempoolState struct {
	file *mempoolFile

	mu          sync.Mutex
	unbroadcast map[chain.Hash]struct{}

	stop context.CancelFunc
	done chan struct{}
}

// markUnbroadcast remembers pool transactions to gossip once a peer can
// hear them.
func (m *mempoolState) markUnbroadcast(txids ...chain.Hash) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unbroadcast == nil {
		m.unbroadcast = map[chain.Hash]struct{}{}
	}
	for _, id := range txids {
		m.unbroadcast[id] = struct{}{}
	}
}

// recordAccepted appends newly accepted transactions to the file; those
// of local origin that no peer could hear are kept for a later broadcast.
func (n *Node) recordAccepted(txs []*chain.Transaction, from origin) {
	if n.mp.file == nil || len(txs) == 0 {
		return
	}
	if err := n.mp.file.append(txs); err != nil {
		n.log.Error("mempool_file_failed", "err", err)
	}
	if from == fromLocal && (!n.host.NetworkActive() || n.host.TxTopicPeers() == 0) {
		for _, tx := range txs {
			n.mp.markUnbroadcast(tx.TxID())
		}
	}
}

// startMempoolUpkeep starts the goroutine that gossips the unbroadcast
// transactions once a peer listens on the transaction topic, and rewrites
// the mempool file when it has grown well beyond the pool.
func (n *Node) startMempoolUpkeep() {
	ctx, cancel := context.WithCancel(context.Background())
	n.mp.stop, n.mp.done = cancel, make(chan struct{})
	go func() {
		defer close(n.mp.done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			n.broadcastPending()
			if size := n.mp.file.bytes(); size > mempoolFileMinCompact && size > 4*n.pool.Info().Bytes {
				if err := n.compactMempoolFile(); err != nil {
					n.log.Error("mempool_file_failed", "err", err)
				}
			}
		}
	}()
}

// stopMempoolUpkeep stops the upkeep goroutine and closes the file.
func (n *Node) stopMempoolUpkeep() {
	if n.mp.stop != nil {
		n.mp.stop()
		<-n.mp.done
	}
	if n.mp.file != nil {
		n.mp.file.close()
	}
}

// broadcastPending gossips the unbroadcast transactions still in the pool
// when a peer listens on the transaction topic.
func (n *Node) broadcastPending() {
	if !n.host.NetworkActive() || n.host.TxTopicPeers() == 0 {
		return
	}
	n.mp.mu.Lock()
	pending := n.mp.unbroadcast
	n.mp.unbroadcast = nil
	n.mp.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	sent := 0
	for _, e := range n.pool.Entries() { // arrival order: parents first
		if _, ok := pending[e.TxID]; !ok {
			continue
		}
		if err := n.host.PublishTx(e.Tx.Serialize()); err != nil {
			n.log.Warn("publish_failed", "txid", e.TxID, "err", err)
			n.mp.markUnbroadcast(e.TxID)
			continue
		}
		sent++
	}
	if sent > 0 {
		n.log.Info("mempool_rebroadcast", "txs", sent)
	}
}
