package badgerstore

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devchain/devchain/chain"
)

// The flush mark records, outside Badger's own files, the tip the store
// last made durable: FLUSHED in the store's directory, one line with the
// tip's height and hash and a CRC-32 of both. It is written (to a
// temporary file, fsynced, renamed) only after Badger was synced, so it
// never claims more than the disk holds. At open, a store that lacks the
// marked block holds less than it did: Badger lost data (a damaged or
// replaced MANIFEST, a deleted file), and the open is refused instead of
// starting from an older chain.
const markName = "FLUSHED"

// flushMark is the content of FLUSHED.
type flushMark struct {
	Height uint32
	Tip    chain.Hash
}

func (m flushMark) payload() string { return fmt.Sprintf("height %d tip %s", m.Height, m.Tip) }

func (m flushMark) encode() []byte {
	p := m.payload()
	return fmt.Appendf(nil, "%s crc32 %08x\n", p, crc32.ChecksumIEEE([]byte(p)))
}

// readMark reads dir's flush mark; ok is false when there is none.
func readMark(dir string) (m flushMark, ok bool, err error) {
	path := filepath.Join(dir, markName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("store: %w", err)
	}
	m, err = parseMark(path, data)
	return m, err == nil, err
}

// parseMark decodes a flush mark read from path.
func parseMark(path string, data []byte) (flushMark, error) {
	bad := func(why string) (flushMark, error) {
		return flushMark{}, fmt.Errorf("%w: %s: %s (%q); it records the tip last flushed: delete it only if the store is known good",
			ErrDamaged, path, why, strings.TrimSpace(string(data)))
	}
	f := strings.Fields(string(data))
	if len(f) != 6 || f[0] != "height" || f[2] != "tip" || f[4] != "crc32" {
		return bad("not a flush mark")
	}
	h, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		return bad("bad height")
	}
	tip, err := chain.ParseHash(f[3])
	if err != nil {
		return bad("bad tip hash")
	}
	m := flushMark{Height: uint32(h), Tip: tip}
	if fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(m.payload()))) != f[5] {
		return bad("checksum mismatch")
	}
	if !bytes.Equal(bytes.TrimSpace(data), bytes.TrimSpace(m.encode())) {
		return bad("not written by this store")
	}
	return m, nil
}

// writeMark replaces dir's flush mark durably.
func writeMark(dir string, m flushMark) error {
	path := filepath.Join(dir, markName)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("store: flush mark: %w", err)
	}
	_, err = f.Write(m.encode())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("store: flush mark: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
